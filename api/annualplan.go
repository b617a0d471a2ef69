package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// annualPlan handles GET /v1/annual-plan: the annual action plan of a year
// (and optionally one session), scoped to what the caller may see.
func (s *Server) annualPlan(c echo.Context) error {
	q, err := annualPlanQuery(c)
	if err != nil {
		return err
	}
	p, err := s.svc.AnnualPlan(ctx(c), actorOf(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// annualPlanXLSX handles GET /v1/annual-plan.xlsx: the same plan as an XLSX
// workbook in the caller's language.
func (s *Server) annualPlanXLSX(c echo.Context) error {
	q, err := annualPlanQuery(c)
	if err != nil {
		return err
	}
	return s.svc.AnnualPlanXLSX(ctx(c), actorOf(c), q, i18n.For(userOf(c).Language), c.Response())
}

func annualPlanQuery(c echo.Context) (service.AnnualPlanQuery, error) {
	q := unpaged(c, service.AnnualPlanParams...)
	ap, ps := service.ReadAnnualPlanQuery(q.v)
	q.ps = append(q.ps, ps...)
	return ap, q.err()
}

// unpaged is newQuery for a document, which is never paginated: limit
// and cursor are unknown parameters too.
func unpaged(c echo.Context, known ...string) *query {
	q := newQuery(c, known...)
	for _, k := range []string{"limit", "cursor"} {
		if q.v.Has(k) {
			q.ps.Add(k, pipeline.UnknownParameter)
		}
	}
	return q
}

// sessionOutcome handles GET /v1/sessions/{id}/outcome: every priority of
// the session the caller may see and what became of it.
func (s *Server) sessionOutcome(c echo.Context) error {
	if err := unpaged(c).err(); err != nil {
		return err
	}
	o, err := s.svc.SessionOutcome(ctx(c), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// sessionOutcomeXLSX handles GET /v1/sessions/{id}/outcome.xlsx.
func (s *Server) sessionOutcomeXLSX(c echo.Context) error {
	if err := unpaged(c).err(); err != nil {
		return err
	}
	return s.svc.SessionOutcomeXLSX(ctx(c), actorOf(c), c.Param("id"), i18n.For(userOf(c).Language), c.Response())
}
