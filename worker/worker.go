// Package worker registers the priority workflow and its activities on a task
// queue and keeps Puente's search attributes registered on the namespace.
package worker

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/workflows"
)

// New returns a worker for the priority workflow on taskQueue. Start it with
// Start or Run; Stop lets in-flight tasks finish.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		// On shutdown, running activities get this long to finish.
		WorkerStopTimeout: 30 * time.Second,
		// Every update's workflow task goes to this worker's sticky queue.
		// Matching hands a task straight to a poller only if one is waiting
		// at that instant; otherwise it writes the task to its database and
		// reads it back. With the SDK's default two pollers (and eight) most
		// tasks took that detour under load; 32 waiting polls cost little and
		// keep nearly every task on the direct path (see bench/README.md).
		MaxConcurrentWorkflowTaskPollers: 32,
	})
	w.RegisterWorkflowWithOptions(workflows.PriorityWorkflow, workflow.RegisterOptions{Name: workflows.WorkflowPriority})
	w.RegisterWorkflow(workflows.Digest)
	w.RegisterActivity(acts)
	return w
}

// EnsureSearchAttributes registers Puente's search attributes on the
// namespace, leaving those already there alone. Safe to call on every start.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enums.IndexedValueType{}
	for _, k := range workflows.SearchAttributes {
		if _, ok := have.GetCustomAttributes()[k.GetName()]; !ok {
			missing[k.GetName()] = k.GetValueType()
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	if err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}
