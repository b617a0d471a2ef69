package api

import (
	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// tasks handles GET /v1/tasks: what waits for the caller, soonest due first.
func (s *Server) tasks(c echo.Context) error {
	return list(c, newQuery(c), func(pg store.Page) ([]*pipeline.Priority, string, error) {
		return s.svc.Tasks(ctx(c), actorOf(c), pg)
	}, s.viewOf(c))
}
