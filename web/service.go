package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/puente-dev/puente/internal/i18n"
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
	Action(ctx context.Context, a pipeline.Actor, id string, i int) (*service.ActionView, error)
	Deliver(ctx context.Context, a pipeline.Actor, id string, version, i int, in pipeline.DeliveryInput) (*pipeline.Priority, error)
	CheckDelivery(ctx context.Context, a pipeline.Actor, id string, version, i int, in pipeline.DeliveryInput) error

	Priority(ctx context.Context, a pipeline.Actor, id string) (*pipeline.Priority, error)
	Priorities(ctx context.Context, a pipeline.Actor, f store.Filter, pg store.Page) ([]*pipeline.Priority, string, error)
	Events(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Event, error)
	Tasks(ctx context.Context, a pipeline.Actor, pg store.Page) ([]store.Task, string, error)
	Pipeline(ctx context.Context, a pipeline.Actor, f store.DashboardFilter, now time.Time) (*store.Dashboard, error)
	DeliveryDashboard(ctx context.Context, a pipeline.Actor, f store.DeliveryFilter) (*store.DeliveryDashboard, error)
	DeliveryInbox(ctx context.Context, a pipeline.Actor, now time.Time) ([]store.DeliveryTask, error)
	ExportCSV(ctx context.Context, a pipeline.Actor, f store.Filter, w http.ResponseWriter) (started bool, err error)
	ExportIATI(ctx context.Context, a pipeline.Actor, f store.Filter, w http.ResponseWriter) (started bool, err error)

	Sessions(ctx context.Context, a pipeline.Actor, pg store.Page) ([]pipeline.Session, string, error)
	Session(ctx context.Context, a pipeline.Actor, id string) (*service.SessionView, error)
	CreateSession(ctx context.Context, a pipeline.Actor, in pipeline.SessionInput) (pipeline.Session, error)
	SessionOutcome(ctx context.Context, a pipeline.Actor, id string) (*pipeline.SessionOutcome, error)
	SessionOutcomeXLSX(ctx context.Context, a pipeline.Actor, id string, l *i18n.Locale, w http.ResponseWriter) error
	AnnualPlan(ctx context.Context, a pipeline.Actor, q service.AnnualPlanQuery) (*pipeline.AnnualPlan, error)
	AnnualPlanXLSX(ctx context.Context, a pipeline.Actor, q service.AnnualPlanQuery, l *i18n.Locale, w http.ResponseWriter) error

	Thread(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Comment, error)
	PostComment(ctx context.Context, a pipeline.Actor, id, text string) (*pipeline.Comment, error)
	EditComment(ctx context.Context, a pipeline.Actor, id, commentID, text string) (*pipeline.Comment, error)
	MayAttach(ctx context.Context, a pipeline.Actor, id string) error
	Attach(ctx context.Context, a pipeline.Actor, id string, up service.Upload) (*store.Document, error)
	Documents(ctx context.Context, a pipeline.Actor, id string) ([]store.Document, error)
	Download(ctx context.Context, a pipeline.Actor, id, docID string) (store.Document, io.ReadCloser, error)
	RemoveDocument(ctx context.Context, a pipeline.Actor, id, docID string) error

	Experts(ctx context.Context, a pipeline.Actor, theme string) ([]pipeline.Actor, error)

	NewCalendar(ctx context.Context, a pipeline.Actor) (string, error)
	RevokeCalendar(ctx context.Context, a pipeline.Actor) error
	CalendarSince(ctx context.Context, a pipeline.Actor) (*time.Time, error)
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

// refusal answers an error of the service: its kind decides the status and
// message (errorKinds); anything else is a logged 500.
func (a *App) refusal(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, err error) {
	kind, _ := kindOf(err)
	if k, ok := errorKinds[kind]; ok {
		a.fail(w, r, &actor, k.status, k.msg)
		return
	}
	a.serverError(w, r, &actor, err)
}

// problems is the kind and the fields at fault of err when it is a refusal
// of one of kinds, which the page shows in its form. Any other error is
// answered here (refusal) and returned: the handler is done.
func (a *App) problems(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, err error, kinds ...pipeline.Kind) (pipeline.Kind, pipeline.Problems, error) {
	if err == nil {
		return 0, nil, nil
	}
	if kind, ps := kindOf(err); slices.Contains(kinds, kind) {
		return kind, ps, nil
	}
	a.refusal(w, r, actor, err)
	return 0, nil, err
}

// trimFields names the fields of ps as the form does, without the prefix
// the engine's input gives them ("plan.", "changes.").
func trimFields(ps pipeline.Problems, prefix string) pipeline.Problems {
	for i := range ps {
		ps[i].Field = strings.TrimPrefix(ps[i].Field, prefix)
	}
	return ps
}

// statusOf is a page's status: 422 when it shows problems.
func statusOf(ps pipeline.Problems) int {
	if len(ps) > 0 {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// pageOf is the page of a list the request asks for, n items long.
func pageOf(r *http.Request, n int) store.Page {
	return store.Page{Limit: n, Cursor: r.URL.Query().Get("cursor")}
}
