package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"talentd/internal/auth"
	"talentd/internal/pgtest"
	"talentd/internal/postgres"
)

// verifyFixture is the demo district served over loopback HTTP, with a window's API key and the
// tokens of every card.
type verifyFixture struct {
	url       string
	dbURL     string
	key       string // a service window's
	officeKey string
	tokens    []string
	serial    string
}

func newVerifyFixture(b *testing.B) *verifyFixture {
	b.Helper()
	dbURL := pgtest.NewURL(b)
	db, err := postgres.Open(context.Background(), dbURL, postgres.PoolConfig{MaxOpenConns: 20, MaxIdleConns: 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	log := discardLog()
	svc, err := newServices(db, testSecrets(), &config{CardValidity: "A=5,B=5,C=3,D=3"}, log)
	if err != nil {
		b.Fatal(err)
	}
	if err := seedDemo(context.Background(), svc, io.Discard, log); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(newHTTP(db, svc, log).Handler)
	b.Cleanup(srv.Close)
	f := &verifyFixture{url: srv.URL, dbURL: dbURL}
	for user, key := range map[string]*string{"window": &f.key, "talent-office": &f.officeKey} {
		var id int64
		if err := db.Get(&id, `SELECT id FROM accounts WHERE username = $1`, user); err != nil {
			b.Fatal(err)
		}
		if _, *key, err = svc.accounts.CreateAPIKey(auth.WithPrincipal(context.Background(), auth.System), id, "bench", nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Select(&f.tokens, `SELECT v.token FROM cards c JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version`); err != nil || len(f.tokens) == 0 {
		b.Fatalf("tokens: %d %v", len(f.tokens), err)
	}
	if err := db.Get(&f.serial, `SELECT serial FROM cards ORDER BY id LIMIT 1`); err != nil {
		b.Fatal(err)
	}
	return f
}

// load sends verifications from workers for d (closed loop), or at a fixed rate when perSecond > 0
// (open loop: a request is due every 1/perSecond whether or not earlier ones returned). It
// returns the completed count and the sorted latencies in milliseconds.
func (f *verifyFixture) load(b *testing.B, workers int, d time.Duration, perSecond int) (int, []float64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	var (
		mu    sync.Mutex
		lats  []float64
		done  atomic.Int64
		fails atomic.Int64
		next  atomic.Int64
	)
	var ticks chan struct{}
	if perSecond > 0 {
		ticks = make(chan struct{}, workers*4)
		go func() {
			defer close(ticks)
			interval := time.Second / time.Duration(perSecond)
			end := time.Now().Add(d)
			for t := time.Now(); t.Before(end); t = t.Add(interval) {
				time.Sleep(time.Until(t))
				ticks <- struct{}{}
			}
		}()
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]float64, 0, 4096)
			for {
				if ticks != nil {
					if _, ok := <-ticks; !ok {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				tok := f.tokens[int(next.Add(1))%len(f.tokens)]
				body, _ := json.Marshal(map[string]string{"token": tok, "window": "bench"})
				req, _ := http.NewRequest("POST", f.url+"/v1/greencard/verify", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+f.key)
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					fails.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					fails.Add(1)
					continue
				}
				local = append(local, float64(time.Since(start).Microseconds())/1000)
				done.Add(1)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := fails.Load(); n > 0 {
		b.Fatalf("%d verifications failed", n)
	}
	slices.Sort(lats)
	return int(done.Load()), lats
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbenchSelect measures `pgbench -S -M prepared` TPS against the same server (in the fixture's
// own database), the yardstick the verification throughput is compared with.
func pgbenchSelect(b *testing.B, dbURL string, clients int, d time.Duration) float64 {
	bin, err := postgres.FindBinaries()
	if err != nil {
		b.Skip(err)
	}
	pgbench := filepath.Join(bin, "pgbench")
	if out, err := exec.Command(pgbench, "-i", "-q", "-s", "10", dbURL).CombinedOutput(); err != nil {
		b.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	out, err := exec.Command(pgbench, "-S", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Seconds())), dbURL).CombinedOutput()
	if err != nil {
		b.Fatalf("pgbench -S: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("no tps in pgbench output:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps
}

// BenchmarkVerifyHTTP measures card verification over loopback HTTP — peak throughput with
// latencies, then latency at a steady 1,000 verifications/s — beside `pgbench -S -M prepared` on
// the same server in the same run.
func BenchmarkVerifyHTTP(b *testing.B) {
	f := newVerifyFixture(b)
	const d = 5 * time.Second
	f.load(b, 8, time.Second, 0) // warm the pools and caches
	b.ResetTimer()
	var peak, rate float64
	var lats, steady []float64
	for range b.N {
		n, l := f.load(b, 16, d, 0)
		peak, lats = float64(n)/d.Seconds(), l
		_, steady = f.load(b, 16, d, 1000)
	}
	b.StopTimer()
	tps := pgbenchSelect(b, f.dbURL, 16, d)
	rate = peak / tps
	b.ReportMetric(peak, "verify/s")
	b.ReportMetric(pct(lats, 0.5), "peak-p50-ms")
	b.ReportMetric(pct(lats, 0.99), "peak-p99-ms")
	b.ReportMetric(pct(steady, 0.5), "1k/s-p50-ms")
	b.ReportMetric(pct(steady, 0.99), "1k/s-p99-ms")
	b.ReportMetric(tps, "pgbench-S-tps")
	b.ReportMetric(rate, "verify/pgbench")
}

// BenchmarkCardPage measures the printable card page served over loopback HTTP (its QR encoded
// once and cached).
func BenchmarkCardPage(b *testing.B) {
	f := newVerifyFixture(b)
	client := &http.Client{}
	get := func() {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/greencard/cards/%s/print", f.url, f.serial), nil)
		req.Header.Set("Authorization", "Bearer "+f.officeKey)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("print: %d", res.StatusCode)
		}
	}
	get()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		get()
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
}
