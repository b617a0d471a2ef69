// Package workflows holds the priority workflow: one durable execution per
// priority, the authoritative copy of its state. Every human step is a
// validated Update judged and applied by the pipeline engine; SLA timers
// record reminders and escalations; the read model in PostgreSQL follows
// the workflow, written only with changes Temporal holds durably.
// Deterministic code only: no I/O, no wall clock.
package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/puente-dev/puente/pipeline"
)

// Temporal names used by the API, the worker and operators.
const (
	// WorkflowPriority is the workflow type of PriorityWorkflow.
	WorkflowPriority = "Priority"
	// TaskQueue is the default task queue of the worker.
	TaskQueue = "puente"
	// UpdateAct takes an act of the transition table: a decision, a plan
	// draft or an edit of the priority's fields.
	UpdateAct = "act"
	// UpdateDeliver takes a delivery act on one action of an approved priority.
	UpdateDeliver = "deliver"
	// QueryPriority returns the workflow's copy of the priority.
	QueryPriority = "priority"
)

// Search attributes the workflow keeps in sync, so that operators can filter
// priorities in the Temporal Web UI.
var (
	StageKey     = temporal.NewSearchAttributeKeyKeyword("PuenteStage")
	ThemeKey     = temporal.NewSearchAttributeKeyKeyword("PuenteTheme")
	CountriesKey = temporal.NewSearchAttributeKeyKeywordList("PuenteCountries")
	OverdueKey   = temporal.NewSearchAttributeKeyBool("PuenteOverdue")
)

// SearchAttributes lists the keys to register on the namespace, with their types.
var SearchAttributes = []temporal.SearchAttributeKey{StageKey, ThemeKey, CountriesKey, OverdueKey}

// ID is the workflow ID of a priority.
func ID(priorityID string) string { return "priority-" + priorityID }

// errorTypes is the one table between the engine's refusals and the
// application-error types a rejected update carries to its caller.
var errorTypes = map[pipeline.Kind]string{
	pipeline.KindNotFound:  "NotFound",
	pipeline.KindStale:     "Stale",
	pipeline.KindConflict:  "NotInStage",
	pipeline.KindForbidden: "Forbidden",
	pipeline.KindInvalid:   "Invalid",
}

// refusal turns an engine refusal into the update error Temporal carries:
// non-retryable, with its problems as details. Other errors pass unchanged.
func refusal(err error) error {
	var e *pipeline.Error
	if !errors.As(err, &e) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, errorTypes[e.Kind],
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{e.Problems}})
}

// AsRefusal turns an update's application error back into the engine's
// refusal; ok is false when err is not one.
func AsRefusal(err error) (e *pipeline.Error, ok bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return nil, false
	}
	for k, t := range errorTypes {
		if t == appErr.Type() {
			e = &pipeline.Error{Kind: k, Message: appErr.Message()}
			if appErr.HasDetails() {
				_ = appErr.Details(&e.Problems)
			}
			return e, true
		}
	}
	return nil, false
}
