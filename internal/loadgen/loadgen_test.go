package loadgen_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"talentd/internal/loadgen"
)

// stallingServer answers one request at a time and holds the stallAt-th for a second, so every
// request that arrives meanwhile waits behind it: a server that stalls once.
type stallingServer struct {
	*httptest.Server
	mu                   sync.Mutex
	count                atomic.Int64
	stallStart, stallEnd time.Time
}

func newStallingServer(t *testing.T, stallAt int64) *stallingServer {
	s := &stallingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.count.Add(1) == stallAt {
			s.stallStart = time.Now()
			time.Sleep(time.Second)
			s.stallEnd = time.Now()
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s
}

func get(client *http.Client, url string) loadgen.Send {
	return loadgen.HTTP(client, func(ctx context.Context, _ int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	})
}

// TestOpenLoop_CountsTheStall is the coordinated-omission check: when the server stalls, the
// requests that fell due during the stall cannot complete before it ends, so each one's recorded
// latency must be at least the time from its scheduled send to the end of the stall — also when
// the generator's workers are all stuck and the requests go out late. A harness that starts the
// clock when a worker gets round to a request records them as fast.
func TestOpenLoop_CountsTheStall(t *testing.T) {
	t.Parallel()
	srv := newStallingServer(t, 40)
	const workers = 8
	o := loadgen.OpenLoop{Rate: 200, N: 600, Workers: workers}
	r := o.Run(context.Background(), get(srv.Client(), srv.URL))

	if len(r.Samples) != o.N {
		t.Fatalf("%d samples, want %d", len(r.Samples), o.N)
	}
	if n := r.Failed(); n > 0 {
		t.Fatalf("%d requests failed", n)
	}
	srv.mu.Lock()
	stallStart, stallEnd := srv.stallStart, srv.stallEnd
	srv.mu.Unlock()
	if stallEnd.IsZero() {
		t.Fatal("the server never stalled")
	}
	inStall := 0
	for i, s := range r.Samples {
		due := r.Start.Add(time.Duration(i) * r.Interval)
		if !s.Scheduled.Equal(due) {
			t.Fatalf("request %d scheduled at %v, want start + %d intervals", i, s.Scheduled.Sub(r.Start), i)
		}
		if due.Before(stallStart) || !due.Before(stallEnd) {
			continue
		}
		inStall++
		if floor := stallEnd.Sub(due); s.Latency < floor {
			t.Errorf("request %d, due %v into the stall, recorded %v; it cannot have completed before the stall ended %v after it was due",
				i, due.Sub(stallStart), s.Latency, floor)
		}
	}
	// With more requests due during the stall than there are workers, some could not even be
	// sent on time, and the run must say so.
	if inStall < workers+2 {
		t.Fatalf("only %d requests were due during the stall; the schedule should cover it", inStall)
	}
	if r.Late() == 0 {
		t.Errorf("no request counted late, though %d fell due while all %d workers were stuck", inStall, workers)
	}
	if lag := r.LagSummary(); lag.Max <= r.Interval {
		t.Errorf("the latest send was %v after its time, though %d fell due while all %d workers were stuck", lag.Max, inStall, workers)
	}
}

// TestOpenLoop_NeverEarly checks the schedule itself: request i is due at start + i/rate and no
// request is sent before it is due, so a fast server sees the target rate, not a burst.
func TestOpenLoop_NeverEarly(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	o := loadgen.OpenLoop{Rate: 500, N: 200, Workers: 16}
	r := o.Run(context.Background(), get(srv.Client(), srv.URL))
	if r.Interval != 2*time.Millisecond {
		t.Fatalf("interval %v at 500/s", r.Interval)
	}
	for i, s := range r.Samples {
		if want := r.Start.Add(time.Duration(i) * r.Interval); !s.Scheduled.Equal(want) {
			t.Fatalf("request %d scheduled %v after start, want %v", i, s.Scheduled.Sub(r.Start), want.Sub(r.Start))
		}
		if s.Sent.Before(s.Scheduled) {
			t.Errorf("request %d sent %v before it was due", i, s.Scheduled.Sub(s.Sent))
		}
		if s.Err != nil {
			t.Errorf("request %d: %v", i, s.Err)
		}
	}
	// The last request cannot complete before it is due, (N−1) intervals after the start.
	if got, ceiling := r.Achieved(), float64(o.N)/(time.Duration(o.N-1)*r.Interval).Seconds(); got <= 0 || got > ceiling {
		t.Errorf("achieved %.1f/s, impossible for %d requests due over %v", got, o.N, time.Duration(o.N-1)*r.Interval)
	}
}

// TestOpenLoop_StopsWithContext: once the context is done the rest of the schedule is recorded as
// failed at once rather than slept through (a thousand requests, one every thousand seconds,
// would outlast any test timeout).
func TestOpenLoop_StopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var sent atomic.Int64
	r := loadgen.OpenLoop{Rate: 0.001, N: 1000, Workers: 4}.Run(ctx, func(context.Context, int) error {
		sent.Add(1)
		cancel()
		return nil
	})
	if sent.Load() != 1 || r.Failed() != 999 {
		t.Errorf("sent %d, failed %d; want the first sent and the other 999 failed", sent.Load(), r.Failed())
	}
	for _, s := range r.Samples[1:] {
		if !errors.Is(s.Err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", s.Err)
		}
	}
}

