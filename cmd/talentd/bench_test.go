package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"talentd/internal/auth"
	"talentd/internal/loadgen"
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

// verify returns a load generator's request: a window verifies card token i (round robin over
// every card).
func (f *verifyFixture) verify(client *http.Client) loadgen.Send {
	return loadgen.HTTP(client, func(ctx context.Context, i int) (*http.Request, error) {
		body, _ := json.Marshal(map[string]string{"token": f.tokens[i%len(f.tokens)], "window": "bench"})
		req, err := http.NewRequestWithContext(ctx, "POST", f.url+"/v1/greencard/verify", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.key)
		return req, nil
	})
}

// benchClient returns an HTTP client that keeps a connection per concurrent sender, so that the
// load generator, not connection set-up, decides when a request goes out.
func benchClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}}
}

// mustSucceed stops the benchmark when any request failed: latencies of a run with failures
// measure the wrong thing.
func mustSucceed(b *testing.B, what string, r loadgen.Result) {
	b.Helper()
	if n := r.Failed(); n > 0 {
		for _, s := range r.Samples {
			if s.Err != nil {
				b.Fatalf("%s: %d of %d requests failed, e.g. %v", what, n, len(r.Samples), s.Err)
			}
		}
	}
}

// pgbenchSelect measures `pgbench -S -M prepared` TPS against the same server (in the fixture's
// own database), the yardstick the verification throughput is compared with.
func pgbenchSelect(b *testing.B, dbURL string, clients int, d time.Duration) float64 {
	tps, err := pgtest.PGBench(context.Background(), dbURL, 10, "-S", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Seconds())))
	if errors.Is(err, pgtest.ErrNoPGBench) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	return tps
}

// The open-loop run: 10,000 verifications due at a steady 1,000 a second (ten seconds), so that
// p99 and p99.9 are ranks well below the maximum; 512 senders so that up to half a second of
// requests can be outstanding before the generator itself falls behind (and if it does, the
// requests it sends late are counted, and their wait is in their latency).
const (
	openRate    = 1000
	openN       = 10_000
	openWorkers = 512
)

// BenchmarkVerifyHTTP measures card verification over loopback HTTP beside `pgbench -S -M
// prepared` on the same server in the same run: peak throughput from 16 busy clients (closed
// loop, with their round-trip latencies), then latency at a steady 1,000 verifications/s (open
// loop: each request's latency runs from when it was due, so queueing behind a slow answer is
// counted), with the rate achieved and how many requests could not be sent on time.
func BenchmarkVerifyHTTP(b *testing.B) {
	f := newVerifyFixture(b)
	ctx := context.Background()
	const peakWorkers, peakFor = 16, 5 * time.Second
	warm := loadgen.Closed(ctx, 8, time.Second, f.verify(benchClient(8))) // the pools and caches
	mustSucceed(b, "warm-up", warm)
	b.ResetTimer()
	var peak, open loadgen.Result
	for range b.N {
		peak = loadgen.Closed(ctx, peakWorkers, peakFor, f.verify(benchClient(peakWorkers)))
		mustSucceed(b, "peak", peak)
		open = loadgen.OpenLoop{Rate: openRate, N: openN, Workers: openWorkers}.Run(ctx, f.verify(benchClient(openWorkers)))
		mustSucceed(b, "open loop", open)
	}
	b.StopTimer()
	tps := pgbenchSelect(b, f.dbURL, peakWorkers, peakFor)
	perSecond := peak.Achieved()
	b.ReportMetric(perSecond, "verify/s")
	peak.Summary().Report(b, "peak")
	b.ReportMetric(open.Rate, "open-target/s")
	b.ReportMetric(open.Achieved(), "open-achieved/s")
	b.ReportMetric(float64(open.Late()), "open-late")
	lag := open.LagSummary()
	b.ReportMetric(loadgen.Millis(lag.P99), "open-send-lag-p99-ms")
	b.ReportMetric(loadgen.Millis(lag.Max), "open-send-lag-max-ms")
	open.Summary().Report(b, "open")
	b.ReportMetric(tps, "pgbench-S-tps")
	b.ReportMetric(perSecond/tps, "verify/pgbench")
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
