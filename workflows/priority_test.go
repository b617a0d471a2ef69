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

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/pipeline"
)

// t0 is when every test workflow starts; all times below are offsets from it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	day     = 24 * time.Hour
	theme   = "joint_investigation_teams"
	ref     = "PE-2026-0001"
	e1ID    = "11111111-1111-4111-8111-111111111111"
	e2ID    = "22222222-2222-4222-8222-222222222222"
	e3ID    = "33333333-3333-4333-8333-333333333333"
	prioID  = "9b2f0c4e-5d1a-4c37-9d55-0a6f1e2b3c4d"
	hashOne = "sha256:one"
)

var (
	fpPE = pipeline.Actor{ID: "fp-pe", Name: "Rosa Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}
	fpMX = pipeline.Actor{ID: "fp-mx", Name: "Luis Ortega", Role: pipeline.FocalPoint, Countries: []string{"MX"}}
	e1   = pipeline.Actor{ID: e1ID, Name: "Ana Expert", Role: pipeline.Expert, Themes: []string{theme}}
	e2   = pipeline.Actor{ID: e2ID, Name: "Ben Expert", Role: pipeline.Expert, Themes: []string{theme}}
	e3   = pipeline.Actor{ID: e3ID, Name: "Cy Expert", Role: pipeline.Expert, Themes: []string{"cybercrime"}}
	m1   = pipeline.Actor{ID: "m1", Name: "Marta Manager", Role: pipeline.Manager}
	m2   = pipeline.Actor{ID: "m2", Name: "Nico Manager", Role: pipeline.Manager}

	system = pipeline.Ref{ID: "system", Name: "Puente", Role: "system"}
)

// bundle is one test workflow environment with its mocked local activities.
type bundle struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu      sync.Mutex
	records []activities.RecordInput
	experts []activities.ExpertInput
	attrs   []temporal.SearchAttributes
	// choose answers ChooseExpert; a test may replace it before run.
	choose func(activities.ExpertInput) activities.ExpertResult
	// down, when set, makes Record fail while it returns true for the
	// workflow clock: the read model is unreachable.
	down     func(now time.Time) bool
	attempts []activities.RecordInput // every Record call, failed ones included
}

// outcome is what became of one update sent to the workflow.
type outcome struct {
	sentAt        time.Time
	recordsAtSend int
	accepted      bool
	rejected      error
	completed     bool
	result        *pipeline.Priority
	err           error
	recordsAtEnd  int
	doneAt        time.Time // when it was rejected or completed
}

func setup(t *testing.T) *bundle {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	b := &bundle{t: t, env: suite.NewTestWorkflowEnvironment()}
	b.env.SetStartTime(t0)
	b.env.RegisterWorkflow(Priority)
	// By name: the expert the caller named, else the least-loaded one (e2).
	b.choose = func(in activities.ExpertInput) activities.ExpertResult {
		id := in.ExpertID
		if id == "" {
			id = e2ID
		}
		for _, e := range []pipeline.Actor{e1, e2, e3} {
			if e.ID == id {
				return activities.ExpertResult{Expert: e.Ref()}
			}
		}
		return activities.ExpertResult{Problem: "no user has this id"}
	}
	// Local activities are mocked by method value on a nil receiver: the same
	// reference (and so the same activity name) the workflow uses.
	b.env.OnActivity(a.Record, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordInput) (activities.RecordResult, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.attempts = append(b.attempts, in)
			if b.down != nil && b.down(b.env.Now()) {
				return activities.RecordResult{}, errors.New("connect: connection refused")
			}
			b.records = append(b.records, in)
			return activities.RecordResult{Ref: ref}, nil
		})
	b.env.OnActivity(a.ChooseExpert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ExpertInput) (activities.ExpertResult, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.experts = append(b.experts, in)
			return b.choose(in), nil
		})
	// The test environment does not check search attributes against a
	// namespace; capture every upsert to assert what operators would see.
	b.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.attrs = append(b.attrs, args.Get(0).(temporal.SearchAttributes))
	}).Return(nil)
	return b
}

// update sends an update after the given time from the start.
func (b *bundle) update(after time.Duration, name string, arg any) *outcome {
	o := &outcome{}
	b.env.RegisterDelayedCallback(func() {
		b.mu.Lock()
		o.sentAt = b.env.Now()
		o.recordsAtSend = len(b.records)
		b.mu.Unlock()
		b.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {
				b.mu.Lock()
				defer b.mu.Unlock()
				o.accepted = true
			},
			OnReject: func(err error) {
				b.mu.Lock()
				defer b.mu.Unlock()
				o.rejected = err
				o.recordsAtEnd = len(b.records)
				o.doneAt = b.env.Now()
			},
			OnComplete: func(v any, err error) {
				b.mu.Lock()
				defer b.mu.Unlock()
				o.completed, o.err = true, err
				o.result, _ = v.(*pipeline.Priority)
				o.recordsAtEnd = len(b.records)
				o.doneAt = b.env.Now()
			},
		}, arg)
	}, after)
	return o
}

// cancel cancels the workflow after the given time from the start.
func (b *bundle) cancel(after time.Duration) {
	b.env.RegisterDelayedCallback(b.env.CancelWorkflow, after)
}

func (b *bundle) run(in Input) {
	b.t.Helper()
	if in.PriorityID == "" {
		in.PriorityID = prioID
	}
	b.env.ExecuteWorkflow(Priority, in)
	require.True(b.t, b.env.IsWorkflowCompleted(), "workflow did not complete")
}

// recorded returns every Record input, oldest first.
func (b *bundle) recorded() []activities.RecordInput {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.records)
}

// events flattens the recorded audit trail.
func (b *bundle) events() []pipeline.Event {
	var out []pipeline.Event
	for _, r := range b.recorded() {
		out = append(out, r.Events...)
	}
	return out
}

// state is the workflow's copy of the priority, through the query.
func (b *bundle) state() *pipeline.Priority {
	b.t.Helper()
	v, err := b.env.QueryWorkflow(QueryPriority)
	require.NoError(b.t, err)
	var p *pipeline.Priority
	require.NoError(b.t, v.Get(&p))
	return p
}

