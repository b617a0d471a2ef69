package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// Priority is the priority with this id as the actor may see it: a
// KindNotFound error when it does not exist or is outside the actor's
// scope, so that its existence is not disclosed.
func (s *Service) Priority(ctx context.Context, a pipeline.Actor, id string) (*pipeline.Priority, error) {
	if !pipeline.IsID(id) {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no priority %s", id)
	}
	p, err := s.Store.Priority(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.CanSee(p)) {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no priority %s", id)
	}
	if err != nil {
		return nil, readFailed(err)
	}
	return p, nil
}

// Events is the audit trail of a priority the actor may see, oldest first.
func (s *Service) Events(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Event, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.Store.Events(ctx, p.ID)
	if a.Role == pipeline.Implementer {
		evs = slices.DeleteFunc(evs, func(ev pipeline.Event) bool { return !a.CanSeeEvent(p, ev) })
	}
	return evs, readFailed(err)
}

// Priorities lists the priorities the actor may see that pass f, newest
// first, one page at a time; next is empty on the last page. A filter that
// breaks CheckFilter is refused (KindInvalid).
func (s *Service) Priorities(ctx context.Context, a pipeline.Actor, f store.Filter, pg store.Page) (items []*pipeline.Priority, next string, err error) {
	if err := badFilter(CheckFilter(f)); err != nil {
		return nil, "", err
	}
	items, next, err = s.Store.Priorities(ctx, a, f, pg)
	return items, next, readFailed(err)
}

// Tasks lists what waits for the actor: the priorities the table gives it
// a decision on that moves them, soonest due first — its own and those of
// the people it stands in for (a.StandsIn), each marked with whom it is for.
func (s *Service) Tasks(ctx context.Context, a pipeline.Actor, pg store.Page) (items []store.Task, next string, err error) {
	items, next, err = s.Store.Inbox(ctx, a, pg)
	return items, next, readFailed(err)
}

// ExportPriorities streams every priority passing f to fn, oldest first:
// for the exports, which only managers may take.
func (s *Service) ExportPriorities(ctx context.Context, a pipeline.Actor, f store.Filter, fn func(*pipeline.Priority) error) error {
	if err := mayExport(a, f); err != nil {
		return err
	}
	return readFailed(s.Store.EachPriority(ctx, a, f, fn))
}

// idempotencyNS namespaces priority ids derived from idempotency keys.
var idempotencyNS = uuid.MustParse("6f1c1c52-3f0e-4f7e-9d7e-4b8f0e6a2c11")

// Submit submits a priority for the actor. With an idempotency key, the
// priority's id derives from the actor and the key, so a retry lands on the
// same workflow (Temporal refuses a second one with that id): the same body
// returns the same priority, another body is a KindInvalid error.
func (s *Service) Submit(ctx context.Context, a pipeline.Actor, in pipeline.Submission, key string) (*pipeline.Priority, error) {
	if err := pipeline.CheckSubmit(a, in); err != nil {
		return nil, err
	}
	in.Normalize()
	if in.SessionID != "" {
		if _, err := s.Store.Session(ctx, in.SessionID); errors.Is(err, store.ErrNotFound) {
			return nil, pipeline.Invalid("the submission is not valid", pipeline.Problems{pipeline.Problem("session_id", pipeline.UnknownSession)})
		} else if err != nil {
			return nil, readFailed(err)
		}
	}
	body, _ := json.Marshal(in)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:16])
	id := uuid.NewString()
	if key != "" {
		id = uuid.NewSHA1(idempotencyNS, []byte(a.ID+"\x00"+key)).String()
		// A workflow that has ended no longer answers queries: the read
		// model remembers what the key was used for.
		if p, err := s.Store.Priority(ctx, id); err == nil {
			return sameSubmission(p, hash)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, readFailed(err)
		}
	}
	if err := s.temporalUp(ctx); err != nil {
		return nil, err
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	ref, err := s.Store.ReserveRef(ctx, id, in.Countries[0], at.Year())
	if err != nil {
		return nil, readFailed(err)
	}
	req := workflows.SubmitRequest{Submitted: pipeline.Submitted{Actor: a, Submission: in, ID: id, Ref: ref, RequestHash: hash, At: at},
		RequestID: requestID(ctx)}
	sctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	// The start is eager: when this process runs a worker, the workflow's
	// first task comes back in the start's answer and runs here, while the
	// read model is written; the answer waits for both (see FirstTasks).
	firstTask, forget := s.FirstTasks.expect(workflows.ID(id))
	defer forget()
	run, err := s.Temporal.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID:                       workflows.ID(id),
		TaskQueue:                s.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// Without it the SDK answers a duplicate with the existing run, and
		// this submission's state would be recorded as that run's.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    workflows.StartAttributes(in),
		EnableEagerStart:                         true,
	}, workflows.WorkflowPriority, workflows.Input{PriorityID: id, SLAs: s.SLAs, Submission: &req})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return s.resubmitted(ctx, id, hash)
	}
	if err != nil {
		return nil, s.changeFailed(ctx, err)
	}
	// Temporal holds the submission durably now: record what the workflow
	// builds from it, which is what the engine builds from it here.
	out := pipeline.Submit(req.Submitted, s.SLAs)
	s.record(ctx, out.Priority, []pipeline.Event{out.Event}, run.GetRunID())
	awaitFirstTask(sctx, firstTask)
	return &out.Priority, nil
}

