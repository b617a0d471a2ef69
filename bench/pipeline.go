package bench

import (
	"bytes"
	"context"
	"encoding/json"
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
	"syscall"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/devstack"
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
}

// CPU is processor time in milliseconds, by process: the Temporal dev
// server, the PostgreSQL cluster, and this process (API, worker and load).
type CPU struct {
	Temporal   float64 `json:"temporal"`
	PostgreSQL float64 `json:"postgresql"`
	Puente     float64 `json:"puente"`
}

// cpuMeter reads the processor time used so far by each process.
type cpuMeter struct{ temporal, pg *devstack.Process }

func (m cpuMeter) read() (CPU, error) {
	t, err := treeCPUTime(m.temporal.PID())
	if err != nil {
		return CPU{}, err
	}
	p, err := treeCPUTime(m.pg.PID())
	if err != nil {
		return CPU{}, err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return CPU{}, err
	}
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return CPU{Temporal: ms(t), PostgreSQL: ms(p), Puente: ms(self)}, nil
}

// measure runs a phase and charges it the processor time it used.
func (m cpuMeter) measure(run func() Phase) (Phase, error) {
	before, err := m.read()
	if err != nil {
		return Phase{}, err
	}
	ph := run()
	after, err := m.read()
	if err != nil {
		return Phase{}, err
	}
	n := float64(max(ph.Pipelines+ph.Ramp, 1))
	ph.CPU = CPU{Temporal: (after.Temporal - before.Temporal) / n, PostgreSQL: (after.PostgreSQL - before.PostgreSQL) / n,
		Puente: (after.Puente - before.Puente) / n}
	return ph, nil
}