// lastAttrs is the last search-attribute upsert.
func (b *bundle) lastAttrs() temporal.SearchAttributes {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	require.NotEmpty(b.t, b.attrs, "no search attributes were upserted")
	return b.attrs[len(b.attrs)-1]
}

func requireAttrs(t *testing.T, sa temporal.SearchAttributes, stage pipeline.Stage, theme string, overdue bool) {
	t.Helper()
	got, ok := sa.GetKeyword(StageKey)
	require.True(t, ok)
	require.Equal(t, string(stage), got)
	gotTheme, ok := sa.GetKeyword(ThemeKey)
	require.True(t, ok)
	require.Equal(t, theme, gotTheme)
	countries, ok := sa.GetKeywordList(CountriesKey)
	require.True(t, ok)
	require.Equal(t, []string{"PE"}, countries)
	gotOverdue, ok := sa.GetBool(OverdueKey)
	require.True(t, ok)
	require.Equal(t, overdue, gotOverdue)
}

// requireDone asserts that an update was accepted and completed without error.
func requireDone(t *testing.T, o *outcome, what string) *pipeline.Priority {
	t.Helper()
	require.NoError(t, o.rejected, "%s rejected", what)
	require.True(t, o.accepted, "%s not accepted", what)
	require.True(t, o.completed, "%s not completed", what)
	require.NoError(t, o.err, "%s failed", what)
	require.NotNil(t, o.result, "%s returned no priority", what)
	require.Equal(t, o.recordsAtSend+1, o.recordsAtEnd, "%s must record exactly once", what)
	return o.result
}

// requireAppError asserts err is an application error of the given type.
func requireAppError(t *testing.T, err error, errType string) *temporal.ApplicationError {
	t.Helper()
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae), "not an application error: %v", err)
	require.Equal(t, errType, ae.Type(), "error %q", ae.Error())
	require.True(t, ae.NonRetryable())
	return ae
}

// requireRejected asserts the validator rejected the update before anything was recorded.
func requireRejected(t *testing.T, o *outcome, errType string) *temporal.ApplicationError {
	t.Helper()
	require.False(t, o.sentAt.IsZero(), "update was never sent")
	require.False(t, o.accepted, "update was accepted")
	require.False(t, o.completed, "update ran")
	ae := requireAppError(t, o.rejected, errType)
	require.Equal(t, o.recordsAtSend, o.recordsAtEnd, "a rejected update recorded something")
	return ae
}

func problems(t *testing.T, ae *temporal.ApplicationError) pipeline.Problems {
	t.Helper()
	var ps pipeline.Problems
	require.NoError(t, ae.Details(&ps))
	require.NotEmpty(t, ps)
	return ps
}

func problemFields(ps pipeline.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Field
	}
	return out
}

func submission() pipeline.Submission {
	return pipeline.Submission{
		Title:       "  Equipos conjuntos de investigación  ",
		Description: "Apoyo a un ECI con Colombia sobre lavado de activos",
		Theme:       theme, Pillar: "justice", Countries: []string{"PE"},
		Institution: "Fiscalía de la Nación", Urgency: "high",
	}
}

func submit(hash string) SubmitRequest {
	return SubmitRequest{Actor: fpPE, Submission: submission(), RequestHash: hash}
}

func completePlan() pipeline.Plan {
	return pipeline.Plan{
		Objective:       "Strengthen joint investigations between PE and CO",
		ExpectedOutcome: "Two JITs signed and operating",
		GenderMarker:    1,
		Actions: []pipeline.Action{{
			Type: "training", Title: "JIT training", Description: "Five-day course for prosecutors",
			Beneficiaries: []string{"Fiscalía de la Nación"}, Countries: []string{"PE"},
			StartDate: "2026-05-04", EndDate: "2026-05-08", BudgetEUR: pipeline.Euros(42000),
			EUPartners: []string{"Eurojust"},
			Indicators: []pipeline.Indicator{{Name: "prosecutors trained", Unit: "people", Target: 30}},
		}},
	}
}

func decide(actor pipeline.Actor, in pipeline.DecisionInput) DecideRequest {
	return DecideRequest{Actor: actor, Input: in}
}

func ptr[T any](v T) *T { return &v }

