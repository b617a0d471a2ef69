package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/pipeline"
)

// The write path of workflows started before changeDurableFirst: they wrote
// the read model with a local activity inside each update, and looked
// experts up themselves. Their histories replay only if they keep issuing
// the same commands, so they keep this path until the last of them closes
// (workflows/testdata holds one such history; the replay test runs it).

// Updates of workflows started before changeDurableFirst.
const (
	legacyUpdateDecide = "decide"
	legacyUpdatePlan   = "plan"
	legacyUpdateEdit   = "edit"
)

// DecideRequest, PlanRequest and EditRequest are the arguments of those updates.
type (
	DecideRequest struct {
		Actor     pipeline.Actor         `json:"actor"`
		Input     pipeline.DecisionInput `json:"input"`
		Expert    *pipeline.Ref          `json:"expert,omitempty"`
		Version   int                    `json:"version,omitempty"`
		RequestID string                 `json:"request_id,omitempty"`
	}
	PlanRequest struct {
		Actor     pipeline.Actor `json:"actor"`
		Plan      pipeline.Plan  `json:"plan"`
		Version   int            `json:"version,omitempty"`
		RequestID string         `json:"request_id,omitempty"`
	}
	EditRequest struct {
		Actor     pipeline.Actor   `json:"actor"`
		Changes   pipeline.Changes `json:"changes"`
		Version   int              `json:"version,omitempty"`
		RequestID string           `json:"request_id,omitempty"`
	}
)

func (r DecideRequest) act() ActRequest {
	act := pipeline.Act{DecisionInput: r.Input}
	if r.Expert != nil {
		act.Expert = &pipeline.Actor{ID: r.Expert.ID, Name: r.Expert.Name, Role: r.Expert.Role}
	}
	return ActRequest{Actor: r.Actor, Act: act, Version: r.Version, RequestID: r.RequestID}
}

func (r PlanRequest) act() ActRequest {
	plan := r.Plan
	return ActRequest{Actor: r.Actor, Act: pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan},
		Version: r.Version, RequestID: r.RequestID}
}

func (r EditRequest) act() ActRequest {
	changes := r.Changes
	return ActRequest{Actor: r.Actor, Act: pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.Edit, Changes: &changes}},
		Version: r.Version, RequestID: r.RequestID}
}

func (w *priority) setupLegacy(ctx workflow.Context) error {
	handlers := []struct {
		name      string
		handler   any
		validator any
	}{
		{legacyUpdateDecide, func(ctx workflow.Context, r DecideRequest) (*Result, error) { return w.act(ctx, r.act()) },
			func(ctx workflow.Context, r DecideRequest) error { return w.validate(ctx, r.act()) }},
		{legacyUpdatePlan, func(ctx workflow.Context, r PlanRequest) (*Result, error) { return w.act(ctx, r.act()) },
			func(ctx workflow.Context, r PlanRequest) error { return w.validate(ctx, r.act()) }},
		{legacyUpdateEdit, func(ctx workflow.Context, r EditRequest) (*Result, error) { return w.act(ctx, r.act()) },
			func(ctx workflow.Context, r EditRequest) error { return w.validate(ctx, r.act()) }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", h.name, err)
		}
	}
	return nil
}

// legacySubmit records the submission the way the first version did: the
// priority's reference comes back from the read model.
func (w *priority) legacySubmit(ctx workflow.Context) error {
	sub := w.in.Submission.submitted(w.in.PriorityID)
	sub.At = now(ctx)
	out := pipeline.Submit(sub, w.slas)
	w.p = &out.Priority
	w.noteStartAttributes(ctx)
	w.upsertSearchAttributes(ctx)
	w.p.Ref = w.legacyRecord(ctx, out.Event, false)
	w.logChange(ctx, w.in.Submission.RequestID, out.Event)
	return nil
}

// legacyExpert looks up the expert an accept or reassign needs, unless the
// caller sent it, then checks visibility, version, stage and actor again:
// the lookup yields, and another update may have moved the priority
// meanwhile. The body was judged by the validator, by the rules of its day.
func (w *priority) legacyExpert(ctx workflow.Context, r *ActRequest) error {
	in := r.Act.DecisionInput
	needs := in.Decision == pipeline.Reassign || (in.Decision == pipeline.Accept && (in.ExpertID != "" || w.p.Assignee == ""))
	sent := r.Act.Expert != nil && r.Act.Expert.ID == in.ExpertID && r.Act.Expert.Role == pipeline.Expert
	if needs && !(in.ExpertID != "" && sent) {
		theme := w.p.Theme
		if in.Theme != "" {
			theme = in.Theme
		}
		var res activities.ExpertResult
		err := workflow.ExecuteLocalActivity(localCtx(ctx), a.ChooseExpert, activities.ExpertInput{Theme: theme, ExpertID: in.ExpertID}).Get(ctx, &res)
		if err != nil {
			return err
		}
		if res.Problem != "" {
			return refusal(pipeline.Invalid("no expert can take this priority", pipeline.Problems{{Field: "expert_id", Message: res.Problem}}))
		}
		r.Act.Expert = &pipeline.Actor{ID: res.Expert.ID, Name: res.Expert.Name, Role: res.Expert.Role}
	}
	_, err := pipeline.Authorize(r.Actor, w.p, r.Version, in.Decision)
	return refusal(err)
}

// legacyRecord writes the state and ev to the read model with a local
// activity and returns the priority's reference, retrying until PostgreSQL
// takes the write.
func (w *priority) legacyRecord(ctx workflow.Context, ev pipeline.Event, approve bool) string {
	in := activities.RecordInput{Priority: *w.p, Events: []pipeline.Event{ev}, ApproveActions: approve,
		RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID}
	var res activities.RecordResult
	pause := time.Second
	for {
		err := workflow.ExecuteLocalActivity(localCtx(ctx), a.Record, in).Get(ctx, &res)
		if err == nil {
			return res.Ref
		}
		workflow.GetLogger(ctx).Error("record failed, retrying", "seq", ev.Seq, "pause", pause, "error", err)
		_ = workflow.Sleep(ctx, pause)
		pause = min(pause*2, 5*time.Minute)
	}
}

func localCtx(ctx workflow.Context) workflow.Context {
	// Set here, on the handler's own context: an update handler's context does
	// not carry options set on the main function's context.
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    50 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Second,
		},
	})
}
