package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
)

// NotifyInput are events of a priority to tell people about by email, with
// the priority as it stands after them.
type NotifyInput struct {
	Priority pipeline.Priority `json:"priority"`
	Events   []pipeline.Event  `json:"events"`
}

// Notify emails the people each event concerns, each (event, recipient)
// once (see notify.Notifier). With mail off (no SMTP server configured) it
// does nothing. A mail server that is down fails the attempt, and Temporal
// retries it with backoff: mail waits, decisions never do.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) error {
	if a.Notifier == nil {
		return nil
	}
	return a.Notifier.Notify(ctx, &in.Priority, in.Events, func() { activity.RecordHeartbeat(ctx) })
}

// DigestInput is one run of the daily digest: when it started and the time
// zone whose calendar day it covers.
type DigestInput struct {
	At       time.Time `json:"at"`
	TimeZone string    `json:"time_zone"`
}

// DigestResult says how many digests the run sent.
type DigestResult struct {
	Day  string `json:"day"`
	Sent int    `json:"sent"`
}

// SendDigests emails each user who asked for a daily digest the tasks
// waiting for them, overdue first; once per user and day however often the
// activity is retried.
func (a *Activities) SendDigests(ctx context.Context, in DigestInput) (DigestResult, error) {
	day, err := notify.DigestDay(in.At, in.TimeZone)
	if err != nil || a.Notifier == nil {
		return DigestResult{Day: day}, err
	}
	sent, err := a.Notifier.Digests(ctx, day, func() { activity.RecordHeartbeat(ctx) })
	return DigestResult{Day: day, Sent: sent}, err
}