// PipelineResult is what the pipeline benchmark measured.
type PipelineResult struct {
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

// steps is the pipeline each priority goes through: who acts and with what.
// With the submission and the plan, a pipeline is 11 updates.
var steps = []struct {
	name string
	role string
	body string
}{
	{"1 accept", "manager", `{"decision":"accept","expert_id":"%s"}`},
	{"2 request_revision", "expert", `{"decision":"request_revision","comment":"Precise las instituciones beneficiarias"}`},
	{"3 resubmit", "focal", `{"decision":"resubmit","changes":{"institution":"Fiscalía de la Nación y Policía Nacional"}}`},
	{"4 approve (review)", "expert", `{"decision":"approve"}`},
	{"5 plan (PUT)", "plan", ""},
	{"6 submit_plan", "expert", `{"decision":"submit_plan"}`},
	{"7 request_changes", "focal", `{"decision":"request_changes","comment":"Añadir a la Policía Nacional"}`},
	{"8 submit_plan", "expert", `{"decision":"submit_plan"}`},
	{"9 endorse", "focal", `{"decision":"endorse"}`},
	{"10 approve (final)", "manager2", `{"decision":"approve"}`},
}

const updatesPerPipeline = 11

const benchSubmission = `{"title":"Equipos conjuntos de investigación","description":"Crear un ECI con Colombia contra el lavado de activos",` +
	`"theme":"joint_investigation_teams","pillar":"justice","countries":["PE","CO"],"institution":"Fiscalía de la Nación","urgency":"high"}`

const benchPlan = `{"objective":"Fortalecer la cooperación judicial","expected_outcome":"Un ECI operativo","gender_marker":1,` +
	`"actions":[{"type":"training","title":"Taller sobre ECI","description":"Formación de fiscales","beneficiaries":["Fiscalía de la Nación"],` +
	`"countries":["PE","CO"],"start_date":"2027-02-01","end_date":"2027-02-05","budget_eur":45000,"eu_partners":["Eurojust"],` +
	`"indicators":[{"name":"Fiscales formados","unit":"people","baseline":0,"target":40}]}]}`

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
	bw := sdkworker.New(tc, BaselineTaskQueue, sdkworker.Options{})
	bw.RegisterWorkflow(Baseline)
	bw.RegisterActivity(BaselineStep)
	if err := bw.Start(); err != nil {
		return nil, err
	}
	defer bw.Stop()
	srv := &http.Server{Handler: puente.Handler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	d := &driver{base: "http://" + ln.Addr().String(), hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.C * 2}}}
	if err := d.users(ctx, st); err != nil {
		return nil, err
	}
	res := &PipelineResult{N: o.N, C: o.C, Updates: updatesPerPipeline}

	pick := func(measured bool, rec, ramp *recorder) *recorder {
		if measured {
			return rec
		}
		return ramp
	}
	fmt.Fprintf(o.Log, "baseline: %d bare workflows of %d updates, %d at a time (and %d of ramp)…\n", o.N, updatesPerPipeline, o.C, 2*o.C)
	var base, unmeasured recorder
	meter := cpuMeter{temporal: tmp.Process, pg: pg.Process}
	res.Baseline, err = meter.measure(func() Phase {
		return runSteady(o.N, o.C, func(i int, measured bool) error {
			return baselineOnce(ctx, tc, i, pick(measured, &base, &unmeasured))
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
	syn, err := openSynthetic(ctx, pg.URL)
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
	res.Puente, err = meter.measure(func() Phase {
		return runSteady(o.N, o.C, func(_ int, measured bool) error { return d.pipelineOnce(ctx, pick(measured, &rec, &ramp)) })
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
	for _, s := range steps {
		res.Steps[s.name] = summarize(rec.get(s.name))
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

// driver drives pipelines through the HTTP API with real tokens.
type driver struct {
	base   string
	hc     *http.Client
	tokens map[string]string
	expert string
}

func (d *driver) users(ctx context.Context, st *store.Store) error {
	d.tokens = map[string]string{}
	for role, a := range map[string]pipeline.Actor{
		"focal":    {Name: "Bench focal point", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
		"expert":   {Name: "Bench expert", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}},
		"manager":  {Name: "Bench manager", Role: pipeline.Manager},
		"manager2": {Name: "Bench manager 2", Role: pipeline.Manager},
	} {
		token, hash := store.NewToken()
		a.ID = uuid.NewString()
		u, err := st.AddUser(ctx, store.User{Actor: a, Email: "bench-" + a.ID + "@puente.invalid", Language: "en"}, hash, time.Now().Add(24*time.Hour))
		if err != nil {
			return err
		}
		d.tokens[role] = token
		if role == "expert" {
			d.expert = u.ID
		}
	}
	d.tokens["plan"] = d.tokens["expert"]
	return nil
}

// pipelineOnce takes one priority from submission to approval.
func (d *driver) pipelineOnce(ctx context.Context, rec *recorder) error {
	t0 := time.Now()
	var p struct {
		ID    string         `json:"id"`
		Stage pipeline.Stage `json:"stage"`
	}
	if err := d.do(ctx, "POST", "/v1/priorities", d.tokens["focal"], benchSubmission, http.StatusCreated, &p); err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	rec.add("submit", time.Since(t0))
	for _, s := range steps {
		t0 := time.Now()
		method, path, body, kind := "POST", "/v1/priorities/"+p.ID+"/decisions", s.body, "decision"
		if s.role == "plan" {
			method, path, body, kind = "PUT", "/v1/priorities/"+p.ID+"/plan", benchPlan, "plan"
		} else if strings.Contains(body, "%s") {
			body = fmt.Sprintf(body, d.expert)
		}
		if err := d.do(ctx, method, path, d.tokens[s.role], body, http.StatusOK, &p); err != nil {
			return fmt.Errorf("%s %s: %w", method, body, err)
		}
		rec.add(kind, time.Since(t0))
		rec.add(s.name, time.Since(t0))
	}
	if p.Stage != pipeline.Approved {
		return fmt.Errorf("pipeline ended in %s", p.Stage)
	}
	return nil
}

func (d *driver) do(ctx context.Context, method, path, token, body string, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return json.Unmarshal(b, out)
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
	fmt.Fprintf(w, "  %-28s %8.2f pipelines/s  (%.1f s, %d errors)\n", "puente (HTTP + PostgreSQL)", r.Puente.PipelinesPerSec, r.Puente.Seconds, r.Puente.Errors)
	fmt.Fprintf(w, "  %-28s %8.2f pipelines/s  (%.1f s, %d errors)\n", "bare Temporal baseline", r.Baseline.PipelinesPerSec, r.Baseline.Seconds, r.Baseline.Errors)
	fmt.Fprintf(w, "  %-28s %8.2f\n", "ratio puente / baseline", r.Ratio)
	fmt.Fprintf(w, "  %-28s %s\n", "submit latency", r.Submit)
	fmt.Fprintf(w, "  %-28s %s\n", "decision latency", r.Decision)
	fmt.Fprintf(w, "  %-28s %s\n", "plan latency", r.Plan)
	fmt.Fprintf(w, "  %-28s %s\n", "baseline update latency", r.BaselineUpdate)
	for _, s := range steps {
		fmt.Fprintf(w, "    %-26s %s\n", s.name, r.Steps[s.name])
	}
	fmt.Fprintf(w, "  ramp (unmeasured: %d submissions at one instant, then their decisions)\n", r.C)
	fmt.Fprintf(w, "  %-28s %s\n", "  submit latency", r.RampSubmit)
	fmt.Fprintf(w, "  %-28s %s\n", "  decision latency", r.RampDecision)
	for _, ph := range []struct {
		name string
		cpu  CPU
	}{{"puente", r.Puente.CPU}, {"baseline", r.Baseline.CPU}} {
		fmt.Fprintf(w, "  %-28s %5.1f ms Temporal  %5.1f ms PostgreSQL  %5.1f ms this process\n",
			"CPU per pipeline, "+ph.name, ph.cpu.Temporal, ph.cpu.PostgreSQL, ph.cpu.Puente)
	}
	fmt.Fprintf(w, "  %-28s %8.1f MiB\n", "peak RSS (this process)", r.PeakRSSMiB)
	fmt.Fprintf(w, "  %-28s %8.0f bytes\n", "PostgreSQL per priority", r.PGBytesPerPriority)
}
