package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// PipelineOptions configure the pipeline benchmark.
type PipelineOptions struct {
	// N pipelines, C at a time.
	N, C int
	// CLI is the Temporal CLI (devstack.EnsureTemporalCLI).
	CLI string
	// Dir holds the benchmark's Temporal and PostgreSQL data.
	Dir string
	Log io.Writer
	// Profile, if set, receives a CPU profile of this process during the Puente phase.
	Profile io.Writer
	// Settle is the pause between the two sides, for the baseline's timers
	// to fire; zero means baselineTimeout and two seconds more.
	Settle time.Duration
}

// Phase is one side of the comparison.
type Phase struct {
	Pipelines       int     `json:"pipelines"`
	Seconds         float64 `json:"seconds"`
	PipelinesPerSec float64 `json:"pipelines_per_sec"`
	Errors          int     `json:"errors"`
	// Ramp pipelines ran around the measured ones, unmeasured: C before
	// (they start at the same instant) and C after (so the last measured
	// ones still run with C in flight).
	Ramp int `json:"ramp_pipelines"`
	// CPU is the processor time each pipeline cost, by process, ramp included.
	CPU CPU `json:"cpu_ms_per_pipeline"`
	// WallSeconds is the whole phase's time, ramp included.
	WallSeconds float64 `json:"wall_seconds"`
}

// CPU is processor time per pipeline in milliseconds, by process: the
// Temporal server, the PostgreSQL cluster, and Puente's processes (this
// one, API, worker and load, on the embedded stack; every API and worker of
// the production topology, whose load runs apart).
type CPU struct {
	Temporal   float64 `json:"temporal"`
	PostgreSQL float64 `json:"postgresql"`
	Puente     float64 `json:"puente"`
	// ByProcess is every process's time, by the Meter's names.
	ByProcess map[string]float64 `json:"by_process"`
}

// Cores is how many processors each process kept busy on average over the
// phase, ramp included.
func (p Phase) Cores() map[string]float64 {
	out := map[string]float64{}
	if p.WallSeconds <= 0 {
		return out
	}
	n := float64(p.Pipelines + p.Ramp)
	for name, v := range p.CPU.ByProcess {
		out[name] = v * n / 1000 / p.WallSeconds
	}
	return out
}

// PipelineResult is what the pipeline benchmark measured.
type PipelineResult struct {
	// Topology says what ran Puente: the embedded stack or the production topology.
	Topology       string  `json:"topology"`
	N              int     `json:"n"`
	C              int     `json:"c"`
	Updates        int     `json:"updates_per_pipeline"`
	Puente         Phase   `json:"puente"`
	Baseline       Phase   `json:"baseline"`
	Ratio          float64 `json:"ratio"`
	Submit         Latency `json:"submit_latency"`
	Decision       Latency `json:"decision_latency"`
	Plan           Latency `json:"plan_latency"`
	BaselineUpdate Latency `json:"baseline_update_latency"`
	// RampSubmit and RampDecision are the unmeasured ramp's latencies, for
	// the record: C submissions at the same instant, then their decisions.
	RampSubmit   Latency `json:"ramp_submit_latency"`
	RampDecision Latency `json:"ramp_decision_latency"`
	// Steps are the latencies of each step after the submission, by name.
	Steps              map[string]Latency `json:"step_latency"`
	PeakRSSMiB         float64            `json:"peak_rss_mib"`
	PGBytesPerPriority float64            `json:"pg_bytes_per_priority"`
}

// updatesPerPipeline counts the submission and every step of the journey.
var updatesPerPipeline = 1 + len(journey.Approval.Steps)

// stepName names step k (from 1) of the journey in the table.
func stepName(k int) string { return fmt.Sprintf("%d %s", k, journey.Approval.Steps[k-1].Event()) }