func TestPriorityFullJourney(t *testing.T) {
	t.Parallel()
	b := setup(t)
	plan := completePlan()
	require.Empty(t, plan.Validate(true), "the test plan must be complete")
	newTitle := "ECI Perú–Colombia"
	h := time.Hour
	type jstep struct {
		at       time.Duration
		name     string
		arg      any
		actor    pipeline.Actor
		kind     pipeline.EventKind
		from, to pipeline.Stage
		comment  string
	}
	steps := []jstep{
		{1 * time.Minute, UpdateSubmit, submit(hashOne), fpPE, pipeline.EventSubmitted, "", pipeline.Triage, ""},
		{1 * h, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}), m1,
			"accept", pipeline.Triage, pipeline.ExpertReview, ""},
		{2 * h, UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.RequestRevision, Comment: "name the prosecutors"}), e1,
			"request_revision", pipeline.ExpertReview, pipeline.Revision, "name the prosecutors"},
		{3 * h, UpdateDecide, decide(fpPE, pipeline.DecisionInput{Decision: pipeline.Resubmit, Changes: &pipeline.Changes{Title: &newTitle}}), fpPE,
			"resubmit", pipeline.Revision, pipeline.ExpertReview, ""},
		{4 * h, UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.Approve}), e1,
			"approve", pipeline.ExpertReview, pipeline.Planning, ""},
		{5 * h, UpdatePlan, PlanRequest{Actor: e1, Plan: completePlan(), Version: 5}, e1,
			pipeline.EventPlanUpdated, pipeline.Planning, pipeline.Planning, ""},
		{6 * h, UpdateDecide, DecideRequest{Actor: e1, Input: pipeline.DecisionInput{Decision: pipeline.SubmitPlan}, Version: 6}, e1,
			"submit_plan", pipeline.Planning, pipeline.Validation, ""},
		{7 * h, UpdateDecide, decide(fpPE, pipeline.DecisionInput{Decision: pipeline.RequestChanges, Comment: "add a CO action"}), fpPE,
			"request_changes", pipeline.Validation, pipeline.Planning, "add a CO action"},
		{8 * h, UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.SubmitPlan}), e1,
			"submit_plan", pipeline.Planning, pipeline.Validation, ""},
		{9 * h, UpdateDecide, decide(fpPE, pipeline.DecisionInput{Decision: pipeline.Endorse}), fpPE,
			"endorse", pipeline.Validation, pipeline.Approval, ""},
		{10 * h, UpdateDecide, DecideRequest{Actor: m2, Input: pipeline.DecisionInput{Decision: pipeline.Approve, Comment: "approved"}, Version: 10}, m2,
			"approve", pipeline.Approval, pipeline.Approved, "approved"},
	}
	outs := make([]*outcome, len(steps))
	for i, s := range steps {
		outs[i] = b.update(s.at, s.name, s.arg)
	}
	b.run(Input{SLAs: pipeline.DefaultSLAs()})

	require.NoError(t, b.env.GetWorkflowError())
	recs := b.recorded()
	require.Len(t, recs, len(steps))
	for i, s := range steps {
		at := t0.Add(s.at)
		p := requireDone(t, outs[i], string(s.kind))
		require.Equal(t, s.to, p.Stage, "step %d", i)
		require.Equal(t, i+1, p.Version, "step %d: version", i)
		require.Equal(t, ref, p.Ref, "step %d: ref", i)
		require.Equal(t, at, p.UpdatedAt, "step %d: updated_at", i)

		r := recs[i]
		require.Len(t, r.Events, 1)
		ev := r.Events[0]
		require.Equal(t, pipeline.Event{
			PriorityID: prioID, Seq: i + 1, At: at, Actor: s.actor.Ref(), Kind: s.kind,
			FromStage: s.from, ToStage: s.to, Comment: s.comment, Data: ev.Data,
		}, ev, "step %d", i)
		require.Equal(t, i+1, r.Priority.Version, "step %d: recorded version", i)
		require.Equal(t, s.to, r.Priority.Stage, "step %d: recorded stage", i)
		require.Equal(t, i == len(steps)-1, r.ApproveActions, "step %d: approve actions", i)
		if i > 0 {
			require.Equal(t, ref, r.Priority.Ref, "step %d: the ref of the first record is carried", i)
		}
		if s.from != s.to {
			require.Equal(t, at, r.Priority.StageEnteredAt, "step %d: stage entered", i)
		}
	}
	// Data that explains the changes.
	require.Equal(t, map[string]any{"expert_id": e1ID}, recs[1].Events[0].Data)
	require.Equal(t, map[string]any{"changes": &pipeline.Changes{Title: &newTitle}}, recs[3].Events[0].Data)
	require.Equal(t, map[string]any{"actions": 1, "budget_eur": pipeline.Euros(42000)}, recs[5].Events[0].Data)
	require.Nil(t, recs[0].Events[0].Data)

	// DueAt follows the stage's SLA; the submission's normalised fields are kept.
	slas := pipeline.DefaultSLAs()
	require.Equal(t, ptr(t0.Add(time.Minute+slas[pipeline.Triage])), recs[0].Priority.DueAt)
	require.Equal(t, ptr(t0.Add(1*h+slas[pipeline.ExpertReview])), recs[1].Priority.DueAt)
	require.Equal(t, ptr(t0.Add(9*h+slas[pipeline.Approval])), recs[9].Priority.DueAt)
	require.Equal(t, "Equipos conjuntos de investigación", recs[0].Priority.Title)
	require.Equal(t, pipeline.Public, recs[0].Priority.Sensitivity)
	require.Equal(t, t0.Add(time.Minute), recs[0].Priority.CreatedAt)

	final := outs[len(outs)-1].result
	require.Equal(t, pipeline.Approved, final.Stage)
	require.Equal(t, 11, final.Version)
	require.Equal(t, newTitle, final.Title)
	require.Equal(t, e1ID, final.Assignee)
	require.Equal(t, "m1", final.TriagedBy)
	require.Equal(t, []string{e1ID}, final.PlanAuthors)
	require.Equal(t, "fp-pe", final.SubmittedBy)
	require.Nil(t, final.DueAt, "a terminal stage has no due date")
	require.False(t, final.Overdue)
	require.Equal(t, completePlan(), *final.Plan)
	require.Equal(t, t0.Add(time.Minute), final.CreatedAt)

	last := recs[len(recs)-1]
	require.True(t, last.ApproveActions)
	require.Equal(t, pipeline.Approved, last.Priority.Stage)
	require.Equal(t, *final, last.Priority)

	require.Equal(t, pipeline.Approved, b.state().Stage)
	requireAttrs(t, b.lastAttrs(), pipeline.Approved, theme, false)
	b.mu.Lock()
	require.Equal(t, []activities.ExpertInput{{Theme: theme, ExpertID: e1ID}}, b.experts)
	b.mu.Unlock()
}

// reachSteps are the updates that take a fresh priority to stage s, to be sent
// at 1m, 1h, 2h, …; every one of them records once.
func reachSteps(s pipeline.Stage) []step {
	all := []step{
		{UpdateSubmit, submit(hashOne)},
		{UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID})},
	}
	switch s {
	case pipeline.Triage:
		return all[:1]
	case pipeline.ExpertReview:
		return all
	case pipeline.Revision:
		return append(all, step{UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.RequestRevision, Comment: "more detail"})})
	}
	all = append(all, step{UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.Approve})})
	if s == pipeline.Planning {
		return all
	}
	all = append(all,
		step{UpdatePlan, PlanRequest{Actor: e1, Plan: completePlan()}},
		step{UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.SubmitPlan})},
	)
	if s == pipeline.Validation {
		return all
	}
	return append(all, step{UpdateDecide, decide(fpPE, pipeline.DecisionInput{Decision: pipeline.Endorse})})
}

type step struct {
	name string
	arg  any
}

func stepTime(i int) time.Duration {
	if i == 0 {
		return time.Minute
	}
	return time.Duration(i) * time.Hour
}

