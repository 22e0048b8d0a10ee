// Package loadgen drives a system under test for the benchmarks: an open loop that sends requests
// on a fixed schedule whether or not earlier ones have returned, a closed loop of busy workers,
// and the percentile summary both report.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Send performs request number i (0-based, in schedule order) and returns when its answer has
// been read; an error counts the request as failed.
type Send func(ctx context.Context, i int) error

// Sample is what happened to one request.
type Sample struct {
	Scheduled time.Time     // when it was due (open loop) or began (closed loop)
	Sent      time.Time     // when a worker began sending it
	Latency   time.Duration // completion − Scheduled
	Err       error
}

// Lag is how long after its scheduled time the request was actually sent.
func (s Sample) Lag() time.Duration { return s.Sent.Sub(s.Scheduled) }

// Result is the record of one run.
type Result struct {
	Samples  []Sample      // one per request (an open loop's in schedule order)
	Start    time.Time     // the first request's scheduled time
	End      time.Time     // the last completion
	Rate     float64       // the target rate per second (0 for a closed loop)
	Interval time.Duration // the target time between two requests (0 for a closed loop)
}

// OpenLoop sends N requests at Rate per second from a pool of Workers: request i is due at
// start + i/Rate whatever happened to the others. Its latency is counted from that due time, not
// from when a worker got round to it, so time spent waiting for a free worker (the system stalled,
// or the generator fell behind) shows in the figures instead of silently lowering the offered load
// — the coordinated omission of a loop that waits for answers before it sends more.
type OpenLoop struct {
	Rate    float64 // requests per second
	N       int     // requests in all
	Workers int     // concurrent senders; enough that they are not what limits the rate
}

// Run sends the requests and returns when the last one has been answered. Once ctx is done the
// requests not yet sent are recorded as failed with its error, without waiting for their time.
func (o OpenLoop) Run(ctx context.Context, send Send) Result {
	if o.Rate <= 0 || o.Workers < 1 || o.N < 0 {
		panic(fmt.Sprintf("loadgen: an open loop needs a positive rate and at least one worker, not %+v", o))
	}
	interval := time.Duration(float64(time.Second) / o.Rate)
	samples := make([]Sample, o.N)
	due := make([]time.Time, o.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range min(o.Workers, o.N) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				i := int(next.Add(1) - 1)
				if i >= o.N {
					return
				}
				if err := sleepUntil(ctx, due[i]); err != nil {
					samples[i] = Sample{Scheduled: due[i], Sent: due[i], Err: err}
					continue
				}
				sent := time.Now()
				err := send(ctx, i)
				samples[i] = Sample{Scheduled: due[i], Sent: sent, Latency: time.Since(due[i]), Err: err}
			}
		}()
	}
	// The whole schedule is fixed before the first send (the workers wait for it): when request i
	// is due never depends on how the earlier ones fared.
	t0 := time.Now()
	for i := range due {
		due[i] = t0.Add(time.Duration(i) * interval)
	}
	close(start)
	wg.Wait()
	r := Result{Samples: samples, Start: t0, Rate: o.Rate, Interval: interval}
	for _, s := range samples {
		if done := s.Scheduled.Add(s.Latency); done.After(r.End) {
			r.End = done
		}
	}
	return r
}

// sleepUntil returns at t, or with ctx's error as soon as ctx is done.
func sleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wait := time.Until(t)
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Closed runs workers that each send their next request as soon as the previous one returns, for
// d: the peak throughput. Latency here is each request's own round trip (Scheduled = Sent), which
// is all a closed loop can tell: it never offers more load than the system absorbs.
func Closed(ctx context.Context, workers int, d time.Duration, send Send) Result {
	var (
		mu      sync.Mutex
		samples []Sample
		next    atomic.Int64
		wg      sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []Sample
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				sent := time.Now()
				err := send(ctx, i)
				local = append(local, Sample{Scheduled: sent, Sent: sent, Latency: time.Since(sent), Err: err})
			}
			mu.Lock()
			samples = append(samples, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return Result{Samples: samples, Start: start, End: time.Now()}
}

// Failed counts the requests that returned an error.
func (r Result) Failed() int {
	n := 0
	for _, s := range r.Samples {
		if s.Err != nil {
			n++
		}
	}
	return n
}

// Late counts the requests of an open loop that could not be sent on time: sent more than one
// interval after they were due, because every worker was still waiting on an earlier answer or
// the generator itself fell behind. Their latency includes the wait all the same.
func (r Result) Late() int {
	if r.Interval == 0 {
		return 0
	}
	n := 0
	for _, s := range r.Samples {
		if s.Lag() > r.Interval {
			n++
		}
	}
	return n
}

// Achieved is the rate at which requests were completed: every request over the time from the
// first one's scheduled send to the last completion. It falls short of the target when the system
// (or the generator) did not keep up.
func (r Result) Achieved() float64 {
	d := r.End.Sub(r.Start)
	if d <= 0 {
		return 0
	}
	return float64(len(r.Samples)) / d.Seconds()
}

// LagSummary is the distribution of how late the requests were sent: near zero when the
// generator kept to its schedule, so the latencies are the system's; large when the generator (or
// the machine it shares with the system) fell behind.
func (r Result) LagSummary() Summary {
	lags := make([]time.Duration, 0, len(r.Samples))
	for _, s := range r.Samples {
		lags = append(lags, s.Lag())
	}
	return Summarize(lags)
}

// Summary is the latency distribution of the requests that succeeded.
func (r Result) Summary() Summary {
	lats := make([]time.Duration, 0, len(r.Samples))
	for _, s := range r.Samples {
		if s.Err == nil {
			lats = append(lats, s.Latency)
		}
	}
	return Summarize(lats)
}

// HTTP returns a Send that sends the request build makes for request i, reads the answer to the
// end (so the connection is reused, and the time includes the whole body) and fails on a status
// outside 2xx.
func HTTP(client *http.Client, build func(ctx context.Context, i int) (*http.Request, error)) Send {
	return func(ctx context.Context, i int) error {
		req, err := build(ctx, i)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return err
		}
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, res.StatusCode)
		}
		return nil
	}
}
