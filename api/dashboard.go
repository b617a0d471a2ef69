package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// pipelineDashboard handles GET /v1/pipeline (managers): per stage the count,
// the overdue count and the median and p90 time in stage; counts by theme and
// by country; approvals per week for the last 12 weeks.
func (s *Server) pipelineDashboard(c echo.Context) error {
	q := newQuery(c, service.DashboardParams...)
	f := q.dashboardFilter()
	if q.v.Has("limit") || q.v.Has("cursor") {
		q.ps.Add("limit", pipeline.NotPaginated)
	}
	if err := q.err(); err != nil {
		return err
	}
	d, err := s.svc.Pipeline(ctx(c), actorOf(c), f, time.Now())
	return reply(c, http.StatusOK, d, err)
}
