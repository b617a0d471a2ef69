package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// perPipeline charges each process its own time and sums Puente's
// processes, leaving the load out.
func TestPerPipelineSumsPuentesProcesses(t *testing.T) {
	before := map[string]time.Duration{ProcTemporal: time.Second, ProcPostgreSQL: 0, "api-1": 0, "worker-1": 0, ProcLoad: 0}
	after := map[string]time.Duration{ProcTemporal: 3 * time.Second, ProcPostgreSQL: time.Second, "api-1": time.Second,
		"worker-1": 3 * time.Second, ProcLoad: 5 * time.Second}
	c := perPipeline(before, after, 10)
	if c.Temporal != 200 || c.PostgreSQL != 100 || c.Puente != 400 || c.ByProcess[ProcLoad] != 500 || c.ByProcess["api-1"] != 100 {
		t.Errorf("CPU per pipeline %+v: want Temporal 200, PostgreSQL 100, Puente 400 (api-1 100 + worker-1 300), load 500 apart", c)
	}
	ph := Phase{Pipelines: 6, Ramp: 4, WallSeconds: 2, CPU: c}
	if got := ph.Cores()[ProcTemporal]; got != 1 {
		t.Errorf("Temporal kept %.2f cores busy, want 1 (2 s of CPU in 2 s)", got)
	}
}

func sweepOf(steps ...SweepStep) *SweepResult {
	r := &SweepResult{Topology: "test", Cores: 2, Steps: steps}
	r.saturation()
	return r
}

func step(c int, perSec, p50, p99 float64, cores map[string]float64) SweepStep {
	by := map[string]float64{}
	for k, v := range cores {
		by[k] = v * 10
	}
	return SweepStep{C: c, Puente: Phase{Pipelines: 100, PipelinesPerSec: perSec, WallSeconds: 10, CPU: CPU{ByProcess: by}},
		Decision: Latency{P50: p50, P99: p99}, Cores: cores}
}

// The saturation is the first step within 10 % of the most throughput, and
// its resource the process busiest there, not at the last step.
func TestSweepNamesTheFirstStepNearTheMostThroughput(t *testing.T) {
	r := sweepOf(
		step(1, 3, 20, 40, map[string]float64{ProcTemporal: 0.3, ProcPostgreSQL: 0.1, "api-1": 0.1}),
		step(5, 9.5, 40, 120, map[string]float64{ProcTemporal: 1.1, ProcPostgreSQL: 0.3, "api-1": 0.4}),
		step(20, 10, 150, 400, map[string]float64{ProcTemporal: 1.0, ProcPostgreSQL: 0.5, "api-1": 0.3}),
		step(50, 9.8, 400, 900, map[string]float64{ProcTemporal: 0.9, ProcPostgreSQL: 0.9, "api-1": 0.2}),
	)
	if r.Saturation != 5 || r.Bottleneck != ProcTemporal || r.BottleneckCores != 1.1 {
		t.Errorf("saturation at %d by %s (%.2f cores), want 5 by temporal (1.10)", r.Saturation, r.Bottleneck, r.BottleneckCores)
	}
	if r.BusyCores < 1.79 || r.BusyCores > 1.81 {
		t.Errorf("busy cores %.2f, want 1.8", r.BusyCores)
	}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{"saturates at 5 in flight", "temporal, 1.10 of 2 cores", "api-1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// The plot is well-formed SVG with both latency lines and one line per
// process, each named in the legend.
func TestSweepPlotIsSVGWithALinePerProcess(t *testing.T) {
	r := sweepOf(
		step(1, 3, 20, 40, map[string]float64{ProcTemporal: 0.3, ProcPostgreSQL: 0.1, "api-1": 0.1, ProcLoad: 0.05}),
		step(20, 10, 150, 400, map[string]float64{ProcTemporal: 1.0, ProcPostgreSQL: 0.5, "api-1": 0.3, ProcLoad: 0.1}),
	)
	var b bytes.Buffer
	if err := r.SVG(&b); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	lines := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("not well-formed XML: %v\n%s", err, b.String())
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 2+4+1 {
		t.Errorf("%d lines, want 2 latency lines, 4 processes and all together", lines)
	}
	for _, want := range []string{"decision p99", "decision p50", "temporal CPU", "postgresql CPU", "api-1 CPU", "load CPU", "10.0/s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plot lacks %q", want)
		}
	}
}
