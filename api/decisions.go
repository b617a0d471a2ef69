package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// ifMatch checks If-Match against the priority's version: 412 when it names
// another one. It returns the version the workflow must still be at (0: any).
func ifMatch(c echo.Context, p *pipeline.Priority) (int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
		if v, err := strconv.Atoi(tag); err == nil && v == p.Version {
			return v, nil
		}
	}
	return 0, problem(http.StatusPreconditionFailed,
		"the priority is at version "+strconv.Itoa(p.Version)+", not "+h+": reload it and decide again")
}

// decide handles POST /v1/priorities/{id}/decisions. The checks run in
// DESIGN §4's order — 404, 412, 409, 403, 422 — against the read model, which
// shows what the workflow holds; the workflow's validator checks them again.
func (s *Server) decide(c echo.Context) error {
	a := actorOf(c)
	p, err := s.visiblePriority(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c, p)
	if err != nil {
		return err
	}
	var in pipeline.DecisionInput
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	if !in.Decision.Valid() {
		ps.OneOf("decision", string(in.Decision), true, decisionNames())
		return invalid("the decision is not valid", ps)
	}
	t, err := pipeline.Authorize(a, p, in.Decision)
	if err != nil {
		return checkError(err)
	}
	ps = ps.Merge(in.Validate(t))
	var expert *pipeline.Ref
	if in.ExpertID != "" && !ps.Has("expert_id") {
		var msg string
		if expert, msg = s.resolveExpert(c.Request().Context(), in.ExpertID); msg != "" {
			ps.Add("expert_id", "%s", msg)
		}
	}
	if t.Decision == pipeline.SubmitPlan && p.Plan == nil {
		ps.Add("plan", "is required: draft it with PUT /v1/priorities/%s/plan", p.ID)
	} else if t.Decision == pipeline.SubmitPlan {
		ps = append(ps, prefixed("plan.", p.Plan.Validate(true))...)
	}
	if len(ps) > 0 {
		return invalid("the decision is not valid", ps)
	}
	updated, err := s.update(c.Request().Context(), p, workflows.UpdateDecide,
		workflows.DecideRequest{Actor: a, Input: in, Expert: expert, Version: version, RequestID: requestID(c)})
	if err != nil {
		return err
	}
	return writePriority(c, http.StatusOK, updated)
}

// resolveExpert looks up the expert a decision names, or says what is wrong
// with the id.
func (s *Server) resolveExpert(ctx context.Context, id string) (*pipeline.Ref, string) {
	u, err := s.store.User(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, "no user has this id"
	case err != nil:
		return nil, "could not be checked: " + err.Error()
	case u.Role != pipeline.Expert:
		return nil, "this user is not an expert"
	}
	ref := u.Ref()
	return &ref, ""
}

// checkError maps the pipeline's check errors to problems.
func checkError(err error) error {
	switch {
	case errors.Is(err, pipeline.ErrNotInStage):
		return problem(http.StatusConflict, err.Error())
	case errors.Is(err, pipeline.ErrForbidden):
		return problem(http.StatusForbidden, err.Error())
	}
	return err
}

func decisionNames() []string {
	out := make([]string, len(pipeline.Decisions))
	for i, d := range pipeline.Decisions {
		out[i] = string(d)
	}
	return out
}

func prefixed(prefix string, ps pipeline.Problems) pipeline.Problems {
	for i := range ps {
		ps[i].Field = prefix + ps[i].Field
	}
	return ps
}

// guard runs the checks an edit shares with a decision, in DESIGN §4's
// order: 404, 412, then 409 unless the priority is in stage, then 403 unless
// may admits the caller. It returns the version the workflow must still be at.
func (s *Server) guard(c echo.Context, stage pipeline.Stage, may func(pipeline.Actor, *pipeline.Priority) bool, forbidden string) (*pipeline.Priority, int, error) {
	p, err := s.visiblePriority(c)
	if err != nil {
		return nil, 0, err
	}
	version, err := ifMatch(c, p)
	if err != nil {
		return nil, 0, err
	}
	if p.Stage != stage {
		return nil, 0, problem(http.StatusConflict, "this is done in stage "+string(stage)+"; this priority is in "+string(p.Stage))
	}
	if !may(actorOf(c), p) {
		return nil, 0, problem(http.StatusForbidden, forbidden)
	}
	return p, version, nil
}