func TestPriorityValidatorsRejectWithoutSideEffects(t *testing.T) {
	t.Parallel()
	draft := pipeline.Plan{Objective: "draft", Actions: []pipeline.Action{{Type: "training"}}}
	cases := []struct {
		name    string
		stage   pipeline.Stage
		extra   []step // after reaching stage
		update  string
		arg     any
		errType string
		fields  []string // for ErrInvalid: the problems' fields, in order
	}{
		{name: "four eyes: the triaging manager may not approve", stage: pipeline.Approval,
			update: UpdateDecide, arg: decide(m1, pipeline.DecisionInput{Decision: pipeline.Approve}), errType: ErrForbidden},
		{name: "the assigned expert may not give final approval", stage: pipeline.Approval,
			update: UpdateDecide, arg: decide(e1, pipeline.DecisionInput{Decision: pipeline.Approve}), errType: ErrForbidden},
		{name: "another expert may not approve in expert review", stage: pipeline.ExpertReview,
			update: UpdateDecide, arg: decide(e2, pipeline.DecisionInput{Decision: pipeline.Approve}), errType: ErrForbidden},
		{name: "an expert may not withdraw", stage: pipeline.ExpertReview,
			update: UpdateDecide, arg: decide(e1, pipeline.DecisionInput{Decision: pipeline.Withdraw, Reason: "no"}), errType: ErrForbidden},
		{name: "decision not in stage", stage: pipeline.Triage,
			update: UpdateDecide, arg: decide(fpPE, pipeline.DecisionInput{Decision: pipeline.Endorse}), errType: ErrNotInStage},
		{name: "unknown decision", stage: pipeline.Triage,
			update: UpdateDecide, arg: decide(m1, pipeline.DecisionInput{Decision: "promote"}), errType: ErrNotInStage},
		{name: "stale version", stage: pipeline.ExpertReview,
			update: UpdateDecide, arg: DecideRequest{Actor: e1, Input: pipeline.DecisionInput{Decision: pipeline.Approve}, Version: 1}, errType: ErrStale},
		{name: "stale is checked before the stage", stage: pipeline.Triage,
			update: UpdateDecide, arg: DecideRequest{Actor: m1, Input: pipeline.DecisionInput{Decision: pipeline.Endorse}, Version: 2}, errType: ErrStale},
		{name: "the stage is checked before the actor", stage: pipeline.Triage,
			update: UpdateDecide, arg: decide(fpPE, pipeline.DecisionInput{Decision: pipeline.Approve}), errType: ErrNotInStage},
		{name: "the actor is checked before the body", stage: pipeline.Triage,
			update: UpdateDecide, arg: decide(fpPE, pipeline.DecisionInput{Decision: pipeline.Reject}), errType: ErrForbidden},
		{name: "reject needs a reason", stage: pipeline.Triage,
			update: UpdateDecide, arg: decide(m1, pipeline.DecisionInput{Decision: pipeline.Reject, Comment: "out of scope"}),
			errType: ErrInvalid, fields: []string{"reason"}},
		{name: "request_revision needs a comment", stage: pipeline.ExpertReview,
			update: UpdateDecide, arg: decide(e1, pipeline.DecisionInput{Decision: pipeline.RequestRevision, Comment: "   "}),
			errType: ErrInvalid, fields: []string{"comment"}},
		{name: "accept with an expert id that is not a UUID", stage: pipeline.Triage,
			update: UpdateDecide, arg: decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: "ana"}),
			errType: ErrInvalid, fields: []string{"expert_id"}},
		{name: "submit_plan without a plan", stage: pipeline.Planning,
			update: UpdateDecide, arg: decide(e1, pipeline.DecisionInput{Decision: pipeline.SubmitPlan}),
			errType: ErrInvalid, fields: []string{"plan"}},
		{name: "submit_plan with an incomplete plan", stage: pipeline.Planning,
			extra:  []step{{UpdatePlan, PlanRequest{Actor: e1, Plan: draft}}},
			update: UpdateDecide, arg: decide(e1, pipeline.DecisionInput{Decision: pipeline.SubmitPlan}),
			errType: ErrInvalid, fields: []string{"plan.expected_outcome", "plan.actions[0].title", "plan.actions[0].description",
				"plan.actions[0].beneficiaries", "plan.actions[0].countries", "plan.actions[0].start_date",
				"plan.actions[0].end_date", "plan.actions[0].budget_eur", "plan.actions[0].indicators"}},
		{name: "a focal point of another country cannot see the priority", stage: pipeline.ExpertReview,
			update: UpdateDecide, arg: decide(fpMX, pipeline.DecisionInput{Decision: pipeline.Withdraw, Reason: "mine"}), errType: ErrNotFound},
		{name: "visibility is checked before the version", stage: pipeline.Triage,
			update: UpdateDecide, arg: DecideRequest{Actor: fpMX, Input: pipeline.DecisionInput{Decision: pipeline.Withdraw, Reason: "x"}, Version: 9}, errType: ErrNotFound},
		{name: "an expert of another theme cannot see the priority", stage: pipeline.ExpertReview,
			update: UpdateDecide, arg: decide(e3, pipeline.DecisionInput{Decision: pipeline.Approve}), errType: ErrNotFound},
		{name: "plan outside planning", stage: pipeline.ExpertReview,
			update: UpdatePlan, arg: PlanRequest{Actor: e1, Plan: completePlan()}, errType: ErrNotInStage},
		{name: "plan by an expert who is not assigned", stage: pipeline.Planning,
			update: UpdatePlan, arg: PlanRequest{Actor: e2, Plan: completePlan()}, errType: ErrForbidden},
		{name: "plan by someone who cannot see the priority", stage: pipeline.Planning,
			update: UpdatePlan, arg: PlanRequest{Actor: fpMX, Plan: completePlan()}, errType: ErrNotFound},
		{name: "plan with a stale version", stage: pipeline.Planning,
			update: UpdatePlan, arg: PlanRequest{Actor: e1, Plan: completePlan(), Version: 2}, errType: ErrStale},
		{name: "plan draft with a bad gender marker", stage: pipeline.Planning,
			update: UpdatePlan, arg: PlanRequest{Actor: e1, Plan: pipeline.Plan{GenderMarker: 3}},
			errType: ErrInvalid, fields: []string{"gender_marker"}},
		{name: "edit outside revision", stage: pipeline.ExpertReview,
			update: UpdateEdit, arg: EditRequest{Actor: fpPE, Changes: pipeline.Changes{Title: ptr("x")}}, errType: ErrNotInStage},
		{name: "edit by an expert", stage: pipeline.Revision,
			update: UpdateEdit, arg: EditRequest{Actor: e1, Changes: pipeline.Changes{Title: ptr("x")}}, errType: ErrForbidden},
		{name: "edit with nothing to change", stage: pipeline.Revision,
			update: UpdateEdit, arg: EditRequest{Actor: fpPE}, errType: ErrInvalid, fields: []string{""}},
		{name: "edit with a bad urgency", stage: pipeline.Revision,
			update: UpdateEdit, arg: EditRequest{Actor: fpPE, Changes: pipeline.Changes{Urgency: ptr("now")}},
			errType: ErrInvalid, fields: []string{"urgency"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			steps := append(reachSteps(c.stage), c.extra...)
			outs := make([]*outcome, len(steps))
			for i, s := range steps {
				outs[i] = b.update(stepTime(i), s.name, s.arg)
			}
			badAt := stepTime(len(steps))
			bad := b.update(badAt, c.update, c.arg)
			b.cancel(badAt + time.Hour)
			b.run(Input{SLAs: pipeline.DefaultSLAs()})

			for i, o := range outs {
				requireDone(t, o, steps[i].name)
			}
			ae := requireRejected(t, bad, c.errType)
			if c.errType == ErrInvalid {
				require.Equal(t, c.fields, problemFields(problems(t, ae)))
			}
			require.Len(t, b.recorded(), len(steps), "nothing recorded after the prelude")
			p := b.state()
			require.Equal(t, c.stage, p.Stage)
			require.Equal(t, len(steps), p.Version)
			require.True(t, temporal.IsCanceledError(b.env.GetWorkflowError()), "workflow error: %v", b.env.GetWorkflowError())
		})
	}
}

