package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// driveTo submits a priority and takes it to stage through the API: the
// manager triages it to the expert, who drafts the plan.
func (b *bundle) driveTo(t *testing.T, stage pipeline.Stage) string {
	t.Helper()
	id := b.submit(t, b.fpPE, submission()).ID
	step := func(u testenv.User, body map[string]any) { b.decide(t, u, id, http.StatusOK, body) }
	switch stage {
	case pipeline.Triage:
		return id
	case pipeline.Rejected:
		step(b.manager, map[string]any{"decision": "reject", "reason": "fuera de mandato"})
		return id
	case pipeline.Withdrawn:
		step(b.fpPE, map[string]any{"decision": "withdraw", "reason": "resuelto"})
		return id
	}
	step(b.manager, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	if stage == pipeline.ExpertReview {
		return id
	}
	if stage == pipeline.Revision {
		step(b.expert, map[string]any{"decision": "request_revision", "comment": "más detalle"})
		return id
	}
	step(b.expert, map[string]any{"decision": "approve"})
	b.putPlan(t, b.expert, id, journey.PlanBody(), http.StatusOK)
	if stage == pipeline.Planning {
		return id
	}
	step(b.expert, map[string]any{"decision": "submit_plan"})
	if stage == pipeline.Validation {
		return id
	}
	step(b.fpPE, map[string]any{"decision": "endorse"})
	if stage == pipeline.Approval {
		return id
	}
	step(b.manager2, map[string]any{"decision": "approve"})
	return id
}

// body is a decision's body carrying exactly the fields it requires.
func (b *bundle) body(d pipeline.Decision, from pipeline.Stage) map[string]any {
	m := map[string]any{"decision": d}
	t, ok := pipeline.Lookup(from, d)
	if !ok {
		t, _ = pipeline.Lookup(pipeline.Triage, d)
		if d == pipeline.Approve {
			t, _ = pipeline.Lookup(pipeline.ExpertReview, d)
		}
	}
	for _, f := range t.Requires {
		switch f {
		case pipeline.FieldComment:
			m["comment"] = "un comentario"
		case pipeline.FieldReason:
			m["reason"] = "un motivo"
		case pipeline.FieldExpertID:
			m["expert_id"] = b.expert2.ID
		}
	}
	return m
}

// oracle is the stage table of docs/architecture.md, The pipeline, written
// out by hand, independently of pipeline.Table:
// in each stage, each decision and who may take it — "manager" any manager,
// "four-eyes" a manager who neither triaged the priority nor drafted its
// plan, "assigned" its expert, "country" a focal point of its countries.
var oracle = map[pipeline.Stage]map[pipeline.Decision]string{
	pipeline.Triage:       {"accept": "manager", "reject": "manager", "withdraw": "country", "reassign": "manager"},
	pipeline.ExpertReview: {"approve": "assigned", "request_revision": "assigned", "reject": "assigned", "withdraw": "country", "reassign": "manager"},
	pipeline.Revision:     {"resubmit": "country", "withdraw": "country", "reassign": "manager"},
	pipeline.Planning:     {"submit_plan": "assigned", "withdraw": "country", "reassign": "manager"},
	pipeline.Validation:   {"endorse": "country", "request_changes": "country", "withdraw": "country", "reassign": "manager"},
	pipeline.Approval:     {"approve": "four-eyes", "return": "four-eyes", "reject": "four-eyes", "withdraw": "country", "reassign": "manager"},
}

// want is what the API must answer: the test's cast is fixed — the manager
// triages, the expert is assigned and drafts, the priority is public, of PE
// and CO, on joint investigation teams — so who is who is written out too.
func (b *bundle) want(u testenv.User, other testenv.User, stage pipeline.Stage, d pipeline.Decision) int {
	if u.ID == other.ID || u.ID == b.fpMX.ID {
		return http.StatusNotFound // another theme, another country
	}
	who, ok := oracle[stage][d]
	if !ok {
		return http.StatusConflict
	}
	admitted := map[string][]string{
		"manager":   {b.manager.ID, b.manager2.ID},
		"four-eyes": {b.manager2.ID},
		"assigned":  {b.expert.ID},
		"country":   {b.fpPE.ID},
	}[who]
	if !slices.Contains(admitted, u.ID) {
		return http.StatusForbidden
	}
	return http.StatusOK
}

var refusalKind = map[int]pipeline.Kind{
	http.StatusNotFound:  pipeline.KindNotFound,
	http.StatusConflict:  pipeline.KindConflict,
	http.StatusForbidden: pipeline.KindForbidden,
}

// TestAuthorizationMatrix checks every role × decision × stage against the
// transition table: allowed exactly when the table says, and every denial —
// by the API or, sent straight to the workflow, by its validator — leaves the
// workflow's history as it was.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := b.app.AddUser(t, pipeline.Actor{Name: "Expert of another theme", Role: pipeline.Expert, Themes: []string{"cybercrime"}})
	actors := []testenv.User{b.manager, b.manager2, b.expert, b.expert2, other, b.fpPE, b.fpMX}
	ctx := context.Background()

	type allowedCase struct {
		stage pipeline.Stage
		u     testenv.User
		d     pipeline.Decision
	}
	var allowed []allowedCase
	for _, stage := range pipeline.Stages {
		id := b.driveTo(t, stage)
		var current priorityBody
		b.app.Do(t, "GET", "/v1/priorities/"+id, b.manager.Token, nil).JSON(t, &current)
		p := &current.Priority
		if p.Stage != stage {
			t.Fatalf("drove to %s, got %s", stage, p.Stage)
		}
		for _, u := range actors {
			for _, d := range pipeline.Decisions {
				code := b.want(u, other, stage, d)
				if code == http.StatusOK {
					allowed = append(allowed, allowedCase{stage, u, d})
					continue // taken below, on a priority of its own
				}
				before := acceptedUpdates(t, b, id)
				r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/decisions", u.Token, b.body(d, stage))
				if r.StatusCode != code {
					t.Errorf("%s by %s in %s: %s %s, want %d", d, u.Name, stage, r.Status, r.Body, code)
				}
				if stage.Open() {
					// Defence in depth: the workflow's validator refuses it too.
					err := directUpdate(ctx, b, id, u.Actor, b.body(d, stage))
					if e, ok := workflows.AsRefusal(err); !ok || e.Kind != refusalKind[code] {
						t.Errorf("%s by %s in %s sent to the workflow: %v, want %v", d, u.Name, stage, err, refusalKind[code])
					}
				}
				if after := acceptedUpdates(t, b, id); after != before {
					t.Errorf("%s by %s in %s: denied, but the workflow accepted %d updates, not %d", d, u.Name, stage, after, before)
				}
			}
		}
	}
	if len(allowed) != 32 {
		t.Errorf("%d allowed (stage, actor, decision) cases, want 32 from the table", len(allowed))
	}

	// Every allowed case, on a fresh priority: accepted, and moved as the table says.
	for _, c := range allowed {
		t.Run(fmt.Sprintf("%s/%s/%s", c.stage, c.u.Name, c.d), func(t *testing.T) {
			t.Parallel()
			id := b.driveTo(t, c.stage)
			tr, _ := pipeline.Lookup(c.stage, c.d)
			got := b.decide(t, c.u, id, http.StatusOK, b.body(c.d, c.stage))
			if got.Stage != tr.Next() {
				t.Errorf("stage %s, want %s", got.Stage, tr.Next())
			}
		})
	}
}

// acceptedUpdates counts the updates the priority's workflow has accepted:
// a refused one leaves no trace in its history.
func acceptedUpdates(t *testing.T, b *bundle, id string) int {
	t.Helper()
	n := 0
	it := b.app.Temporal.GetWorkflowHistory(context.Background(), workflows.ID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		if ev.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			n++
		}
	}
	return n
}

func directUpdate(ctx context.Context, b *bundle, id string, a pipeline.Actor, body map[string]any) error {
	in := pipeline.DecisionInput{Decision: body["decision"].(pipeline.Decision)}
	in.Comment, _ = body["comment"].(string)
	in.Reason, _ = body["reason"].(string)
	in.ExpertID, _ = body["expert_id"].(string)
	h, err := b.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ID(id), UpdateName: workflows.UpdateAct,
		Args: []any{workflows.ActRequest{Actor: a, Act: pipeline.Act{DecisionInput: in}}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}
