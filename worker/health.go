package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/client"
)

// PollerMaxAge is how recently the Temporal server must have seen a poll
// from a worker for Polling to count it as polling. A poll on an idle queue
// is held for about a minute before the worker sends the next one, so the
// threshold is twice that.
const PollerMaxAge = 2 * time.Minute

// Polling reports whether the Temporal server lists identity among the
// recent pollers of taskQueue, for workflow tasks and for activity tasks
// alike: a worker process that runs but no longer polls (its worker
// stopped, or it cannot reach the server) fails it. It is the worker's
// /healthz; the server's view is the one that matters, because a task goes
// only to a poller the server knows.
func Polling(ctx context.Context, c client.Client, taskQueue, identity string) error {
	for _, typ := range []enums.TaskQueueType{enums.TASK_QUEUE_TYPE_WORKFLOW, enums.TASK_QUEUE_TYPE_ACTIVITY} {
		resp, err := c.DescribeTaskQueue(ctx, taskQueue, typ)
		if err != nil {
			return fmt.Errorf("describe task queue %s: %w", taskQueue, err)
		}
		if !slices.ContainsFunc(resp.GetPollers(), func(p *taskqueue.PollerInfo) bool {
			return p.GetIdentity() == identity && time.Since(p.GetLastAccessTime().AsTime()) < PollerMaxAge
		}) {
			return fmt.Errorf("the Temporal server lists no recent %s poller %q on task queue %s", strings.ToLower(typ.String()), identity, taskQueue)
		}
	}
	return nil
}

// Identity is the identity a worker process gives Temporal: unique per
// process and host, so that Polling can find it.
func Identity(pid int, host string) string { return fmt.Sprintf("%d@%s@puente-worker", pid, host) }
