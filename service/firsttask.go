package service

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// firstTaskWait bounds how long a submission waits for its workflow's
// first task once the submission is durable and recorded.
const firstTaskWait = time.Second

// FirstTasks tells a submission when its workflow's first task is done.
//
// The start is eager: when this process runs a worker, Temporal hands the
// new workflow's first task back in the start's answer, and the worker
// completes it through the same client. A submission answered before that
// task is done sends its next decision — a manager or a script accepting at
// once — to a workflow still busy: Temporal holds the update until the task
// completes, then needs a workflow task of its own for it. Answered after
// it, the decision meets a workflow at rest and takes the short path. The
// submission is durable either way; waiting for the task (within
// firstTaskWait, in parallel with the read-model write) costs no request:
// FirstTasks watches the client's own calls — the start's answer names the
// task, the worker's completion ends it.
type FirstTasks struct {
	mu      sync.Mutex
	byID    map[string]*firstTask
	byToken map[string]*firstTask
}

type firstTask struct {
	done  chan struct{}
	token string
}

// NewFirstTasks returns a watch to add to the Temporal client (DialOption)
// and give to the service (Config.FirstTasks).
func NewFirstTasks() *FirstTasks {
	return &FirstTasks{byID: map[string]*firstTask{}, byToken: map[string]*firstTask{}}
}

// DialOption adds the watch to a Temporal client's connection.
func (f *FirstTasks) DialOption() grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(f.intercept)
}

func (f *FirstTasks) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	switch r := req.(type) {
	case *workflowservice.StartWorkflowExecutionRequest:
		var token []byte
		if resp, ok := reply.(*workflowservice.StartWorkflowExecutionResponse); ok && err == nil {
			token = resp.GetEagerWorkflowTask().GetTaskToken()
		}
		f.started(r.GetWorkflowId(), string(token))
	case *workflowservice.RespondWorkflowTaskCompletedRequest:
		f.ended(string(r.GetTaskToken()))
	case *workflowservice.RespondWorkflowTaskFailedRequest:
		f.ended(string(r.GetTaskToken()))
	}
	return err
}

// expect watches the first task of the workflow with this ID, which is
// about to start; the channel closes when that task is done or when there
// is none to wait for (the start failed or was not eager). forget ends the
// watch.
func (f *FirstTasks) expect(id string) (done <-chan struct{}, forget func()) {
	if f == nil {
		return nil, func() {}
	}
	t := &firstTask{done: make(chan struct{})}
	f.mu.Lock()
	f.byID[id] = t
	f.mu.Unlock()
	return t.done, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.byID[id] == t {
			delete(f.byID, id)
		}
		if t.token != "" && f.byToken[t.token] == t {
			delete(f.byToken, t.token)
		}
	}
}

// started runs when the start of workflow id has answered, before the SDK
// hands its eager task (token) to the worker.
func (f *FirstTasks) started(id, token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.byID[id]
	if !ok {
		return
	}
	delete(f.byID, id)
	if token == "" {
		close(t.done) // nothing to wait for
		return
	}
	t.token = token
	f.byToken[token] = t
}

// ended runs when the worker has answered the task with this token.
func (f *FirstTasks) ended(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.byToken[token]; ok {
		delete(f.byToken, token)
		close(t.done)
	}
}

// awaitFirstTask waits for done within firstTaskWait (nil: at once).
func awaitFirstTask(ctx context.Context, done <-chan struct{}) {
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-time.After(firstTaskWait):
	case <-ctx.Done():
	}
}
