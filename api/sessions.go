package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// createSession handles POST /v1/sessions (managers).
func (s *Server) createSession(c echo.Context) error {
	var in pipeline.SessionInput
	if err := read(c, &in, "the session is not valid", in.Validate); err != nil {
		return err
	}
	ses, err := s.svc.CreateSession(ctx(c), actorOf(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/sessions/"+ses.ID)
	return c.JSON(http.StatusCreated, ses)
}

// listSessions handles GET /v1/sessions.
func (s *Server) listSessions(c echo.Context) error {
	return list(c, newQuery(c), func(pg store.Page) ([]pipeline.Session, string, error) {
		return s.svc.Sessions(ctx(c), actorOf(c), pg)
	}, same[pipeline.Session])
}

// getSession handles GET /v1/sessions/{id}, with its priorities counted by
// stage — only those the caller may see.
func (s *Server) getSession(c echo.Context) error {
	v, err := s.svc.Session(ctx(c), actorOf(c), c.Param("id"))
	return reply(c, http.StatusOK, v, err)
}
