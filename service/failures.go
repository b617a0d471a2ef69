package service

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// healthProbe bounds the check of whether Temporal answers at all, and
// downFor is how long after a failed one changes skip straight to it.
const (
	healthProbe = 300 * time.Millisecond
	downFor     = 5 * time.Second
)

// Refusals of a change when a dependency is down: nothing is wrong with it,
// and it may succeed later.
var (
	errTemporalDown = pipeline.Errorf(pipeline.KindUnavailable, "Temporal is unavailable and the change was not confirmed: reload the priority before retrying")
	errDatabaseDown = pipeline.Errorf(pipeline.KindUnavailable, "the database is unavailable; retry later")
)

// temporalUp is nil when Temporal is believed to answer. After a change
// found it down, changes probe it first (within healthProbe) and answer 503
// at once while it stays down, rather than each waiting out its bound.
func (s *Service) temporalUp(ctx context.Context) error {
	if time.Now().UnixNano() >= s.downUntil.Load() {
		return nil
	}
	return s.probe(ctx)
}

func (s *Service) probe(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthProbe)
	defer cancel()
	if _, err := s.Temporal.CheckHealth(pctx, &client.CheckHealthRequest{}); err != nil {
		s.downUntil.Store(time.Now().Add(downFor).UnixNano())
		return errTemporalDown
	}
	s.downUntil.Store(0)
	return nil
}

// changeFailed classifies what Temporal answered to a change: a timeout
// with Temporal itself down is KindUnavailable (503), with Temporal up (no
// worker, or a slow one) KindTimeout (504): the change may still apply.
func (s *Service) changeFailed(ctx context.Context, err error) error {
	err = classify(err)
	if k := pipeline.KindOfError(err); k == pipeline.KindTimeout || k == pipeline.KindUnavailable {
		if down := s.probe(ctx); down != nil {
			return down
		}
	}
	return err
}

// classify turns what Temporal (or the read model) answered to a change
// into the engine's kinds: the workflow's refusal as it was, an unknown
// outcome as KindTimeout, a dependency down as KindUnavailable.
func classify(err error) error {
	if e, ok := workflows.AsRefusal(err); ok {
		return e
	}
	var notFound *serviceerror.NotFound
	var deadline *serviceerror.DeadlineExceeded
	var canceled *serviceerror.Canceled
	var updateTimeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	var down *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	switch {
	case pipeline.KindOfError(err) != 0:
		return err
	case errors.As(err, &notFound):
		return pipeline.Errorf(pipeline.KindConflict, "the priority's workflow has ended: no change is possible")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline), errors.As(err, &canceled), errors.As(err, &updateTimeout):
		return pipeline.Errorf(pipeline.KindTimeout, "the workflow did not answer in time; the change may still apply: reload the priority before retrying")
	case errors.As(err, &down), errors.As(err, &exhausted):
		return errTemporalDown
	case store.Unavailable(err):
		return errDatabaseDown
	}
	return err
}
