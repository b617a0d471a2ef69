package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// Service is what the web app asks of Puente: the methods of
// *service.Service, the one path the JSON API takes too for every read and
// change, so that every rule, scope check and validation is the engine's.
// The web app only decodes forms, renders results and maps error kinds to
// messages (errorKinds).
type Service interface {
	Submit(ctx context.Context, a pipeline.Actor, in pipeline.Submission, idempotencyKey string) (*pipeline.Priority, error)
	Act(ctx context.Context, a pipeline.Actor, id string, version int, act pipeline.Act) (*pipeline.Priority, error)

	Priority(ctx context.Context, a pipeline.Actor, id string) (*pipeline.Priority, error)
	Priorities(ctx context.Context, a pipeline.Actor, f store.Filter, pg store.Page) ([]*pipeline.Priority, string, error)
	Events(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Event, error)
	Tasks(ctx context.Context, a pipeline.Actor, pg store.Page) ([]*pipeline.Priority, string, error)
	Pipeline(ctx context.Context, a pipeline.Actor, f store.DashboardFilter, now time.Time) (*store.Dashboard, error)
	ExportPriorities(ctx context.Context, a pipeline.Actor, f store.Filter, fn func(*pipeline.Priority) error) error
	PublishedPriorities(ctx context.Context, a pipeline.Actor, f store.Filter, fn func(*pipeline.Priority) error) error

	Sessions(ctx context.Context, a pipeline.Actor, pg store.Page) ([]pipeline.Session, string, error)
	Session(ctx context.Context, a pipeline.Actor, id string) (*service.SessionView, error)
	CreateSession(ctx context.Context, a pipeline.Actor, in pipeline.SessionInput) (pipeline.Session, error)

	Experts(ctx context.Context, a pipeline.Actor, theme string) ([]pipeline.Actor, error)
	AssigneeName(ctx context.Context, a pipeline.Actor, p *pipeline.Priority) (string, error)
}

var _ Service = (*service.Service)(nil)

// errorKind is how the web app answers one kind of refusal: the status and
// the message shown.
type errorKind struct {
	status int
	msg    string
}

// errorKinds maps each kind of the service's errors to its answer, in one
// place, as the API's kindStatus maps them to HTTP problems.
var errorKinds = map[pipeline.Kind]errorKind{
	pipeline.KindNotFound:    {http.StatusNotFound, "error.not_found"},
	pipeline.KindStale:       {http.StatusPreconditionFailed, "error.stale"},
	pipeline.KindConflict:    {http.StatusConflict, "error.conflict"},
	pipeline.KindForbidden:   {http.StatusForbidden, "error.forbidden"},
	pipeline.KindInvalid:     {http.StatusUnprocessableEntity, "error.invalid"},
	pipeline.KindUnavailable: {http.StatusServiceUnavailable, "error.unavailable"},
	pipeline.KindTimeout:     {http.StatusGatewayTimeout, "error.timeout"},
}

// kindOf is the kind of a service error and the fields it names.
func kindOf(err error) (pipeline.Kind, pipeline.Problems) {
	var e *pipeline.Error
	if errors.As(err, &e) {
		return e.Kind, e.Problems
	}
	return 0, nil
}