func TestPrioritySubmitValidation(t *testing.T) {
	t.Parallel()
	bad := submission()
	bad.Theme, bad.Urgency, bad.Title = "nope", "now", " "
	cases := []struct {
		name    string
		req     SubmitRequest
		errType string
		fields  []string
	}{
		{"only focal points submit", SubmitRequest{Actor: m1, Submission: submission(), RequestHash: hashOne}, ErrForbidden, nil},
		{"a focal point submits for its own countries", SubmitRequest{Actor: fpMX, Submission: submission(), RequestHash: hashOne}, ErrForbidden, nil},
		{"an invalid submission lists every problem", SubmitRequest{Actor: fpPE, Submission: bad, RequestHash: hashOne}, ErrInvalid,
			[]string{"title", "theme", "urgency"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			early := b.update(30*time.Second, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
			o := b.update(time.Minute, UpdateSubmit, c.req)
			late := b.update(11*time.Minute, UpdateSubmit, submit(hashOne))
			b.run(Input{})

			requireRejected(t, early, ErrNotFound)
			ae := requireRejected(t, o, c.errType)
			if c.fields != nil {
				require.Equal(t, c.fields, problemFields(problems(t, ae)))
			}
			// Nothing arrived within submitWait: the workflow gives up without recording.
			err := b.env.GetWorkflowError()
			requireAppError(t, err, "NotSubmitted")
			require.False(t, late.accepted || late.completed || late.rejected != nil, "the workflow was over before the late submit")
			require.Empty(t, b.recorded())
			require.Nil(t, b.state())
		})
	}
}

func TestPrioritySLATimers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	slas := pipeline.DefaultSLAs()
	slas[pipeline.Triage] = 10 * day
	slas[pipeline.ExpertReview] = 4 * day
	sub := time.Minute
	submitted := t0.Add(sub)
	accepted := submitted.Add(11 * day)

	o := b.update(sub, UpdateSubmit, submit(hashOne))
	acc := b.update(sub+11*day, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
	b.cancel(sub + 11*day + 3*day + 5*time.Hour) // after expert_review's reminder (3.2 d), before its escalation (4 d)
	b.run(Input{SLAs: slas})

	requireDone(t, o, "submit")
	p := requireDone(t, acc, "accept")
	require.True(t, temporal.IsCanceledError(b.env.GetWorkflowError()))

	recs := b.recorded()
	require.Len(t, recs, 5)
	triageDue := submitted.Add(10 * day)

	// 80 %: a reminder; nothing about the priority changes.
	rem := recs[1]
	require.Equal(t, pipeline.Event{
		PriorityID: prioID, Seq: 2, At: submitted.Add(8 * day), Actor: system, Kind: pipeline.EventReminder,
		Data: map[string]any{"stage": pipeline.Triage, "due_at": &triageDue},
	}, rem.Events[0])
	require.Equal(t, 1, rem.Priority.Version)
	require.False(t, rem.Priority.Overdue)
	require.Equal(t, pipeline.Triage, rem.Priority.Stage)
	require.Equal(t, &triageDue, rem.Priority.DueAt)

	// 100 %: escalated, overdue, a new version.
	esc := recs[2]
	require.Equal(t, pipeline.Event{
		PriorityID: prioID, Seq: 3, At: triageDue, Actor: system, Kind: pipeline.EventEscalated,
		Data: map[string]any{"stage": pipeline.Triage, "due_at": &triageDue},
	}, esc.Events[0])
	require.Equal(t, 2, esc.Priority.Version)
	require.True(t, esc.Priority.Overdue)
	require.Equal(t, triageDue, esc.Priority.UpdatedAt)
	require.False(t, esc.ApproveActions)

	// A decision after the escalation starts the next stage's clock afresh.
	require.Equal(t, 4, recs[3].Events[0].Seq)
	require.Equal(t, pipeline.ExpertReview, p.Stage)
	require.Equal(t, 3, p.Version)
	require.False(t, p.Overdue)
	require.Equal(t, accepted, p.StageEnteredAt)
	require.Equal(t, ptr(accepted.Add(4*day)), p.DueAt)
	require.Equal(t, *p, recs[3].Priority)

	rem2 := recs[4].Events[0]
	require.Equal(t, 5, rem2.Seq)
	require.Equal(t, pipeline.EventReminder, rem2.Kind)
	require.Equal(t, accepted.Add(4*day*8/10), rem2.At)
	require.Equal(t, pipeline.ExpertReview, rem2.Data["stage"])
	require.False(t, recs[4].Priority.Overdue)
	require.Equal(t, 3, recs[4].Priority.Version)

	// Search attributes followed: overdue after the escalation, not after the accept.
	b.mu.Lock()
	var overdue []bool
	for _, sa := range b.attrs {
		v, _ := sa.GetBool(OverdueKey)
		overdue = append(overdue, v)
	}
	b.mu.Unlock()
	require.Contains(t, overdue, true)
	requireAttrs(t, b.lastAttrs(), pipeline.ExpertReview, theme, false)
}

func TestPriorityEscalatesOnceAndDecisionBeforeReminderCancelsIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	slas := pipeline.DefaultSLAs() // triage 5 d, expert_review 10 d
	sub := time.Minute
	submitted := t0.Add(sub)
	b.update(sub, UpdateSubmit, submit(hashOne))
	// Accepted after 3 days: before triage's reminder at 4 days.
	acc := b.update(sub+3*day, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
	// Long after expert_review's escalation at 3 + 10 days: nothing more may be recorded.
	b.cancel(sub + 60*day)
	b.run(Input{SLAs: slas})

	requireDone(t, acc, "accept")
	var kinds []pipeline.EventKind
	var ats []time.Time
	for i, ev := range b.events() {
		require.Equal(t, i+1, ev.Seq)
		kinds = append(kinds, ev.Kind)
		ats = append(ats, ev.At)
	}
	entered := submitted.Add(3 * day)
	require.Equal(t, []pipeline.EventKind{pipeline.EventSubmitted, "accept", pipeline.EventReminder, pipeline.EventEscalated}, kinds)
	require.Equal(t, []time.Time{submitted, entered, entered.Add(8 * day), entered.Add(10 * day)}, ats)
	p := b.state()
	require.True(t, p.Overdue)
	require.Equal(t, 3, p.Version)
	requireAttrs(t, b.lastAttrs(), pipeline.ExpertReview, theme, true)
}

func TestPriorityIdempotentSubmit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.update(time.Minute, UpdateSubmit, submit(hashOne))
	again := b.update(2*time.Minute, UpdateSubmit, submit(hashOne))
	other := submit("sha256:two")
	other.Submission.Title = "Otra prioridad"
	conflict := b.update(3*time.Minute, UpdateSubmit, other)
	b.cancel(time.Hour)
	b.run(Input{})

	p := requireDone(t, first, "submit")
	require.Equal(t, ref, p.Ref)
	require.Equal(t, 1, p.Version)
	require.Equal(t, pipeline.Triage, p.Stage)

	require.True(t, again.accepted)
	require.True(t, again.completed)
	require.NoError(t, again.err)
	require.Equal(t, p, again.result, "a retried submit answers with the first one's priority")
	require.Equal(t, 1, again.recordsAtEnd)

	ae := requireRejected(t, conflict, ErrInvalid)
	require.Equal(t, []string{"Idempotency-Key"}, problemFields(problems(t, ae)))
	require.Len(t, b.recorded(), 1)
	require.Equal(t, "Equipos conjuntos de investigación", b.state().Title)
}

