package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// absenceList is the answer of GET /v1/users/{id}/absences: not paginated,
// for a person has few absences to come.
type absenceList struct {
	Items []pipeline.Absence `json:"items"`
}

// listAbsences handles GET /v1/users/{id}/absences (the user, or a
// manager): their absences not yet over, soonest first.
func (s *Server) listAbsences(c echo.Context) error {
	q := newQuery(c)
	if q.v.Has("limit") || q.v.Has("cursor") {
		q.ps.Add("limit", pipeline.NotPaginated)
	}
	if err := q.err(); err != nil {
		return err
	}
	items, err := s.people.Absences(c.Request().Context(), actorOf(c), c.Param("id"))
	if items == nil {
		items = []pipeline.Absence{}
	}
	return reply(c, http.StatusOK, absenceList{items}, err)
}

// declareAbsence handles POST /v1/users/{id}/absences (the user, or a
// manager): 201 with the absence, once the engine admits it
// (docs/architecture.md, Absences and delegation).
func (s *Server) declareAbsence(c echo.Context) error {
	ctx, by, id := c.Request().Context(), actorOf(c), c.Param("id")
	if err := s.people.CheckAbsentee(ctx, by, id); err != nil {
		return err
	}
	var in pipeline.AbsenceInput
	if err := read(c, &in, "the absence is not valid", nil); err != nil {
		return err
	}
	x, err := s.people.DeclareAbsence(ctx, by, id, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/users/"+id+"/absences/"+x.ID)
	return c.JSON(http.StatusCreated, x)
}

// cancelAbsence handles DELETE /v1/users/{id}/absences/{absence_id} (the
// user, whoever declared it, or a manager): 204, and the delegate no
// longer stands in.
func (s *Server) cancelAbsence(c echo.Context) error {
	if err := s.people.CancelAbsence(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("absence_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
