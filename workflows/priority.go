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

// PriorityWorkflow is the workflow of one priority, from submission to a
// terminal stage, registered as WorkflowPriority. An update changes only the
// workflow's state; the read model is written after Temporal holds the
// change (flush), and the flush sends the emails its events call for once
// its write has committed.
func PriorityWorkflow(ctx workflow.Context, in Input) error {
	w := &priority{slas: in.SLAs}
	if w.slas == nil {
		w.slas = pipeline.DefaultSLAs()
	}
	if in.Submission == nil {
		return temporal.NewNonRetryableApplicationError("a priority workflow starts with its submission", "NoSubmission", nil)
	}
	out := pipeline.Submit(in.Submission.Submitted, w.slas)
	w.p = &out.Priority
	w.noteStartAttributes(ctx)
	w.pending(ctx, out.Event)
	w.logChange(ctx, in.Submission.RequestID, out.Event)
	if err := w.setup(ctx); err != nil {
		return err
	}
	return w.run(ctx)
}

type priority struct {
	slas pipeline.SLAs
	mail mailer
	// p is the authoritative state.
	p *pipeline.Priority
	// reminded is true once the current stage's reminder was recorded.
	reminded bool
	// reportReminded[i] is true once action i's late-report reminder was
	// recorded for its current end date, and dueAction is the action whose
	// delivery SLA event wake chose.
	reportReminded []bool
	dueAction      int
	// unflushed are the events the read model may still lack, oldest first,
	// and flushDue is when the workflow writes them itself (zero: nothing due).
	unflushed []pipeline.Event
	flushDue  time.Time
	// indexed is what the search attributes last said, and indexedAt when.
	indexed   indexed
	indexedAt time.Time
	// indexPending is true while a change waits for the next upsert.
	indexPending bool
}

// indexInterval is the shortest time between two search attribute upserts.
const indexInterval = 30 * time.Second

// What the run loop can wake up for besides the SLA events.
const (
	indexFlush pipeline.EventKind = "index"
	readFlush  pipeline.EventKind = "flush"
)

// indexed are the values of the search attributes.
type indexed struct {
	stage     pipeline.Stage
	theme     string
	countries string
	overdue   bool
}

func (w *priority) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPriority, func() (*pipeline.Priority, error) {
		return w.p, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAct, w.act,
		workflow.UpdateHandlerOptions{Validator: w.validate}); err != nil {
		return fmt.Errorf("register update %s: %w", UpdateAct, err)
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDeliver, w.deliver,
		workflow.UpdateHandlerOptions{Validator: w.validateDelivery}); err != nil {
		return fmt.Errorf("register update %s: %w", UpdateDeliver, err)
	}
	return nil
}

// validateDelivery is the delivery update's validator: the engine's check
// on the workflow's own state.
func (w *priority) validateDelivery(_ workflow.Context, r DeliverRequest) error {
	return refusal(pipeline.CheckDelivery(r.Actor, w.p, r.Version, r.Action, r.Input))
}

// deliver applies an admitted delivery act, checking it again first like act.
func (w *priority) deliver(ctx workflow.Context, r DeliverRequest) (*Result, error) {
	if err := pipeline.CheckDelivery(r.Actor, w.p, r.Version, r.Action, r.Input); err != nil {
		return nil, refusal(err)
	}
	out := pipeline.ApplyDelivery(r.Actor, *w.p, r.Action, r.Input, now(ctx))
	if r.Input.Act == pipeline.Confirm || r.Input.Act == pipeline.Postpone {
		w.reportReminded[r.Action] = false // new dates: a new end to remind of
	}
	w.commit(ctx, out, r.RequestID)
	return w.result(ctx, r.Since), nil
}

// validate is the update's validator: the engine's check on the workflow's
// own state. A rejected update leaves no trace in the history.
func (w *priority) validate(ctx workflow.Context, r ActRequest) error {
	return refusal(pipeline.CheckAt(r.Actor, w.p, r.Version, r.Act, now(ctx)))
}

