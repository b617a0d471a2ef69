package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/pipeline"
)

// a references the activities for their names; it is never dereferenced.
var a *activities.Activities

// submitWait is how long a started workflow waits for its submission before giving up.
const submitWait = 10 * time.Minute

// Priority is the workflow of one priority, from submission to a terminal stage.
func Priority(ctx workflow.Context, in Input) error {
	w := &priority{in: in, slas: in.SLAs, p: in.State, seq: in.Seq}
	if w.slas == nil {
		w.slas = pipeline.DefaultSLAs()
	}
	if err := w.setup(ctx); err != nil {
		return err
	}
	return w.run(ctx)
}

type priority struct {
	in   Input
	slas pipeline.SLAs
	// p is the authoritative state; nil until submitted.
	p *pipeline.Priority
	// recorded is true once the submission reached the read model: decisions wait for it.
	recorded bool
	// seq is the last event's sequence number.
	seq int
	// reminded is true once the current stage's reminder was recorded.
	reminded bool
	// indexed is what the search attributes last said, and indexedAt when.
	indexed   indexed
	indexedAt time.Time
	// indexPending is true while a change waits for the next upsert.
	indexPending bool
}

// indexInterval is the shortest time between two search attribute upserts.
const indexInterval = 30 * time.Second

// indexFlush is the run loop's wake-up for a deferred search attribute upsert.
const indexFlush pipeline.EventKind = "index"

// indexed are the values of the search attributes.
type indexed struct {
	stage     pipeline.Stage
	theme     string
	countries string
	overdue   bool
}

func (w *priority) setup(ctx workflow.Context) error {
	w.recorded = w.p != nil
	if err := workflow.SetQueryHandler(ctx, QueryPriority, func() (*pipeline.Priority, error) {
		return w.p, nil
	}); err != nil {
		return err
	}
	handlers := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateSubmit, w.submit, w.validateSubmit},
		{UpdateDecide, w.decide, w.validateDecide},
		{UpdatePlan, w.plan, w.validatePlan},
		{UpdateEdit, w.edit, w.validateEdit},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", h.name, err)
		}
	}
	return nil
}

// run waits for the submission, then keeps the current stage's SLA timers
// until the priority reaches a terminal stage.
func (w *priority) run(ctx workflow.Context) error {
	if r := w.in.Submission; r != nil && w.p == nil {
		if err := w.validateSubmit(ctx, *r); err != nil {
			return err // the API checked it first: this is a bug, made loud
		}
		if _, err := w.submit(ctx, *r); err != nil {
			return err
		}
	}
	if !w.recorded {
		ok, err := waitUntil(ctx, submitWait, func() bool { return w.recorded })
		if err != nil {
			return err
		}
		if !ok && w.p == nil {
			return temporal.NewNonRetryableApplicationError("no submission arrived", "NotSubmitted", nil)
		}
		// A submission that arrived is never dropped, however long PostgreSQL
		// takes to take its first write.
		if err := workflow.Await(ctx, func() bool { return w.recorded }); err != nil {
			return err
		}
	}
	// One timer at a time, armed for the earliest thing due. A move to a
	// stage due later keeps it: when it fires early the loop re-arms it. So a
	// burst of decisions costs no timer commands, and only a move to a stage
	// due sooner replaces the timer.
	var timer workflow.Future
	var disarm workflow.CancelFunc
	var armed time.Time
	for w.p.Stage.Open() {
		next, kind := w.wake()
		if kind != "" && !next.After(workflow.Now(ctx)) {
			w.fire(ctx, kind)
			continue
		}
		if kind != "" && (timer == nil || next.Before(armed)) {
			if disarm != nil {
				disarm()
			}
			var tctx workflow.Context
			tctx, disarm = workflow.WithCancel(ctx)
			timer, armed = workflow.NewTimer(tctx, next.Sub(workflow.Now(ctx))), next
		}
		stage, entered, pending := w.p.Stage, w.p.StageEnteredAt, w.indexPending
		changed := func() bool {
			return w.p.Stage != stage || !w.p.StageEnteredAt.Equal(entered) || w.indexPending != pending
		}
		if err := workflow.Await(ctx, func() bool { return changed() || (timer != nil && timer.IsReady()) }); err != nil {
			return err
		}
		if timer != nil && timer.IsReady() {
			timer, disarm = nil, nil
		}
	}
	if disarm != nil {
		disarm()
	}
	// Let in-flight handlers finish recording before the workflow completes.
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// waitUntil waits until cond holds or d passes, and reports whether cond
// woke it. Unlike workflow.AwaitWithTimeout here, it cancels its timer when
// cond wins, so no stale timer stays pending in the workflow's state to fire
// days later.
func waitUntil(ctx workflow.Context, d time.Duration, cond func() bool) (bool, error) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	if err := workflow.Await(ctx, func() bool { return cond() || timer.IsReady() }); err != nil {
		return false, err
	}
	return cond(), nil
}