// Pipeline starts an embedded stack (Temporal dev server on SQLite in WAL
// mode, PostgreSQL, worker and API in this process), drives N bare baseline
// workflows and then N complete Puente pipelines through the HTTP API, C at a
// time, and compares them.
func Pipeline(ctx context.Context, o PipelineOptions) (*PipelineResult, error) {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{
		CLI: o.CLI, DBFile: filepath.Join(o.Dir, "temporal.db"), LogPath: filepath.Join(o.Dir, "temporal.log"),
		SearchAttributes: workflows.SearchAttributes,
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tmp.Stop(20 * time.Second) }()
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{
		Dir: filepath.Join(o.Dir, "pg"), LogPath: filepath.Join(o.Dir, "postgres.log"), Durable: true, Database: "puente",
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = pg.Stop(20 * time.Second) }()
	if err := store.Migrate(ctx, pg.URL); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, pg.URL, 0)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	quiet := slog.New(slog.DiscardHandler)
	opts := client.Options{HostPort: tmp.Address, Logger: tlog.NewStructuredLogger(quiet),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}}
	firstTasks := app.TemporalOptions(&opts)
	tc, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tc.Close()

	puente := app.New(app.Config{Store: st, Temporal: tc, TaskQueue: workflows.TaskQueue, Logger: quiet, Worker: true, API: true,
		FirstTasks: firstTasks})
	if err := puente.Start(); err != nil {
		return nil, err
	}
	defer puente.Stop()
	srv := &http.Server{Handler: puente.Handler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	cast, err := benchCast(ctx, st)
	if err != nil {
		return nil, err
	}
	d := journey.New(cast, "http://"+ln.Addr().String())
	d.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.C * 2}}
	return Measure(ctx, o, Target{Topology: "embedded: Temporal dev server on SQLite, API and worker in the bench's process",
		Temporal: tc, Driver: d, DatabaseURL: pg.URL,
		Meter: TreeMeter(map[string]int{ProcTemporal: tmp.PID(), ProcPostgreSQL: pg.PID()}, "puente")})
}

// Target is a running Puente that the benchmarks drive: the Temporal server
// the bare baseline runs on too, the driver of its APIs, its database (for
// the bytes a priority costs), and the meter of the processes whose
// processor time each side is charged.
type Target struct {
	Topology    string // what runs Puente, for the reports
	Temporal    client.Client
	Driver      *journey.Driver
	DatabaseURL string
	Meter       Meter
}

// Measure runs the baseline side, then Puente's, on t and compares them.
// Of o, only N, C, Log, Profile and Settle matter here.
func Measure(ctx context.Context, o PipelineOptions, t Target) (*PipelineResult, error) {
	bw := sdkworker.New(t.Temporal, BaselineTaskQueue, sdkworker.Options{})
	bw.RegisterWorkflow(Baseline)
	bw.RegisterActivity(BaselineStep)
	if err := bw.Start(); err != nil {
		return nil, err
	}
	defer bw.Stop()
	res := &PipelineResult{Topology: t.Topology, N: o.N, C: o.C, Updates: updatesPerPipeline}
	var err error

	pick := func(measured bool, rec, ramp *recorder) *recorder {
		if measured {
			return rec
		}
		return ramp
	}
	fmt.Fprintf(o.Log, "baseline: %d bare workflows of %d updates, %d at a time (and %d of ramp)…\n", o.N, updatesPerPipeline, o.C, 2*o.C)
	var base, unmeasured recorder
	res.Baseline, err = t.Meter.measure(func() Phase {
		return runSteady(o.N, o.C, func(i int, measured bool) error {
			return baselineOnce(ctx, t.Temporal, i, pick(measured, &base, &unmeasured))
		})
	})
	if err != nil {
		return nil, err
	}
	res.BaselineUpdate = summarize(base.get("update"))

	// Every activity and workflow task of the baseline left a timeout timer
	// that fires, as a no-op the server still reads and processes, up to
	// baselineTimeout later: about a thousand of them, enough to load the
	// first ten seconds of the next phase. Let them fire first, so that each
	// side is measured on a server doing only its own work.
	settle := o.Settle
	if settle == 0 {
		settle = baselineTimeout + 2*time.Second
	}
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	syn, err := openSynthetic(ctx, t.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer syn.close()
	sizeBefore, err := syn.size(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "puente: %d pipelines over HTTP, %d at a time (and %d of ramp)…\n", o.N, o.C, 2*o.C)
	var rec, ramp recorder
	if o.Profile != nil {
		if err := pprof.StartCPUProfile(o.Profile); err != nil {
			return nil, err
		}
	}
	res.Puente, err = t.Meter.measure(func() Phase {
		return runSteady(o.N, o.C, func(i int, measured bool) error { return pipelineOnce(ctx, t.Driver, i, pick(measured, &rec, &ramp)) })
	})
	if o.Profile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, err
	}
	sizeAfter, err := syn.size(ctx)
	if err != nil {
		return nil, err
	}
	res.Submit, res.Decision, res.Plan = summarize(rec.get("submit")), summarize(rec.get("decision")), summarize(rec.get("plan"))
	res.RampSubmit, res.RampDecision = summarize(ramp.get("submit")), summarize(ramp.get("decision"))
	res.Steps = map[string]Latency{}
	for k := range journey.Approval.Steps {
		res.Steps[stepName(k+1)] = summarize(rec.get(stepName(k + 1)))
	}
	if res.Baseline.PipelinesPerSec > 0 {
		res.Ratio = res.Puente.PipelinesPerSec / res.Baseline.PipelinesPerSec
	}
	res.PGBytesPerPriority = float64(sizeAfter-sizeBefore) / float64(res.Puente.Pipelines+res.Puente.Ramp)
	res.PeakRSSMiB = peakRSSMiB()
	return res, nil
}

