package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
)

// Timing of the Notify activity. A mail server that is down is retried
// with backoff for up to notifyGiveUp; a worker that dies mid-send is
// noticed within notifyHeartbeat and the send retried on another.
const (
	notifyHeartbeat = 20 * time.Second
	notifyGiveUp    = 72 * time.Hour
)

// mailer sends the workflow's notifications once their events are in the
// read model, never from an update handler and never in a decision's way:
// a flush carries them and the Record activity sends them after its write
// has committed; a send that failed goes to the Notify activity, one at a
// time, carrying every event since the last one handed over.
type mailer struct {
	// queued are flushed events that tell someone, not yet handed over.
	queued []pipeline.Event
	// sending is true while a Notify activity runs.
	sending bool
}

// withFlush is what a flush of events sends itself: their notifiable events,
// unless earlier ones are with the Notify activity (mail goes out in order,
// one batch at a time; queued events always have a Notify running).
func (m *mailer) withFlush(events []pipeline.Event) []pipeline.Event {
	if m.sending {
		return nil
	}
	return notifiable(events)
}

// flushed queues the notifiable events the read model now holds and starts
// a Notify activity unless one runs; that one's end starts the next.
func (w *priority) flushed(ctx workflow.Context, events []pipeline.Event) {
	w.mail.queued = append(w.mail.queued, notifiable(events)...)
	w.sendQueued(ctx)
}

// notifiable are the events that tell someone.
func notifiable(events []pipeline.Event) []pipeline.Event {
	var out []pipeline.Event
	for _, ev := range events {
		if _, ok := notify.KindOf(ev); ok {
			out = append(out, ev)
		}
	}
	return out
}

func (w *priority) sendQueued(ctx workflow.Context) {
	if w.mail.sending || len(w.mail.queued) == 0 {
		return
	}
	in := activities.NotifyInput{Priority: *w.p, Events: slices.Clone(w.mail.queued)}
	w.mail.queued, w.mail.sending = nil, true
	workflow.Go(ctx, func(ctx workflow.Context) {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout:    5 * time.Minute,
			HeartbeatTimeout:       notifyHeartbeat,
			ScheduleToCloseTimeout: notifyGiveUp,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    10 * time.Second,
				BackoffCoefficient: 2,
				MaximumInterval:    10 * time.Minute,
			},
		})
		if err := workflow.ExecuteActivity(actx, a.Notify, in).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("notifications given up", "first_seq", in.Events[0].Seq,
				"last_seq", in.Events[len(in.Events)-1].Seq, "error", err)
		}
		w.mail.sending = false
		w.sendQueued(ctx)
	})
}

// mailSent reports whether every queued notification was handed over and
// sent (or given up): the workflow waits for it before completing.
func (w *priority) mailSent() bool { return !w.mail.sending && len(w.mail.queued) == 0 }