func TestPriorityRetriedSubmitWhileRecording(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Two submits in the same instant: the second arrives while the first is still recording.
	outs := make([]*outcome, 2)
	outs[0] = b.update(time.Minute, UpdateSubmit, submit(hashOne))
	outs[1] = b.update(time.Minute, UpdateSubmit, submit(hashOne))
	b.cancel(time.Hour)
	b.run(Input{})

	for i, o := range outs {
		require.True(t, o.completed, "submit %d", i)
		require.NoError(t, o.err, "submit %d", i)
		require.Equal(t, ref, o.result.Ref, "submit %d must answer with the recorded ref", i)
		require.Equal(t, 1, o.result.Version)
	}
	require.Len(t, b.recorded(), 1)
}

func TestPriorityWithdrawEndsTheWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.update(time.Minute, UpdateSubmit, submit(hashOne))
	b.update(time.Hour, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
	w := b.update(2*time.Hour, UpdateDecide, DecideRequest{Actor: fpPE, Input: pipeline.DecisionInput{Decision: pipeline.Withdraw, Reason: "solved nationally"}, Version: 2})
	after := b.update(3*time.Hour, UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.Approve}))
	b.run(Input{}) // nil SLAs: the defaults

	require.NoError(t, b.env.GetWorkflowError())
	p := requireDone(t, w, "withdraw")
	require.Equal(t, pipeline.Withdrawn, p.Stage)
	require.Equal(t, 3, p.Version)
	require.Nil(t, p.DueAt)
	require.Equal(t, t0.Add(2*time.Hour), p.StageEnteredAt)
	require.False(t, after.accepted || after.completed || after.rejected != nil, "the workflow was over")

	recs := b.recorded()
	require.Len(t, recs, 3)
	// Defaults applied: triage's DueAt is 5 days after the submission.
	require.Equal(t, ptr(t0.Add(time.Minute+5*day)), recs[0].Priority.DueAt)
	require.Equal(t, pipeline.Event{
		PriorityID: prioID, Seq: 3, At: t0.Add(2 * time.Hour), Actor: fpPE.Ref(), Kind: "withdraw",
		FromStage: pipeline.ExpertReview, ToStage: pipeline.Withdrawn, Comment: "solved nationally",
	}, recs[2].Events[0])
	require.False(t, recs[2].ApproveActions)
	requireAttrs(t, b.lastAttrs(), pipeline.Withdrawn, theme, false)
}

