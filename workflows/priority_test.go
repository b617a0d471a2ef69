package workflows

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

// t0 is when every test workflow starts; all times below are offsets from it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	day    = 24 * time.Hour
	theme  = "joint_investigation_teams"
	ref    = "PE-2026-0001"
	prioID = "9b2f0c4e-5d1a-4c37-9d55-0a6f1e2b3c4d"
)

var (
	fpPE = pipeline.Actor{ID: "aaaaaaaa-0000-4000-8000-000000000001", Name: "Rosa Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}
	fpMX = pipeline.Actor{ID: "aaaaaaaa-0000-4000-8000-000000000002", Name: "Luis Ortega", Role: pipeline.FocalPoint, Countries: []string{"MX"}}
	e1   = pipeline.Actor{ID: "11111111-1111-4111-8111-111111111111", Name: "Ana Expert", Role: pipeline.Expert, Themes: []string{theme}}
	m1   = pipeline.Actor{ID: "aaaaaaaa-0000-4000-8000-000000000003", Name: "Marta Manager", Role: pipeline.Manager}
	m2   = pipeline.Actor{ID: "aaaaaaaa-0000-4000-8000-000000000004", Name: "Nico Manager", Role: pipeline.Manager}
)

// bundle is one test workflow environment with its mocked flush activity.
type bundle struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu sync.Mutex
	// flushes are the Record inputs PostgreSQL took, attempts every call.
	flushes, attempts []activities.RecordInput
	flushedAt         []time.Time
	attemptTimes      []time.Time
	// fail, when set, decides the error of a Record call instead of success.
	fail func(now time.Time, in activities.RecordInput) error
	// stages are the stages the search attributes were set to.
	stages []string
	// notified are the notifications that went out — sent by a flush or by
	// the Notify activity — at the times in notifiedAt; byActivity counts
	// those the Notify activity sent. failNotify, when set, decides whether
	// sending mail fails, in either.
	notified   []activities.NotifyInput
	notifiedAt []time.Time
	byActivity int
	failNotify func(now time.Time) error
}

// mail sends in as the Notifier would, unless failNotify says the mail
// server is down; the caller holds b.mu.
func (b *bundle) mail(in activities.NotifyInput) error {
	if b.failNotify != nil {
		if err := b.failNotify(b.env.Now()); err != nil {
			return err
		}
	}
	b.notified = append(b.notified, in)
	b.notifiedAt = append(b.notifiedAt, b.env.Now())
	return nil
}

// sent is what became of one update sent to the workflow.
type sent struct {
	sentAt          time.Time
	flushesAtSend   int
	accepted        bool
	rejected        error
	completed       bool
	result          *Result
	err             error
	flushesAtAnswer int
}

func setup(t *testing.T) *bundle {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	b := &bundle{t: t, env: suite.NewTestWorkflowEnvironment()}
	b.env.SetStartTime(t0)
	b.env.SetTypedSearchAttributesOnStart(StartAttributes(submission())) // as the service does
	b.env.RegisterWorkflowWithOptions(PriorityWorkflow, workflow.RegisterOptions{Name: WorkflowPriority})
	// Mocked by method value on a nil receiver: the same reference (and so
	// the same activity name) the workflow uses.
	b.env.OnActivity(a.Record, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordInput) (activities.RecordResult, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.attempts = append(b.attempts, in)
			b.attemptTimes = append(b.attemptTimes, b.env.Now())
			if b.fail != nil {
				if err := b.fail(b.env.Now(), in); err != nil {
					return activities.RecordResult{}, err
				}
			}
			b.flushes = append(b.flushes, in)
			b.flushedAt = append(b.flushedAt, b.env.Now())
			// Like the activity: mail after the write, a failed send is
			// reported, not returned.
			sent := len(in.Notify) > 0 && b.mail(activities.NotifyInput{Priority: in.Priority, Events: in.Notify}) == nil
			return activities.RecordResult{Notified: sent}, nil
		})
	b.env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NotifyInput) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		if err := b.mail(in); err != nil {
			return err
		}
		b.byActivity++
		return nil
	})
	b.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(StageKey); ok {
			b.stages = append(b.stages, v)
		}
	}).Return(nil)
	return b
}

