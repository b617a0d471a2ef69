package api

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
)

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// idempotencyKeyProblems checks an Idempotency-Key header: printable ASCII
// (space to tilde, as a structured-field string allows), at most 255 bytes.
func idempotencyKeyProblems(key string) pipeline.Problems {
	var ps pipeline.Problems
	if len(key) > maxIdempotencyKey {
		ps.Add("Idempotency-Key", pipeline.TooLong, "count", maxIdempotencyKey)
		return ps
	}
	for i := range len(key) {
		if key[i] < 0x20 || key[i] > 0x7e {
			ps.Add("Idempotency-Key", pipeline.NotPrintable, "index", i, "byte", fmt.Sprintf("0x%02x", key[i]))
			break
		}
	}
	return ps
}

// canonicalID answers 404 for a path id that is not an identifier as
// Puente writes them (pipeline.IsID, the rule the web app holds its paths to).
func canonicalID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, n := range c.ParamNames() {
			if n == "id" && !pipeline.IsID(c.Param(n)) {
				return problem(http.StatusNotFound, "no such resource: ids are lowercase UUIDs")
			}
		}
		return next(c)
	}
}

// Bounds of a problem body: its text may quote a client's input.
const (
	maxProblemErrors = 50
	maxProblemText   = 300
)

// bounded is the problem cut to a size no request can inflate: at most
// maxProblemErrors field errors, each text at most maxProblemText characters;
// each field error's message is its code's in English.
// The JSON encoder escapes what remains.
func (p *Problem) bounded() *Problem {
	q := *p
	q.Detail = pipeline.Shorten(q.Detail, maxProblemText)
	q.Errors = nil
	for i, e := range p.Errors {
		if i == maxProblemErrors {
			e = pipeline.Problem("(more)", pipeline.MoreProblems, "count", len(p.Errors)-maxProblemErrors)
		}
		e.Field = pipeline.Shorten(e.Field, maxProblemText)
		e.Message = pipeline.Shorten(i18n.English().Problem(e), maxProblemText)
		q.Errors = append(q.Errors, e)
		if i == maxProblemErrors {
			break
		}
	}
	return &q
}