func TestPriorityReassignKeepsStageAndClock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	acceptAt := time.Hour
	b.update(time.Minute, UpdateSubmit, submit(hashOne))
	acc := b.update(acceptAt, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
	re := b.update(day, UpdateDecide, decide(m2, pipeline.DecisionInput{Decision: pipeline.Reassign, ExpertID: e2ID, Comment: "e1 on leave"}))
	old := b.update(2*day, UpdateDecide, decide(e1, pipeline.DecisionInput{Decision: pipeline.Approve}))
	// expert_review's reminder is due 8 days after the accept, not after the reassign.
	ok := b.update(acceptAt+8*day+time.Hour, UpdateDecide, decide(e2, pipeline.DecisionInput{Decision: pipeline.Approve}))
	b.cancel(10 * day)
	b.run(Input{SLAs: pipeline.DefaultSLAs()})

	before := requireDone(t, acc, "accept")
	p := requireDone(t, re, "reassign")
	require.Equal(t, pipeline.ExpertReview, p.Stage)
	require.Equal(t, e2ID, p.Assignee)
	require.Equal(t, 3, p.Version)
	require.Equal(t, before.StageEnteredAt, p.StageEnteredAt)
	require.Equal(t, before.DueAt, p.DueAt)
	require.Equal(t, "m1", p.TriagedBy, "reassign is not triage")

	requireRejected(t, old, ErrForbidden) // e1 still sees it (theme), but is no longer assigned
	done := requireDone(t, ok, "approve by the new expert")
	require.Equal(t, pipeline.Planning, done.Stage)

	evs := b.events()
	require.Len(t, evs, 5)
	require.Equal(t, pipeline.Event{
		PriorityID: prioID, Seq: 3, At: t0.Add(day), Actor: m2.Ref(), Kind: pipeline.EventReassigned,
		FromStage: pipeline.ExpertReview, ToStage: pipeline.ExpertReview, Comment: "e1 on leave",
		Data: map[string]any{"from": e1ID, "to": e2ID, "expert_name": "Ben Expert"},
	}, evs[2])
	require.Equal(t, pipeline.EventReminder, evs[3].Kind)
	require.Equal(t, 4, evs[3].Seq)
	require.Equal(t, t0.Add(acceptAt+8*day), evs[3].At)
	require.Equal(t, pipeline.EventKind("approve"), evs[4].Kind)
	require.Equal(t, e2.Ref(), evs[4].Actor)

	b.mu.Lock()
	require.Equal(t, []activities.ExpertInput{{Theme: theme, ExpertID: e1ID}, {Theme: theme, ExpertID: e2ID}}, b.experts)
	b.mu.Unlock()
}

func TestPriorityAcceptChoosesLeastLoadedExpert(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.update(time.Minute, UpdateSubmit, submit(hashOne))
	acc := b.update(time.Hour, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, Theme: "money_laundering"}))
	b.cancel(2 * time.Hour)
	b.run(Input{})

	p := requireDone(t, acc, "accept")
	require.Equal(t, e2ID, p.Assignee, "ChooseExpert's least-loaded expert")
	require.Equal(t, "money_laundering", p.Theme)
	b.mu.Lock()
	require.Equal(t, []activities.ExpertInput{{Theme: "money_laundering"}}, b.experts, "asked for the new theme's expert")
	b.mu.Unlock()
	ev := b.events()[1]
	require.Equal(t, map[string]any{
		"expert_id": e2ID,
		"theme":     map[string]string{"from": theme, "to": "money_laundering"},
	}, ev.Data)
	requireAttrs(t, b.lastAttrs(), pipeline.ExpertReview, "money_laundering", false)
}

func TestPriorityTakesTheExpertTheAPIResolved(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// What the API looked up: the workflow must take it as is, without
	// asking ChooseExpert again (whose answer for e1 would be e1.Ref()).
	looked := pipeline.Ref{ID: e1ID, Name: "Ana Expert (as the API saw her)", Role: pipeline.Expert}
	b.update(time.Minute, UpdateSubmit, submit(hashOne))
	acc := b.update(time.Hour, UpdateDecide, DecideRequest{Actor: m1, Expert: &looked,
		Input: pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}})
	// A resolved expert that is not the one named is ignored: looked up again.
	other := pipeline.Ref{ID: e1ID, Name: "stale", Role: pipeline.Expert}
	re := b.update(day, UpdateDecide, DecideRequest{Actor: m2, Expert: &other,
		Input: pipeline.DecisionInput{Decision: pipeline.Reassign, ExpertID: e2ID, Comment: "e1 on leave"}})
	b.cancel(2 * day)
	b.run(Input{})

	require.Equal(t, e1ID, requireDone(t, acc, "accept").Assignee)
	require.Equal(t, e2ID, requireDone(t, re, "reassign").Assignee)
	b.mu.Lock()
	require.Equal(t, []activities.ExpertInput{{Theme: theme, ExpertID: e2ID}}, b.experts, "only the reassign asked ChooseExpert")
	b.mu.Unlock()
	require.Equal(t, map[string]any{"from": e1ID, "to": e2ID, "expert_name": "Ben Expert"}, b.events()[2].Data)
}

func TestPriorityAcceptWithoutAvailableExpert(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.choose = func(in activities.ExpertInput) activities.ExpertResult {
		if in.ExpertID == "" {
			return activities.ExpertResult{Problem: `no expert covers theme "joint_investigation_teams": name one`}
		}
		return activities.ExpertResult{Expert: e1.Ref()}
	}
	b.update(time.Minute, UpdateSubmit, submit(hashOne))
	failed := b.update(time.Hour, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept}))
	retry := b.update(2*time.Hour, UpdateDecide, DecideRequest{Actor: m1, Input: pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}, Version: 1})
	b.cancel(3 * time.Hour)
	b.run(Input{})

	// Validation passed, the handler failed: accepted, completed with an error, nothing recorded.
	require.True(t, failed.accepted)
	require.True(t, failed.completed)
	require.Nil(t, failed.result)
	ae := requireAppError(t, failed.err, ErrInvalid)
	require.Equal(t, pipeline.Problems{{Field: "expert_id", Message: `no expert covers theme "joint_investigation_teams": name one`}}, problems(t, ae))
	require.Equal(t, failed.recordsAtSend, failed.recordsAtEnd)

	// The priority stayed in triage at version 1: the next accept applies to it.
	p := requireDone(t, retry, "accept naming an expert")
	require.Equal(t, pipeline.ExpertReview, p.Stage)
	require.Equal(t, 2, p.Version)
	require.Equal(t, e1ID, p.Assignee)
	evs := b.events()
	require.Len(t, evs, 2)
	require.Equal(t, 2, evs[1].Seq)
	require.Equal(t, pipeline.Triage, evs[1].FromStage)
}

func TestPriorityConcurrentAcceptsApplyOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.update(time.Minute, UpdateSubmit, submit(hashOne))
	// Both pass validation in triage; each yields choosing its expert; only the first may move the priority.
	one := b.update(time.Hour, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
	two := b.update(time.Hour, UpdateDecide, decide(m2, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e2ID}))
	b.cancel(2 * time.Hour)
	b.run(Input{})

	require.True(t, one.accepted && two.accepted, "both pass their validators")
	require.True(t, one.completed && two.completed)
	var won, lost *outcome
	switch {
	case one.err == nil && two.err != nil:
		won, lost = one, two
	case two.err == nil && one.err != nil:
		won, lost = two, one
	default:
		t.Fatalf("exactly one accept must apply: %v, %v", one.err, two.err)
	}
	requireAppError(t, lost.err, ErrNotInStage)
	require.Equal(t, pipeline.ExpertReview, won.result.Stage)
	require.Equal(t, 2, won.result.Version)
	evs := b.events()
	require.Len(t, evs, 2)
	require.Equal(t, pipeline.EventKind("accept"), evs[1].Kind)
	require.Equal(t, won.result.Assignee, evs[1].Data["expert_id"])
	require.Equal(t, won.result.TriagedBy, evs[1].Actor.ID)
}

func TestPriorityEditInRevision(t *testing.T) {
	t.Parallel()
	b := setup(t)
	steps := reachSteps(pipeline.Revision)
	for i, s := range steps {
		b.update(stepTime(i), s.name, s.arg)
	}
	ed := b.update(stepTime(len(steps)), UpdateEdit, EditRequest{Actor: fpPE, Version: 3,
		Changes: pipeline.Changes{Urgency: ptr("low"), Institution: ptr("  Ministerio Público  ")}})
	b.cancel(stepTime(len(steps)) + time.Hour)
	b.run(Input{})

	p := requireDone(t, ed, "edit")
	require.Equal(t, pipeline.Revision, p.Stage)
	require.Equal(t, 4, p.Version)
	require.Equal(t, "low", p.Urgency)
	require.Equal(t, "Ministerio Público", p.Institution)
	ev := b.events()[3]
	require.Equal(t, pipeline.EventEdited, ev.Kind)
	require.Equal(t, 4, ev.Seq)
	require.Equal(t, pipeline.Revision, ev.FromStage)
	require.Equal(t, pipeline.Revision, ev.ToStage)
	require.Equal(t, fpPE.Ref(), ev.Actor)
	require.Equal(t, t0.Add(stepTime(len(steps))), ev.At)
}

// A read model that is away for a while delays the change, never renumbers
// it: every attempt carries the same event and version, and the update
// answers only once the change is stored (read-your-writes).
func TestPriorityRecordRetriesUntilStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	back := t0.Add(4 * time.Minute) // within submitWait
	b.down = func(now time.Time) bool { return now.Before(back) }
	sub := b.update(time.Minute, UpdateSubmit, submit(hashOne))
	acc := b.update(time.Hour, UpdateDecide, decide(m1, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: e1ID}))
	b.cancel(2 * time.Hour)
	b.run(Input{})

	require.True(t, sub.completed)
	require.NoError(t, sub.err)
	require.Equal(t, ref, sub.result.Ref)
	require.Equal(t, 1, sub.result.Version)
	require.Equal(t, t0.Add(time.Minute), sub.result.CreatedAt, "the change keeps the instant it was made")
	require.False(t, sub.doneAt.Before(back), "answered at %v, before the read model was back", sub.doneAt)

	b.mu.Lock()
	attempts := slices.Clone(b.attempts)
	b.mu.Unlock()
	var first []activities.RecordInput
	for _, in := range attempts {
		if in.Events[0].Seq == 1 {
			first = append(first, in)
		}
	}
	require.Greater(t, len(first), 20, "Record was retried for minutes")
	for i, in := range first {
		require.Equal(t, first[0], in, "attempt %d", i)
	}
	// Local activities are at least once: the store's upserts absorb a repeat.
	var seqs []int
	for _, r := range b.recorded() {
		require.Len(t, r.Events, 1)
		if r.Events[0].Seq == 1 {
			require.Equal(t, first[0], r)
		}
		seqs = append(seqs, r.Events[0].Seq)
	}
	require.Equal(t, []int{1, 2}, slices.Compact(seqs))
	p := requireDone(t, acc, "accept")
	require.Equal(t, 2, p.Version)
	require.Equal(t, t0.Add(time.Hour), p.UpdatedAt)
}

// DESIGN §7: PostgreSQL down must lose nothing. A submission that arrived
// while the read model is away longer than submitWait must still become a
// priority once the read model is back.
func TestPrioritySubmissionSurvivesLongReadModelOutage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	back := t0.Add(20 * time.Minute) // longer than submitWait (10 min)
	b.down = func(now time.Time) bool { return now.Before(back) }
	sub := b.update(time.Minute, UpdateSubmit, submit(hashOne))
	b.cancel(time.Hour)
	b.run(Input{})

	require.True(t, temporal.IsCanceledError(b.env.GetWorkflowError()), "workflow error: %v", b.env.GetWorkflowError())
	require.True(t, sub.completed)
	require.NoError(t, sub.err)
	require.Equal(t, ref, sub.result.Ref)
	require.Equal(t, pipeline.Triage, sub.result.Stage)
	require.False(t, sub.doneAt.Before(back))
	recs := b.recorded()
	require.NotEmpty(t, recs)
	require.Equal(t, pipeline.EventSubmitted, recs[0].Events[0].Kind)
	require.Equal(t, t0.Add(time.Minute), recs[0].Events[0].At)
}
