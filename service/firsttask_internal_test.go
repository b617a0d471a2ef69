package service

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// call runs req through the watch as the client would, answering reply.
func call(f *FirstTasks, req, reply any) {
	_ = f.intercept(context.Background(), "/m", req, reply, nil,
		func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil })
}

// TestFirstTasksWatchesTheEagerTask: the wait ends when the worker answers
// the task the start handed back — not before, not for another task — and
// at once when the start handed back none.
func TestFirstTasksWatchesTheEagerTask(t *testing.T) {
	f := NewFirstTasks()
	done, forget := f.expect("priority-1")
	call(f, &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "priority-1"},
		&workflowservice.StartWorkflowExecutionResponse{EagerWorkflowTask: &workflowservice.PollWorkflowTaskQueueResponse{TaskToken: []byte("t1")}})
	if closed(done) {
		t.Fatal("done before the worker answered the task")
	}
	call(f, &workflowservice.RespondWorkflowTaskCompletedRequest{TaskToken: []byte("t2")}, &workflowservice.RespondWorkflowTaskCompletedResponse{})
	if closed(done) {
		t.Fatal("done when another task was answered")
	}
	call(f, &workflowservice.RespondWorkflowTaskCompletedRequest{TaskToken: []byte("t1")}, &workflowservice.RespondWorkflowTaskCompletedResponse{})
	if !closed(done) {
		t.Fatal("not done after the worker answered the task")
	}
	forget()

	lazy, forget := f.expect("priority-2") // a start without a task: no worker here
	call(f, &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "priority-2"}, &workflowservice.StartWorkflowExecutionResponse{})
	if !closed(lazy) {
		t.Fatal("waiting for a task the start did not hand back")
	}
	forget()

	failed, forget := f.expect("priority-3")
	call(f, &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "priority-3"},
		&workflowservice.StartWorkflowExecutionResponse{EagerWorkflowTask: &workflowservice.PollWorkflowTaskQueueResponse{TaskToken: []byte("t3")}})
	call(f, &workflowservice.RespondWorkflowTaskFailedRequest{TaskToken: []byte("t3")}, &workflowservice.RespondWorkflowTaskFailedResponse{})
	if !closed(failed) {
		t.Fatal("still waiting after the task failed")
	}
	forget()

	_, forget = f.expect("priority-4") // a submission that gave up waiting
	call(f, &workflowservice.StartWorkflowExecutionRequest{WorkflowId: "priority-4"},
		&workflowservice.StartWorkflowExecutionResponse{EagerWorkflowTask: &workflowservice.PollWorkflowTaskQueueResponse{TaskToken: []byte("t4")}})
	forget()
	if len(f.byID) != 0 || len(f.byToken) != 0 {
		t.Fatalf("watch keeps %d ids and %d tokens after every wait ended", len(f.byID), len(f.byToken))
	}

	start := time.Now()
	awaitFirstTask(context.Background(), make(chan struct{}))
	if waited := time.Since(start); waited < firstTaskWait || waited > firstTaskWait+time.Second {
		t.Fatalf("a task that never ends held the submission %v, want %v", waited, firstTaskWait)
	}
	var nilWatch *FirstTasks
	if done, _ := nilWatch.expect("x"); done != nil {
		t.Fatal("no watch, yet something to wait for")
	}
}