// wake is the next thing the run loop must do on its own and when: an SLA
// event of the current stage or a deferred search-attribute upsert.
func (w *priority) wake() (time.Time, pipeline.EventKind) {
	next, kind := w.nextDeadline()
	if w.indexPending && (kind == "" || w.indexDue().Before(next)) {
		next, kind = w.indexDue(), indexFlush
	}
	return next, kind
}

// fire does what wake said is due now.
func (w *priority) fire(ctx workflow.Context, kind pipeline.EventKind) {
	if kind == indexFlush {
		w.flushSearchAttributes(ctx)
		return
	}
	w.sla(ctx, kind)
}

// nextDeadline is when the next SLA event of the current stage is due and its kind.
func (w *priority) nextDeadline() (time.Time, pipeline.EventKind) {
	sla := w.slas[w.p.Stage]
	switch {
	case sla <= 0 || w.p.Overdue:
		return time.Time{}, ""
	case !w.reminded:
		return w.p.StageEnteredAt.Add(time.Duration(float64(sla) * pipeline.ReminderFraction)), pipeline.EventReminder
	default:
		return w.p.StageEnteredAt.Add(sla), pipeline.EventEscalated
	}
}

// sla records a reminder or an escalation of the current stage.
func (w *priority) sla(ctx workflow.Context, kind pipeline.EventKind) {
	system := pipeline.Ref{ID: "system", Name: "Puente", Role: "system"}
	ev := w.event(ctx, system, kind)
	ev.Data = map[string]any{"stage": w.p.Stage, "due_at": w.p.DueAt}
	if kind == pipeline.EventReminder {
		w.reminded = true
		w.record(ctx, ev, false)
		return
	}
	w.p.Overdue = true
	w.touch(ctx)
	w.record(ctx, ev, false)
}

// --- submit -----------------------------------------------------------------

func (w *priority) validateSubmit(ctx workflow.Context, r SubmitRequest) error {
	if w.p != nil {
		if w.p.RequestHash != r.RequestHash {
			return invalid("this Idempotency-Key was used with another request body",
				pipeline.Problems{{Field: "Idempotency-Key", Message: "was already used with another request body"}})
		}
		return nil
	}
	if r.Actor.Role != pipeline.FocalPoint {
		return appError(ErrForbidden, errors.New("only focal points submit priorities"))
	}
	if ps := r.Submission.Validate(); len(ps) > 0 {
		return invalid("the submission is not valid", ps)
	}
	if !slices.ContainsFunc(r.Submission.Countries, func(c string) bool { return slices.Contains(r.Actor.Countries, c) }) {
		return appError(ErrForbidden, errors.New("a focal point submits for its own countries"))
	}
	return nil
}

func (w *priority) submit(ctx workflow.Context, r SubmitRequest) (*pipeline.Priority, error) {
	if w.p != nil {
		// A retried submission: answer with what the first one created.
		if err := workflow.Await(ctx, func() bool { return w.recorded }); err != nil {
			return nil, err
		}
		return w.snapshot(), nil
	}
	s := r.Submission
	s.Normalize()
	at := now(ctx)
	w.p = &pipeline.Priority{
		ID: w.in.PriorityID, SessionID: s.SessionID, Title: s.Title, Description: s.Description,
		Theme: s.Theme, Pillar: s.Pillar, Countries: s.Countries, Institution: s.Institution,
		Urgency: s.Urgency, Sensitivity: s.Sensitivity, SubmittedBy: r.Actor.ID,
		CreatedAt: at, RequestHash: r.RequestHash,
	}
	w.noteStartAttributes(ctx)
	w.enter(ctx, pipeline.Triage)
	w.p.Version = 1
	w.p.UpdatedAt = at
	ev := w.event(ctx, r.Actor.Ref(), pipeline.EventSubmitted)
	ev.ToStage = pipeline.Triage
	w.p.Ref = w.record(ctx, ev, false)
	w.recorded = true
	w.logChange(ctx, r.RequestID, ev)
	return w.snapshot(), nil
}

// --- decide -----------------------------------------------------------------

