// Package activities holds the priority workflow's side effects: writing the
// read model and the audit trail to PostgreSQL. Every write is idempotent,
// so a retried activity never records anything twice.
package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// ErrPermanent is the application-error type of a write PostgreSQL refuses
// for a reason retrying cannot cure (its data): the workflow does not retry it.
const ErrPermanent = "PermanentWrite"

// Activities are methods on a struct holding their dependencies; workflows
// reference them through a nil pointer so the compiler checks the names.
type Activities struct {
	Store *store.Store
	// Notifier sends the notification emails and digests; nil turns mail off.
	Notifier *notify.Notifier
}

// RecordInput is a change of a priority: its state and the events that explain it.
type RecordInput struct {
	Priority pipeline.Priority `json:"priority"`
	Events   []pipeline.Event  `json:"events"`
	// RunID is the recording workflow run, kept so the API can address it.
	RunID string `json:"run_id,omitempty"`
	// Notify are the events among Events to email people about once the
	// write has committed (see Record).
	Notify []pipeline.Event `json:"notify,omitempty"`
}

// RecordResult says whether the Notify events were sent.
type RecordResult struct {
	Notified bool `json:"notified,omitempty"`
}

// mailInRecord bounds the notifications Record sends after its write: a
// mail server slower than that is left to the Notify activity, which
// retries it without holding the read model's next write.
const mailInRecord = 10 * time.Second

// Record writes the priority, its events and, once approved, its support
// actions in one transaction; a stale state never overwrites a newer one. A
// write PostgreSQL refuses for its data marks the priority as needing
// attention and fails for good, so the workflow does not retry it forever.
//
// Once the write has committed, Record emails the Notify events, each
// (event, recipient) once (see notify.Notifier). A send that fails is not
// Record's failure — the write stands, Notified is false, and the workflow
// hands the events to the Notify activity, which retries with backoff.
func (a *Activities) Record(ctx context.Context, in RecordInput) (RecordResult, error) {
	_, err := a.Store.Record(ctx, store.Change{Priority: &in.Priority, Events: in.Events, RunID: in.RunID})
	if err == nil {
		return RecordResult{Notified: a.notifyNow(ctx, in)}, nil
	}
	err = fmt.Errorf("record priority %s v%d: %w", in.Priority.ID, in.Priority.Version, err)
	if !errors.Is(err, store.ErrRefused) {
		return RecordResult{}, err
	}
	activity.GetMetricsHandler(ctx).Counter("puente_record_refused").Inc(1)
	activity.GetLogger(ctx).Error("the read model refused a priority's change: it needs attention", "priority_id", in.Priority.ID, "error", err)
	if aerr := a.Store.MarkAttention(ctx, in.Priority.ID, err.Error()); aerr != nil {
		return RecordResult{}, errors.Join(err, aerr) // retried: the mark must land
	}
	return RecordResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrPermanent, err)
}

// notifyNow sends the Notify events of a committed write, within
// mailInRecord, and reports whether they all went (or there were none).
func (a *Activities) notifyNow(ctx context.Context, in RecordInput) bool {
	if len(in.Notify) == 0 || a.Notifier == nil {
		return true
	}
	mctx, cancel := context.WithTimeout(ctx, mailInRecord)
	defer cancel()
	if err := a.Notifier.Notify(mctx, &in.Priority, in.Notify, nil); err != nil {
		activity.GetLogger(ctx).Warn("notifications not sent with the write; the Notify activity retries them",
			"priority_id", in.Priority.ID, "error", err)
		return false
	}
	return true
}
