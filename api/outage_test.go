package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/contract"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// outage is an app on a Temporal dev server of its own, which the test
// stops and starts again on the same database file and port.
type outage struct {
	t        *testing.T
	opts     devstack.TemporalOptions
	temporal *devstack.Temporal
	st       *store.Store
	tc       client.Client
	tq       string
}

const outageBound = 2 * time.Second

func newOutage(t *testing.T) *outage {
	t.Helper()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := &outage{t: t, tq: "outage-" + strings.ReplaceAll(t.Name(), "/", "-"), opts: devstack.TemporalOptions{
		CLI: testenv.TemporalCLI(t), DBFile: filepath.Join(dir, "temporal.db"), Port: port,
		LogPath: filepath.Join(dir, "temporal.log"), SearchAttributes: workflows.SearchAttributes}}
	o.startTemporal()
	t.Cleanup(func() { _ = o.temporal.Stop(10 * time.Second) })
	url := testenv.DatabaseURL(t)
	if o.st, err = store.Open(context.Background(), url, 8); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.st.Close)
	// The client reconnects by itself when the server comes back.
	if o.tc, err = client.DialContext(context.Background(), client.Options{HostPort: o.temporal.Address}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.tc.Close)
	return o
}

func (o *outage) startTemporal() {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmp, err := devstack.StartTemporal(ctx, o.opts)
	if err != nil {
		o.t.Fatal(err)
	}
	o.temporal = tmp
}

// serve runs the API (and the worker, if worker) over the outage's services.
func (o *outage) serve(worker bool) (*app.App, *httptest.Server) {
	o.t.Helper()
	a := app.New(app.Config{Store: o.st, Temporal: o.tc, TaskQueue: o.tq, UpdateTimeout: outageBound, Worker: worker, API: true})
	if err := a.Start(); err != nil {
		o.t.Fatal(err)
	}
	srv := httptest.NewServer(contract.Wrap(o.t, a.Handler))
	o.t.Cleanup(srv.Close)
	o.t.Cleanup(a.Stop)
	return a, srv
}

// timed sends a request and returns its status, body and how long it took.
func timed(t *testing.T, srv *httptest.Server, method, path, token string, body any) (int, http.Header, string, time.Duration) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = strings.NewReader(string(j))
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b2, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b2), took
}

// TestTemporalOutage stops the Temporal server under a running API: reads
// go on; the first change answers 503 with Retry-After within the update
// bound (it cannot tell sooner), the next ones at once; /readyz names
// Temporal only; when the server is back, changes work again at once and
// nothing was half done.
func TestTemporalOutage(t *testing.T) {
	o := newOutage(t)
	_, srv := o.serve(true)
	users := addUsers(t, o.st)
	_, _, body, _ := timed(t, srv, "POST", "/v1/priorities", users.fp.Token, submission())
	var p pipeline.Priority
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.ID == "" {
		t.Fatalf("submit: %s", body)
	}

	if err := o.temporal.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	code, _, body, took := timed(t, srv, "GET", "/v1/priorities/"+p.ID, users.m1.Token, nil)
	if code != http.StatusOK || took > time.Second {
		t.Errorf("read during the outage: %d in %s: %s", code, took, body)
	}
	var worst time.Duration
	for i, c := range []struct {
		method, path string
		body         any
		token        string
	}{
		{"POST", "/v1/priorities/" + p.ID + "/decisions", map[string]any{"decision": "accept", "expert_id": users.expert.ID}, users.m1.Token},
		{"POST", "/v1/priorities", submission(), users.fp.Token},
	} {
		code, h, body, took := timed(t, srv, c.method, c.path, c.token, c.body)
		worst = max(worst, took)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, "not confirmed") {
			t.Errorf("%s %s with Temporal down: %d %s %s", c.method, c.path, code, h.Get("Retry-After"), body)
		}
		bound := outageBound + time.Second // the first one waits out the bound
		if i > 0 {
			bound = time.Second // the next ones are told at once
		}
		if took > bound {
			t.Errorf("%s %s with Temporal down took %s, want under %s", c.method, c.path, took, bound)
		}
		t.Logf("%s %s with Temporal down: %d in %s", c.method, c.path, code, took.Round(time.Millisecond))
	}
	code, _, body, took = timed(t, srv, "GET", "/readyz", "", nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "temporal") || strings.Contains(body, `"postgres"`) {
		t.Errorf("/readyz with Temporal down: %d %s", code, body)
	}
	t.Logf("worst change latency with Temporal down: %s; /readyz %d in %s", worst.Round(time.Millisecond), code, took.Round(time.Millisecond))

	o.startTemporal()
	// Back: the accept goes through (whether or not the first one applied,
	// the API now shows one state and the workflow the same).
	var got *pipeline.Priority
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		code, _, body, _ := timed(t, srv, "GET", "/v1/priorities/"+p.ID, users.m1.Token, nil)
		if code != http.StatusOK {
			continue
		}
		_ = json.Unmarshal([]byte(body), &got)
		if got.Stage == pipeline.ExpertReview {
			break
		}
		code, _, _, _ = timed(t, srv, "POST", "/v1/priorities/"+p.ID+"/decisions", users.m1.Token,
			map[string]any{"decision": "accept", "expert_id": users.expert.ID})
		if code == http.StatusOK {
			continue
		}
	}
	if got == nil || got.Stage != pipeline.ExpertReview || got.Version != 2 {
		t.Fatalf("after Temporal came back: %+v", got)
	}
	requireConverged(t, o.tc, o.st, p.ID, 15*time.Second)
}

