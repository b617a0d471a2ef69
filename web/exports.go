package web

import (
	"errors"
	"net/http"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// exportCSV streams the list's priorities as CSV, filtered like the list,
// written as the API writes it.
func (a *App) exportCSV(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	f, ps := service.ReadFilter(r.URL.Query())
	if len(ps) > 0 {
		a.refusal(w, r, actor, pipeline.Invalid("the query is not valid", ps))
		return
	}
	started, err := a.d.Service.ExportCSV(r.Context(), actor, f, w)
	a.streamed(w, r, actor, started, err)
}

// exportIATI serves what Puente publishes — the approved public plans — as
// IATI 2.03 XML.
func (a *App) exportIATI(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	started, err := a.d.Service.ExportIATI(r.Context(), actor, store.Filter{}, w)
	a.streamed(w, r, actor, started, err)
}

// streamed ends an export: a refusal before the download started is the
// page's; after it, the body is cut short and the error only logged.
func (a *App) streamed(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, started bool, err error) {
	switch {
	case err == nil:
	case started:
		a.d.Logger.ErrorContext(r.Context(), "web export", "path", r.URL.Path, "error", err)
	case errors.Is(err, service.ErrNothingPublished):
		a.fail(w, r, &actor, http.StatusNotFound, "error.nothing_published")
	default:
		a.refusal(w, r, actor, err)
	}
}
