package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// actionIndex is the path's action index; -1 when it is not a plain
// non-negative integer, which no action has (404).
func actionIndex(c echo.Context) int {
	s := c.Param("idx")
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || strconv.Itoa(i) != s {
		return -1
	}
	return i
}

// getAction handles GET /v1/priorities/{id}/actions/{idx}: one approved
// action with its delivery, the acts the caller may take and its events.
func (s *Server) getAction(c echo.Context) error {
	v, err := s.svc.Action(ctx(c), actorOf(c), priorityID(c), actionIndex(c))
	return reply(c, http.StatusOK, v, err)
}

// deliver handles POST /v1/priorities/{id}/actions/{idx}/delivery: a
// delivery act, judged in the order of decisions (404, 412, 409, 403, 422);
// If-Match honoured → 200 with the updated priority.
func (s *Server) deliver(c echo.Context) error {
	id, version, i := priorityID(c), ifMatch(c), actionIndex(c)
	var in pipeline.DeliveryInput
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		err := s.svc.CheckDelivery(ctx(c), actorOf(c), id, version, i, in)
		var e *pipeline.Error
		if errors.As(err, &e) && e.Kind != pipeline.KindInvalid {
			return err
		}
		if e != nil {
			ps = ps.Merge(e.Problems)
		}
		return invalid("the request is not valid", ps)
	}
	p, err := s.svc.Deliver(ctx(c), actorOf(c), id, version, i, in)
	if err != nil {
		return err
	}
	return writePriority(c, http.StatusOK, p)
}
