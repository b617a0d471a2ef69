package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/internal/strictjson"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// ctx is the request's context, tagged with its ID for the workflow's logs.
func ctx(c echo.Context) context.Context {
	return service.WithRequestID(c.Request().Context(), requestID(c))
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

// list answers a list endpoint: the query's problems as one 422, else the
// page fetch returns, each item shown through view.
func list[T, V any](c echo.Context, q *query, fetch func(store.Page) ([]T, string, error), view func(T) V) error {
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := fetch(pg)
	out := make([]V, len(items))
	for i, it := range items {
		out[i] = view(it)
	}
	return reply(c, http.StatusOK, newPage(out, next), err)
}

// same shows a list item as it is.
func same[T any](t T) T { return t }

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
			q.ps.Add(strictjson.SafeName(k), pipeline.UnknownParameter)
		}
	}
	return q
}

// filter reads the priority filters (service.ReadFilter): the list and the
// CSV export share them. Their problems are listed with the query's others,
// in one 422.
func (q *query) filter() store.Filter {
	f, ps := service.ReadFilter(q.v)
	q.ps = append(q.ps, ps...)
	return f
}

// dashboardFilter reads the dashboard's filter, which the IATI export
// shares, as filter does the list's.
func (q *query) dashboardFilter() store.DashboardFilter {
	f, ps := service.ReadDashboardFilter(q.v)
	q.ps = append(q.ps, ps...)
	return f
}

func (q *query) oneOf(name string, allowed []string) string {
	v := q.v.Get(name)
	q.ps.OneOf(name, v, false, allowed)
	return v
}

func (q *query) boolean(name string) *bool {
	v := q.v.Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.ps.Add(name, pipeline.NotABoolean)
		return nil
	}
	return &b
}

func (q *query) page() store.Page {
	pg := store.Page{Limit: 50, Cursor: q.v.Get("cursor")}
	if l := q.v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			q.ps.Add("limit", pipeline.OutOfRange, "min", 1, "max", 200)
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