// act applies an admitted act. It checks again first: two updates of one
// workflow task are both validated before either handler runs.
func (w *priority) act(ctx workflow.Context, r ActRequest) (*Result, error) {
	check := func(a pipeline.Actor, p *pipeline.Priority, version int, act pipeline.Act) error {
		return pipeline.CheckAt(a, p, version, act, now(ctx))
	}
	if r.Act.Decision == pipeline.SubmitPlan && !delivers(ctx) {
		check = pipeline.CheckBeforePartners
	}
	if err := check(r.Actor, w.p, r.Version, r.Act); err != nil {
		return nil, refusal(err)
	}
	out := pipeline.Apply(r.Actor, *w.p, r.Act, now(ctx), w.slas)
	w.commit(ctx, out, r.RequestID)
	if w.p.Stage == pipeline.Approved && delivers(ctx) {
		w.startDelivery(ctx, r.RequestID)
	}
	return w.result(ctx, r.Since), nil
}

// delivers reports whether this run takes the delivery path: plans name
// each action's partner, and approval starts the actions' delivery. Runs
// recorded before it replay without (docs/architecture.md, Changing the
// workflow).
func delivers(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, "delivery", workflow.DefaultVersion, 1) == 1
}

// commit makes an outcome the workflow's state and has the read model follow.
func (w *priority) commit(ctx workflow.Context, out pipeline.Outcome, requestID string) {
	if !out.Priority.StageEnteredAt.Equal(w.p.StageEnteredAt) {
		w.reminded = false // a stage (re)entered: its SLA clock starts afresh
	}
	w.p = &out.Priority
	w.upsertSearchAttributes(ctx)
	w.logChange(ctx, requestID, out.Event)
	w.pending(ctx, out.Event)
}

// pending queues ev for the read model: the flush writes it flushDelay from
// now, unless a flush is due sooner.
func (w *priority) pending(ctx workflow.Context, ev pipeline.Event) {
	w.unflushed = append(w.unflushed, ev)
	if due := workflow.Now(ctx).Add(flushDelay); w.flushDue.IsZero() || due.Before(w.flushDue) {
		w.flushDue = due
	}
}

// result is what an update returns: the state and the events after since
// that the read model may lack (those flushed are there already).
func (w *priority) result(ctx workflow.Context, since int) *Result {
	res := &Result{Priority: *w.p, RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID, Events: []pipeline.Event{}}
	for _, ev := range w.unflushed {
		if ev.Seq > since {
			res.Events = append(res.Events, ev)
		}
	}
	return res
}

// run keeps the current stage's SLA timers and the read model's flush
// until the priority reaches a terminal stage — and, once it is approved,
// its actions' delivery until every one is closed or cancelled — then
// flushes what is left.
func (w *priority) run(ctx workflow.Context) error {
	if err := w.loop(ctx); err != nil {
		return err
	}
	// Let in-flight handlers finish before the last flush and the end.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	// The closed stage's search attributes go out with the completion, or
	// as soon as the end has to wait (a read model or mail server down).
	defer w.indexNow(ctx)
	if err := w.flushAll(ctx); err != nil {
		return err
	}
	if !w.mailSent() {
		w.indexNow(ctx)
	}
	return workflow.Await(ctx, w.mailSent)
}

// startDelivery gives the just approved priority's actions their
// deliveries, in the approval's own update: its caller records both.
func (w *priority) startDelivery(ctx workflow.Context, requestID string) {
	w.reportReminded = make([]bool, len(w.p.Plan.Actions))
	w.commit(ctx, pipeline.StartDelivery(*w.p, now(ctx)), requestID)
}

// open reports whether the loop has something to wait for: an open stage,
// or an action still being delivered.
func (w *priority) open() bool { return w.p.Stage.Open() || w.p.DeliveryOpen() }