func submission() pipeline.Submission {
	return pipeline.Submission{
		Title:       "  Equipos conjuntos de investigación  ",
		Description: "Apoyo a un ECI con Colombia sobre lavado de activos",
		Theme:       theme, Pillar: "justice", Countries: []string{"PE"},
		Institution: "Fiscalía de la Nación", Urgency: "high",
	}
}

// input is how the service starts a priority's workflow.
func input(slas pipeline.SLAs) Input {
	return Input{PriorityID: prioID, SLAs: slas, Submission: &SubmitRequest{Submitted: pipeline.Submitted{
		Actor: fpPE, Submission: submission(), ID: prioID, Ref: ref, RequestHash: "h1", At: t0}}}
}

func act(actor pipeline.Actor, d pipeline.Decision, mod ...func(*pipeline.Act)) ActRequest {
	r := ActRequest{Actor: actor, Act: pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: d}}}
	for _, m := range mod {
		m(&r.Act)
	}
	return r
}

func withExpert(e pipeline.Actor) func(*pipeline.Act) { return func(a *pipeline.Act) { a.Expert = &e } }
func withComment(c string) func(*pipeline.Act)        { return func(a *pipeline.Act) { a.Comment = c } }
func withReason(r string) func(*pipeline.Act)         { return func(a *pipeline.Act) { a.Reason = r } }

// send sends an act after the given time from the start.
func (b *bundle) send(after time.Duration, r ActRequest) *sent { return b.update(after, UpdateAct, r) }

// deliver sends a delivery act after the given time from the start.
func (b *bundle) deliver(after time.Duration, r DeliverRequest) *sent {
	return b.update(after, UpdateDeliver, r)
}

// update sends the update name with argument r after the given time from the start.
func (b *bundle) update(after time.Duration, name string, r any) *sent {
	s := &sent{}
	b.env.RegisterDelayedCallback(func() {
		b.mu.Lock()
		s.sentAt, s.flushesAtSend = b.env.Now(), len(b.attempts)
		b.mu.Unlock()
		b.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() { s.accepted = true },
			OnReject: func(err error) { s.rejected = err },
			OnComplete: func(v any, err error) {
				b.mu.Lock()
				defer b.mu.Unlock()
				s.completed, s.err = true, err
				s.result, _ = v.(*Result)
				s.flushesAtAnswer = len(b.attempts)
			},
		}, r)
	}, after)
	return s
}

func (b *bundle) run(in Input) {
	b.t.Helper()
	b.env.ExecuteWorkflow(WorkflowPriority, in)
	require.True(b.t, b.env.IsWorkflowCompleted(), "workflow did not complete")
}

// flushed is every event PostgreSQL received, in order, repeats included.
func (b *bundle) flushed() []pipeline.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []pipeline.Event
	for _, f := range b.flushes {
		out = append(out, f.Events...)
	}
	return out
}

// flushedSeqs is the sequence number of every event written, in order.
func (b *bundle) flushedSeqs() []int {
	var seqs []int
	for _, ev := range b.flushed() {
		seqs = append(seqs, ev.Seq)
	}
	return seqs
}

// requireDone asserts an update was applied, without a write of its own:
// an update never waits for PostgreSQL.
func requireDone(t *testing.T, s *sent, what string) *Result {
	t.Helper()
	require.NoError(t, s.rejected, "%s rejected", what)
	require.True(t, s.accepted && s.completed, "%s not applied", what)
	require.NoError(t, s.err, "%s failed", what)
	require.Equal(t, s.flushesAtSend, s.flushesAtAnswer, "%s wrote the read model before answering", what)
	return s.result
}

func requireRefused(t *testing.T, err error, kind pipeline.Kind) *pipeline.Error {
	t.Helper()
	require.Error(t, err)
	e, ok := AsRefusal(err)
	require.True(t, ok, "not a refusal: %v", err)
	require.Equal(t, kind, e.Kind, "refusal %q", e.Message)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae) && ae.NonRetryable())
	return e
}

