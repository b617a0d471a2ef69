package bench

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the bare baseline workflow.
const (
	BaselineTaskQueue = "puente-bench-baseline"
	baselineUpdate    = "step"
)

// baselineTimeout bounds each baseline activity and workflow task. The server
// keeps a timer for each, which fires this long after the task started even
// when it finished long before.
const baselineTimeout = 10 * time.Second

// BaselineInput says how many updates the baseline workflow takes before it completes.
type BaselineInput struct {
	Steps int `json:"steps"`
}

// Baseline is the bare workflow Puente is measured against: the same number
// of updates as a priority's pipeline, each running one ordinary activity,
// with no read model, no audit trail and no HTTP in front — what Temporal
// itself costs for a pipeline of that shape, written the naive way.
func Baseline(ctx workflow.Context, in BaselineInput) error {
	done := 0
	err := workflow.SetUpdateHandler(ctx, baselineUpdate, func(ctx workflow.Context, step int) (int, error) {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: baselineTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		})
		var out int
		if err := workflow.ExecuteActivity(actx, BaselineStep, step).Get(ctx, &out); err != nil {
			return 0, err
		}
		done++
		return out, nil
	})
	if err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return done >= in.Steps }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// BaselineStep is the baseline's ordinary activity: it does nothing but answer.
func BaselineStep(_ context.Context, step int) (int, error) { return step + 1, nil }