// check runs DESIGN §4's checks in order: visibility, version, stage, actor.
func (w *priority) check(a pipeline.Actor, version int, d pipeline.Decision) (pipeline.Transition, error) {
	if !w.recorded {
		return pipeline.Transition{}, appError(ErrNotFound, errors.New("priority not found"))
	}
	if !a.CanSee(w.p) {
		return pipeline.Transition{}, appError(ErrNotFound, errors.New("priority not found"))
	}
	if version != 0 && version != w.p.Version {
		return pipeline.Transition{}, appError(ErrStale, fmt.Errorf("%w: priority is at version %d, not %d", pipeline.ErrStaleVersion, w.p.Version, version))
	}
	t, err := pipeline.Authorize(a, w.p, d)
	return t, classify(err)
}

func (w *priority) validateDecide(ctx workflow.Context, r DecideRequest) error {
	t, err := w.check(r.Actor, r.Version, r.Input.Decision)
	if err != nil {
		return err
	}
	if ps := r.Input.Validate(t); len(ps) > 0 {
		return invalid("the decision is not valid", ps)
	}
	if t.Decision == pipeline.SubmitPlan {
		if w.p.Plan == nil {
			return invalid("there is no plan to submit", pipeline.Problems{{Field: "plan", Message: "is required: draft it with PUT /plan"}})
		}
		if ps := w.p.Plan.Validate(true); len(ps) > 0 {
			return invalid("the plan is not complete", prefixed("plan.", ps))
		}
	}
	return nil
}

func (w *priority) decide(ctx workflow.Context, r DecideRequest) (*pipeline.Priority, error) {
	in := r.Input
	var expert pipeline.Ref
	needsExpert := in.Decision == pipeline.Reassign || (in.Decision == pipeline.Accept && (in.ExpertID != "" || w.p.Assignee == ""))
	switch {
	case !needsExpert:
	case in.ExpertID != "" && r.Expert != nil && r.Expert.ID == in.ExpertID && r.Expert.Role == pipeline.Expert:
		expert = *r.Expert // the API looked the named expert up just now
	default:
		theme := w.p.Theme
		if in.Theme != "" {
			theme = in.Theme
		}
		var res activities.ExpertResult
		err := workflow.ExecuteLocalActivity(localCtx(ctx), a.ChooseExpert, activities.ExpertInput{Theme: theme, ExpertID: in.ExpertID}).Get(ctx, &res)
		if err != nil {
			return nil, err
		}
		if res.Problem != "" {
			return nil, invalid("no expert can take this priority", pipeline.Problems{{Field: "expert_id", Message: res.Problem}})
		}
		expert = res.Expert
	}
	// Choosing the expert yielded: another update may have moved the priority since.
	t, err := w.check(r.Actor, r.Version, in.Decision)
	if err != nil {
		return nil, err
	}
	from := w.p.Stage
	data := map[string]any{}
	switch in.Decision {
	case pipeline.Accept:
		if in.Theme != "" && in.Theme != w.p.Theme {
			data["theme"] = map[string]string{"from": w.p.Theme, "to": in.Theme}
			w.p.Theme = in.Theme
		}
		if expert.ID != "" {
			w.p.Assignee = expert.ID
		}
		data["expert_id"] = w.p.Assignee
		w.p.TriagedBy = r.Actor.ID
	case pipeline.Reassign:
		data["from"], data["to"], data["expert_name"] = w.p.Assignee, expert.ID, expert.Name
		w.p.Assignee = expert.ID
	case pipeline.Resubmit:
		if !in.Changes.Empty() {
			data["changes"] = in.Changes
			in.Changes.Apply(w.p)
		}
	}
	if t.Next() != from {
		w.enter(ctx, t.Next())
	}
	w.touch(ctx)
	ev := w.event(ctx, r.Actor.Ref(), pipeline.KindOf(in.Decision))
	ev.FromStage, ev.ToStage = from, t.Next()
	ev.Comment = in.Comment
	if in.Reason != "" {
		ev.Comment = in.Reason
	}
	if len(data) > 0 {
		ev.Data = data
	}
	w.record(ctx, ev, t.Next() == pipeline.Approved)
	w.logChange(ctx, r.RequestID, ev)
	return w.snapshot(), nil
}

// --- plan and edit -------------------------------------------------------------

func (w *priority) validatePlan(ctx workflow.Context, r PlanRequest) error {
	if err := w.checkVisible(r.Actor, r.Version); err != nil {
		return err
	}
	if w.p.Stage != pipeline.Planning {
		return appError(ErrNotInStage, fmt.Errorf("%w: the plan is drafted in stage planning, not %q", pipeline.ErrNotInStage, w.p.Stage))
	}
	if !pipeline.CanEditPlan(r.Actor, w.p) {
		return appError(ErrForbidden, fmt.Errorf("%w: only the assigned expert drafts the plan", pipeline.ErrForbidden))
	}
	if ps := r.Plan.Validate(false); len(ps) > 0 {
		return invalid("the plan is not valid", ps)
	}
	return nil
}

