// Package activities holds the priority workflow's side effects: writing the
// read model and the audit trail to PostgreSQL and choosing experts. Every
// write is idempotent, so a retried activity never records anything twice.
package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Activities are methods on a struct holding their dependencies; workflows
// reference them through a nil pointer so the compiler checks the names.
type Activities struct {
	Store *store.Store
	// Notifier sends the notification emails and digests; nil turns mail off.
	Notifier *notify.Notifier
}

// RecordInput is a change of a priority: its new state, the events that
// explain it and, on final approval, the instruction to approve its actions.
type RecordInput struct {
	Priority       pipeline.Priority `json:"priority"`
	Events         []pipeline.Event  `json:"events"`
	ApproveActions bool              `json:"approve_actions,omitempty"`
	// RunID is the recording workflow run, kept so the API can address it.
	RunID string `json:"run_id,omitempty"`
}

// RecordResult carries what the store assigned: the human reference of a new priority.
type RecordResult struct {
	Ref string `json:"ref"`
}

// Record writes the priority, its events and (on approval) its support actions
// in one transaction. Upserts keyed by priority id and event seq make a retry
// harmless; a stale version never overwrites a newer one.
func (a *Activities) Record(ctx context.Context, in RecordInput) (RecordResult, error) {
	ref, err := a.Store.Record(ctx, store.Change{Priority: &in.Priority, Events: in.Events, ApproveActions: in.ApproveActions, RunID: in.RunID})
	if err != nil {
		return RecordResult{}, fmt.Errorf("record priority %s v%d: %w", in.Priority.ID, in.Priority.Version, err)
	}
	return RecordResult{Ref: ref}, nil
}

// ExpertInput asks for an expert: the given one, or the least-loaded expert of Theme.
type ExpertInput struct {
	Theme    string `json:"theme"`
	ExpertID string `json:"expert_id,omitempty"`
}

// ExpertResult is the chosen expert, or why there is none (a user error, not a failure).
type ExpertResult struct {
	Expert  pipeline.Ref `json:"expert"`
	Problem string       `json:"problem,omitempty"`
}

// ChooseExpert resolves the expert of an accept or reassign decision.
func (a *Activities) ChooseExpert(ctx context.Context, in ExpertInput) (ExpertResult, error) {
	if in.ExpertID != "" {
		u, err := a.Store.User(ctx, in.ExpertID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return ExpertResult{Problem: "no user has this id"}, nil
		case err != nil:
			return ExpertResult{}, err
		case u.Role != pipeline.Expert:
			return ExpertResult{Problem: "this user is not an expert"}, nil
		}
		return ExpertResult{Expert: u.Ref()}, nil
	}
	u, err := a.Store.LeastLoadedExpert(ctx, in.Theme)
	if errors.Is(err, store.ErrNotFound) {
		return ExpertResult{Problem: fmt.Sprintf("no expert covers theme %q: name one", in.Theme)}, nil
	}
	if err != nil {
		return ExpertResult{}, err
	}
	return ExpertResult{Expert: u.Ref()}, nil
}
