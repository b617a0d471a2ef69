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

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/workflows"
)

// New returns a worker for the priority workflow on taskQueue. Start it with
// Start or Run; Stop lets in-flight tasks finish.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		// On shutdown, running activities get this long to finish.
		WorkerStopTimeout: 30 * time.Second,
		// New priorities' first workflow tasks come from the normal queue,
		// every later one from this worker's sticky queue; the SDK polls the
		// sticky queue first whenever it has a backlog, so with its default
		// two pollers new priorities wait behind busy ones. Eight keep
		// submissions moving under load (see README, Performance).
		MaxConcurrentWorkflowTaskPollers: 8,
	})
	w.RegisterWorkflow(workflows.Priority)
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
