package loadgen

import (
	"math"
	"slices"
	"time"
)

// Summary is the latency distribution of one measurement: how many samples, the usual percentiles
// and the maximum.
type Summary struct {
	N                        int
	P50, P90, P99, P999, Max time.Duration
}

// Summarize sorts a copy of the latencies and reads the percentiles off it (nearest rank).
func Summarize(latencies []time.Duration) Summary {
	s := slices.Clone(latencies)
	slices.Sort(s)
	sum := Summary{N: len(s)}
	if len(s) == 0 {
		return sum
	}
	sum.P50 = Percentile(s, 0.50)
	sum.P90 = Percentile(s, 0.90)
	sum.P99 = Percentile(s, 0.99)
	sum.P999 = Percentile(s, 0.999)
	sum.Max = s[len(s)-1]
	return sum
}

// Rank is the index in n sorted samples of the nearest-rank p-quantile (0 < p ≤ 1): the smallest
// sample with at least a fraction p of all samples at or below it.
func Rank(n int, p float64) int {
	if n == 0 {
		return 0
	}
	// The epsilon keeps a product such as 0.99 × 10000 from rounding up past an exact rank.
	r := int(math.Ceil(p*float64(n)-1e-9)) - 1
	return min(max(r, 0), n-1)
}

// Percentile returns the nearest-rank p-quantile of latencies already sorted ascending (zero when
// there are none).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[Rank(len(sorted), p)]
}

// Resolves reports whether the summary has enough samples for the p-quantile to be something
// other than the maximum: with too few, "p99" only repeats the single worst sample.
func (s Summary) Resolves(p float64) bool { return s.N > 1 && Rank(s.N, p) < s.N-1 }

// Reporter is what a benchmark reports metrics through (*testing.B), named here so that this
// package does not depend on package testing.
type Reporter interface {
	ReportMetric(n float64, unit string)
}

// Report reports the summary as metrics named prefix-n, prefix-p50-ms … prefix-max-ms (n,
// p50-ms … with an empty prefix); a percentile that the sample count does not resolve (it would
// be the maximum) is left out rather than reported as if it meant something.
func (s Summary) Report(r Reporter, prefix string) {
	if prefix != "" {
		prefix += "-"
	}
	r.ReportMetric(float64(s.N), prefix+"n")
	for _, q := range []struct {
		name string
		p    float64
		v    time.Duration
	}{{"p50", 0.50, s.P50}, {"p90", 0.90, s.P90}, {"p99", 0.99, s.P99}, {"p99.9", 0.999, s.P999}} {
		if s.Resolves(q.p) {
			r.ReportMetric(Millis(q.v), prefix+q.name+"-ms")
		}
	}
	r.ReportMetric(Millis(s.Max), prefix+"max-ms")
}

// Millis converts a duration to fractional milliseconds, the unit the benchmarks report.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
