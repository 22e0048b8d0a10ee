package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"talentd/internal/pgtest"
)

// BenchmarkLoginFlood fires 200 concurrent wrong logins over HTTP at a freshly started service and
// reports the process's peak resident memory during the flood (VmHWM, reset before each flood),
// with how the requests were answered. "spray" aims each request at a different username, "one"
// aims them all at one account.
func BenchmarkLoginFlood(b *testing.B) {
	for _, mode := range []string{"spray", "one"} {
		b.Run(mode, func(b *testing.B) {
			db := pgtest.New(b)
			log := discardLog()
			var peak float64
			statuses := map[int]int{}
			for i := range b.N {
				// A fresh service per round: the throttle of an earlier round must not answer for
				// this one.
				svc, err := newServices(db, testSecrets(), &config{}, log)
				if err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(newHTTP(db, svc, log).Handler)
				resetPeakRSS(b)
				for code, n := range loginFlood(srv.URL, 200, mode, i) {
					statuses[code] += n
				}
				peak = max(peak, peakRSSMiB(b))
				srv.Close()
			}
			b.ReportMetric(peak, "peak-RSS-MiB")
			for _, code := range []int{http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
				b.ReportMetric(float64(statuses[code])/float64(b.N), strconv.Itoa(code)+"/flood")
			}
		})
	}
}

// loginFlood sends n wrong logins at once and counts the answers by status.
func loginFlood(url string, n int, mode string, round int) map[int]int {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		out   = map[int]int{}
		errs  atomic.Int64
	)
	for i := range n {
		user := "admin"
		if mode == "spray" {
			user = fmt.Sprintf("nobody-%d-%03d", round, i)
		}
		body, _ := json.Marshal(map[string]string{"username": user, "password": fmt.Sprintf("wrong-guess-%03d", i)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := client.Post(url+"/v1/auth/login", "application/json", bytes.NewReader(body))
			if err != nil {
				errs.Add(1)
				return
			}
			res.Body.Close()
			mu.Lock()
			out[res.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if e := errs.Load(); e > 0 {
		out[0] += int(e)
	}
	return out
}

// resetPeakRSS returns freed memory to the system and resets VmHWM to the current RSS, so that the
// next reading is the peak of what follows rather than of earlier benchmarks.
func resetPeakRSS(b *testing.B) {
	b.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// peakRSSMiB reads VmHWM from /proc/self/status.
func peakRSSMiB(b *testing.B) float64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				b.Fatalf("VmHWM %q", rest)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
