package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail,omitempty"`
	Errors []pipeline.FieldError `json:"errors,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problemTypes gives each status its type URI (relative, resolved against the
// API's base) and title.
var problemTypes = map[int][2]string{
	http.StatusBadRequest:            {"/problems/bad-request", "Bad request"},
	http.StatusUnauthorized:          {"/problems/unauthorized", "Unauthorized"},
	http.StatusForbidden:             {"/problems/forbidden", "Forbidden"},
	http.StatusNotFound:              {"/problems/not-found", "Not found"},
	http.StatusMethodNotAllowed:      {"/problems/method-not-allowed", "Method not allowed"},
	http.StatusRequestTimeout:        {"/problems/request-timeout", "Request timeout"},
	http.StatusConflict:              {"/problems/conflict", "Conflict"},
	http.StatusPreconditionFailed:    {"/problems/precondition-failed", "Precondition failed"},
	http.StatusRequestEntityTooLarge: {"/problems/too-large", "Request body too large"},
	http.StatusUnsupportedMediaType:  {"/problems/unsupported-media-type", "Unsupported media type"},
	http.StatusUnprocessableEntity:   {"/problems/validation", "The request is not valid"},
	http.StatusTooManyRequests:       {"/problems/too-many-requests", "Too many requests"},
	http.StatusServiceUnavailable:    {"/problems/unavailable", "Service unavailable"},
	http.StatusGatewayTimeout:        {"/problems/timeout", "Timed out"},
	http.StatusInternalServerError:   {"/problems/internal", "Internal error"},
}

// retryAfter is how many seconds a client is asked to wait after a 503: long
// enough for a restarting dependency, short enough not to matter to a user.
const retryAfter = "5"

func problem(status int, detail string, errs ...pipeline.FieldError) *Problem {
	t, ok := problemTypes[status]
	if !ok {
		t = [2]string{"about:blank", http.StatusText(status)}
	}
	return &Problem{Type: t[0], Title: t[1], Status: status, Detail: detail, Errors: errs}
}

func invalid(detail string, ps pipeline.Problems) *Problem {
	return problem(http.StatusUnprocessableEntity, detail, ps...)
}

// kindStatus is the one table from the engine's and the service's error
// kinds to HTTP statuses (and so to problem types).
var kindStatus = map[pipeline.Kind]int{
	pipeline.KindNotFound:    http.StatusNotFound,
	pipeline.KindStale:       http.StatusPreconditionFailed,
	pipeline.KindConflict:    http.StatusConflict,
	pipeline.KindForbidden:   http.StatusForbidden,
	pipeline.KindInvalid:     http.StatusUnprocessableEntity,
	pipeline.KindUnavailable: http.StatusServiceUnavailable,
	pipeline.KindTimeout:     http.StatusGatewayTimeout,
}

// errorHandler writes every error as problem+json: our own problems as they
// are, Echo's HTTP errors with their status, anything else as a logged 500.
// On the web app's paths the same status is the web app's error page.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var p *Problem
	var pe *pipeline.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &pe) && kindStatus[pe.Kind] != 0:
		p = problem(kindStatus[pe.Kind], pe.Message, pe.Problems...)
	case errors.As(err, &he):
		p = problem(he.Code, fmt.Sprint(he.Message))
	case store.Unavailable(err):
		s.log.WarnContext(c.Request().Context(), "database unavailable", "error", err,
			"method", c.Request().Method, "path", c.Path(), "request_id", requestID(c))
		p = problem(http.StatusServiceUnavailable, "the database is unavailable or too slow; retry later")
	default:
		s.log.ErrorContext(c.Request().Context(), "request failed", "error", err,
			"method", c.Request().Method, "path", c.Path(), "request_id", requestID(c))
		p = problem(http.StatusInternalServerError, "an unexpected error occurred; it has been logged")
	}
	p = p.bounded()
	switch p.Status {
	case http.StatusUnauthorized:
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="puente"`)
	case http.StatusServiceUnavailable:
		c.Response().Header().Set("Retry-After", retryAfter)
	}
	if s.pages != nil && webRoute(c.Path()) {
		s.pages.ErrorPage(c.Response(), c.Request(), p.Status)
		return
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	if err := jsonEncode(c.Response(), p); err != nil {
		s.log.Warn("write problem", "error", err)
	}
}

// webRoute reports whether a route is the web app's mount point (Deps.Web):
// a person's browser, not an API client, meets its refusals.
func webRoute(route string) bool { return route == "/" || route == "/*" }

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
