package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// updateTimeout bounds how long a request waits for its workflow update.
const updateTimeout = 30 * time.Second

// startSubmission starts the priority's workflow and submits it in one call
// (Update-with-Start). The workflow ID is derived from the priority id, and a
// retried submission with the same body is the same update: Temporal returns
// its first outcome instead of running it again.
func (s *Server) startSubmission(ctx context.Context, id string, req workflows.SubmitRequest) (*pipeline.Priority, error) {
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	op := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.ID(id),
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    workflows.StartAttributes(req.Submission),
	}, workflows.Priority, workflows.Input{PriorityID: id, SLAs: s.slas})
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID:     "submit-" + req.RequestHash,
			UpdateName:   workflows.UpdateSubmit,
			Args:         []any{req},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return nil, updateError(err)
	}
	var p pipeline.Priority
	if err := h.Get(ctx, &p); err != nil {
		return nil, updateError(err)
	}
	return &p, nil
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