func TestJourney(t *testing.T) {
	t.Parallel()
	b := setup(t)
	plan := journey.Plan()
	steps := []struct {
		at    time.Duration
		req   ActRequest
		stage pipeline.Stage
	}{
		{1 * time.Hour, act(m1, pipeline.Accept, withExpert(e1)), pipeline.ExpertReview},
		{2 * time.Hour, act(e1, pipeline.RequestRevision, withComment("¿qué fiscalías?")), pipeline.Revision},
		{3 * time.Hour, act(fpPE, pipeline.Resubmit, func(a *pipeline.Act) {
			a.Changes = &pipeline.Changes{Institution: ptr("Fiscalía y Policía")}
		}), pipeline.ExpertReview},
		{4 * time.Hour, act(e1, pipeline.Approve), pipeline.Planning},
		{5 * time.Hour, act(e1, pipeline.DraftPlan, func(a *pipeline.Act) { a.Plan = &plan }), pipeline.Planning},
		{6 * time.Hour, act(e1, pipeline.SubmitPlan), pipeline.Validation},
		{7 * time.Hour, act(fpPE, pipeline.Endorse), pipeline.Approval},
		{8 * time.Hour, act(m2, pipeline.Approve), pipeline.Approved},
	}
	out := make([]*sent, len(steps))
	for i, s := range steps {
		s.req.Since = 1 + i // the caller recorded every event before
		out[i] = b.send(s.at, s.req)
	}
	// The approval starts the action's delivery; a manager cancels it, and
	// with its last action settled the workflow ends.
	cancelled := b.deliver(9*time.Hour, DeliverRequest{Actor: m1, Action: 0, Since: 10,
		Input: pipeline.DeliveryInput{Act: pipeline.CancelAction, Reason: "sin contraparte"}})
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())

	for i, s := range steps {
		res := requireDone(t, out[i], string(s.req.Act.Decision))
		require.Equal(t, s.stage, res.Priority.Stage, "step %d", i)
		if s.stage == pipeline.Approved {
			require.Equal(t, 3+i, res.Priority.Version, "the approval and the delivery's start")
			require.Len(t, res.Events, 2, "the approval and the delivery's start")
			require.Equal(t, pipeline.EventDeliveryScheduled, res.Events[1].Kind)
			require.Equal(t, []pipeline.DeliveryStage{pipeline.Scheduled}, []pipeline.DeliveryStage{res.Priority.Deliveries[0].Stage})
			continue
		}
		require.Equal(t, 2+i, res.Priority.Version, "step %d", i)
		require.Len(t, res.Events, 1, "step %d: the events after Since", i)
		require.Equal(t, 2+i, res.Events[0].Seq)
		require.Equal(t, res.Events[0].Seq, res.Priority.EventSeq)
	}
	res := requireDone(t, cancelled, "cancel")
	require.Equal(t, pipeline.Cancelled, res.Priority.Deliveries[0].Stage)
	require.Equal(t, 11, res.Priority.EventSeq)
	final := cancelled.result.Priority
	require.Equal(t, "Fiscalía y Policía", final.Institution)
	require.Equal(t, e1.ID, final.Assignee)
	require.Equal(t, m1.ID, final.TriagedBy)
	require.Equal(t, []string{e1.ID}, final.PlanAuthors)

	// Each change reached PostgreSQL through a flush flushDelay after it,
	// the approval before the workflow ended; every event exactly in order.
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, b.flushedSeqs())
	for i, at := range b.flushedAt {
		require.False(t, at.Before(t0.Add(flushDelay)), "flush %d at %v", i, at)
	}
	require.Equal(t, pipeline.Approved, b.flushes[len(b.flushes)-1].Priority.Stage)
	require.Equal(t, final, b.flushes[len(b.flushes)-1].Priority)
}

func TestStartsFromTheSubmissionAsTheCallerDoes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var state *pipeline.Priority
	b.env.RegisterDelayedCallback(func() {
		v, err := b.env.QueryWorkflow(QueryPriority)
		require.NoError(t, err)
		require.NoError(t, v.Get(&state))
		b.env.CancelWorkflow()
	}, time.Minute)
	b.run(input(nil))
	in := input(nil)
	want := pipeline.Submit(in.Submission.Submitted, pipeline.DefaultSLAs())
	require.Equal(t, want.Priority, *state)
	require.Equal(t, "Equipos conjuntos de investigación", state.Title)
	require.Equal(t, []pipeline.Event{want.Event}, b.flushed(), "the submission is flushed too")
}

func TestNoSubmissionFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.env.ExecuteWorkflow(WorkflowPriority, Input{PriorityID: prioID})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, b.env.GetWorkflowError(), &ae)
	require.Equal(t, "NoSubmission", ae.Type())
}

func TestValidatorRefusesWithoutTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		req  ActRequest
		kind pipeline.Kind
	}{
		{act(fpMX, pipeline.Withdraw, withReason("x")), pipeline.KindNotFound},
		{func() ActRequest { r := act(m1, pipeline.Reject, withReason("x")); r.Version = 9; return r }(), pipeline.KindStale},
		{act(m1, pipeline.Endorse), pipeline.KindConflict},
		{act(fpPE, pipeline.Accept, withExpert(e1)), pipeline.KindForbidden},
		{act(m1, pipeline.Reject), pipeline.KindInvalid},
		{act(m1, pipeline.Accept), pipeline.KindInvalid}, // no expert found
	}
	sends := make([]*sent, len(cases))
	for i, c := range cases {
		sends[i] = b.send(time.Duration(i+1)*time.Minute, c.req)
	}
	b.cancel(time.Hour)
	b.run(input(nil))
	for i, c := range cases {
		require.False(t, sends[i].accepted, "case %d accepted", i)
		e := requireRefused(t, sends[i].rejected, c.kind)
		if c.kind == pipeline.KindInvalid {
			require.NotEmpty(t, e.Problems, "case %d", i)
		}
	}
	require.Len(t, b.flushes, 1, "only the submission reached PostgreSQL")
	require.Equal(t, 1, b.flushes[0].Priority.Version)
}

func (b *bundle) cancel(after time.Duration) {
	b.env.RegisterDelayedCallback(b.env.CancelWorkflow, after)
}

func TestConcurrentActsApplyOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var first, second *sent
	b.env.RegisterDelayedCallback(func() {
		// Both arrive in one workflow task: both are validated against
		// triage before either handler runs; the second handler must see
		// the first one's change.
		first = &sent{}
		second = &sent{}
		for _, s := range []*sent{first, second} {
			b.env.UpdateWorkflow(UpdateAct, "", &testsuite.TestUpdateCallback{
				OnAccept: func() { s.accepted = true },
				OnReject: func(err error) { s.rejected = err },
				OnComplete: func(v any, err error) {
					s.completed, s.err = true, err
					s.result, _ = v.(*Result)
				},
			}, act(m1, pipeline.Accept, withExpert(e1)))
		}
	}, time.Minute)
	b.cancel(time.Hour)
	b.run(input(nil))
	var applied, refused int
	for _, s := range []*sent{first, second} {
		switch {
		case s.completed && s.err == nil:
			applied++
			require.Equal(t, 2, s.result.Priority.Version)
		case s.completed:
			refused++
			requireRefused(t, s.err, pipeline.KindConflict)
		default:
			refused++
			requireRefused(t, s.rejected, pipeline.KindConflict)
		}
	}
	require.Equal(t, 1, applied)
	require.Equal(t, 1, refused)
	require.Len(t, b.flushed(), 2, "submitted and accepted, once each")
}

func TestSLATimers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	slas := pipeline.SLAs{pipeline.Triage: 10 * day, pipeline.ExpertReview: 10 * day}
	// A decision after the reminder moves the priority on; the next stage
	// gets its own reminder and escalation.
	accept := b.send(9*day, act(m1, pipeline.Accept, withExpert(e1)))
	b.cancel(25 * day)
	b.run(input(slas))
	requireDone(t, accept, "accept")

	type rec struct {
		seq  int
		kind pipeline.EventKind
		at   time.Time
	}
	var got []rec
	for _, ev := range b.flushed() {
		got = append(got, rec{ev.Seq, ev.Kind, ev.At})
	}
	require.Equal(t, []rec{
		{1, pipeline.EventSubmitted, t0},
		{2, pipeline.EventReminder, t0.Add(8 * day)},
		{3, pipeline.EventOf(pipeline.Accept), t0.Add(9 * day)},
		{4, pipeline.EventReminder, t0.Add(17 * day)},
		{5, pipeline.EventEscalated, t0.Add(19 * day)},
	}, got)
	// SLA events are flushed at once: no caller records them.
	for i, f := range b.flushes {
		if k := f.Events[len(f.Events)-1].Kind; k == pipeline.EventReminder || k == pipeline.EventEscalated {
			require.True(t, f.Events[len(f.Events)-1].At.Equal(b.flushedAt[i]), "flush %d at %v", i, b.flushedAt[i])
		}
	}
	last := b.flushes[len(b.flushes)-1].Priority
	require.True(t, last.Overdue)
	require.Equal(t, 3, last.Version, "a reminder keeps the version, an escalation moves it")
}

