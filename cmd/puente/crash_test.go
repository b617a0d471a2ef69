package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// puenteBinary builds the puente command once per test binary.
func puenteBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "puente-bin-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "puente")
		if out, err := exec.Command("go", "build", "-o", built, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// proc is a puente process the test kills and restarts.
type proc struct {
	t    *testing.T
	name string
	args []string
	env  []string
	log  *os.File
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func (p *proc) start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, p.log, p.log
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd = cmd
}

// kill sends SIGKILL: no shutdown, no flushing, no goodbye.
func (p *proc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
		p.cmd = nil
	}
}

// crashCast are the users of the crash test.
type crashCast struct {
	fp, m1, m2 pipeline.Actor
	// impl delivers the approved actions (FIIAPP's).
	impl    pipeline.Actor
	experts []pipeline.Actor
	tokens  map[string]string // by user id
}

// TestCrashConvergence drives priorities through every kind of decision
// while `puente serve` (API and worker in one process) and a second process
// running only a worker are killed with SIGKILL at random moments and
// restarted. Every journey must complete — an approved one through its
// actions' delivery to their close — and afterwards, for every
// priority, the read model must equal the workflow's own state, its events
// run 1..n without a gap or a duplicate, and support actions exist exactly
// for the approved ones: no phantom decision, nothing stuck.
func TestCrashConvergence(t *testing.T) {
	bin := puenteBinary(t)
	dbURL, temporalAddr := testenv.DatabaseURL(t), testenv.TemporalAddress(t)
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cast := addCrashCast(t, st)
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	tq := "crash-" + uuid.NewString()[:8]
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+temporalAddr, "PUENTE_TASK_QUEUE="+tq,
		"PUENTE_ADDR="+fmt.Sprintf("127.0.0.1:%d", port), "PUENTE_UPDATE_TIMEOUT=4s", "PUENTE_LOG_FORMAT=json", "OTEL_EXPORTER_OTLP_ENDPOINT=")
	logs := t.TempDir()
	newProc := func(name string, args ...string) *proc {
		f, err := os.Create(filepath.Join(logs, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return &proc{t: t, name: name, args: append([]string{bin}, args...), env: env, log: f}
	}
	serve, worker := newProc("serve", "serve"), newProc("worker", "worker")
	serve.start()
	worker.start()
	t.Cleanup(serve.kill)
	t.Cleanup(worker.kill)
	awaitReady(t, base, 60*time.Second)

	// Journeys go in waves of 60 until the killer has struck each process
	// at least three times: an idle machine can drive one wave faster than
	// the first kill comes.
	const wave, minKills, maxWaves = 60, 3, 5
	var journeys []*crashJourney
	// The killer: SIGKILL one process or the other every 1–3 s, and bring
	// it back 0.2–1 s later, until every journey is done.
	var done atomic.Bool
	var killsMu sync.Mutex
	kills := map[string]int{}
	enough := func() bool {
		killsMu.Lock()
		defer killsMu.Unlock()
		return kills["serve"] >= minKills && kills["worker"] >= minKills
	}
	var killer sync.WaitGroup
	killer.Add(1)
	go func() {
		defer killer.Done()
		for i := 0; !done.Load(); i++ {
			time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond)
			if done.Load() {
				return
			}
			p := serve
			if i%2 == 1 {
				p = worker
			}
			p.kill()
			killsMu.Lock()
			kills[p.name]++
			killsMu.Unlock()
			time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond)
			p.start()
		}
	}()
	start := time.Now()
	errs := make(chan error, wave*maxWaves)
	for w := 0; w == 0 || (!enough() && w < maxWaves); w++ {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 12)
		for i := range wave {
			j := &crashJourney{variant: i % len(variants), key: fmt.Sprintf("crash-%d-%d-%s", w, i, tq), base: base, cast: cast}
			journeys = append(journeys, j)
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if err := j.run(3 * time.Minute); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
	}
	done.Store(true)
	killer.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !enough() {
		t.Errorf("only %d kills of serve and %d of the worker alone: too few to prove anything", kills["serve"], kills["worker"])
	}
	drove := time.Since(start)
	// Both processes are up: every workflow can be queried and flushed.
	serve.kill()
	serve.start()
	awaitReady(t, base, 60*time.Second)

	tc, err := client.DialContext(ctx, client.Options{HostPort: temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var c crashCounts
	c.priorities = len(journeys)
	settle := time.Now()
	for _, j := range journeys {
		c.add(t, ctx, tc, st, conn, j)
	}
	var inPG int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM priorities`).Scan(&inPG); err != nil {
		t.Fatal(err)
	}
	c.duplicates += inPG - len(journeys) // a retried submission that made a second priority
	msg := fmt.Sprintf("crash test: %d priorities driven in %s with %d kills of serve (API + worker) and %d of the worker alone; "+
		"%d events, %d actions delivered and closed; phantoms %d, stuck %d, gaps %d, duplicates %d, wrong support actions %d; "+
		"the slowest converged %s after the drive",
		c.priorities, drove.Round(time.Second), kills["serve"], kills["worker"], c.events, c.closed, c.phantoms, c.stuck, c.gaps,
		c.duplicates, c.wrongActions, c.converge.Round(100*time.Millisecond))
	fmt.Println(msg)
	t.Log(msg, "(settled in", time.Since(settle).Round(time.Second), ")")
	if c.phantoms+c.stuck+c.gaps+c.duplicates+c.wrongActions > 0 {
		t.Errorf("the read model diverged from the workflows; logs in %s", logs)
	}
}

func addCrashCast(t *testing.T, st *store.Store) crashCast {
	t.Helper()
	c := crashCast{tokens: map[string]string{}}
	add := func(a pipeline.Actor) pipeline.Actor {
		token, hash := store.NewToken()
		u, err := st.AddUser(context.Background(), store.User{Actor: a, Email: uuid.NewString()[:12] + "@puente.test", Language: "es"},
			hash, time.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c.tokens[u.ID] = token
		return u.Actor
	}
	c.fp = add(pipeline.Actor{Name: "Focal Perú", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	c.m1 = add(pipeline.Actor{Name: "Gestora 1", Role: pipeline.Manager})
	c.m2 = add(pipeline.Actor{Name: "Gestor 2", Role: pipeline.Manager})
	c.impl = add(pipeline.Actor{Name: "Socia FIIAPP", Role: pipeline.Implementer, Partner: "fiiapp"})
	for _, name := range []string{"Experta A", "Experto B"} {
		c.experts = append(c.experts, add(pipeline.Actor{Name: name, Role: pipeline.Expert, Themes: []string{"money_laundering"}}))
	}
	return c
}

func awaitReady(t *testing.T, base string, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s not ready within %s", base, within)
}

// variants are the journeys, between them every kind of decision and edit,
// each with the stage it must end in.
var variants = []struct {
	name string
	end  pipeline.Stage
}{
	{"detours", pipeline.Approved},    // revision, edit, resubmit, plan, request_changes, return, approve, then delivered and closed
	{"reassigned", pipeline.Rejected}, // reassign in review, a plan, endorse, rejected by four-eyes
	{"triage-reject", pipeline.Rejected},
	{"expert-reject", pipeline.Rejected},
	{"withdrawn", pipeline.Withdrawn},  // withdrawn in planning
	{"named-early", pipeline.Approved}, // reassign in triage, accept keeps it, straight through
}

// crashJourney drives one priority as a person would who refreshes the page
// after any error: every step is chosen from what the API shows now, so a
// step whose answer was lost is never taken twice.
type crashJourney struct {
	variant int
	key     string
	base    string
	cast    crashCast
	id      string
	hc      http.Client
}

type shown struct {
	pipeline.Priority
	kinds map[pipeline.EventKind]int
}

func (j *crashJourney) run(within time.Duration) error {
	deadline := time.Now().Add(within)
	v := variants[j.variant]
	for time.Now().Before(deadline) {
		if j.id == "" {
			if err := j.submit(); err != nil {
				time.Sleep(200 * time.Millisecond)
			}
			continue
		}
		p, err := j.show()
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if !p.Stage.Open() && !p.DeliveryOpen() {
			if p.Stage != v.end {
				return fmt.Errorf("%s (%s): ended in %s, want %s", j.id, v.name, p.Stage, v.end)
			}
			return nil
		}
		who, method, path, body := j.next(p)
		status, err := j.call(method, path, j.cast.tokens[who], body, strconv.Itoa(p.Version))
		switch {
		case err != nil, status >= 500, status == http.StatusPreconditionFailed, status == http.StatusConflict, status == http.StatusNotFound:
			time.Sleep(150 * time.Millisecond) // lost, stale or not there yet: look again
		case status != http.StatusOK:
			return fmt.Errorf("%s (%s) in %s: %s %s answered %d", j.id, v.name, p.Stage, method, path, status)
		}
	}
	return fmt.Errorf("%s (%s): not done within %s", j.id, v.name, within)
}

func (j *crashJourney) submit() error {
	body := map[string]any{"title": "Seguir el dinero " + j.key, "description": "Rastreo de activos entre Perú y Colombia",
		"theme": "money_laundering", "pillar": "justice", "countries": []string{"PE", "CO"}, "institution": "UIF", "urgency": "high"}
	req, b, err := j.request(http.MethodPost, "/v1/priorities", j.cast.tokens[j.cast.fp.ID], body)
	if err != nil {
		return err
	}
	req.Header.Set("Idempotency-Key", j.key)
	status, out, err := j.do(req, b)
	if err != nil || status != http.StatusCreated {
		return fmt.Errorf("submit: %d %v", status, err)
	}
	var p pipeline.Priority
	if err := json.Unmarshal(out, &p); err != nil {
		return err
	}
	j.id = p.ID
	return nil
}

func (j *crashJourney) show() (*shown, error) {
	req, _, err := j.request(http.MethodGet, "/v1/priorities/"+j.id, j.cast.tokens[j.cast.m1.ID], nil)
	if err != nil {
		return nil, err
	}
	status, out, err := j.do(req, nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("get: %d %v", status, err)
	}
	var p shown
	if err := json.Unmarshal(out, &p.Priority); err != nil {
		return nil, err
	}
	req, _, _ = j.request(http.MethodGet, "/v1/priorities/"+j.id+"/events", j.cast.tokens[j.cast.m1.ID], nil)
	status, out, err = j.do(req, nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("events: %d %v", status, err)
	}
	var evs struct{ Items []pipeline.Event }
	if err := json.Unmarshal(out, &evs); err != nil {
		return nil, err
	}
	p.kinds = map[pipeline.EventKind]int{}
	for _, e := range evs.Items {
		p.kinds[e.Kind]++
	}
	return &p, nil
}

// next is the step the variant takes from what p shows: who, and the request.
func (j *crashJourney) next(p *shown) (who, method, path string, body any) {
	decide := func(by string, b map[string]any) (string, string, string, any) {
		return by, http.MethodPost, "/v1/priorities/" + j.id + "/decisions", b
	}
	c, v := j.cast, variants[j.variant].name
	other := c.experts[1].ID
	if p.Stage == pipeline.Approved {
		return j.deliver(p)
	}
	switch {
	case v == "triage-reject":
		return decide(c.m1.ID, map[string]any{"decision": "reject", "reason": "fuera de mandato"})
	case v == "named-early" && p.Stage == pipeline.Triage && p.Assignee == "":
		return decide(c.m1.ID, map[string]any{"decision": "reassign", "expert_id": other})
	case v == "withdrawn" && p.Stage == pipeline.Planning:
		return decide(c.fp.ID, map[string]any{"decision": "withdraw", "reason": "resuelto por otra vía"})
	case v == "reassigned" && p.Stage == pipeline.ExpertReview && p.Assignee != other:
		return decide(c.m1.ID, map[string]any{"decision": "reassign", "expert_id": other})
	}
	switch p.Stage {
	case pipeline.Triage:
		return decide(c.m1.ID, map[string]any{"decision": "accept"})
	case pipeline.ExpertReview:
		switch {
		case v == "expert-reject":
			return decide(p.Assignee, map[string]any{"decision": "reject", "reason": "sin base"})
		case v == "detours" && p.kinds["request_revision"] == 0:
			return decide(p.Assignee, map[string]any{"decision": "request_revision", "comment": "precise las instituciones"})
		}
		return decide(p.Assignee, map[string]any{"decision": "approve"})
	case pipeline.Revision:
		if p.kinds[pipeline.EventEdited] == 0 {
			return c.fp.ID, http.MethodPatch, "/v1/priorities/" + j.id, map[string]any{"institution": "UIF y Fiscalía"}
		}
		return decide(c.fp.ID, map[string]any{"decision": "resubmit", "changes": map[string]any{"urgency": "medium"}})
	case pipeline.Planning:
		if p.kinds[pipeline.EventPlanUpdated] <= p.kinds["request_changes"]+p.kinds["return"] {
			return p.Assignee, http.MethodPut, "/v1/priorities/" + j.id + "/plan", crashPlan(p.kinds[pipeline.EventPlanUpdated] + 1)
		}
		return decide(p.Assignee, map[string]any{"decision": "submit_plan"})
	case pipeline.Validation:
		if v == "detours" && p.kinds["request_changes"] == 0 {
			return decide(c.fp.ID, map[string]any{"decision": "request_changes", "comment": "añadir la Policía"})
		}
		return decide(c.fp.ID, map[string]any{"decision": "endorse"})
	}
	// approval
	switch {
	case v == "reassigned":
		return decide(c.m2.ID, map[string]any{"decision": "reject", "reason": "sin presupuesto"})
	case v == "detours" && p.kinds["return"] == 0:
		return decide(c.m2.ID, map[string]any{"decision": "return", "comment": "ajustar fechas"})
	}
	return decide(c.m2.ID, map[string]any{"decision": "approve"})
}

// deliver is the next delivery step of the first action still open:
// confirmed, reported, validated and closed, each by whoever acts.
func (j *crashJourney) deliver(p *shown) (who, method, path string, body any) {
	i := slices.IndexFunc(p.Deliveries, func(d pipeline.Delivery) bool { return d.Stage.Open() })
	if i < 0 {
		i = 0 // nothing open: refused (409), and the run sees the end
	}
	d, c := p.Deliveries[i], j.cast
	path = fmt.Sprintf("/v1/priorities/%s/actions/%d/delivery", j.id, i)
	switch {
	case d.Stage == pipeline.Scheduled:
		return c.impl.ID, http.MethodPost, path, map[string]any{"act": "confirm", "start_date": "2027-02-01", "end_date": "2027-02-05", "place": "Lima"}
	case d.Stage == pipeline.InProgress:
		return c.impl.ID, http.MethodPost, path, map[string]any{"act": "report", "report": map[string]any{
			"participants_women": 11, "participants_men": 9, "participants_other": 0,
			"institutions": []map[string]any{{"name": "UIF", "participants": 20}}, "countries": []string{"PE"},
			"summary": "Taller realizado", "actual_cost_eur": 9800.5, "indicators": []map[string]any{{"actual": 20}}}}
	case !d.ReportValidated:
		return p.Assignee, http.MethodPost, path, map[string]any{"act": "validate"}
	}
	return c.m1.ID, http.MethodPost, path, map[string]any{"act": "close"}
}

func crashPlan(actions int) map[string]any {
	var as []map[string]any
	for i := range actions {
		as = append(as, map[string]any{"type": "training", "title": fmt.Sprintf("Taller %d", i+1), "description": "Formación",
			"beneficiaries": []string{"UIF"}, "countries": []string{"PE"}, "start_date": "2027-02-01", "end_date": "2027-02-05",
			"budget_eur": 10000, "partner": "fiiapp",
			"indicators": []map[string]any{{"name": "Analistas", "unit": "people", "baseline": 0, "target": 20}}})
	}
	return map[string]any{"objective": "Fortalecer la UIF", "expected_outcome": "Casos judicializados", "gender_marker": 1, "actions": as}
}

func (j *crashJourney) request(method, path, token string, body any) (*http.Request, []byte, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, nil, err
		}
	}
	req, err := http.NewRequest(method, j.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if b != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, b, nil
}

func (j *crashJourney) do(req *http.Request, body []byte) (int, []byte, error) {
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	j.hc.Timeout = 15 * time.Second
	resp, err := j.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (j *crashJourney) call(method, path, token string, body any, version string) (int, error) {
	req, b, err := j.request(method, path, token, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("If-Match", `"`+version+`"`)
	status, _, err := j.do(req, b)
	return status, err
}

// crashCounts are the crash test's findings over every priority.
type crashCounts struct {
	priorities, events, phantoms, stuck, gaps, duplicates, wrongActions int
	// closed are the actions delivered to their close in the read model.
	closed   int
	converge time.Duration
}

// add waits (up to a minute) for the priority's read model to equal its
// workflow's state, then counts what is wrong with it.
func (c *crashCounts) add(t *testing.T, ctx context.Context, tc client.Client, st *store.Store, conn *pgx.Conn, j *crashJourney) {
	t.Helper()
	if j.id == "" {
		c.stuck++
		return
	}
	start := time.Now()
	var wf, pg *pipeline.Priority
	var seqs []int
	for {
		wf, pg, seqs = crashState(t, ctx, tc, st, conn, j.id)
		if pg != nil && samePriority(wf, pg) && len(seqs) == wf.EventSeq {
			c.converge = max(c.converge, time.Since(start))
			break
		}
		if time.Since(start) > time.Minute {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.events += len(seqs)
	switch {
	case pg == nil:
		c.stuck++
		t.Errorf("%s: not in the read model", j.id)
		return
	case pg.Version > wf.Version || pg.EventSeq > wf.EventSeq || len(seqs) > 0 && seqs[len(seqs)-1] > wf.EventSeq:
		c.phantoms++
		t.Errorf("%s: the read model is ahead of the workflow: v%d/%d events vs v%d/%d", j.id, pg.Version, pg.EventSeq, wf.Version, wf.EventSeq)
	case !samePriority(wf, pg):
		c.stuck++
		a, _ := json.Marshal(wf)
		b, _ := json.Marshal(pg)
		t.Errorf("%s: the read model never caught up:\nworkflow:   %s\nread model: %s", j.id, a, b)
	}
	if wf.Stage.Open() {
		c.stuck++
		t.Errorf("%s: still open in %s", j.id, wf.Stage)
	}
	for i, s := range seqs {
		if s != i+1 {
			c.gaps++
			t.Errorf("%s: events %v are not 1..n", j.id, seqs)
			break
		}
	}
	if len(seqs) < wf.EventSeq {
		c.gaps++
		t.Errorf("%s: %d events, the workflow recorded %d", j.id, len(seqs), wf.EventSeq)
	}
	var actions int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM support_actions WHERE priority_id = $1`, j.id).Scan(&actions); err != nil {
		t.Fatal(err)
	}
	want := 0
	if wf.Stage == pipeline.Approved && wf.Plan != nil {
		want = len(wf.Plan.Actions)
	}
	if actions != want {
		c.wrongActions++
		t.Errorf("%s (%s): %d support actions, want %d", j.id, wf.Stage, actions, want)
	}
	var closed int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM support_actions WHERE priority_id = $1 AND delivery_stage = 'closed'
		AND report_validated AND participants_women = 11 AND closed_at IS NOT NULL`, j.id).Scan(&closed); err != nil {
		t.Fatal(err)
	}
	if closed != want {
		c.stuck++
		t.Errorf("%s (%s): %d actions delivered and closed, want %d", j.id, wf.Stage, closed, want)
	}
	c.closed += closed
}

func crashState(t *testing.T, ctx context.Context, tc client.Client, st *store.Store, conn *pgx.Conn, id string) (wf, pg *pipeline.Priority, seqs []int) {
	t.Helper()
	qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// A workflow that goes on delivering is answered by a worker that may
	// still be catching up after the kills: the server gives up on one
	// attempt sooner than qctx does, so ask again until qctx ends.
	v, err := tc.QueryWorkflow(qctx, workflows.ID(id), "", workflows.QueryPriority)
	for err != nil && strings.Contains(err.Error(), "query timed out") && qctx.Err() == nil {
		time.Sleep(500 * time.Millisecond)
		v, err = tc.QueryWorkflow(qctx, workflows.ID(id), "", workflows.QueryPriority)
	}
	if err != nil {
		t.Fatalf("query %s: %v", id, err)
	}
	if err := v.Get(&wf); err != nil {
		t.Fatal(err)
	}
	pg, err = st.Priority(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		pg = nil
	} else if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT seq FROM events WHERE priority_id = $1 ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	seqs, err = pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return wf, pg, seqs
}

// samePriority compares the read model's row with the workflow's state, as JSON.
func samePriority(wf, pg *pipeline.Priority) bool {
	a, _ := json.Marshal(wf)
	b, _ := json.Marshal(pg)
	return bytes.Equal(a, b)
}
