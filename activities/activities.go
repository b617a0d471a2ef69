// Package activities holds the priority workflow's side effects: writing the
// read model and the audit trail to PostgreSQL. Every write is idempotent,
// so a retried activity never records anything twice.
package activities

import (
	"context"
	"errors"
	"fmt"

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
}

// RecordResult carries what the store assigned: the human reference of a
// priority recorded without one.
type RecordResult struct {
	Ref string `json:"ref"`
}

// Record writes the priority, its events and, once approved, its support
// actions in one transaction; a stale state never overwrites a newer one. A
// write PostgreSQL refuses for its data marks the priority as needing
// attention and fails for good, so the workflow does not retry it forever.
func (a *Activities) Record(ctx context.Context, in RecordInput) (RecordResult, error) {
	ref, err := a.Store.Record(ctx, store.Change{Priority: &in.Priority, Events: in.Events, RunID: in.RunID})
	if err == nil {
		return RecordResult{Ref: ref}, nil
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
