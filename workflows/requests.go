package workflows

import (
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// Input starts a priority workflow: its id, the SLAs in force when it was
// submitted, and the submission itself.
type Input struct {
	PriorityID string         `json:"priority_id"`
	SLAs       pipeline.SLAs  `json:"slas"`
	Submission *SubmitRequest `json:"submission,omitempty"`
}

// SubmitRequest is a submission the caller checked with pipeline.CheckSubmit,
// with the reference it reserved for it and the instant it was submitted.
// The workflow builds the priority from it with pipeline.Submit, as the
// caller does to record it: both arrive at the same state.
type SubmitRequest struct {
	pipeline.Submitted
	// RequestID is the HTTP request's ID, logged with the workflow's lines.
	RequestID string `json:"request_id,omitempty"`
}

// ActRequest is the UpdateAct argument: who acts, on which version (0: any),
// and what. Since is the seq of the latest event the caller's read model
// holds: the result carries the events after it.
type ActRequest struct {
	Actor   pipeline.Actor `json:"actor"`
	Act     pipeline.Act   `json:"act"`
	Version int            `json:"version,omitempty"`
	Since   int            `json:"since,omitempty"`
	// RequestID is the HTTP request's ID, logged with the workflow's lines.
	RequestID string `json:"request_id,omitempty"`
}

// DeliverRequest is the UpdateDeliver argument: who acts, on which action
// (its index in the plan) and priority version (0: any), and what. Since
// and RequestID are as in ActRequest.
type DeliverRequest struct {
	Actor     pipeline.Actor         `json:"actor"`
	Action    int                    `json:"action"`
	Input     pipeline.DeliveryInput `json:"input"`
	Version   int                    `json:"version,omitempty"`
	Since     int                    `json:"since,omitempty"`
	RequestID string                 `json:"request_id,omitempty"`
}

// Result is what an update returns once the workflow has applied it: the
// priority as the workflow holds it, the events after the request's Since
// that the read model may still lack, and the run that holds them. The
// caller records them; the workflow's own flush does too, later.
type Result struct {
	Priority pipeline.Priority `json:"priority"`
	Events   []pipeline.Event  `json:"events"`
	RunID    string            `json:"run_id"`
}

// Timing of read-model writes.
const (
	// flushDelay is how long after a change the workflow writes it to the
	// read model itself. The caller of an update records its result at once;
	// the flush is the backstop for a caller that crashed first.
	flushDelay = 5 * time.Second
	// flushTimeout bounds one attempt of the flush activity; attempts repeat
	// with backoff (up to flushMaxInterval apart) until PostgreSQL takes the write.
	flushTimeout     = 30 * time.Second
	flushMaxInterval = time.Minute
	// refusedRetry is how long after a write PostgreSQL refused for good
	// (the priority marked as needing attention) the workflow tries it
	// again on its own, so an operator's fix heals it without a new change.
	refusedRetry = time.Hour
)
