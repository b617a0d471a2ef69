package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

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
	b.putPlan(t, b.expert, id, completePlan(), http.StatusOK)
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

// want is what the table says the API must answer.
func want(a pipeline.Actor, p *pipeline.Priority, d pipeline.Decision) int {
	if !a.CanSee(p) {
		return http.StatusNotFound
	}
	t, ok := pipeline.Lookup(p.Stage, d)
	switch {
	case !ok:
		return http.StatusConflict
	case !t.Rule.Admits(a, p):
		return http.StatusForbidden
	}
	return http.StatusOK
}

var updateErrorType = map[int]string{
	http.StatusNotFound:  workflows.ErrNotFound,
	http.StatusConflict:  workflows.ErrNotInStage,
	http.StatusForbidden: workflows.ErrForbidden,
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
		// A submission is answered once recorded, which can be before the
		// server has taken the workflow task that recorded it: let it land, so
		// that the history length below moves only if a denial changes it.
		settle(t, b, id)
		for _, u := range actors {
			for _, d := range pipeline.Decisions {
				code := want(u.Actor, p, d)
				if code == http.StatusOK {
					allowed = append(allowed, allowedCase{stage, u, d})
					continue // taken below, on a priority of its own
				}
				before := historyLength(t, b, id)
				r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/decisions", u.Token, b.body(d, stage))
				if r.StatusCode != code {
					t.Errorf("%s by %s in %s: %s %s, want %d", d, u.Name, stage, r.Status, r.Body, code)
				}
				if stage.Open() {
					// Defence in depth: the workflow's validator refuses it too.
					err := directUpdate(ctx, b, id, u.Actor, b.body(d, stage))
					var appErr *temporal.ApplicationError
					if !errors.As(err, &appErr) || appErr.Type() != updateErrorType[code] {
						t.Errorf("%s by %s in %s sent to the workflow: %v, want %s", d, u.Name, stage, err, updateErrorType[code])
					}
				}
				if after := historyLength(t, b, id); after != before {
					t.Errorf("%s by %s in %s: denied, but history grew from %d to %d events", d, u.Name, stage, before, after)
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

// settle waits until the priority's workflow has no workflow task pending.
func settle(t *testing.T, b *bundle, id string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		d, err := b.app.Temporal.DescribeWorkflow(context.Background(), workflows.ID(id), "")
		if err != nil {
			t.Fatalf("describe %s: %v", id, err)
		}
		if d.RawResponse.GetPendingWorkflowTask() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow of %s still has a pending workflow task after 10 s", id)
		}
	}
}

func historyLength(t *testing.T, b *bundle, id string) int {
	t.Helper()
	d, err := b.app.Temporal.DescribeWorkflow(context.Background(), workflows.ID(id), "")
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	return d.HistoryLength
}

func directUpdate(ctx context.Context, b *bundle, id string, a pipeline.Actor, body map[string]any) error {
	in := pipeline.DecisionInput{Decision: body["decision"].(pipeline.Decision)}
	in.Comment, _ = body["comment"].(string)
	in.Reason, _ = body["reason"].(string)
	in.ExpertID, _ = body["expert_id"].(string)
	h, err := b.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ID(id), UpdateName: workflows.UpdateDecide,
		Args: []any{workflows.DecideRequest{Actor: a, Input: in}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}