// recorder collects latencies by kind from concurrent goroutines.
type recorder struct {
	mu sync.Mutex
	m  map[string][]time.Duration
}

func (r *recorder) add(kind string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string][]time.Duration{}
	}
	r.m[kind] = append(r.m[kind], d)
}

func (r *recorder) get(kind string) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[kind]
}

// runSteady runs n measured jobs, c at a time, in steady state. c ramp jobs
// go first — all c start at the same instant, a burst no steady load has —
// and c more follow the measured ones, so every measured job runs with c in
// flight. The phase's time runs from the first measured job's start to the
// last one's end; job is told whether it is measured.
func runSteady(n, c int, job func(i int, measured bool) error) Phase {
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first, last time.Time
	errs, measuredErrs := 0, 0
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				measured := i >= c && i < c+n
				start := time.Now()
				err := job(i, measured)
				end := time.Now()
				mu.Lock()
				if measured {
					if first.IsZero() || start.Before(first) {
						first = start
					}
					if end.After(last) {
						last = end
					}
				}
				if err != nil {
					if errs < 5 {
						fmt.Fprintln(os.Stderr, "bench:", err)
					}
					errs++
					if measured {
						measuredErrs++
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n + 2*c {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	secs := last.Sub(first).Seconds()
	return Phase{Pipelines: n, Ramp: 2 * c, Seconds: secs, PipelinesPerSec: float64(n-measuredErrs) / secs, Errors: errs}
}

// baselineOnce runs one bare workflow: Update-with-Start, then the other updates.
func baselineOnce(ctx context.Context, tc client.Client, i int, rec *recorder) error {
	id := fmt.Sprintf("baseline-%d-%d", time.Now().UnixNano(), i)
	t0 := time.Now()
	op := tc.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: BaselineTaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowTaskTimeout: baselineTimeout, // the server's default, said here because the bench waits it out
	}, Baseline, BaselineInput{Steps: updatesPerPipeline})
	h, err := tc.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: baselineUpdate, Args: []any{0}, WaitForStage: client.WorkflowUpdateStageCompleted}})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("baseline start: %w", err)
	}
	rec.add("update", time.Since(t0))
	for step := 1; step < updatesPerPipeline; step++ {
		t0 := time.Now()
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: baselineUpdate,
			Args: []any{step}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			return fmt.Errorf("baseline update %d: %w", step, err)
		}
		rec.add("update", time.Since(t0))
	}
	return nil
}

