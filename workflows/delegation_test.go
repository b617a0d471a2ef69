package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

// TestDelegationIsJudgedOnTheRequest: the workflow judges an act on
// someone's behalf with what the update carries — the delegate and the
// absentee — against its own state: a delegate expert covering the
// assigned one approves the review and the event names both; the manager
// who triaged is refused the final approval on a free manager's behalf, a
// delegate of another role or scope is refused, and nothing refused leaves
// a trace; a free manager approves.
func TestDelegationIsJudgedOnTheRequest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e2 := pipeline.Actor{ID: "22222222-2222-4222-8222-222222222222", Name: "Jan Expert", Role: pipeline.Expert, Themes: []string{theme, "cybercrime"}}
	e3 := pipeline.Actor{ID: "33333333-3333-4333-8333-333333333333", Name: "Lena Expert", Role: pipeline.Expert, Themes: []string{"cybercrime"}}
	plan := journey.Plan()
	accept := b.send(1*time.Hour, act(m1, pipeline.Accept, withExpert(e1)))
	narrow := b.send(2*time.Hour, act(e3.For(e1), pipeline.Approve))
	otherRole := b.send(3*time.Hour, act(e2.For(fpPE), pipeline.Approve))
	review := b.send(4*time.Hour, act(e2.For(e1), pipeline.Approve))
	b.send(5*time.Hour, act(e1, pipeline.DraftPlan, func(a *pipeline.Act) { a.Plan = &plan }))
	b.send(6*time.Hour, act(e1, pipeline.SubmitPlan))
	b.send(7*time.Hour, act(fpPE, pipeline.Endorse))
	triager := b.send(8*time.Hour, act(m1.For(m2), pipeline.Approve))
	final := b.send(9*time.Hour, act(m2, pipeline.Approve))
	// The approved priority goes on delivering; the test ends it there.
	b.cancel(10 * time.Hour)
	b.run(input(nil))

	requireDone(t, accept, "accept")
	requireRefused(t, narrow.rejected, pipeline.KindNotFound)
	requireRefused(t, otherRole.rejected, pipeline.KindForbidden)
	requireRefused(t, triager.rejected, pipeline.KindForbidden)
	res := requireDone(t, review, "approve on behalf")
	require.Equal(t, pipeline.Planning, res.Priority.Stage)
	ev := res.Events[len(res.Events)-1]
	require.Equal(t, e2.ID, ev.Actor.ID)
	require.Equal(t, &pipeline.Ref{ID: e1.ID, Name: e1.Name, Role: pipeline.Expert}, ev.Actor.OnBehalfOf)
	require.Equal(t, pipeline.Approved, requireDone(t, final, "final approval").Priority.Stage)
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, b.flushedSeqs(), "the refusals left no event (8: the delivery scheduled)")
	var behalf []string
	for _, ev := range b.flushed() {
		if ev.Actor.OnBehalfOf != nil {
			behalf = append(behalf, string(ev.Kind)+" "+ev.Actor.ID+" for "+ev.Actor.OnBehalfOf.ID)
		}
	}
	require.Equal(t, []string{"approve " + e2.ID + " for " + e1.ID}, behalf)
}
