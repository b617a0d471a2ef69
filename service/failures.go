package service

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// changeFailed classifies what Temporal (or the read model) answered to a
// change: the workflow's refusal as the engine's error, an unknown outcome as
// KindTimeout, a dependency down as KindUnavailable.
func changeFailed(err error) error {
	if e, ok := workflows.AsRefusal(err); ok {
		return e
	}
	var notFound *serviceerror.NotFound
	var deadline *serviceerror.DeadlineExceeded
	var canceled *serviceerror.Canceled
	var updateTimeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	switch {
	case pipeline.KindOfError(err) != 0:
		return err
	case errors.As(err, &notFound):
		return pipeline.Errorf(pipeline.KindConflict, "the priority's workflow has ended: no change is possible")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline), errors.As(err, &canceled), errors.As(err, &updateTimeout):
		return pipeline.Errorf(pipeline.KindTimeout, "the workflow did not answer in time; the change may still apply: reload the priority before retrying")
	case temporalDown(err):
		return pipeline.Errorf(pipeline.KindUnavailable, "Temporal is unavailable and the change was not confirmed: reload the priority before retrying")
	case unavailable(err):
		return pipeline.Errorf(pipeline.KindUnavailable, "the database is unavailable; retry later")
	}
	return err
}

func temporalDown(err error) bool {
	var un *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	return errors.As(err, &un) || errors.As(err, &exhausted)
}

// unavailable reports whether err says PostgreSQL could not be reached or
// did not answer in time, rather than that a statement was wrong.
func unavailable(err error) bool {
	var connect *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code[:2] == "08", pgErr.Code[:2] == "53",
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", pgErr.Code == "57014":
			return true
		}
		return false
	}
	return errors.As(err, &connect) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}