func TestFlushRetriesWhilePostgreSQLIsDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fail = func(now time.Time, _ activities.RecordInput) error {
		if now.Before(t0.Add(10 * time.Minute)) {
			return errors.New("dial tcp: connection refused")
		}
		return nil
	}
	accept := b.send(time.Minute, act(m1, pipeline.Accept, withExpert(e1)))
	b.cancel(time.Hour)
	b.run(input(nil))
	// Decisions go on while the read model is away.
	requireDone(t, accept, "accept during the outage")
	require.Greater(t, len(b.attempts), 3)
	require.Less(t, len(b.attempts), 30, "backoff, not a hot loop (600 attempts at 1 s)")
	require.Equal(t, []int{1, 2}, b.flushedSeqs(), "both events once PostgreSQL is back")
}

func TestRefusedWriteDoesNotLoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fail = func(_ time.Time, in activities.RecordInput) error {
		if in.Priority.Version == 1 {
			return temporal.NewNonRetryableApplicationError("invalid byte sequence", activities.ErrPermanent, nil)
		}
		return nil
	}
	accept := b.send(time.Hour, act(m1, pipeline.Accept, withExpert(e1)))
	b.cancel(2 * time.Hour)
	b.run(input(nil))
	requireDone(t, accept, "accept after a refused write")
	require.Len(t, b.attempts, 2, "one refused attempt, then the next change's flush")
	require.Equal(t, []int{1, 2}, b.flushedSeqs(), "the refused event rides with the next flush")
}

// TestRefusedLastWriteDoesNotFailTheRun: the read model refuses the last
// flush of a closed priority (the activity marks it as needing attention).
// The run neither fails nor completes without it: it tries again after
// refusedRetry, and completes once the write goes through.
func TestRefusedLastWriteDoesNotFailTheRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fail = func(now time.Time, in activities.RecordInput) error {
		if now.Before(t0.Add(2 * refusedRetry)) {
			return temporal.NewNonRetryableApplicationError("duplicate key value", activities.ErrPermanent, nil)
		}
		return nil
	}
	reject := b.send(time.Second, act(m1, pipeline.Reject, withReason("fuera de mandato")))
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError(), "a refused write must not fail the run")
	require.Equal(t, pipeline.Rejected, requireDone(t, reject, "reject").Priority.Stage)
	require.Len(t, b.attempts, 3, "the refused flush, one retry an hour later, the one that went through")
	require.Equal(t, refusedRetry, b.attemptTimes[1].Sub(b.attemptTimes[0]))
	require.Equal(t, []int{1, 2}, b.flushedSeqs(), "the submission and the rejection, once")
}

// TestRefusedWriteIsTriedAgainWithoutANewChange: a priority left in an
// open stage after a refused flush is written again refusedRetry later,
// with no decision to carry it.
func TestRefusedWriteIsTriedAgainWithoutANewChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fail = func(now time.Time, _ activities.RecordInput) error {
		if now.Before(t0.Add(refusedRetry)) {
			return temporal.NewNonRetryableApplicationError("duplicate key value", activities.ErrPermanent, nil)
		}
		return nil
	}
	b.cancel(3 * refusedRetry)
	b.run(input(nil))
	require.Len(t, b.attempts, 2, "the refused flush and one retry")
	require.Equal(t, []int{1}, b.flushedSeqs())
}

