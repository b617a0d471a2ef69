package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// decide posts a decision as u and fails the test unless it answers want.
func (b *bundle) decide(t *testing.T, u testenv.User, id string, want int, body map[string]any, headers ...string) priorityBody {
	t.Helper()
	r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/decisions", u.Token, body, headers...)
	if r.StatusCode != want {
		t.Fatalf("%v by %s: %s %s", body["decision"], u.Name, r.Status, r.Body)
	}
	var p priorityBody
	if want == http.StatusOK {
		r.JSON(t, &p)
		if r.Header.Get("ETag") != fmt.Sprintf(`"%d"`, p.Version) {
			t.Fatalf("ETag %q for version %d", r.Header.Get("ETag"), p.Version)
		}
	}
	return p
}

func (b *bundle) putPlan(t *testing.T, u testenv.User, id string, plan map[string]any, want int) priorityBody {
	t.Helper()
	r := b.app.Do(t, "PUT", "/v1/priorities/"+id+"/plan", u.Token, plan)
	if r.StatusCode != want {
		t.Fatalf("put plan by %s: %s %s", u.Name, r.Status, r.Body)
	}
	var p priorityBody
	if want == http.StatusOK {
		r.JSON(t, &p)
	}
	return p
}

func (b *bundle) get(t *testing.T, u testenv.User, id string) priorityBody {
	t.Helper()
	r := b.app.Do(t, "GET", "/v1/priorities/"+id, u.Token, nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("get as %s: %s %s", u.Name, r.Status, r.Body)
	}
	var p priorityBody
	r.JSON(t, &p)
	return p
}

