package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/contract"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestPostgresOutage runs `puente api` and `puente worker` on a PostgreSQL
// of their own, stops it (fast shutdown, then SIGSTOP of every PostgreSQL
// process for four times the bound) and checks what users see: every
// request that needs the database answers 503 with Retry-After within the
// configured bound, never 500; /readyz names PostgreSQL alone; and once
// PostgreSQL is back, everything works again with nothing lost or doubled.
func TestPostgresOutage(t *testing.T) {
	const bound = time.Second
	// What a 503 may take beyond the bound on a loaded machine: scheduling,
	// not waiting on PostgreSQL.
	const slack = 750 * time.Millisecond
	ctx := context.Background()
	bin := buildPuente(t)
	pg := newOwnPostgres(t)
	if err := store.Migrate(ctx, pg.url); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, pg.url, 2)
	if err != nil {
		t.Fatal(err)
	}
	fp := addUser(t, st, pipeline.Actor{Name: "María", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	mgr := addUser(t, st, pipeline.Actor{Name: "Ana", Role: pipeline.Manager})
	expert := addUser(t, st, pipeline.Actor{Name: "Experta", Role: pipeline.Expert, Themes: []string{"cybercrime"}})
	// Tokens used for the first time during an outage: their lookup needs
	// PostgreSQL (a token seen before is cached for 30 s).
	var fresh []string
	for i := range 3 {
		fresh = append(fresh, addUser(t, st, pipeline.Actor{Name: fmt.Sprintf("Nuevo %d", i), Role: pipeline.Manager}))
	}
	var experts []string
	for i := range 2 {
		id := uuid.NewString()
		_, hash := store.NewToken()
		u := store.User{Actor: pipeline.Actor{ID: id, Name: fmt.Sprintf("Experto %d", i), Role: pipeline.Expert, Themes: []string{"cybercrime"}},
			Email: "expert-" + id[:8] + "@puente.test", Language: "es"}
		if _, err := st.AddUser(ctx, u, hash, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		experts = append(experts, id)
	}
	st.Close()

	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := append(os.Environ(), "DATABASE_URL="+pg.url, "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"PUENTE_TASK_QUEUE=outage-"+uuid.NewString()[:8], "PUENTE_ADDR="+base[len("http://"):],
		"PUENTE_PG_TIMEOUT="+bound.String(), "PUENTE_LOG_FORMAT=text", "OTEL_EXPORTER_OTLP_ENDPOINT=")
	worker := startProcess(t, bin, env, "worker")
	api := startProcess(t, bin, env, "api")
	waitReady(t, base, api)

	code, body := send(t, "POST", base+"/v1/priorities", fp,
		`{"title":"Ciberdelito","description":"Unidad conjunta","theme":"cybercrime","pillar":"police","countries":["PE"],"institution":"PNP","urgency":"low"}`)
	if code != http.StatusCreated {
		t.Fatalf("submit: %d %s", code, body)
	}
	var p pipeline.Priority
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	// Assigned to experts[1]: the first reassignment, to experts[0], moves it.
	accept := `{"decision":"accept","expert_id":"` + experts[1] + `"}`
	if code, body := send(t, "POST", base+"/v1/priorities/"+p.ID+"/decisions", mgr, accept); code != http.StatusOK {
		t.Fatalf("accept: %d %s", code, body)
	}

	// The requests probed in each phase: every one needs PostgreSQL.
	submission := `{"title":"Trata de personas","description":"Red regional","theme":"cybercrime","pillar":"justice","countries":["PE"],"institution":"MP","urgency":"high"}`
	key := "outage-" + uuid.NewString()
	probes := func(phase int) []probe {
		return []probe{
			{name: "list priorities", method: "GET", path: "/v1/priorities", token: fp},
			{name: "get a priority", method: "GET", path: "/v1/priorities/" + p.ID, token: fp},
			{name: "events", method: "GET", path: "/v1/priorities/" + p.ID + "/events", token: mgr},
			{name: "dashboard", method: "GET", path: "/v1/pipeline", token: mgr},
			{name: "tasks", method: "GET", path: "/v1/tasks", token: expert},
			{name: "a token seen for the first time", method: "GET", path: "/v1/me", token: fresh[phase]},
			{name: "a decision", method: "POST", path: "/v1/priorities/" + p.ID + "/decisions", token: mgr,
				body: `{"decision":"reassign","expert_id":"` + experts[phase%2] + `"}`},
			{name: "a submission with an Idempotency-Key", method: "POST", path: "/v1/priorities", token: fp,
				body: submission, key: key, okStatus: http.StatusCreated},
		}
	}
	var worst time.Duration
	down := func(phase int, what string) {
		t.Helper()
		results := runProbes(base, probes(phase))
		for _, r := range results {
			if r.err != nil {
				t.Errorf("%s: %s: %v", what, r.name, r.err)
				continue
			}
			contract.Check(t, r.req, []byte(r.probe.body), r.res, []byte(r.body))
			if r.status != http.StatusServiceUnavailable || r.retryAfter == "" || !strings.HasPrefix(r.contentType, "application/problem+json") {
				t.Errorf("%s: %s answered %d (Retry-After %q, %s) after %s: %s", what, r.name, r.status, r.retryAfter, r.contentType, r.took, r.body)
			}
			if r.took > bound+slack {
				t.Errorf("%s: %s answered after %s, beyond the %s bound", what, r.name, r.took, bound)
			}
			worst = max(worst, r.took)
		}
		t.Logf("%s: %s", what, summarize(results))
		checkReadyzNamesPostgres(t, base, what, bound+slack)
	}
	up := func(phase int, what string) {
		t.Helper()
		waitReadyWithin(t, base, what, 30*time.Second)
		for _, r := range runProbes(base, probes(phase)) {
			if r.err == nil {
				contract.Check(t, r.req, []byte(r.probe.body), r.res, []byte(r.body))
			}
			want := r.okStatus
			if want == 0 {
				want = http.StatusOK
			}
			if r.err != nil || r.status != want {
				t.Errorf("%s: %s answered %d, want %d: %v %s", what, r.name, r.status, want, r.err, r.body)
			}
		}
	}

	// 1. Fast shutdown: connections are refused.
	pg.stop(t)
	down(0, "PostgreSQL stopped")
	pg.start(t)
	up(0, "PostgreSQL restarted")

	// 2. Hung: every PostgreSQL process stopped, connections open but silent.
	pids := pg.tree(t)
	signalAll(t, pids, syscall.SIGSTOP)
	frozeAt := time.Now()
	down(1, "PostgreSQL hung")
	time.Sleep(time.Until(frozeAt.Add(2 * bound)))
	down(2, "PostgreSQL hung for twice the bound")
	time.Sleep(time.Until(frozeAt.Add(4 * bound)))
	signalAll(t, pids, syscall.SIGCONT)
	up(1, "PostgreSQL resumed")

	// Nothing lost or doubled: the two priorities, the keyed submission once.
	if n, _ := countRows(t, pg.url); n != 2 {
		t.Errorf("PostgreSQL holds %d priorities, want 2", n)
	}
	t.Logf("worst 503 latency %s (bound %s)", worst, bound)
	stopProcess(t, api)
	stopProcess(t, worker)
}

// probe is one request of an outage test.
type probe struct {
	name, method, path, token, body, key string
	// okStatus is the status when all is well; 0 means 200.
	okStatus int
}

type probeResult struct {
	probe
	req                     *http.Request
	res                     *http.Response
	status                  int
	retryAfter, contentType string
	body                    string
	took                    time.Duration
	err                     error
}

// runProbes sends every probe at once.
func runProbes(base string, probes []probe) []probeResult {
	out := make([]probeResult, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { out[i] = p.run(base) })
	}
	wg.Wait()
	return out
}

func (p probe) run(base string) probeResult {
	r := probeResult{probe: p}
	req, err := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
	if err != nil {
		r.err = err
		return r
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if p.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.key != "" {
		req.Header.Set("Idempotency-Key", p.key)
	}
	began := time.Now()
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	r.took = time.Since(began)
	if err != nil {
		r.err = err
		return r
	}
	r.req, r.res = req, resp
	r.status, r.body = resp.StatusCode, readAll(resp)
	r.retryAfter, r.contentType = resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type")
	return r
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func summarize(rs []probeResult) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s %d in %s", r.name, r.status, r.took.Round(time.Millisecond)))
	}
	return strings.Join(parts, "; ")
}

// checkReadyzNamesPostgres expects /readyz to answer 503 within limit,
// naming PostgreSQL and not Temporal.
func checkReadyzNamesPostgres(t *testing.T, base, what string, limit time.Duration) {
	t.Helper()
	began := time.Now()
	resp, err := http.Get(base + "/readyz")
	took := time.Since(began)
	if err != nil {
		t.Errorf("%s: /readyz: %v", what, err)
		return
	}
	body := readAll(resp)
	var prob struct {
		Status int `json:"status"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	_ = json.Unmarshal([]byte(body), &prob)
	if resp.StatusCode != http.StatusServiceUnavailable || len(prob.Errors) != 1 || prob.Errors[0].Field != "postgres" {
		t.Errorf("%s: /readyz answered %d %s, want 503 naming postgres only", what, resp.StatusCode, body)
	}
	if took > limit {
		t.Errorf("%s: /readyz took %s", what, took)
	}
}

// waitReadyWithin waits for /readyz 200.
func waitReadyWithin(t *testing.T, base, what string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			body := readAll(resp)
			if resp.StatusCode == http.StatusOK {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: /readyz still %d after %s: %s", what, resp.StatusCode, limit, body)
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("%s: /readyz: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ownPostgres is a PostgreSQL cluster of one test, which it may stop,
// freeze and restart on the same port.
type ownPostgres struct {
	dir, log, url string
	port          int
	pg            *devstack.Postgres
}

func newOwnPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	dir, err := os.MkdirTemp("", "puente-outage-")
	if err != nil {
		t.Fatal(err)
	}
	// The server may run as another user (postgres, when the test is root).
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p := &ownPostgres{dir: filepath.Join(dir, "pg"), log: filepath.Join(dir, "postgres.log"), port: port}
	t.Cleanup(func() {
		if p.pg != nil {
			_ = p.pg.Stop(10 * time.Second)
		}
		os.RemoveAll(dir)
	})
	p.start(t)
	p.url = p.pg.URL
	return p
}

func (p *ownPostgres) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: p.dir, Port: p.port, LogPath: p.log, Database: "puente"})
	if err != nil {
		t.Fatal(err)
	}
	p.pg = pg
}

func (p *ownPostgres) stop(t *testing.T) {
	t.Helper()
	if err := p.pg.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	p.pg = nil
}

// tree lists the postmaster and every process under it (the backends leave
// its process group, so they are found by parent).
func (p *ownPostgres) tree(t *testing.T) []int {
	t.Helper()
	parent := map[int]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	root := p.pg.PID()
	var out []int
	for pid := range parent {
		for at := pid; at > 1; at = parent[at] {
			if at == root {
				out = append(out, pid)
				break
			}
		}
	}
	if len(out) < 2 {
		t.Fatalf("found %d PostgreSQL processes under %d", len(out), root)
	}
	return out
}

func signalAll(t *testing.T, pids []int, sig syscall.Signal) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Errorf("signal %d: %v", pid, err)
		}
	}
}
