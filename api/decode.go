package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/internal/strictjson"
	"github.com/puente-dev/puente/pipeline"
)

// MaxBody is the largest request body accepted
// (docs/architecture.md, API overview).
const MaxBody = 1 << 20

// limitBody refuses bodies over MaxBody with 413, before a handler reads
// them. Uploads of documents are bounded by their handlers instead
// (documents.MaxRequest), once their sender is known to be allowed.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if s.upload(c) {
			return next(c)
		}
		if r.ContentLength > MaxBody {
			return problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxBody))
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxBody)
		return next(c)
	}
}

// bind reads the JSON body into dst and lists every problem with it: unknown
// fields, wrong types, at any depth — not only the first, as encoding/json does.
// The error is for a body that is not JSON at all (400, 413, 415); the
// problems are field-level, for the handler to merge with its own checks.
func bind(c echo.Context, dst any) (pipeline.Problems, error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return nil, problem(http.StatusUnsupportedMediaType, "send the body as application/json")
		}
	}
	body, err := io.ReadAll(c.Request().Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxBody))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, problem(http.StatusRequestTimeout, "the body did not arrive in time")
	}
	if err != nil {
		return nil, problem(http.StatusBadRequest, "could not read the body")
	}
	return decode(body, dst)
}

// read binds the body into dst and refuses one with field problems: 422
// listing them with what check (if not nil) finds in the fields that did
// decode.
func read(c echo.Context, dst any, detail string, check func() pipeline.Problems) error {
	ps, err := bind(c, dst)
	if err != nil || len(ps) == 0 {
		return err
	}
	if check != nil {
		ps = ps.Merge(check())
	}
	return invalid(detail, ps)
}

// reply answers v with status, or the error that kept v from being made.
func reply(c echo.Context, status int, v any, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(status, v)
}

// decode is bind without the request: strictjson's decoding, with a body
// that is not JSON at all answered 400.
func decode(body []byte, dst any) (pipeline.Problems, error) {
	ps, err := strictjson.Decode(body, dst)
	if err != nil {
		return nil, problem(http.StatusBadRequest, err.Error())
	}
	return ps, nil
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
