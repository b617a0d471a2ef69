package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// user is a person the check acts as, with the token `puente users add` printed.
type user struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

// people are the actors of the journeys.
type people struct {
	fpPE, fpCO, manager, manager2 user
	experts                       map[string]user // by theme
}

// step is one request of a journey: who sends what, and where the priority
// must be afterwards.
type step struct {
	who   func(*people) user
	plan  bool // PUT …/plan instead of a decision
	body  map[string]any
	after string // stage after the step
	event string // the event kind it records
}

func fp(p *people) user   { return p.fpPE }
func mgr(p *people) user  { return p.manager }
func mgr2(p *people) user { return p.manager2 }
func decide(d string, extra ...any) map[string]any {
	m := map[string]any{"decision": d}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// scenario is a journey from submission to a terminal stage.
type scenario struct {
	name  string
	final string
	steps []step
}

// scenarios returns the journeys; an expert is looked up by theme per priority.
func scenarios(expert func(*people) user) []scenario {
	accept := step{mgr, false, decide("accept"), "expert_review", "accept"}
	revise := step{expert, false, decide("request_revision", "comment", "Precise las instituciones"), "revision", "request_revision"}
	resubmit := step{fp, false, decide("resubmit", "changes", map[string]any{"institution": "Fiscalía y Policía Nacional"}), "expert_review", "resubmit"}
	review := step{expert, false, decide("approve"), "planning", "approve"}
	plan := step{expert, true, completePlan(), "planning", "plan_updated"}
	submitPlan := step{expert, false, decide("submit_plan"), "validation", "submit_plan"}
	endorse := step{fp, false, decide("endorse"), "approval", "endorse"}
	approve := step{mgr2, false, decide("approve", "comment", "Aprobado"), "approved", "approve"}
	return []scenario{
		{"approved", "approved", []step{accept, revise, resubmit, review, plan, submitPlan, endorse, approve}},
		{"approved", "approved", []step{accept, revise, resubmit, review, plan, submitPlan, endorse, approve}},
		{"approved", "approved", []step{accept, revise, resubmit, review, plan, submitPlan, endorse, approve}},
		{"rejected in triage", "rejected", []step{{mgr, false, decide("reject", "reason", "Fuera del mandato"), "rejected", "reject"}}},
		{"rejected in review", "rejected", []step{accept, {expert, false, decide("reject", "reason", "Duplicada"), "rejected", "reject"}}},
		{"withdrawn in planning", "withdrawn", []step{accept, review, plan, {fp, false, decide("withdraw", "reason", "Ya no es prioritaria"), "withdrawn", "withdraw"}}},
	}
}

func completePlan() map[string]any {
	return map[string]any{
		"objective":        "Fortalecer la cooperación judicial en equipos conjuntos de investigación",
		"expected_outcome": "Un ECI operativo entre Perú y Colombia",
		"gender_marker":    1,
		"actions": []map[string]any{{
			"type": "training", "title": "Taller sobre ECI", "description": "Formación de fiscales en la constitución de ECI",
			"beneficiaries": []string{"Fiscalía de la Nación"}, "countries": []string{"PE", "CO"},
			"start_date": "2027-02-01", "end_date": "2027-02-05", "budget_eur": 45000, "eu_partners": []string{"Eurojust"},
			"indicators": []map[string]any{{"name": "Fiscales formados", "unit": "people", "baseline": 0, "target": 40}},
		}},
	}
}

// priority is one journey in flight.
type priority struct {
	n        int
	scenario scenario
	theme    string
	id, ref  string
	version  int
	events   []string // the event kinds it must end with
	retries  int      // requests answered 5xx or not at all, then retried
	answers  []string // what those requests got: a status and problem title, or the error
	resolved int      // ambiguous requests found applied on re-read
}

// apiPriority is the part of GET /v1/priorities/{id} the driver reads.
type apiPriority struct {
	ID      string `json:"id"`
	Ref     string `json:"ref"`
	Stage   string `json:"stage"`
	Version int    `json:"version"`
}

// driver sends the journeys' requests to the APIs in turn.
type driver struct {
	apis     []string
	people   *people
	client   *http.Client
	requests []atomic.Int64 // per API
	served   []sync.Map     // per API: priority ids
	steps    atomic.Int64   // requests that moved a priority
	inflight atomic.Int64   // requests sent and not yet answered
	active   sync.Map       // priority ids whose journeys are under way
}

func newDriver(apis []string, p *people) *driver {
	return &driver{apis: apis, people: p, client: &http.Client{Timeout: 90 * time.Second},
		requests: make([]atomic.Int64, len(apis)), served: make([]sync.Map, len(apis))}
}

type response struct {
	status int
	body   []byte
}

// do sends one request to API i.
func (d *driver) do(ctx context.Context, i int, method, path string, u user, body any, headers ...string) (response, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+d.apis[i]+path, r)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+u.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for j := 0; j+1 < len(headers); j += 2 {
		req.Header.Set(headers[j], headers[j+1])
	}
	d.requests[i].Add(1)
	d.inflight.Add(1)
	defer d.inflight.Add(-1)
	resp, err := d.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, b}, err
}

// transient says whether an answer may be retried: the API could not tell
// whether the change applied (504), a backend was unavailable (503), or no
// answer came at all.
func transient(r response, err error) bool {
	return err != nil || r.status == http.StatusServiceUnavailable || r.status == http.StatusGatewayTimeout ||
		r.status == http.StatusBadGateway || r.status == http.StatusInternalServerError
}

