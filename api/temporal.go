package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// updateTimeout bounds how long a request waits for its workflow update.
const updateTimeout = 30 * time.Second

// startSubmission starts the priority's workflow with the submission as its
// input and answers once the read model shows the priority. The start is
// eager: when this process runs a worker, the workflow's first task — which
// records the submission — comes back in the start's answer and runs here, with
// no trip through the task queue. The workflow ID is derived from the
// priority id, so a retried submission finds the workflow already there.
func (s *Server) startSubmission(ctx context.Context, id string, req workflows.SubmitRequest) (*pipeline.Priority, error) {
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	recorded, stop := s.store.Watch(id) // before the start, not to miss it
	defer stop()
	run, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.ID(id),
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    workflows.StartAttributes(req.Submission),
		EnableEagerStart:         true,
	}, workflows.Priority, workflows.Input{PriorityID: id, SLAs: s.slas, Submission: &req})
	if err != nil {
		return nil, updateError(err)
	}
	return s.awaitRecorded(ctx, id, run, recorded)
}

// awaitRecorded waits until PostgreSQL holds the priority the workflow's
// first task records, checking now and then that the workflow still runs.
// recorded fires when a worker sharing this process's Store records it;
// otherwise the read model is polled.
func (s *Server) awaitRecorded(ctx context.Context, id string, run client.WorkflowRun, recorded <-chan struct{}) (*pipeline.Priority, error) {
	pause, described := 5*time.Millisecond, time.Now()
	for {
		p, err := s.store.Priority(ctx, id)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if time.Since(described) > 500*time.Millisecond {
			described = time.Now()
			d, err := s.temporal.DescribeWorkflow(ctx, run.GetID(), run.GetRunID())
			if err == nil && d.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
				if err := run.Get(ctx, nil); err != nil {
					return nil, updateError(err)
				}
				return nil, fmt.Errorf("priority %s: workflow ended without recording it", id)
			}
		}
		select {
		case <-ctx.Done():
			return nil, updateError(ctx.Err())
		case <-recorded:
			recorded = nil // fired: the next read finds the row
		case <-time.After(pause):
			pause = min(pause*2, 50*time.Millisecond)
		}
	}
}

// updateStatus maps the workflow's rejection types to HTTP statuses.
var updateStatus = map[string]int{
	workflows.ErrNotFound:   http.StatusNotFound,
	workflows.ErrStale:      http.StatusPreconditionFailed,
	workflows.ErrNotInStage: http.StatusConflict,
	workflows.ErrForbidden:  http.StatusForbidden,
	workflows.ErrInvalid:    http.StatusUnprocessableEntity,
}

// updateError turns what Temporal answered into a problem, in one place.
func updateError(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if status, ok := updateStatus[appErr.Type()]; ok {
			var ps pipeline.Problems
			if appErr.HasDetails() {
				_ = appErr.Details(&ps)
			}
			return problem(status, appErr.Message(), ps...)
		}
	}
	var notFound *serviceerror.NotFound
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &notFound):
		return problem(http.StatusConflict, "the priority's workflow has ended: no change is possible")
	case errors.As(err, &started):
		return problem(http.StatusConflict, "this priority already exists")
	case errors.Is(err, context.DeadlineExceeded):
		return problem(http.StatusGatewayTimeout, "the workflow did not answer in time; the change may still be applied — reload before retrying")
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) {
		return problem(http.StatusServiceUnavailable, "Temporal is unavailable; retry later")
	}
	return err
}
