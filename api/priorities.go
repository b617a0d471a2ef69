package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
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
	p.RequestHash = ""
	return priorityView{Priority: p, AllowedDecisions: pipeline.AllowedDecisions(a, p),
		CanEditPlan: pipeline.CanEditPlan(a, p), CanEdit: pipeline.CanEdit(a, p)}
}

func etag(p *pipeline.Priority) string { return `"` + strconv.Itoa(p.Version) + `"` }

// writePriority answers with the caller's view of p and its ETag.
func writePriority(c echo.Context, status int, p *pipeline.Priority) error {
	c.Response().Header().Set("ETag", etag(p))
	return c.JSON(status, view(actorOf(c), p))
}

// idempotencyNS namespaces priority ids derived from Idempotency-Keys.
var idempotencyNS = uuid.MustParse("6f1c1c52-3f0e-4f7e-9d7e-4b8f0e6a2c11")

// submit handles POST /v1/priorities.
func (s *Server) submit(c echo.Context) error {
	a := actorOf(c)
	var in pipeline.Submission
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	ps = ps.Merge(in.Validate())
	key := c.Request().Header.Get("Idempotency-Key")
	ps = append(ps, idempotencyKeyProblems(key)...)
	if len(ps) > 0 {
		return invalid("the submission is not valid", ps)
	}
	if !slices.ContainsFunc(in.Countries, func(c string) bool { return slices.Contains(a.Countries, c) }) {
		return problem(http.StatusForbidden, "a focal point submits priorities for its own countries: "+strings.Join(a.Countries, ", "))
	}
	in.Normalize()
	if in.SessionID != "" {
		if _, err := s.store.Session(c.Request().Context(), in.SessionID); errors.Is(err, store.ErrNotFound) {
			return invalid("the submission is not valid", pipeline.Problems{{Field: "session_id", Message: "no such session"}})
		} else if err != nil {
			return err
		}
	}
	body, _ := json.Marshal(in)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:16])

	id := uuid.NewString()
	if key != "" {
		id = uuid.NewSHA1(idempotencyNS, []byte(a.ID+"\x00"+key)).String()
		// A workflow that has already ended no longer answers updates: the
		// read model remembers what the key was used for.
		p, err := s.store.Priority(c.Request().Context(), id)
		if err == nil {
			if p.RequestHash != hash {
				return invalid("this Idempotency-Key was used with another request body",
					pipeline.Problems{{Field: "Idempotency-Key", Message: "was already used with another request body"}})
			}
			return s.created(c, p)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	c.Set(workflowIDKey, workflows.ID(id))
	p, err := s.startSubmission(c.Request().Context(), id, workflows.SubmitRequest{Actor: a, Submission: in, RequestHash: hash, RequestID: requestID(c)})
	if err != nil {
		return err
	}
	if p.RequestHash != hash {
		// A concurrent request with the same key started the workflow first.
		return invalid("this Idempotency-Key was used with another request body",
			pipeline.Problems{{Field: "Idempotency-Key", Message: "was already used with another request body"}})
	}
	return s.created(c, p)
}

func (s *Server) created(c echo.Context, p *pipeline.Priority) error {
	c.Response().Header().Set(echo.HeaderLocation, "/v1/priorities/"+p.ID)
	return writePriority(c, http.StatusCreated, p)
}

// visiblePriority loads a priority the caller may see; 404 otherwise, so that
// a priority's existence is not disclosed to those outside its scope.
func (s *Server) visiblePriority(c echo.Context) (*pipeline.Priority, error) {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		return nil, problem(http.StatusNotFound, "no priority "+id)
	}
	c.Set(workflowIDKey, workflows.ID(id))
	p, err := s.store.Priority(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !actorOf(c).CanSee(p)) {
		return nil, problem(http.StatusNotFound, "no priority "+id)
	}
	return p, err
}

// getPriority handles GET /v1/priorities/{id}.
func (s *Server) getPriority(c echo.Context) error {
	p, err := s.visiblePriority(c)
	if err != nil {
		return err
	}
	if c.Request().Header.Get("If-None-Match") == etag(p) {
		c.Response().Header().Set("ETag", etag(p))
		return c.NoContent(http.StatusNotModified)
	}
	return writePriority(c, http.StatusOK, p)
}

// listPage is the body of every list endpoint.
type listPage[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newPage[T any](items []T, next string) listPage[T] {
	if items == nil {
		items = []T{}
	}
	p := listPage[T]{Items: items}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}

// query reads a list's query parameters strictly: unknown parameters and bad
// values are listed in one 422, like a bad body.
type query struct {
	v  url.Values
	ps pipeline.Problems
}

func newQuery(c echo.Context, known ...string) *query {
	q := &query{v: c.QueryParams()}
	for k := range q.v {
		if !slices.Contains(known, k) && k != "limit" && k != "cursor" {
			q.ps.Add(safeKey(k), "is not a known query parameter")
		}
	}
	return q
}

func (q *query) oneOf(name string, allowed []string) string {
	v := q.v.Get(name)
	q.ps.OneOf(name, v, false, allowed)
	return v
}

func (q *query) uuid(name string) string {
	v := q.v.Get(name)
	q.ps.UUID(name, v, false)
	return v
}

func (q *query) boolean(name string) *bool {
	v := q.v.Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.ps.Add(name, "must be true or false")
		return nil
	}
	return &b
}

func (q *query) text(name string, max int) string {
	v := strings.TrimSpace(q.v.Get(name))
	q.ps.Text(name, v, false, max)
	return v
}

func (q *query) page() store.Page {
	pg := store.Page{Limit: 50, Cursor: q.v.Get("cursor")}
	if l := q.v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			q.ps.Add("limit", "must be an integer from 1 to 200")
		}
		pg.Limit = n
	}
	return pg
}

func (q *query) err() error {
	if len(q.ps) > 0 {
		return invalid("the query is not valid", q.ps)
	}
	return nil
}

func stageNames(stages []pipeline.Stage) []string {
	out := make([]string, len(stages))
	for i, s := range stages {
		out[i] = string(s)
	}
	return out
}

// filterParams are the query parameters of the priority filters (DESIGN §4).
var filterParams = []string{"stage", "theme", "country", "session_id", "assignee", "overdue", "q"}

// filter reads the priority filters: the list and the CSV export share them.
func (q *query) filter() store.Filter {
	return store.Filter{
		Stage:     pipeline.Stage(q.oneOf("stage", stageNames(pipeline.Stages))),
		Theme:     q.oneOf("theme", pipeline.Lists.ThemeCodes()),
		Country:   q.oneOf("country", pipeline.Lists.CountryCodes()),
		SessionID: q.uuid("session_id"),
		Assignee:  q.uuid("assignee"),
		Overdue:   q.boolean("overdue"),
		Q:         q.text("q", 200),
	}
}

// listPriorities handles GET /v1/priorities.
func (s *Server) listPriorities(c echo.Context) error {
	q := newQuery(c, filterParams...)
	f := q.filter()
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	a := actorOf(c)
	items, next, err := s.store.Priorities(c.Request().Context(), a, f, pg)
	if errors.Is(err, store.ErrBadCursor) {
		return invalid("the query is not valid", pipeline.Problems{{Field: "cursor", Message: "is not a cursor this API issued"}})
	}
	if err != nil {
		return fmt.Errorf("list priorities: %w", err)
	}
	views := make([]priorityView, len(items))
	for i, p := range items {
		views[i] = view(a, p)
	}
	return c.JSON(http.StatusOK, newPage(views, next))
}