// benchCast stores the people of the journeys, each with a fresh token.
func benchCast(ctx context.Context, st *store.Store) (journey.Cast, error) {
	theme := journey.Submission().Theme
	var c journey.Cast
	var expert journey.User
	var errs [4]error
	c.FocalPoint, errs[0] = addUser(ctx, st, pipeline.Actor{Name: "Bench focal point", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	expert, errs[1] = addUser(ctx, st, pipeline.Actor{Name: "Bench expert", Role: pipeline.Expert, Themes: []string{theme}})
	c.Manager, errs[2] = addUser(ctx, st, pipeline.Actor{Name: "Bench manager", Role: pipeline.Manager})
	c.SecondManager, errs[3] = addUser(ctx, st, pipeline.Actor{Name: "Bench manager 2", Role: pipeline.Manager})
	c.Experts = map[string]journey.User{theme: expert}
	return c, errors.Join(errs[:]...)
}

// pipelineOnce takes one priority from submission to approval, recording
// each request's latency by kind and by step.
func pipelineOnce(ctx context.Context, d *journey.Driver, i int, rec *recorder) error {
	j := &journey.Journey{N: i, Scenario: journey.Approval, Took: func(k int, took time.Duration) {
		switch {
		case k == 0:
			rec.add("submit", took)
			return
		case journey.Approval.Steps[k-1].Plan:
			rec.add("plan", took)
		default:
			rec.add("decision", took)
		}
		rec.add(stepName(k), took)
	}}
	return d.Run(ctx, j)
}

// peakRSSMiB is this process's peak resident set (VmHWM).
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// Print writes the result as a table.
func (r *PipelineResult) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%d pipelines measured in steady state, %d in flight, %d updates each (submit, 9 decisions, 1 plan)\n", r.N, r.C, r.Updates)
	if r.Topology != "" {
		fmt.Fprintf(w, "  on %s\n", r.Topology)
	}
	fmt.Fprintf(w, "  %-28s %8.2f pipelines/s  (%.1f s, %d errors)\n", "puente (HTTP + PostgreSQL)", r.Puente.PipelinesPerSec, r.Puente.Seconds, r.Puente.Errors)
	fmt.Fprintf(w, "  %-28s %8.2f pipelines/s  (%.1f s, %d errors)\n", "bare Temporal baseline", r.Baseline.PipelinesPerSec, r.Baseline.Seconds, r.Baseline.Errors)
	fmt.Fprintf(w, "  %-28s %8.2f\n", "ratio puente / baseline", r.Ratio)
	fmt.Fprintf(w, "  %-28s %s\n", "submit latency", r.Submit)
	fmt.Fprintf(w, "  %-28s %s\n", "decision latency", r.Decision)
	fmt.Fprintf(w, "  %-28s %s\n", "plan latency", r.Plan)
	fmt.Fprintf(w, "  %-28s %s\n", "baseline update latency", r.BaselineUpdate)
	for k := range journey.Approval.Steps {
		fmt.Fprintf(w, "    %-26s %s\n", stepName(k+1), r.Steps[stepName(k+1)])
	}
	fmt.Fprintf(w, "  ramp (unmeasured: %d submissions at one instant, then their decisions)\n", r.C)
	fmt.Fprintf(w, "  %-28s %s\n", "  submit latency", r.RampSubmit)
	fmt.Fprintf(w, "  %-28s %s\n", "  decision latency", r.RampDecision)
	for _, ph := range []struct {
		name string
		cpu  CPU
	}{{"puente", r.Puente.CPU}, {"baseline", r.Baseline.CPU}} {
		if len(ph.cpu.ByProcess) <= 3 {
			fmt.Fprintf(w, "  %-28s %5.1f ms Temporal  %5.1f ms PostgreSQL  %5.1f ms this process\n",
				"CPU per pipeline, "+ph.name, ph.cpu.Temporal, ph.cpu.PostgreSQL, ph.cpu.Puente)
			continue
		}
		fmt.Fprintf(w, "  %-28s %5.1f ms Temporal  %5.1f ms PostgreSQL  %5.1f ms Puente's processes\n",
			"CPU per pipeline, "+ph.name, ph.cpu.Temporal, ph.cpu.PostgreSQL, ph.cpu.Puente)
		var parts []string
		for _, name := range processOrder(ph.cpu.ByProcess) {
			parts = append(parts, fmt.Sprintf("%s %.1f", name, ph.cpu.ByProcess[name]))
		}
		fmt.Fprintf(w, "    %-26s %s ms\n", "by process", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "  %-28s %8.1f MiB\n", "peak RSS (this process)", r.PeakRSSMiB)
	fmt.Fprintf(w, "  %-28s %8.0f bytes\n", "PostgreSQL per priority", r.PGBytesPerPriority)
}
