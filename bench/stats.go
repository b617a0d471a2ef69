// Package bench measures Puente through its real HTTP API: the scale of the
// managers' reads over 100,000 priorities, and the throughput and latency of
// complete pipelines against a bare Temporal workflow of the same shape. Its
// figures are what bench/README.md quotes; `puente bench` runs it.
package bench

import (
	"fmt"
	"slices"
	"time"
)

// Latency summarises a set of durations.
type Latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

func summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	pct := func(p float64) float64 {
		i := int(float64(len(s))*p+0.5) - 1
		i = max(0, min(i, len(s)-1))
		return ms(s[i])
	}
	return Latency{N: len(s), P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Max: ms(s[len(s)-1]),
		Mean: ms(sum / time.Duration(len(s)))}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (l Latency) String() string {
	return fmt.Sprintf("p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (n=%d)", l.P50, l.P95, l.P99, l.Max, l.N)
}
