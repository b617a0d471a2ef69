package workflows

import (
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// Input starts a priority workflow. State and Seq are set only when the
// workflow continues as new, carrying the priority forward.
type Input struct {
	PriorityID string             `json:"priority_id"`
	SLAs       pipeline.SLAs      `json:"slas"`
	State      *pipeline.Priority `json:"state,omitempty"`
	Seq        int                `json:"seq,omitempty"`
	// Submission, when set, is recorded by the first workflow task, which the
	// API's eager start runs on its own worker without a trip through the
	// task queue. Without it the workflow waits for the submit update.
	Submission *SubmitRequest `json:"submission,omitempty"`
}

// SubmitRequest is the UpdateSubmit argument.
type SubmitRequest struct {
	Actor       pipeline.Actor      `json:"actor"`
	Submission  pipeline.Submission `json:"submission"`
	RequestHash string              `json:"request_hash"`
	// RequestID is the HTTP request's ID, logged with the workflow's lines.
	RequestID string `json:"request_id,omitempty"`
}

// DecideRequest is the UpdateDecide argument. Version 0 means any version.
type DecideRequest struct {
	Actor pipeline.Actor         `json:"actor"`
	Input pipeline.DecisionInput `json:"input"`
	// Expert is the user Input.ExpertID names, as the API just looked it up;
	// with it the workflow skips looking the user up again. Without it (a
	// request from before this field, or from another client) it does.
	Expert  *pipeline.Ref `json:"expert,omitempty"`
	Version int           `json:"version,omitempty"`
	// RequestID is the HTTP request's ID, logged with the workflow's lines.
	RequestID string `json:"request_id,omitempty"`
}

// PlanRequest is the UpdatePlan argument.
type PlanRequest struct {
	Actor   pipeline.Actor `json:"actor"`
	Plan    pipeline.Plan  `json:"plan"`
	Version int            `json:"version,omitempty"`
	// RequestID is the HTTP request's ID, logged with the workflow's lines.
	RequestID string `json:"request_id,omitempty"`
}

// EditRequest is the UpdateEdit argument.
type EditRequest struct {
	Actor   pipeline.Actor   `json:"actor"`
	Changes pipeline.Changes `json:"changes"`
	Version int              `json:"version,omitempty"`
	// RequestID is the HTTP request's ID, logged with the workflow's lines.
	RequestID string `json:"request_id,omitempty"`
}

// Timing of read-model writes. A change the workflow made must reach
// PostgreSQL however long PostgreSQL is away: one attempt may take
// localActivityTimeout, one round of attempts recordRound, and between rounds
// the workflow waits up to maxRecordPause.
const (
	localActivityTimeout = 10 * time.Second
	recordRound          = 2 * time.Minute
	maxRecordPause       = 5 * time.Minute
)
