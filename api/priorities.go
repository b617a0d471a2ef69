package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// priorityView is a priority as one caller sees it: with what it may do next.
type priorityView struct {
	*pipeline.Priority
	AllowedDecisions []pipeline.Decision `json:"allowed_decisions"`
	CanEditPlan      bool                `json:"can_edit_plan"`
	CanEdit          bool                `json:"can_edit"`
}

func view(a pipeline.Actor, p *pipeline.Priority) priorityView {
	p.RequestHash, p.Documents = "", nil
	return priorityView{Priority: a.Redact(p), AllowedDecisions: pipeline.AllowedDecisions(a, p),
		CanEditPlan: pipeline.Allowed(a, p, pipeline.DraftPlan), CanEdit: pipeline.Allowed(a, p, pipeline.Edit)}
}

func etag(p *pipeline.Priority) string { return `"` + strconv.Itoa(p.Version) + `"` }

// writePriority answers with the caller's view of p and its ETag.
func writePriority(c echo.Context, status int, p *pipeline.Priority) error {
	c.Response().Header().Set("ETag", etag(p))
	return c.JSON(status, view(actorOf(c), p))
}

// ifMatch reads If-Match as the version the caller acted on: 0 (any) when
// absent or "*", -1 (none) when it names no version at all.
func ifMatch(c echo.Context) int {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0
	}
	tag, _, _ := strings.Cut(h, ",")
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`))
	if err != nil || v < 1 {
		return -1
	}
	return v
}

// priorityID is the path's priority id, noted for the request's log line.
func priorityID(c echo.Context) string {
	id := c.Param("id")
	c.Set(workflowIDKey, workflows.ID(id))
	return id
}

// submit handles POST /v1/priorities.
func (s *Server) submit(c echo.Context) error {
	var in pipeline.Submission
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if ps = append(ps, idempotencyKeyProblems(key)...); len(ps) > 0 {
		return invalid("the submission is not valid", ps.Merge(in.Validate()))
	}
	p, err := s.svc.Submit(ctx(c), actorOf(c), in, key)
	if err != nil {
		return err
	}
	c.Set(workflowIDKey, workflows.ID(p.ID))
	c.Response().Header().Set(echo.HeaderLocation, "/v1/priorities/"+p.ID)
	return writePriority(c, http.StatusCreated, p)
}

// getPriority handles GET /v1/priorities/{id}.
func (s *Server) getPriority(c echo.Context) error {
	p, err := s.svc.Priority(ctx(c), actorOf(c), priorityID(c))
	if err != nil {
		return err
	}
	if c.Request().Header.Get("If-None-Match") == etag(p) {
		c.Response().Header().Set("ETag", etag(p))
		return c.NoContent(http.StatusNotModified)
	}
	return writePriority(c, http.StatusOK, p)
}

// edit handles PATCH /v1/priorities/{id}: a focal point edits fields in revision.
func (s *Server) edit(c echo.Context) error {
	var ch pipeline.Changes
	return s.act(c, &ch, func() pipeline.Act {
		return pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.Edit, Changes: &ch}}
	})
}

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

// putPlan handles PUT /v1/priorities/{id}/plan: the assigned expert replaces the draft.
func (s *Server) putPlan(c echo.Context) error {
	var plan pipeline.Plan
	return s.act(c, &plan, func() pipeline.Act {
		return pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan}
	})
}

// events handles GET /v1/priorities/{id}/events.
func (s *Server) events(c echo.Context) error {
	evs, err := s.svc.Events(ctx(c), actorOf(c), priorityID(c))
	if evs == nil {
		evs = []pipeline.Event{}
	}
	return reply(c, http.StatusOK, map[string]any{"items": evs}, err)
}

// listPriorities handles GET /v1/priorities.
func (s *Server) listPriorities(c echo.Context) error {
	q := newQuery(c, service.FilterParams...)
	f := q.filter()
	return list(c, q, func(pg store.Page) ([]*pipeline.Priority, string, error) {
		return s.svc.Priorities(ctx(c), actorOf(c), f, pg)
	}, s.viewOf(c))
}

// viewOf maps priorities to the caller's views of them.
func (s *Server) viewOf(c echo.Context) func(*pipeline.Priority) priorityView {
	a := actorOf(c)
	return func(p *pipeline.Priority) priorityView { return view(a, p) }
}

// taskView is a task as its caller sees it, and the absent person they
// would act for (docs/architecture.md, Absences and delegation).
type taskView struct {
	priorityView
	OnBehalfOf *pipeline.Ref `json:"on_behalf_of,omitempty"`
}

// tasks handles GET /v1/tasks: what waits for the caller, soonest due first,
// including the tasks of the people the caller stands in for.
func (s *Server) tasks(c echo.Context) error {
	a := actorOf(c)
	return list(c, newQuery(c), func(pg store.Page) ([]store.Task, string, error) {
		return s.svc.Tasks(ctx(c), a, pg)
	}, func(t store.Task) taskView { return taskView{view(a, t.Priority), t.OnBehalfOf} })
}