// TestClosedLoop runs busy workers for a while and records every request.
func TestClosedLoop(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	t.Cleanup(srv.Close)
	r := loadgen.Closed(context.Background(), 4, 200*time.Millisecond, get(srv.Client(), srv.URL))
	if len(r.Samples) == 0 || int64(len(r.Samples)) != served.Load() {
		t.Fatalf("%d samples for %d requests served", len(r.Samples), served.Load())
	}
	for i, s := range r.Samples {
		if s.Err != nil || s.Latency <= 0 || !s.Sent.Equal(s.Scheduled) {
			t.Fatalf("sample %d: %+v", i, s)
		}
	}
	if r.Failed() != 0 || r.Late() != 0 {
		t.Errorf("failed %d, late %d", r.Failed(), r.Late())
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	ms := func(n int) []time.Duration {
		d := make([]time.Duration, n)
		for i := range d {
			d[n-1-i] = time.Duration(i+1) * time.Millisecond // descending: Summarize must sort
		}
		return d
	}
	t.Run("Thousand", func(t *testing.T) {
		s := loadgen.Summarize(ms(1000))
		want := loadgen.Summary{N: 1000, P50: 500 * time.Millisecond, P90: 900 * time.Millisecond,
			P99: 990 * time.Millisecond, P999: 999 * time.Millisecond, Max: 1000 * time.Millisecond}
		if s != want {
			t.Errorf("got %+v, want %+v", s, want)
		}
		if !s.Resolves(0.99) || !s.Resolves(0.999) {
			t.Error("1000 samples resolve p99 and p99.9")
		}
	})
	t.Run("TenThousandExactRanks", func(t *testing.T) {
		s := loadgen.Summarize(ms(10000))
		if s.P99 != 9900*time.Millisecond || s.P999 != 9990*time.Millisecond {
			t.Errorf("p99 %v p99.9 %v, want 9.9s and 9.99s", s.P99, s.P999)
		}
	})
	t.Run("HundredCannotResolveP999", func(t *testing.T) {
		s := loadgen.Summarize(ms(100))
		if s.P99 == s.Max || s.P99 != 99*time.Millisecond {
			t.Errorf("p99 of 100 samples %v (max %v)", s.P99, s.Max)
		}
		if s.Resolves(0.999) {
			t.Error("p99.9 of 100 samples is the maximum; it must not count as resolved")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if s := loadgen.Summarize(nil); s != (loadgen.Summary{}) || s.Resolves(0.5) {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("ReportLeavesOutUnresolved", func(t *testing.T) {
		got := metrics{}
		loadgen.Summarize(ms(100)).Report(got, "x")
		if _, ok := got["x-p99.9-ms"]; ok {
			t.Error("reported a p99.9 that is the maximum")
		}
		if got["x-n"] != 100 || got["x-p99-ms"] != 99 || got["x-max-ms"] != 100 {
			t.Errorf("got %v", got)
		}
	})
}

type metrics map[string]float64

func (m metrics) ReportMetric(n float64, unit string) { m[unit] = n }
