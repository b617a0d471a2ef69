// Package workflows holds the priority workflow: one durable execution per
// priority that applies the pipeline's transition table through validated
// Updates, keeps SLA timers and records every change in the read model through
// local activities. Deterministic code only: no I/O, no wall clock.
package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/puente-dev/puente/pipeline"
)

// Temporal names used by the API, the worker and operators.
const (
	// TaskQueue is the default task queue of the worker.
	TaskQueue = "puente"
	// UpdateSubmit records the submission of a workflow started without one
	// (Update-with-Start); the API starts with the submission as input instead.
	UpdateSubmit = "submit"
	// UpdateDecide takes a decision of the transition table.
	UpdateDecide = "decide"
	// UpdatePlan replaces the plan draft.
	UpdatePlan = "plan"
	// UpdateEdit edits a priority's fields in revision.
	UpdateEdit = "edit"
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

// Error types of rejected updates. The API maps each to an HTTP status in one place.
const (
	ErrNotFound   = "NotFound"   // 404: the caller may not see the priority
	ErrStale      = "Stale"      // 412: If-Match names another version
	ErrNotInStage = "NotInStage" // 409: the decision does not exist in this stage
	ErrForbidden  = "Forbidden"  // 403: not for this caller
	ErrInvalid    = "Invalid"    // 422: the body; details carry pipeline.Problems
)

func appError(errType string, err error) error {
	return temporal.NewApplicationErrorWithOptions(err.Error(), errType, temporal.ApplicationErrorOptions{NonRetryable: true})
}

func invalid(msg string, ps pipeline.Problems) error {
	return temporal.NewApplicationErrorWithOptions(msg, ErrInvalid, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{ps}})
}

// classify turns a pipeline check error into the update error the API understands.
func classify(err error) error {
	switch {
	case errors.Is(err, pipeline.ErrNotInStage):
		return appError(ErrNotInStage, err)
	case errors.Is(err, pipeline.ErrForbidden):
		return appError(ErrForbidden, err)
	case errors.Is(err, pipeline.ErrStaleVersion):
		return appError(ErrStale, err)
	}
	return err
}
