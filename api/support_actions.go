package api

import (
	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// supportActions handles GET /v1/support-actions: approved actions, scoped.
func (s *Server) supportActions(c echo.Context) error {
	q := newQuery(c, "country", "theme", "type")
	f := store.ActionFilter{
		Country: q.oneOf("country", pipeline.Lists.CountryCodes()),
		Theme:   q.oneOf("theme", pipeline.Lists.ThemeCodes()),
		Type:    q.oneOf("type", pipeline.Lists.SupportTypes),
	}
	return list(c, q, func(pg store.Page) ([]pipeline.SupportAction, string, error) {
		return s.svc.SupportActions(ctx(c), actorOf(c), f, pg)
	}, same[pipeline.SupportAction])
}
