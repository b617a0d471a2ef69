// Package pipeline is Puente's domain: the stages a priority moves through, the
// decisions that move it, who may take them, the priority and plan records, the
// codelists and the validation rules. It imports nothing outside the standard
// library so that the workflow, the API and the UI can all read the same truth.
package pipeline

import (
	"slices"
	"time"
)

// Stage is where a priority stands in the pipeline.
type Stage string

// The stages (docs/architecture.md, The pipeline).
const (
	Triage       Stage = "triage"
	ExpertReview Stage = "expert_review"
	Revision     Stage = "revision"
	Planning     Stage = "planning"
	Validation   Stage = "validation"
	Approval     Stage = "approval"
	Approved     Stage = "approved"
	Rejected     Stage = "rejected"
	Withdrawn    Stage = "withdrawn"
)

// Stages lists every stage in pipeline order, terminal ones last.
var Stages = []Stage{Triage, ExpertReview, Revision, Planning, Validation, Approval, Approved, Rejected, Withdrawn}

// OpenStages are the stages in which a priority still waits for someone.
var OpenStages = []Stage{Triage, ExpertReview, Revision, Planning, Validation, Approval}

// Open reports whether a priority in s still waits for a decision.
func (s Stage) Open() bool { return slices.Contains(OpenStages, s) }

// Valid reports whether s is one of Stages.
func (s Stage) Valid() bool { return slices.Contains(Stages, s) }

// SLAs is how long each open stage may take before it is overdue.
type SLAs map[Stage]time.Duration

// DefaultSLAs are the default SLAs (docs/architecture.md, The pipeline).
func DefaultSLAs() SLAs {
	const day = 24 * time.Hour
	return SLAs{
		Triage:       5 * day,
		ExpertReview: 10 * day,
		Revision:     15 * day,
		Planning:     20 * day,
		Validation:   10 * day,
		Approval:     5 * day,
	}
}

// ReminderFraction is the share of a stage's SLA after which a reminder is recorded.
const ReminderFraction = 0.8
