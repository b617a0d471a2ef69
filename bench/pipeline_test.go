package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
)

// The whole benchmark on a real embedded stack, small: both sides run every
// step of their pipelines, and the result says so.
func TestPipelineDrivesBothSidesEndToEnd(t *testing.T) {
	cli := testenv.TemporalCLI(t)
	dir, err := os.MkdirTemp("", "puente-bench-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// PostgreSQL may run as another user: let it reach its data dir.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const n, c = 3, 2
	res, err := Pipeline(ctx, PipelineOptions{N: n, C: c, CLI: cli, Dir: dir, Log: io.Discard, Settle: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for name, ph := range map[string]Phase{"puente": res.Puente, "baseline": res.Baseline} {
		if ph.Pipelines != n || ph.Ramp != 2*c || ph.Errors != 0 || ph.PipelinesPerSec <= 0 {
			t.Errorf("%s phase %+v: want %d measured, %d ramp, no errors", name, ph, n, 2*c)
		}
		if ph.CPU.Temporal <= 0 || ph.CPU.Puente <= 0 {
			t.Errorf("%s phase charged no processor time: %+v", name, ph.CPU)
		}
	}
	// Only Puente writes to PostgreSQL; the baseline side sees no more than
	// its background processes' few clock ticks.
	if res.Puente.CPU.PostgreSQL <= 0 || res.Baseline.CPU.PostgreSQL > res.Puente.CPU.PostgreSQL/4 {
		t.Errorf("PostgreSQL time %v (puente) and %v (baseline): only Puente writes to it",
			res.Puente.CPU.PostgreSQL, res.Baseline.CPU.PostgreSQL)
	}
	if want := res.Puente.PipelinesPerSec / res.Baseline.PipelinesPerSec; res.Ratio != want {
		t.Errorf("ratio %v, want %v", res.Ratio, want)
	}
	counts := map[string]int{"submit": res.Submit.N, "decision": res.Decision.N, "plan": res.Plan.N,
		"baseline update": res.BaselineUpdate.N, "steps": len(res.Steps)}
	want := map[string]int{"submit": n, "decision": 9 * n, "plan": n, "baseline update": updatesPerPipeline * n, "steps": 10}
	for k, w := range want {
		if counts[k] != w {
			t.Errorf("%s: %d measured, want %d", k, counts[k], w)
		}
	}
	for name, l := range res.Steps {
		if l.N != n || l.P50 <= 0 || l.Max < l.P99 || l.P99 < l.P50 {
			t.Errorf("step %s: %+v", name, l)
		}
	}
	if res.PGBytesPerPriority <= 0 || res.PeakRSSMiB <= 0 {
		t.Errorf("PostgreSQL bytes per priority %v, peak RSS %v MiB", res.PGBytesPerPriority, res.PeakRSSMiB)
	}
	var out bytes.Buffer
	res.Print(&out)
	if !strings.Contains(out.String(), "ratio puente / baseline") || !strings.Contains(out.String(), "1 accept") {
		t.Errorf("table:\n%s", out.String())
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("JSON: %v", err)
	}
}