// resubmitted answers a submission whose workflow already exists (a retry
// with the same idempotency key) with the priority the first one created.
func (s *Service) resubmitted(ctx context.Context, id, hash string) (*pipeline.Priority, error) {
	if p, err := s.Store.Priority(ctx, id); err == nil {
		return sameSubmission(p, hash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, readFailed(err)
	}
	// The first attempt started the workflow but did not record it (it
	// crashed, or timed out): ask the workflow, whose flush records it soon.
	qctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(qctx, workflows.ID(id), "", workflows.QueryPriority)
	if err != nil {
		return nil, s.changeFailed(ctx, err)
	}
	var p pipeline.Priority
	if err := v.Get(&p); err != nil {
		return nil, err
	}
	return sameSubmission(&p, hash)
}

func sameSubmission(p *pipeline.Priority, hash string) (*pipeline.Priority, error) {
	if p.RequestHash != hash {
		return nil, pipeline.Invalid("this Idempotency-Key was used with another request body",
			pipeline.Problems{pipeline.Problem("Idempotency-Key", pipeline.KeyReused)})
	}
	return p, nil
}

// Act takes an act — a decision, a plan draft or an edit — for the actor on
// the priority with this id, at version (0: any). The engine judges it
// against the read model first, to answer fast; the workflow judges it again
// against its own state and applies it; the result, durable in Temporal, is
// recorded in the read model before Act returns (read-your-writes).
func (s *Service) Act(ctx context.Context, a pipeline.Actor, id string, version int, act pipeline.Act) (*pipeline.Priority, error) {
	p, a, act, err := s.judge(ctx, a, id, version, act)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, a, p, version, act)
}

// send sends an act the engine admitted against the read model to the
// priority's workflow, and records its result.
func (s *Service) send(ctx context.Context, a pipeline.Actor, p *pipeline.Priority, version int, act pipeline.Act) (*pipeline.Priority, error) {
	if err := s.temporalUp(ctx); err != nil {
		return nil, err
	}
	uctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	res, err := s.update(uctx, p, workflows.UpdateAct,
		workflows.ActRequest{Actor: a, Act: act, Version: version, Since: p.EventSeq, RequestID: requestID(ctx)})
	if err != nil {
		return nil, s.changeFailed(ctx, err)
	}
	s.record(ctx, res.Priority, res.Events, res.RunID)
	return &res.Priority, nil
}

// update sends the act to the priority's workflow and waits for its result.
// It addresses the run the read model last heard from, which spares Temporal
// a lookup of the current run; if that run has ended, it asks again for
// whichever run is current. Both attempts carry one update ID, so the
// workflow applies the act once.
func (s *Service) update(ctx context.Context, p *pipeline.Priority, name string, req any) (*workflows.Result, error) {
	opts := client.UpdateWorkflowOptions{
		UpdateID:     uuid.NewString(),
		WorkflowID:   workflows.ID(p.ID),
		RunID:        p.RunID,
		UpdateName:   name,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	h, err := s.Temporal.UpdateWorkflow(ctx, opts)
	var notFound *serviceerror.NotFound
	if opts.RunID != "" && errors.As(err, &notFound) {
		opts.RunID = ""
		h, err = s.Temporal.UpdateWorkflow(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	var res workflows.Result
	if err := h.Get(ctx, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// record writes a state Temporal holds durably to the read model. It runs
// even if the request that caused it is gone. A failure is logged, not
// returned: the change is applied, and the workflow's own flush records it
// within seconds.
func (s *Service) record(ctx context.Context, p pipeline.Priority, evs []pipeline.Event, runID string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if _, err := s.Store.Record(rctx, store.Change{Priority: &p, Events: evs, RunID: runID}); err != nil {
		s.Logger.WarnContext(ctx, "read model not updated; the workflow's flush will record it", "priority_id", p.ID,
			"version", p.Version, "request_id", requestID(ctx), "error", strings.TrimSpace(err.Error()))
	}
}

// Check is Act's dry run: the engine's judgement of the act against the
// read model, changing nothing.
func (s *Service) Check(ctx context.Context, a pipeline.Actor, id string, version int, act pipeline.Act) error {
	_, _, _, err := s.judge(ctx, a, id, version, act)
	return err
}

// judge loads the priority, looks up the expert or the thread the act
// needs and asks the engine. It returns the priority, who acts — in their
// own name or on behalf of someone they stand in for now (pipeline.Acting)
// — and the act with its expert.
func (s *Service) judge(ctx context.Context, a pipeline.Actor, id string, version int, act pipeline.Act) (*pipeline.Priority, pipeline.Actor, pipeline.Act, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return nil, a, act, err
	}
	a = pipeline.Acting(a, p, act.Decision)
	act.Expert = nil // found here, never taken from the caller
	if act.Decision.Thread() {
		if err := s.lookUpThread(ctx, p, &act); err != nil {
			return nil, a, act, err
		}
	}
	if expertID, theme, ok := pipeline.ExpertWanted(p, act); ok {
		e, err := s.Store.Expert(ctx, expertID, theme)
		switch {
		case err == nil:
			act.Expert = &e
		case !errors.Is(err, store.ErrNotFound):
			return nil, a, act, readFailed(err)
		}
	}
	if act.Decision == pipeline.AttachDocument || act.Decision == pipeline.RemoveDocument {
		docs, err := s.Store.Documents(ctx, p.ID)
		if err != nil {
			return nil, a, act, readFailed(err)
		}
		p.Documents = make([]pipeline.DocumentRef, len(docs))
		for i, d := range docs {
			p.Documents[i] = pipeline.DocumentRef{ID: d.ID, Name: d.Name}
		}
	}
	return p, a, act, pipeline.CheckAt(a, p, version, act, time.Now())
}