// TestWorkerDown: with no worker polling, a decision answers 504 — "may
// still apply" — at the update bound. Temporal keeps the update; when a
// worker comes back it applies it, and the workflow's own flush brings the
// read model along although no request is waiting for it any more.
func TestWorkerDown(t *testing.T) {
	o := newOutage(t)
	withWorker, srv := o.serve(true)
	users := addUsers(t, o.st)
	_, _, body, _ := timed(t, srv, "POST", "/v1/priorities", users.fp.Token, submission())
	var p pipeline.Priority
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.ID == "" {
		t.Fatalf("submit: %s", body)
	}
	withWorker.Stop()
	_, apiOnly := o.serve(false)
	code, _, body, took := timed(t, apiOnly, "POST", "/v1/priorities/"+p.ID+"/decisions", users.m1.Token,
		map[string]any{"decision": "accept", "expert_id": users.expert.ID})
	if code != http.StatusGatewayTimeout || !strings.Contains(body, "may still apply") {
		t.Fatalf("decision with no worker: %d %s", code, body)
	}
	if took > outageBound+time.Second {
		t.Errorf("decision with no worker took %s, the bound is %s", took, outageBound)
	}
	t.Logf("decision with no worker: %d in %s", code, took.Round(time.Millisecond))

	o.serve(true) // a worker again
	requireConverged(t, o.tc, o.st, p.ID, 30*time.Second)
	got, err := o.st.Priority(context.Background(), p.ID)
	if err != nil || got.Stage != pipeline.ExpertReview || got.Assignee != users.expert.ID {
		t.Fatalf("the accept the API gave up on: %+v %v", got, err)
	}
}

// requireConverged waits until the read model equals the workflow's state,
// with every event 1..n.
func requireConverged(t *testing.T, tc client.Client, st *store.Store, id string, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	var wf, pg *pipeline.Priority
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		v, err := tc.QueryWorkflow(ctx, workflows.ID(id), "", workflows.QueryPriority)
		if err != nil {
			continue
		}
		if err := v.Get(&wf); err != nil {
			t.Fatal(err)
		}
		if pg, err = st.Priority(ctx, id); err != nil {
			continue
		}
		evs, err := st.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(wf)
		b, _ := json.Marshal(pg)
		if string(a) == string(b) && len(evs) == wf.EventSeq && evs[len(evs)-1].Seq == wf.EventSeq {
			return
		}
	}
	t.Fatalf("read model never converged to the workflow:\nworkflow   %+v\nread model %+v", wf, pg)
}

type outageUsers struct{ fp, m1, expert testenv.User }

func addUsers(t *testing.T, st *store.Store) outageUsers {
	t.Helper()
	add := func(a pipeline.Actor) testenv.User {
		token, hash := store.NewToken()
		u, err := st.AddUser(context.Background(), store.User{Actor: a, Email: uuid.NewString()[:12] + "@puente.test", Language: "es"},
			hash, time.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return testenv.User{User: u, Token: token}
	}
	return outageUsers{
		fp:     add(pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}),
		m1:     add(pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}),
		expert: add(pipeline.Actor{Name: "Carmen Díaz", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}}),
	}
}
