package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/pipeline"
)

func kinds(evs []pipeline.Event) []pipeline.EventKind {
	out := make([]pipeline.EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

// TestNotifiesAfterEachFlush: the events that tell someone are emailed by
// the flush that writes them, after the read model has them — never from
// the update, and with no Notify activity while mail works — and the
// submission, the review's approval and drafts go nowhere.
func TestNotifiesAfterEachFlush(t *testing.T) {
	t.Parallel()
	b := setup(t)
	plan := completePlan()
	b.send(1*time.Hour, act(m1, pipeline.Accept, withExpert(e1)))
	b.send(1*time.Hour+time.Second, act(e1, pipeline.Approve))
	b.send(1*time.Hour+2*time.Second, act(e1, pipeline.DraftPlan, func(a *pipeline.Act) { a.Plan = &plan }))
	b.send(2*time.Hour, act(e1, pipeline.SubmitPlan))
	b.send(3*time.Hour, act(fpPE, pipeline.Withdraw, withReason("ya no aplica")))
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())

	require.Len(t, b.notified, 3, "one batch per flush that had something to tell")
	require.Zero(t, b.byActivity, "every batch went with its flush")
	for _, f := range b.flushes {
		require.Equal(t, kinds(notifiable(f.Events)), kinds(f.Notify), "a flush carries exactly its notifiable events")
	}
	require.Equal(t, []pipeline.EventKind{"accept"}, kinds(b.notified[0].Events), "accept, approve and the draft flushed together")
	require.Equal(t, []pipeline.EventKind{"submit_plan"}, kinds(b.notified[1].Events))
	require.Equal(t, []pipeline.EventKind{"withdraw"}, kinds(b.notified[2].Events))
	require.Equal(t, pipeline.Withdrawn, b.notified[2].Priority.Stage, "the priority as it stands after the events")
	// Each Notify came after the flush that wrote its events.
	for i, n := range b.notified {
		seq := n.Events[len(n.Events)-1].Seq
		written := false
		for j, f := range b.flushes {
			if f.Events[len(f.Events)-1].Seq >= seq && !b.flushedAt[j].After(b.notifiedAt[i]) {
				written = true
			}
		}
		require.True(t, written, "Notify %d ran before PostgreSQL had event %d", i, seq)
	}
}

// TestMailDownNeverHoldsADecision: with every Notify failing for half an
// hour (the test environment stops retrying an activity after 10 attempts,
// so the outage is shorter than a real one may be), decisions are answered
// at once and flushed as usual; the mail goes, each batch once, when the
// server is back; the workflow ends after it.
func TestMailDownNeverHoldsADecision(t *testing.T) {
	t.Parallel()
	b := setup(t)
	back := t0.Add(90 * time.Minute)
	b.failNotify = func(now time.Time) error {
		if now.Before(back) {
			return errors.New("dial tcp: connection refused")
		}
		return nil
	}
	accept := b.send(60*time.Minute, act(m1, pipeline.Accept, withExpert(e1)))
	revise := b.send(70*time.Minute, act(e1, pipeline.RequestRevision, withComment("¿qué fiscalías?")))
	withdraw := b.send(80*time.Minute, act(fpPE, pipeline.Withdraw, withReason("ya no aplica")))
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())
	for _, s := range []*sent{accept, revise, withdraw} {
		requireDone(t, s, "a decision while mail is down")
	}
	require.Len(t, b.flushes, 4, "submission, accept, revision and withdrawal each flushed on time")
	require.True(t, b.flushedAt[2].Equal(t0.Add(70*time.Minute+flushDelay)), "revision flushed at %v", b.flushedAt[2])
	require.True(t, b.flushedAt[3].Equal(t0.Add(80*time.Minute)), "a closed priority flushes at once: %v", b.flushedAt[3])
	var got []pipeline.EventKind
	for i, n := range b.notified {
		require.False(t, b.notifiedAt[i].Before(back))
		got = append(got, kinds(n.Events)...)
	}
	// The first batch failed with its flush and went to the Notify
	// activity, which retried until the server was back; the others queued
	// behind it (their flushes carried no mail) and went as one.
	require.Equal(t, []pipeline.EventKind{"accept", "request_revision", "withdraw"}, got)
	require.Len(t, b.notified, 2)
	require.Equal(t, 2, b.byActivity)
	require.Equal(t, []pipeline.EventKind{"accept"}, kinds(b.flushes[1].Notify))
	require.Empty(t, b.flushes[2].Notify, "a batch waiting for the Notify activity keeps the order")
	require.Empty(t, b.flushes[3].Notify)
}

// TestFlushSendsTheMail: with the mail server up, the flush that records
// a decision sends its email itself — no Notify activity runs.
func TestFlushSendsTheMail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.send(time.Hour, act(m1, pipeline.Reject, withReason("fuera de mandato")))
	b.run(input(nil))
	require.NoError(t, b.env.GetWorkflowError())
	require.Len(t, b.notified, 1, "the rejection told the focal point")
	require.Zero(t, b.byActivity, "Notify activities")
}
