package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// exportCSV handles GET /v1/export/priorities.csv (managers): every priority
// passing the list filters, streamed as RFC 4180 CSV.
func (s *Server) exportCSV(c echo.Context) error {
	q := newQuery(c, filterParams...)
	f := q.filter()
	if err := q.err(); err != nil {
		return err
	}
	res := c.Response()
	var w *export.CSV
	start := func() error {
		if w != nil {
			return nil
		}
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="priorities-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
		res.WriteHeader(http.StatusOK)
		w = export.NewCSV(res)
		return w.Header()
	}
	err := s.svc.ExportPriorities(ctx(c), actorOf(c), f, func(p *pipeline.Priority) error {
		if err := start(); err != nil {
			return err
		}
		return w.Write(p)
	})
	switch {
	case w == nil && err != nil:
		return err
	case err != nil:
		// The status is sent: all a client can learn is a truncated body.
		s.log.ErrorContext(c.Request().Context(), "csv export failed", "error", err, "request_id", requestID(c))
		return nil
	}
	if err := start(); err != nil {
		return err
	}
	return w.Flush()
}

// exportIATI handles GET /v1/export/iati.xml (managers): the approved plans
// as IATI 2.03 activities. Restricted priorities are never published.
func (s *Server) exportIATI(c echo.Context) error {
	q := newQuery(c, "theme", "country", "session_id")
	f := store.Filter{Theme: q.v.Get("theme"), Country: q.v.Get("country"), SessionID: q.v.Get("session_id")}
	q.ps = append(q.ps, service.CheckFilter(f)...)
	if err := q.err(); err != nil {
		return err
	}
	res := c.Response()
	var x *export.IATIWriter
	err := s.svc.PublishedPriorities(ctx(c), actorOf(c), f, func(p *pipeline.Priority) error {
		if x == nil {
			res.Header().Set(echo.HeaderContentType, "application/xml; charset=utf-8")
			res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="puente-iati-`+time.Now().UTC().Format("2006-01-02")+`.xml"`)
			res.WriteHeader(http.StatusOK)
			x = export.NewIATI(res, export.IATIOptions{})
		}
		return x.Write(export.Activity{Priority: p, ApprovedAt: p.StageEnteredAt})
	})
	if x == nil {
		if err != nil {
			return err
		}
		return problem(http.StatusNotFound, "no approved public plan to export yet")
	}
	if err != nil {
		s.log.ErrorContext(c.Request().Context(), "iati export failed", "error", err, "request_id", requestID(c))
		return nil
	}
	if err := x.Close(); err != nil && !errors.Is(err, export.ErrNoActivities) {
		s.log.ErrorContext(c.Request().Context(), "iati export failed", "error", err, "request_id", requestID(c))
	}
	return nil
}
