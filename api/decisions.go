package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// decide handles POST /v1/priorities/{id}/decisions.
func (s *Server) decide(c echo.Context) error {
	var in pipeline.DecisionInput
	return s.act(c, &in, func() pipeline.Act { return pipeline.Act{DecisionInput: in} })
}

// act runs an act on the path's priority through the service: the body
// read into dst, then made an act. The engine answers in the order of
// docs/architecture.md, How a decision is checked
// — 404, 412, 409, 403, 422 — so a body that did not even decode is reported
// only after the checks that come before it, together with the engine's
// own findings on what did decode.
func (s *Server) act(c echo.Context, dst any, act func() pipeline.Act) error {
	id, version := priorityID(c), ifMatch(c)
	ps, err := bind(c, dst)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		err := s.svc.Check(ctx(c), actorOf(c), id, version, act())
		var e *pipeline.Error
		if errors.As(err, &e) && e.Kind != pipeline.KindInvalid {
			return err
		}
		if e != nil {
			ps = ps.Merge(e.Problems)
		}
		return invalid("the request is not valid", ps)
	}
	p, err := s.svc.Act(ctx(c), actorOf(c), id, version, act())
	if err != nil {
		return err
	}
	return writePriority(c, http.StatusOK, p)
}
