package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// The read model keeps the run that recorded each priority, and decisions are
// sent to that run (no lookup of the current run on the server). A run id
// that is wrong — unknown, or a run ended by a reset — costs one retry
// addressed to the current run, never a failed decision.
func TestDecisionsAddressTheRecordedRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.submit(t, b.fpPE, submission()).ID

	runOf := func() string {
		t.Helper()
		p, err := b.app.Store.Priority(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p.RunID
	}
	current := func() string {
		t.Helper()
		d, err := b.app.Temporal.DescribeWorkflow(ctx, workflows.ID(id), "")
		if err != nil {
			t.Fatal(err)
		}
		return d.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	}
	first := current()
	if got := runOf(); got != first {
		t.Fatalf("recorded run %q, workflow runs %q", got, first)
	}

	// An unknown run: the decision still lands, and the record corrects the hint.
	conn, err := pgx.Connect(ctx, b.app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE priorities SET run_id = $2 WHERE id = $1`, id, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	if p := b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID}); p.Stage != pipeline.ExpertReview {
		t.Fatalf("accept with an unknown run: stage %s", p.Stage)
	}
	if got := runOf(); got != first {
		t.Errorf("after the accept the recorded run is %q, want %q", got, first)
	}

	// A reset ends the recorded run and continues the workflow in a new one.
	hist := b.app.Temporal.GetWorkflowHistory(ctx, workflows.ID(id), first, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var lastTask int64
	for hist.HasNext() {
		ev, err := hist.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEventType() == enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			lastTask = ev.GetEventId()
		}
	}
	reset, err := b.app.Temporal.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 b.app.Namespace,
		WorkflowExecution:         &common.WorkflowExecution{WorkflowId: workflows.ID(id), RunId: first},
		Reason:                    "test: a new run",
		WorkflowTaskFinishEventId: lastTask,
		RequestId:                 uuid.NewString(),
	})
	if err != nil {
		t.Fatalf("reset: %v", err)
	}
	if runOf() != first || reset.RunId == first {
		t.Fatalf("before the next decision the read model should still name the old run")
	}
	// The reset replays up to before the accept's workflow task and reapplies
	// the accept update in the new run; wait until the new run has it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := b.app.Temporal.QueryWorkflow(ctx, workflows.ID(id), reset.RunId, workflows.QueryPriority)
		var p pipeline.Priority
		if err == nil {
			err = v.Get(&p)
		}
		if err == nil && p.Stage == pipeline.ExpertReview {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new run never reapplied the accept: stage %q, %v", p.Stage, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p := b.decide(t, b.expert, id, http.StatusOK, map[string]any{"decision": "approve"}); p.Stage != pipeline.Planning {
		t.Fatalf("approve after a reset: stage %s", p.Stage)
	}
	if got := runOf(); got != reset.RunId {
		t.Errorf("after the reset the recorded run is %q, want the new run %q", got, reset.RunId)
	}
}