func (w *priority) plan(ctx workflow.Context, r PlanRequest) (*pipeline.Priority, error) {
	if err := w.validatePlan(ctx, r); err != nil {
		return nil, err
	}
	plan := r.Plan
	w.p.Plan = &plan
	if !slices.Contains(w.p.PlanAuthors, r.Actor.ID) {
		w.p.PlanAuthors = append(w.p.PlanAuthors, r.Actor.ID)
	}
	w.touch(ctx)
	ev := w.event(ctx, r.Actor.Ref(), pipeline.EventPlanUpdated)
	ev.FromStage, ev.ToStage = w.p.Stage, w.p.Stage
	var budget pipeline.EUR
	for _, act := range plan.Actions {
		budget = budget.Add(act.BudgetEUR)
	}
	ev.Data = map[string]any{"actions": len(plan.Actions), "budget_eur": budget}
	w.record(ctx, ev, false)
	w.logChange(ctx, r.RequestID, ev)
	return w.snapshot(), nil
}

func (w *priority) validateEdit(ctx workflow.Context, r EditRequest) error {
	if err := w.checkVisible(r.Actor, r.Version); err != nil {
		return err
	}
	if w.p.Stage != pipeline.Revision {
		return appError(ErrNotInStage, fmt.Errorf("%w: fields are edited in stage revision, not %q", pipeline.ErrNotInStage, w.p.Stage))
	}
	if !pipeline.CanEdit(r.Actor, w.p) {
		return appError(ErrForbidden, fmt.Errorf("%w: only a focal point of the priority's countries edits it", pipeline.ErrForbidden))
	}
	if ps := r.Changes.Validate(""); len(ps) > 0 {
		return invalid("the changes are not valid", ps)
	}
	if r.Changes.Empty() {
		return invalid("nothing to change", pipeline.Problems{{Field: "", Message: "name at least one field to change"}})
	}
	return nil
}

func (w *priority) edit(ctx workflow.Context, r EditRequest) (*pipeline.Priority, error) {
	if err := w.validateEdit(ctx, r); err != nil {
		return nil, err
	}
	r.Changes.Apply(w.p)
	w.touch(ctx)
	ev := w.event(ctx, r.Actor.Ref(), pipeline.EventEdited)
	ev.FromStage, ev.ToStage = w.p.Stage, w.p.Stage
	ev.Data = map[string]any{"changes": r.Changes}
	w.record(ctx, ev, false)
	w.logChange(ctx, r.RequestID, ev)
	return w.snapshot(), nil
}

func (w *priority) checkVisible(a pipeline.Actor, version int) error {
	if !w.recorded || !a.CanSee(w.p) {
		return appError(ErrNotFound, errors.New("priority not found"))
	}
	if version != 0 && version != w.p.Version {
		return appError(ErrStale, fmt.Errorf("%w: priority is at version %d, not %d", pipeline.ErrStaleVersion, w.p.Version, version))
	}
	return nil
}

// --- state helpers -------------------------------------------------------------

// enter moves the priority into stage s and restarts its SLA clock.
func (w *priority) enter(ctx workflow.Context, s pipeline.Stage) {
	at := now(ctx)
	w.p.Stage = s
	w.p.StageEnteredAt = at
	w.p.Overdue = false
	w.reminded = false
	w.p.DueAt = nil
	if sla := w.slas[s]; s.Open() && sla > 0 {
		due := at.Add(sla)
		w.p.DueAt = &due
	}
	w.upsertSearchAttributes(ctx)
}

// touch marks a change of the priority: a new version.
func (w *priority) touch(ctx workflow.Context) {
	w.p.Version++
	w.p.UpdatedAt = now(ctx)
	w.upsertSearchAttributes(ctx)
}

// upsertSearchAttributes keeps the visibility fields in sync. Each upsert is
// a visibility write on the server, so a priority upserts at most once per
// indexInterval: a burst of decisions is indexed once, when it settles (or at
// the latest when the priority reaches a terminal stage). The read model is
// always current; Temporal's visibility lags it by at most indexInterval.
func (w *priority) upsertSearchAttributes(ctx workflow.Context) {
	if w.indexedValues() == w.indexed {
		w.indexPending = false
		return
	}
	if w.p.Stage.Open() && !w.indexedAt.IsZero() && workflow.Now(ctx).Before(w.indexDue()) {
		w.indexPending = true
		return
	}
	w.flushSearchAttributes(ctx)
}