// loop keeps the timers and the flush while the priority is open.
func (w *priority) loop(ctx workflow.Context) error {
	// One timer at a time, armed for the earliest thing due. A move to a
	// stage due later keeps it: when it fires early the loop re-arms it. So a
	// burst of decisions costs no timer commands, and only a move to a stage
	// due sooner replaces the timer.
	var timer workflow.Future
	var disarm workflow.CancelFunc
	var armed time.Time
	for w.open() {
		next, kind := w.wake()
		if kind != "" && !next.After(workflow.Now(ctx)) {
			w.doDue(ctx, kind)
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
		stage, entered, pending, flush, seq := w.p.Stage, w.p.StageEnteredAt, w.indexPending, w.flushDue, w.p.EventSeq
		changed := func() bool {
			return w.p.Stage != stage || !w.p.StageEnteredAt.Equal(entered) || w.indexPending != pending || !w.flushDue.Equal(flush) ||
				w.p.Delivering() && w.p.EventSeq != seq
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
	return nil
}

// wake is the next thing the run loop must do on its own and when: an SLA
// event of the current stage, a deferred search-attribute upsert or a flush.
func (w *priority) wake() (time.Time, pipeline.EventKind) {
	next, kind := pipeline.Due(w.p, w.slas, w.reminded)
	if at, i, k := pipeline.DeliveryDue(w.p, w.reportReminded); k != "" && (kind == "" || at.Before(next)) {
		next, kind, w.dueAction = at, k, i
	}
	if w.indexPending && (kind == "" || w.indexDue().Before(next)) {
		next, kind = w.indexDue(), indexFlush
	}
	if !w.flushDue.IsZero() && (kind == "" || w.flushDue.Before(next)) {
		next, kind = w.flushDue, readFlush
	}
	return next, kind
}

// doDue does what wake said is due now. A flush PostgreSQL refused for good
// is logged and left for the next change to try again (the activity marked
// the priority as needing attention); any other failed flush is tried again
// later.
func (w *priority) doDue(ctx workflow.Context, kind pipeline.EventKind) {
	switch kind {
	case indexFlush:
		w.flushSearchAttributes(ctx)
	case readFlush:
		err := w.flush(ctx)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil:
		case errors.As(err, &appErr) && appErr.Type() == activities.ErrPermanent:
			workflow.GetLogger(ctx).Error("the read model refused this priority's changes: it needs attention", "error", err)
			w.flushDue = workflow.Now(ctx).Add(refusedRetry)
		default:
			workflow.GetLogger(ctx).Warn("flush failed, trying again later", "error", err)
			w.flushDue = workflow.Now(ctx).Add(flushMaxInterval)
		}
	case pipeline.EventReportReminder, pipeline.EventReportEscalated:
		w.lapseDelivery(ctx, kind, w.dueAction)
	default:
		w.lapse(ctx, kind)
	}
}

// lapseDelivery records a late report's reminder or escalation of action
// i, and flushes it at once.
func (w *priority) lapseDelivery(ctx workflow.Context, kind pipeline.EventKind, i int) {
	if kind == pipeline.EventReportReminder {
		w.reportReminded[i] = true
	}
	w.commit(ctx, pipeline.LapseDelivery(*w.p, i, kind, now(ctx)), "")
	w.flushDue = workflow.Now(ctx)
}

// lapse records a reminder or an escalation of the current stage, and
// flushes it at once: no caller is there to record it.
func (w *priority) lapse(ctx workflow.Context, kind pipeline.EventKind) {
	if kind == pipeline.EventReminder {
		w.reminded = true
	}
	w.commit(ctx, pipeline.Lapse(*w.p, kind, now(ctx)), "")
	w.flushDue = workflow.Now(ctx)
}

// flushAll writes what the read model lacks before the run ends. A write
// PostgreSQL refuses for good does not fail the workflow — the priority is
// marked as needing attention, and a failed run would leave its last
// decisions out of the read model for good: the run waits refusedRetry and
// tries again until an operator's fix lets the write through.
func (w *priority) flushAll(ctx workflow.Context) error {
	for len(w.unflushed) > 0 {
		err := w.flush(ctx)
		if err == nil {
			continue
		}
		if temporal.IsCanceledError(err) {
			return err
		}
		workflow.GetLogger(ctx).Error("the read model refused this priority's last changes: it needs attention; trying again later",
			"error", err, "retry_in", refusedRetry)
		if err := workflow.Sleep(ctx, refusedRetry); err != nil {
			return err
		}
	}
	return nil
}

// flush writes the state and the unflushed events to the read model with a
// regular activity. Its input is part of the history, so the read model
// only ever receives a state Temporal holds durably. It retries until
// PostgreSQL takes the write, except for a refusal that retrying cannot
// cure (such a write is marked as needing attention by the activity): that
// error is returned, and the next change tries again.
func (w *priority) flush(ctx workflow.Context) error {
	in := activities.RecordInput{Priority: *w.p, Events: slices.Clone(w.unflushed),
		RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID}
	in.Notify = w.mail.withFlush(in.Events)
	w.flushDue = time.Time{}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: flushTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        flushMaxInterval,
			NonRetryableErrorTypes: []string{activities.ErrPermanent},
		},
	})
	var res activities.RecordResult
	if err := workflow.ExecuteActivity(actx, a.Record, in).Get(ctx, &res); err != nil {
		return err
	}
	last := in.Events[len(in.Events)-1].Seq
	w.unflushed = slices.DeleteFunc(w.unflushed, func(ev pipeline.Event) bool { return ev.Seq <= last })
	if in.Notify == nil || !res.Notified {
		w.flushed(ctx, in.Events)
	}
	if len(w.unflushed) > 0 && w.flushDue.IsZero() {
		w.flushDue = workflow.Now(ctx).Add(flushDelay)
	}
	return nil
}

