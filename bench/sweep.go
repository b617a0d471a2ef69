package bench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SweepOptions configure a sweep of the pipelines in flight.
type SweepOptions struct {
	// InFlight are the steps: pipelines in flight at each.
	InFlight []int
	// N pipelines are measured at each step, with the ramp around them.
	N int
	// Pause between steps, for the last step's trailing work (flushes,
	// timeout timers) to end before the next is measured; zero means
	// baselineTimeout.
	Pause time.Duration
	// Cores is the machine's processors, which the busy cores are a share
	// of; zero means runtime.NumCPU.
	Cores int
	Log   io.Writer
}

// SweepStep is what one step of a sweep measured.
type SweepStep struct {
	C        int     `json:"in_flight"`
	Puente   Phase   `json:"puente"`
	Submit   Latency `json:"submit_latency"`
	Decision Latency `json:"decision_latency"`
	// Cores are the processors each process kept busy on average.
	Cores map[string]float64 `json:"cores_by_process"`
	// LoadAverage is the machine's one-minute load average at the step's
	// end: well over the cores busy here, something else ran too.
	LoadAverage float64 `json:"load_average"`
}

// busy is the processors all processes kept busy together.
func (s SweepStep) busy() float64 {
	t := 0.0
	for _, c := range s.Cores {
		t += c
	}
	return t
}

// SweepResult is a sweep, and where it saturated.
type SweepResult struct {
	Topology string      `json:"topology"`
	Cores    int         `json:"machine_cores"`
	Steps    []SweepStep `json:"steps"`
	// Saturation is the fewest pipelines in flight that reach 90 % of the
	// sweep's highest throughput: past it, more in flight adds latency, not
	// pipelines.
	Saturation int `json:"saturation_in_flight"`
	// Bottleneck is the process that kept most processors busy at the
	// saturation step; BusyCores all of them together there.
	Bottleneck      string  `json:"bottleneck"`
	BottleneckCores float64 `json:"bottleneck_cores"`
	BusyCores       float64 `json:"busy_cores"`
}

// Sweep runs Puente's pipelines on t at each step's number in flight (no
// baseline) and finds where throughput stops growing and which process
// uses the machine most there.
func Sweep(ctx context.Context, o SweepOptions, t Target) (*SweepResult, error) {
	if o.Cores == 0 {
		o.Cores = runtime.NumCPU()
	}
	pause := o.Pause
	if pause == 0 {
		pause = baselineTimeout
	}
	res := &SweepResult{Topology: t.Topology, Cores: o.Cores}
	for i, c := range o.InFlight {
		if i > 0 {
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		fmt.Fprintf(o.Log, "sweep: %d pipelines over HTTP, %d at a time (and %d of ramp)…\n", o.N, c, 2*c)
		var rec, ramp recorder
		ph, err := t.Meter.measure(func() Phase {
			return runSteady(o.N, c, func(i int, measured bool) error {
				if measured {
					return pipelineOnce(ctx, t.Driver, i, &rec)
				}
				return pipelineOnce(ctx, t.Driver, i, &ramp)
			})
		})
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res.Steps = append(res.Steps, SweepStep{C: c, Puente: ph, Submit: summarize(rec.get("submit")),
			Decision: summarize(rec.get("decision")), Cores: ph.Cores(), LoadAverage: loadAverage()})
	}
	res.saturation()
	return res, nil
}

// saturation finds the saturation step and its busiest process.
func (r *SweepResult) saturation() {
	best := 0.0
	for _, s := range r.Steps {
		best = max(best, s.Puente.PipelinesPerSec)
	}
	for _, s := range r.Steps {
		if s.Puente.PipelinesPerSec < 0.9*best {
			continue
		}
		r.Saturation, r.BusyCores = s.C, s.busy()
		for _, name := range processOrder(s.Cores) {
			if s.Cores[name] > r.BottleneckCores {
				r.Bottleneck, r.BottleneckCores = name, s.Cores[name]
			}
		}
		return
	}
}

// loadAverage is the machine's one-minute load average, or 0 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// processOrder lists a target's processes: Temporal, PostgreSQL, Puente's
// by name, then the load.
func processOrder[V any](m map[string]V) []string {
	rank := func(n string) int {
		switch n {
		case ProcTemporal:
			return 0
		case ProcPostgreSQL:
			return 1
		case ProcLoad:
			return 3
		}
		return 2
	}
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
}

// Print writes the sweep as two tables, throughput and latency then the
// processor time of each process, and names the saturation.
func (r *SweepResult) Print(w io.Writer) {
	if len(r.Steps) == 0 {
		return
	}
	names := processOrder(r.Steps[len(r.Steps)-1].Cores)
	fmt.Fprintf(w, "\nsweep of pipelines in flight, %d measured per step, on %s (%d cores)\n", r.Steps[0].Puente.Pipelines, r.Topology, r.Cores)
	fmt.Fprintf(w, "  %9s %12s %8s %22s %22s %11s %9s\n", "in flight", "pipelines/s", "errors", "decision p50 / p99 ms", "submit p50 / p99 ms",
		"cores busy", "load avg")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "  %9d %12.2f %8d %22s %22s %11s %9.1f\n", s.C, s.Puente.PipelinesPerSec, s.Puente.Errors,
			fmt.Sprintf("%.1f / %.1f", s.Decision.P50, s.Decision.P99), fmt.Sprintf("%.1f / %.1f", s.Submit.P50, s.Submit.P99),
			fmt.Sprintf("%.2f of %d", s.busy(), r.Cores), s.LoadAverage)
	}
	fmt.Fprintf(w, "  CPU per pipeline (ms) and cores busy, by process\n  %9s", "in flight")
	for _, n := range names {
		fmt.Fprintf(w, " %15s", n)
	}
	fmt.Fprintln(w)
	for _, s := range r.Steps {
		fmt.Fprintf(w, "  %9d", s.C)
		for _, n := range names {
			fmt.Fprintf(w, " %15s", fmt.Sprintf("%.1f  %.2f", s.Puente.CPU.ByProcess[n], s.Cores[n]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  saturates at %d in flight (the fewest reaching 90 %% of the most pipelines/s); there the busiest process is %s, "+
		"%.2f of %d cores, and all together keep %.2f busy\n", r.Saturation, r.Bottleneck, r.BottleneckCores, r.Cores, r.BusyCores)
}