// noteStartAttributes takes the search attributes the starter set, if they
// describe the submission, as already written: the API sets them at start so
// the first stage costs no upsert.
func (w *priority) noteStartAttributes(ctx workflow.Context) {
	sa := workflow.GetTypedSearchAttributes(ctx)
	stage, _ := sa.GetKeyword(StageKey)
	theme, _ := sa.GetKeyword(ThemeKey)
	countries, _ := sa.GetKeywordList(CountriesKey)
	overdue, _ := sa.GetBool(OverdueKey)
	if stage == "" {
		return // none set: the first upsert goes out at once
	}
	w.indexed = indexed{pipeline.Stage(stage), theme, strings.Join(countries, ","), overdue}
	w.indexedAt = workflow.Now(ctx)
}

// StartAttributes are the search attributes of a priority just submitted.
func StartAttributes(s pipeline.Submission) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		StageKey.ValueSet(string(pipeline.Triage)),
		ThemeKey.ValueSet(s.Theme),
		CountriesKey.ValueSet(s.Countries),
		OverdueKey.ValueSet(false),
	)
}

// flushSearchAttributes writes the search attributes now.
func (w *priority) flushSearchAttributes(ctx workflow.Context) {
	w.indexed, w.indexedAt, w.indexPending = w.indexedValues(), workflow.Now(ctx), false
	err := workflow.UpsertTypedSearchAttributes(ctx,
		StageKey.ValueSet(string(w.p.Stage)),
		ThemeKey.ValueSet(w.p.Theme),
		CountriesKey.ValueSet(w.p.Countries),
		OverdueKey.ValueSet(w.p.Overdue),
	)
	if err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
}

func (w *priority) indexedValues() indexed {
	return indexed{w.p.Stage, w.p.Theme, strings.Join(w.p.Countries, ","), w.p.Overdue}
}

// indexDue is when the next upsert may be written.
func (w *priority) indexDue() time.Time { return w.indexedAt.Add(indexInterval) }

// event starts the next audit-trail entry.
func (w *priority) event(ctx workflow.Context, actor pipeline.Ref, kind pipeline.EventKind) pipeline.Event {
	w.seq++
	return pipeline.Event{PriorityID: w.p.ID, Seq: w.seq, At: now(ctx), Actor: actor, Kind: kind}
}

// record writes the current state and ev to the read model and returns the
// priority's reference. It retries until PostgreSQL takes the write: the
// workflow has already changed, and the read model must follow it.
func (w *priority) record(ctx workflow.Context, ev pipeline.Event, approve bool) string {
	in := activities.RecordInput{Priority: *w.p, Events: []pipeline.Event{ev}, ApproveActions: approve,
		RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID}
	var res activities.RecordResult
	// Each round retries for up to recordRound inside the local activity;
	// between rounds the workflow sleeps with capped exponential backoff, so a
	// long outage adds a handful of history events an hour, not thousands.
	pause := time.Second
	for {
		err := workflow.ExecuteLocalActivity(localCtx(ctx), a.Record, in).Get(ctx, &res)
		if err == nil {
			return res.Ref
		}
		workflow.GetLogger(ctx).Error("record failed, retrying", "seq", ev.Seq, "pause", pause, "error", err)
		_ = workflow.Sleep(ctx, pause)
		pause = min(pause*2, maxRecordPause)
	}
}

// logChange logs a recorded change with the HTTP request that caused it; the
// SDK's logger adds the workflow ID, which the API's request log line carries too.
func (w *priority) logChange(ctx workflow.Context, requestID string, ev pipeline.Event) {
	workflow.GetLogger(ctx).Info("priority changed", "request_id", requestID, "kind", ev.Kind, "seq", ev.Seq,
		"from", ev.FromStage, "to", ev.ToStage, "actor_id", ev.Actor.ID, "version", w.p.Version)
}

func (w *priority) snapshot() *pipeline.Priority {
	p := *w.p
	return &p
}

func localCtx(ctx workflow.Context) workflow.Context {
	// Set here, on the handler's own context: an update handler's context does
	// not carry options set on the main function's context.
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    localActivityTimeout,
		ScheduleToCloseTimeout: recordRound,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    50 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Second,
		},
	})
}

// now is the workflow's clock at the read model's precision, so that what an
// update returns and what a later read returns are the same instants.
func now(ctx workflow.Context) time.Time {
	return workflow.Now(ctx).UTC().Truncate(time.Microsecond)
}

func prefixed(prefix string, ps pipeline.Problems) pipeline.Problems {
	out := make(pipeline.Problems, len(ps))
	for i, p := range ps {
		out[i] = pipeline.FieldError{Field: prefix + p.Field, Message: p.Message}
	}
	return out
}
