package api

import (
	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// exportCSV handles GET /v1/export/priorities.csv (managers): every priority
// passing the list filters, streamed as RFC 4180 CSV.
func (s *Server) exportCSV(c echo.Context) error {
	q := newQuery(c, service.FilterParams...)
	f := q.filter()
	if err := q.err(); err != nil {
		return err
	}
	started, err := s.svc.ExportCSV(ctx(c), actorOf(c), f, c.Response())
	return s.streamed(c, started, err)
}

// exportIATI handles GET /v1/export/iati.xml (managers): the approved plans
// as IATI 2.03 activities. Restricted priorities are never published.
func (s *Server) exportIATI(c echo.Context) error {
	q := newQuery(c, service.DashboardParams...)
	df := q.dashboardFilter()
	if err := q.err(); err != nil {
		return err
	}
	f := store.Filter{Theme: df.Theme, Country: df.Country, SessionID: df.SessionID}
	started, err := s.svc.ExportIATI(ctx(c), actorOf(c), f, c.Response())
	return s.streamed(c, started, err)
}

// streamed ends an export: an error before the download started is the
// request's; after it, the status is sent and all a client can learn is a
// truncated body, so it is only logged.
func (s *Server) streamed(c echo.Context, started bool, err error) error {
	if err != nil && started {
		s.log.ErrorContext(c.Request().Context(), "export failed", "error", err, "path", c.Path(), "request_id", requestID(c))
		return nil
	}
	return err
}