// edit handles PATCH /v1/priorities/{id}: a focal point edits fields in revision.
func (s *Server) edit(c echo.Context) error {
	p, version, err := s.guard(c, pipeline.Revision, pipeline.CanEdit, "only a focal point of the priority's countries edits it")
	if err != nil {
		return err
	}
	var ch pipeline.Changes
	ps, err := bind(c, &ch)
	if err != nil {
		return err
	}
	ps = ps.Merge(ch.Validate(""))
	if len(ps) == 0 && ch.Empty() {
		ps.Add("(body)", "name at least one field to change")
	}
	if len(ps) > 0 {
		return invalid("the changes are not valid", ps)
	}
	updated, err := s.update(c.Request().Context(), p, workflows.UpdateEdit,
		workflows.EditRequest{Actor: actorOf(c), Changes: ch, Version: version, RequestID: requestID(c)})
	if err != nil {
		return err
	}
	return writePriority(c, http.StatusOK, updated)
}

// putPlan handles PUT /v1/priorities/{id}/plan: the assigned expert replaces the draft.
func (s *Server) putPlan(c echo.Context) error {
	p, version, err := s.guard(c, pipeline.Planning, pipeline.CanEditPlan, "only the expert assigned to this priority drafts its plan")
	if err != nil {
		return err
	}
	var plan pipeline.Plan
	ps, err := bind(c, &plan)
	if err != nil {
		return err
	}
	if ps = ps.Merge(plan.Validate(false)); len(ps) > 0 {
		return invalid("the plan is not valid", ps)
	}
	updated, err := s.update(c.Request().Context(), p, workflows.UpdatePlan,
		workflows.PlanRequest{Actor: actorOf(c), Plan: plan, Version: version, RequestID: requestID(c)})
	if err != nil {
		return err
	}
	return writePriority(c, http.StatusOK, updated)
}

// events handles GET /v1/priorities/{id}/events.
func (s *Server) events(c echo.Context) error {
	p, err := s.visiblePriority(c)
	if err != nil {
		return err
	}
	evs, err := s.store.Events(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []pipeline.Event{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": evs})
}

// tasks handles GET /v1/tasks: what waits for the caller, soonest due first.
func (s *Server) tasks(c echo.Context) error {
	q := newQuery(c)
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	a := actorOf(c)
	items, next, err := s.store.Tasks(c.Request().Context(), a, pg)
	if errors.Is(err, store.ErrBadCursor) {
		return invalid("the query is not valid", pipeline.Problems{{Field: "cursor", Message: "is not a cursor this API issued"}})
	}
	if err != nil {
		return err
	}
	views := make([]priorityView, len(items))
	for i, p := range items {
		views[i] = view(a, p)
	}
	return c.JSON(http.StatusOK, newPage(views, next))
}

// update sends an update to a priority's workflow and waits until it has been
// applied and recorded in the read model (read-your-writes). It addresses the
// run the read model last heard from, which spares Temporal a lookup of the
// current run; if that run has ended (reset, continued as new), it asks again
// for whichever run is current. Both attempts carry one update ID, so the
// workflow applies the change once even if a reset also carried it over.
func (s *Server) update(ctx context.Context, p *pipeline.Priority, name string, arg any) (*pipeline.Priority, error) {
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	opts := client.UpdateWorkflowOptions{
		UpdateID:     uuid.NewString(),
		WorkflowID:   workflows.ID(p.ID),
		RunID:        p.RunID,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	h, err := s.temporal.UpdateWorkflow(ctx, opts)
	var notFound *serviceerror.NotFound
	if opts.RunID != "" && errors.As(err, &notFound) {
		opts.RunID = ""
		h, err = s.temporal.UpdateWorkflow(ctx, opts)
	}
	if err != nil {
		return nil, updateError(err)
	}
	var updated pipeline.Priority
	if err := h.Get(ctx, &updated); err != nil {
		return nil, updateError(err)
	}
	return &updated, nil
}

// supportActions handles GET /v1/support-actions: approved actions, scoped.
func (s *Server) supportActions(c echo.Context) error {
	q := newQuery(c, "country", "theme", "type")
	f := store.ActionFilter{
		Country: q.oneOf("country", pipeline.Lists.CountryCodes()),
		Theme:   q.oneOf("theme", pipeline.Lists.ThemeCodes()),
		Type:    q.oneOf("type", pipeline.Lists.SupportTypes),
	}
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.store.SupportActions(c.Request().Context(), actorOf(c), f, pg)
	if errors.Is(err, store.ErrBadCursor) {
		return invalid("the query is not valid", pipeline.Problems{{Field: "cursor", Message: "is not a cursor this API issued"}})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newPage(items, next))
}