// answer says what a retried request got.
func answer(r response, err error) string {
	if err != nil {
		return err.Error()
	}
	var pb struct{ Title string }
	_ = json.Unmarshal(r.body, &pb)
	return fmt.Sprintf("%d %s", r.status, pb.Title)
}

// submit creates the priority through API k%2 with an Idempotency-Key, so a
// retry after an unanswered request lands on the same priority.
func (d *driver) submit(ctx context.Context, p *priority) error {
	body := map[string]any{
		"title":       fmt.Sprintf("Prioridad %d de la prueba de producción", p.n),
		"description": "Una red de lavado de activos entre Perú y Colombia, " + p.scenario.name,
		"theme":       p.theme, "pillar": "justice", "countries": []string{"PE", "CO"},
		"institution": "Fiscalía de la Nación", "urgency": "high", "sensitivity": "public",
	}
	key := "prod-check-" + strconv.Itoa(p.n)
	for attempt := 0; ; attempt++ {
		i := d.api(p, 0)
		r, err := d.do(ctx, i, "POST", "/v1/priorities", d.people.fpPE, body, "Idempotency-Key", key)
		if transient(r, err) && attempt < 8 {
			p.retries++
			p.answers = append(p.answers, "submit: "+answer(r, err))
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			return err
		}
		if r.status != http.StatusCreated {
			return fmt.Errorf("submit %d: %d %s", p.n, r.status, r.body)
		}
		var got apiPriority
		if err := json.Unmarshal(r.body, &got); err != nil {
			return err
		}
		p.id, p.ref, p.version = got.ID, got.Ref, got.Version
		d.served[i].Store(p.id, true)
		p.events = append(p.events, "submitted")
		d.steps.Add(1)
		return nil
	}
}

// api picks the API for step k of priority p: the two take turns along each
// journey, and neighbouring journeys start on different ones.
func (d *driver) api(p *priority, k int) int { return (p.n + k) % len(d.apis) }

// get reads the priority through API i as u.
func (d *driver) get(ctx context.Context, i int, p *priority, u user) (apiPriority, error) {
	r, err := d.do(ctx, i, "GET", "/v1/priorities/"+p.id, u, nil)
	if err != nil {
		return apiPriority{}, err
	}
	if r.status != http.StatusOK {
		return apiPriority{}, fmt.Errorf("get %s: %d %s", p.ref, r.status, r.body)
	}
	var got apiPriority
	return got, json.Unmarshal(r.body, &got)
}

// take sends step k with If-Match on the version last seen, so a retry never
// applies a step twice: after an unanswered or 5xx request it re-reads the
// priority and counts the step as done if its version moved to the step's
// stage.
func (d *driver) take(ctx context.Context, p *priority, k int, s step) error {
	u := s.who(d.people)
	method, path := "POST", "/v1/priorities/"+p.id+"/decisions"
	if s.plan {
		method, path = "PUT", "/v1/priorities/"+p.id+"/plan"
	}
	for attempt := 0; ; attempt++ {
		i := d.api(p, k+attempt)
		r, err := d.do(ctx, i, method, path, u, s.body, "If-Match", fmt.Sprintf(`"%d"`, p.version))
		switch {
		case err == nil && r.status == http.StatusOK:
			var got apiPriority
			if err := json.Unmarshal(r.body, &got); err != nil {
				return err
			}
			if got.Stage != s.after || got.Version <= p.version {
				return fmt.Errorf("%s %s: answered stage %s v%d, want %s after v%d", p.ref, s.event, got.Stage, got.Version, s.after, p.version)
			}
			p.version = got.Version
		case (transient(r, err) || r.status == http.StatusPreconditionFailed) && attempt < 10:
			if r.status != http.StatusPreconditionFailed {
				p.retries++
				p.answers = append(p.answers, s.event+": "+answer(r, err))
			}
			time.Sleep(time.Second)
			cur, gerr := d.get(ctx, i, p, u)
			if gerr != nil {
				continue
			}
			if cur.Version > p.version && cur.Stage == s.after {
				p.resolved++
				p.version = cur.Version
				break
			}
			continue
		case err != nil:
			return fmt.Errorf("%s %s: %w", p.ref, s.event, err)
		default:
			return fmt.Errorf("%s %s by %s: %d %s", p.ref, s.event, u.Name, r.status, r.body)
		}
		d.served[i].Store(p.id, true)
		p.events = append(p.events, s.event)
		d.steps.Add(1)
		return nil
	}
}

// journey runs one priority from submission to its terminal stage.
func (d *driver) journey(ctx context.Context, p *priority) error {
	if err := d.submit(ctx, p); err != nil {
		return err
	}
	d.active.Store(p.id, true)
	defer d.active.Delete(p.id)
	for k, s := range p.scenario.steps {
		if err := d.take(ctx, p, k+1, s); err != nil {
			return err
		}
	}
	return nil
}

// runAll runs the journeys, conc at a time, and calls atStep once when the
// driver has made `at` steps (the worker kill).
func (d *driver) runAll(ctx context.Context, ps []*priority, conc int) error {
	sem := make(chan struct{}, conc)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, p := range ps {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.journey(ctx, p); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