// --- search attributes ---------------------------------------------------------

// upsertSearchAttributes keeps the visibility fields in sync. Each upsert is
// a visibility write on the server, so a priority upserts at most once per
// indexInterval: a burst of decisions is indexed once, when it settles (or at
// the latest when the priority reaches a terminal stage). The read model is
// current; Temporal's visibility lags it by at most indexInterval.
func (w *priority) upsertSearchAttributes(ctx workflow.Context) {
	if w.indexedValues() == w.indexed {
		w.indexPending = false
		return
	}
	if !w.p.Stage.Open() && !w.p.DeliveryOpen() {
		w.indexPending = true // written with the completion (run)
		return
	}
	if !w.p.Stage.Open() {
		w.flushSearchAttributes(ctx) // the stage's last change, and the run goes on: indexed at once
		return
	}
	if !w.indexedAt.IsZero() && workflow.Now(ctx).Before(w.indexDue()) {
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

// indexNow writes the search attributes if a change waits for them.
func (w *priority) indexNow(ctx workflow.Context) {
	if w.indexPending {
		w.flushSearchAttributes(ctx)
	}
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

// logChange logs a change with the HTTP request that caused it; the SDK's
// logger adds the workflow ID, which the API's request log line carries too.
func (w *priority) logChange(ctx workflow.Context, requestID string, ev pipeline.Event) {
	workflow.GetLogger(ctx).Info("priority changed", "request_id", requestID, "kind", ev.Kind, "seq", ev.Seq,
		"from", ev.FromStage, "to", ev.ToStage, "actor_id", ev.Actor.ID, "version", w.p.Version)
}

// now is the workflow's clock at the read model's precision, so that what an
// update returns and what a later read returns are the same instants.
func now(ctx workflow.Context) time.Time {
	return workflow.Now(ctx).UTC().Truncate(time.Microsecond)
}