func TestJourneyToApproval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.submit(t, b.fpPE, submission())
	id := p.ID
	assertReadModelMatchesWorkflow(t, b, id)

	p = b.decide(t, b.manager, id, 200, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	if p.Stage != pipeline.ExpertReview || p.Assignee != b.expert.ID || p.TriagedBy != b.manager.ID {
		t.Fatalf("after accept: %+v", p.Priority)
	}
	b.decide(t, b.expert, id, 200, map[string]any{"decision": "request_revision", "comment": "Precise las instituciones"})
	assertReadModelMatchesWorkflow(t, b, id)
	p = b.decide(t, b.fpPE, id, 200, map[string]any{"decision": "resubmit", "changes": map[string]any{"institution": "Fiscalía de la Nación y Policía Nacional"}})
	if p.Stage != pipeline.ExpertReview || p.Institution != "Fiscalía de la Nación y Policía Nacional" {
		t.Fatalf("after resubmit: %+v", p.Priority)
	}
	b.decide(t, b.expert, id, 200, map[string]any{"decision": "approve"})
	p = b.putPlan(t, b.expert, id, journey.PlanBody(), 200)
	assertReadModelMatchesWorkflow(t, b, id)
	if p.Plan == nil || len(p.Plan.Actions) != 1 || p.Stage != pipeline.Planning {
		t.Fatalf("after plan: %+v", p.Priority)
	}
	b.decide(t, b.expert, id, 200, map[string]any{"decision": "submit_plan"})
	b.decide(t, b.fpPE, id, 200, map[string]any{"decision": "request_changes", "comment": "Añadir la Policía"})
	b.decide(t, b.expert, id, 200, map[string]any{"decision": "submit_plan"})
	p = b.decide(t, b.fpPE, id, 200, map[string]any{"decision": "endorse"})
	assertReadModelMatchesWorkflow(t, b, id)
	if p.Stage != pipeline.Approval {
		t.Fatalf("after endorse: %s", p.Stage)
	}
	// Four-eyes: the manager who triaged may not approve.
	b.decide(t, b.manager, id, http.StatusForbidden, map[string]any{"decision": "approve"})
	p = b.decide(t, b.manager2, id, 200, map[string]any{"decision": "approve", "comment": "Aprobado"},
		"If-Match", fmt.Sprintf(`"%d"`, p.Version))
	if p.Stage != pipeline.Approved || len(p.AllowedDecisions) != 0 {
		t.Fatalf("after approve: %+v", p)
	}

	assertReadModelMatchesWorkflow(t, b, id)

	// What the API answered is what a reader sees (read-your-writes).
	if got := b.get(t, b.fpPE, id); got.Stage != pipeline.Approved || got.Version != p.Version {
		t.Errorf("read model after approval: %s v%d, update answered v%d", got.Stage, got.Version, p.Version)
	}

	// The audit trail: consecutive seq from 1, right actors and stages.
	var trail struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.fpPE.Token, nil).JSON(t, &trail)
	want := []struct {
		kind     pipeline.EventKind
		actor    string
		from, to pipeline.Stage
	}{
		{"submitted", b.fpPE.ID, "", "triage"},
		{"accept", b.manager.ID, "triage", "expert_review"},
		{"request_revision", b.expert.ID, "expert_review", "revision"},
		{"resubmit", b.fpPE.ID, "revision", "expert_review"},
		{"approve", b.expert.ID, "expert_review", "planning"},
		{"plan_updated", b.expert.ID, "planning", "planning"},
		{"submit_plan", b.expert.ID, "planning", "validation"},
		{"request_changes", b.fpPE.ID, "validation", "planning"},
		{"submit_plan", b.expert.ID, "planning", "validation"},
		{"endorse", b.fpPE.ID, "validation", "approval"},
		{"approve", b.manager2.ID, "approval", "approved"},
		{"delivery_scheduled", "system", "", ""},
	}
	if len(trail.Items) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(trail.Items), len(want), trail.Items)
	}
	for i, w := range want {
		e := trail.Items[i]
		if e.Seq != i+1 || e.Kind != w.kind || e.Actor.ID != w.actor || e.FromStage != w.from || e.ToStage != w.to {
			t.Errorf("event %d: %+v, want %+v", i+1, e, w)
		}
	}
	if trail.Items[2].Comment != "Precise las instituciones" {
		t.Errorf("revision comment %q", trail.Items[2].Comment)
	}

	// The plan's actions are approved support actions.
	var actions struct{ Items []pipeline.SupportAction }
	b.app.Do(t, "GET", "/v1/support-actions?country=CO", b.fpPE.Token, nil).JSON(t, &actions)
	if a := actions.Items; len(a) != 1 || a[0].PriorityID != id || a[0].BudgetEUR != pipeline.Euros(45000) || !slices.Equal(a[0].Countries, []string{"PE", "CO"}) ||
		a[0].Theme != "joint_investigation_teams" || len(a[0].Indicators) != 1 || a[0].Indicators[0].Target != 40 {
		t.Errorf("support actions: %+v", actions.Items)
	}
	if r := b.app.Do(t, "GET", "/v1/support-actions", b.fpMX.Token, nil); !strings.Contains(string(r.Body), `"items":[]`) {
		t.Errorf("focal point of MX sees PE's support actions: %s", r.Body)
	}

	// The action is delivered and closed; the workflow ends with it.
	b.deliver(t, b.implFIIAPP, id, 0, 200, map[string]any{"act": "confirm", "start_date": "2027-02-01", "end_date": "2027-02-05", "place": "Lima"})
	b.deliver(t, b.implFIIAPP, id, 0, 200, map[string]any{"act": "report", "report": journey.ReportBody(1)})
	b.deliver(t, b.expert, id, 0, 200, map[string]any{"act": "validate"})
	p = b.deliver(t, b.manager, id, 0, 200, map[string]any{"act": "close"})
	if len(p.Deliveries) != 1 || p.Deliveries[0].Stage != pipeline.Closed {
		t.Fatalf("after close: %+v", p.Deliveries)
	}
	assertReadModelMatchesWorkflow(t, b, id)
	recordHistory(t, b, id, "journey.json")
}

// assertReadModelMatchesWorkflow compares the workflow's own state (its query)
// with the priority PostgreSQL holds: after every decision they must agree.
func assertReadModelMatchesWorkflow(t *testing.T, b *bundle, id string) {
	t.Helper()
	ctx := context.Background()
	v, err := b.app.Temporal.QueryWorkflow(ctx, workflows.ID(id), "", workflows.QueryPriority)
	if err != nil {
		t.Fatalf("query workflow: %v", err)
	}
	var held pipeline.Priority
	if err := v.Get(&held); err != nil {
		t.Fatal(err)
	}
	stored, err := b.app.Store.Priority(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(held)
	s, _ := json.Marshal(stored)
	if string(a) != string(s) {
		t.Fatalf("read model differs from the workflow:\nworkflow %s\nstore    %s", a, s)
	}
}