func TestClosedPriorityFlushesBeforeItEnds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	reject := b.send(time.Second, act(m1, pipeline.Reject, withReason("fuera de mandato")))
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())
	res := requireDone(t, reject, "reject")
	require.Equal(t, pipeline.Rejected, res.Priority.Stage)
	require.Len(t, b.flushes, 1, "submission and rejection in one flush, before the end")
	require.Equal(t, pipeline.Rejected, b.flushes[0].Priority.Stage)
	require.Len(t, b.flushes[0].Events, 2)
}

func TestResultCarriesOnlyWhatTheCallerLacks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The caller's read model lacks the submission (its writer crashed):
	// Since 0 brings it along.
	accept := b.send(time.Second, act(m1, pipeline.Accept, withExpert(e1)))
	later := b.send(time.Hour, func() ActRequest { r := act(e1, pipeline.Approve); r.Since = 2; return r }())
	b.cancel(2 * time.Hour)
	b.run(input(nil))
	var seqs []int
	for _, ev := range requireDone(t, accept, "accept").Events {
		seqs = append(seqs, ev.Seq)
	}
	require.Equal(t, []int{1, 2}, seqs)
	// After a flush, what it wrote is not sent again.
	require.Equal(t, []int{3}, func() []int {
		var s []int
		for _, ev := range requireDone(t, later, "approve").Events {
			s = append(s, ev.Seq)
		}
		return s
	}())
}

func TestSearchAttributesFollowTheStage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.send(time.Second, act(m1, pipeline.Accept, withExpert(e1)))
	b.send(2*time.Second, act(e1, pipeline.Approve))
	b.send(2*time.Minute, act(fpPE, pipeline.Withdraw, withReason("ya no aplica")))
	b.run(input(nil))
	// The burst is indexed once when it settles, the end at once.
	require.Equal(t, []string{"planning", "withdrawn"}, slices.Compact(b.stages))
}

func ptr[T any](v T) *T { return &v }

// TestDeliverySLAs: once approved, an action whose end date passed without
// a report has its partner reminded the day after, and is escalated —
// marked overdue — when its report falls due, ReportSLA later; each is an
// event of the same gapless trail, flushed at once.
func TestDeliverySLAs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	plan := journey.Plan()
	for i, r := range []ActRequest{
		act(m1, pipeline.Accept, withExpert(e1)), act(e1, pipeline.Approve),
		act(e1, pipeline.DraftPlan, func(a *pipeline.Act) { a.Plan = &plan }), act(e1, pipeline.SubmitPlan),
		act(fpPE, pipeline.Endorse), act(m2, pipeline.Approve),
	} {
		b.send(time.Duration(i+1)*time.Hour, r)
	}
	end := time.Date(2027, 2, 6, 0, 0, 0, 0, time.UTC) // the day after the action's end date
	cancelled := b.deliver(end.Add(pipeline.ReportSLA+48*time.Hour).Sub(t0), DeliverRequest{Actor: m1, Action: 0,
		Input: pipeline.DeliveryInput{Act: pipeline.CancelAction, Reason: "sin informe"}})
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())
	requireDone(t, cancelled, "cancel")

	var sla []pipeline.Event
	for _, ev := range b.flushed() {
		if ev.Kind == pipeline.EventReportReminder || ev.Kind == pipeline.EventReportEscalated {
			sla = append(sla, ev)
		}
	}
	require.Len(t, sla, 2)
	require.Equal(t, pipeline.EventReportReminder, sla[0].Kind)
	require.True(t, sla[0].At.Equal(end), "reminded at %v, want %v", sla[0].At, end)
	require.Equal(t, pipeline.EventReportEscalated, sla[1].Kind)
	require.True(t, sla[1].At.Equal(end.Add(pipeline.ReportSLA)), "escalated at %v", sla[1].At)
	require.Equal(t, "fiiapp", sla[1].Data["partner"])
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, b.flushedSeqs()[:11], "gapless, in order")
	last := b.flushes[len(b.flushes)-1].Priority
	require.True(t, last.Deliveries[0].Overdue, "the escalation marks the action overdue")
	require.Equal(t, pipeline.Cancelled, last.Deliveries[0].Stage)
}
