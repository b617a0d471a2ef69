package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/pipeline"
)

// as is the actor as an @mention of h finds them.
func as(h string, a pipeline.Actor) pipeline.Actor {
	a.Handle = h
	return a
}

// TestThreadInTheWorkflow: the thread's acts go through the update like
// every act. The workflow's own check refuses a stranger (404) and an edit
// of someone else's comment (403) without a trace; what it applies keeps
// the stage and the version, joins the gapless trail, and mails only the
// people mentioned who may see the priority, each once.
func TestThreadInTheWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c1 := "cccccccc-0000-4000-8000-000000000001"
	remark := func(actor pipeline.Actor, d pipeline.Decision, text string, mentioned ...pipeline.Actor) ActRequest {
		return act(actor, d, func(a *pipeline.Act) {
			a.Remark, a.Mentioned = &pipeline.CommentInput{ID: c1, Text: text}, mentioned
		})
	}
	accept := b.send(1*time.Hour, act(m1, pipeline.Accept, withExpert(e1)))
	unseen := b.send(90*time.Minute, remark(fpPE, pipeline.PostComment, "@ana @luis ¿qué fiscalías?", as("ana", e1), as("luis", fpMX)))
	post := b.send(2*time.Hour, remark(fpPE, pipeline.PostComment, "@ana ¿qué fiscalías?", as("ana", e1)))
	stranger := b.send(3*time.Hour, remark(fpMX, pipeline.PostComment, "hola"))
	notMine := b.send(4*time.Hour, remark(e1, pipeline.EditComment, "mío"))
	edit := b.send(5*time.Hour, remark(fpPE, pipeline.EditComment, "@ana @nico ¿qué fiscalías y juzgados?", as("ana", e1), as("nico", m2)))
	withdraw := b.send(6*time.Hour, act(fpPE, pipeline.Withdraw, withReason("otra vía")))
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())

	requireDone(t, accept, "accept")
	requireRefused(t, unseen.rejected, pipeline.KindInvalid) // the other country's focal point may not see it
	posted := requireDone(t, post, "post")
	require.Equal(t, pipeline.ExpertReview, posted.Priority.Stage)
	require.Equal(t, 2, posted.Priority.Version, "a comment keeps the version")
	require.Equal(t, pipeline.EventCommented, posted.Events[len(posted.Events)-1].Kind)
	require.Equal(t, []string{e1.ID}, pipeline.MentionIDs(posted.Events[len(posted.Events)-1]))
	requireRefused(t, stranger.rejected, pipeline.KindNotFound)
	requireRefused(t, notMine.rejected, pipeline.KindForbidden)
	edited := requireDone(t, edit, "edit")
	require.Equal(t, 2, edited.Priority.Version)
	require.Equal(t, []string{m2.ID}, pipeline.MentionIDs(edited.Events[len(edited.Events)-1]), "Ana was told already")
	require.Equal(t, pipeline.Withdrawn, requireDone(t, withdraw, "withdraw").Priority.Stage)

	require.Equal(t, []int{1, 2, 3, 4, 5}, b.flushedSeqs(), "the trail is gapless, refusals left no trace")
	var told []pipeline.EventKind
	for _, n := range b.notified {
		for _, ev := range n.Events {
			if len(pipeline.MentionIDs(ev)) > 0 {
				told = append(told, ev.Kind)
			}
		}
	}
	require.Equal(t, []pipeline.EventKind{pipeline.EventCommented, pipeline.EventCommentEdited}, told)
}
