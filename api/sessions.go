package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// createSession handles POST /v1/sessions (managers).
func (s *Server) createSession(c echo.Context) error {
	var in pipeline.SessionInput
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	if ps = ps.Merge(in.Validate()); len(ps) > 0 {
		return invalid("the session is not valid", ps)
	}
	ses, err := s.store.CreateSession(c.Request().Context(), in, actorOf(c).ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/sessions/"+ses.ID)
	return c.JSON(http.StatusCreated, ses)
}

// listSessions handles GET /v1/sessions.
func (s *Server) listSessions(c echo.Context) error {
	q := newQuery(c)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.store.Sessions(c.Request().Context(), pg)
	if errors.Is(err, store.ErrBadCursor) {
		return invalid("the query is not valid", pipeline.Problems{{Field: "cursor", Message: "is not a cursor this API issued"}})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newPage(items, next))
}

// getSession handles GET /v1/sessions/{id}, with its priorities counted by
// stage — only those the caller may see.
func (s *Server) getSession(c echo.Context) error {
	ses, err := s.store.Session(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, "no session "+c.Param("id"))
	}
	if err != nil {
		return err
	}
	counts, err := s.store.StageCounts(c.Request().Context(), actorOf(c), ses.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		pipeline.Session
		Priorities map[pipeline.Stage]int `json:"priorities_by_stage"`
	}{ses, counts})
}
