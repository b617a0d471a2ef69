package web

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Service is what the web app asks of Puente: the same service path the
// JSON API takes for every read and change, so that every rule, scope check
// and validation is the engine's. The web app only decodes forms, renders
// results and maps error kinds to messages (errorKinds).
type Service interface {
	Submit(ctx context.Context, a pipeline.Actor, in pipeline.Submission, idempotencyKey string) (*pipeline.Priority, error)
	Decide(ctx context.Context, a pipeline.Actor, id string, version int, in pipeline.DecisionInput) (*pipeline.Priority, error)
	Edit(ctx context.Context, a pipeline.Actor, id string, version int, ch pipeline.Changes) (*pipeline.Priority, error)
	DraftPlan(ctx context.Context, a pipeline.Actor, id string, version int, plan pipeline.Plan) (*pipeline.Priority, error)

	Priority(ctx context.Context, a pipeline.Actor, id string) (*pipeline.Priority, error)
	Priorities(ctx context.Context, a pipeline.Actor, f store.Filter, pg store.Page) ([]*pipeline.Priority, string, error)
	Events(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Event, error)
	Tasks(ctx context.Context, a pipeline.Actor, pg store.Page) ([]*pipeline.Priority, string, error)
	Pipeline(ctx context.Context, a pipeline.Actor, f store.DashboardFilter) (*store.Dashboard, error)
	Experts(ctx context.Context, a pipeline.Actor) ([]pipeline.Actor, error)

	Sessions(ctx context.Context, a pipeline.Actor, pg store.Page) ([]pipeline.Session, string, error)
	Session(ctx context.Context, a pipeline.Actor, id string) (pipeline.Session, map[pipeline.Stage]int, error)
	CreateSession(ctx context.Context, a pipeline.Actor, in pipeline.SessionInput) (pipeline.Session, error)

	ExportCSV(ctx context.Context, a pipeline.Actor, f store.Filter, w io.Writer) error
	ExportIATI(ctx context.Context, a pipeline.Actor, w io.Writer) error
}

// errorKind is how the web app answers one kind of refusal: the status and
// the message shown.
type errorKind struct {
	status int
	msg    string
}

// kindOf classifies a service error for the one table in errorKinds.
var kindOf = func(err error) (kind string, ps pipeline.Problems) {
	if errors.Is(err, store.ErrNotFound) {
		return "not_found", nil
	}
	return "", nil
}

// errorKinds maps each kind of service refusal to its answer, in one place.
var errorKinds = map[string]errorKind{
	"not_found":   {http.StatusNotFound, "error.not_found"},
	"stale":       {http.StatusPreconditionFailed, "error.stale"},
	"conflict":    {http.StatusConflict, "error.conflict"},
	"forbidden":   {http.StatusForbidden, "error.forbidden"},
	"invalid":     {http.StatusUnprocessableEntity, "error.invalid"},
	"unavailable": {http.StatusServiceUnavailable, "error.unavailable"},
	"timeout":     {http.StatusGatewayTimeout, "error.timeout"},
}
