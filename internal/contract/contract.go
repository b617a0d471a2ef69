// Package contract holds the HTTP API to its OpenAPI document in tests.
// Wrap puts a handler behind a checker that validates every request and
// every response against api/openapi.yaml with libopenapi-validator — path,
// query parameters, headers and bodies, in strict mode, so an undocumented
// parameter, header or property is a failure too — and fails the test on any
// drift between the document and the handlers.
package contract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/puente-dev/puente/api"
	"github.com/puente-dev/puente/pipeline"
)

// checker is the document's validator.
type checker struct {
	mu      sync.Mutex // libopenapi-validator is not documented as safe for concurrent use
	v       validator.Validator
	model   *v3.Document
	opts    *config.ValidationOptions
	ignored []string // headers no operation needs to declare
	seenMu  sync.Mutex
	seen    map[[32]byte]bool
}

// load builds the shared checker once per test binary.
var load = sync.OnceValues(func() (*checker, error) {
	doc, err := libopenapi.NewDocument(api.OpenAPI())
	if err != nil {
		return nil, err
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	opts := []config.Option{
		config.WithStrictMode(),
		// An event's data is free-form by design.
		config.WithStrictIgnorePaths("$.body.items[*].data.**", "$.body.data.**"),
		// Set on every response, described once in the document's info;
		// and gzip, which /metrics negotiates like any HTTP server.
		config.WithStrictIgnoredHeadersExtra(append(api.SecurityHeaderNames(), "Content-Encoding")...),
	}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi validator: %v", errs)
	}
	o := config.NewValidationOptions(opts...)
	return &checker{v: v, model: &m.Model, opts: o, ignored: o.GetEffectiveStrictIgnoredHeaders(), seen: map[[32]byte]bool{}}, nil
})

// Wrap returns next behind the contract check. Violations are reported when
// the test ends, after every request has been answered: register Wrap's
// cleanup before the server's (call Wrap first).
func Wrap(t testing.TB, next http.Handler) http.Handler {
	t.Helper()
	c, err := load()
	if err != nil {
		t.Fatalf("contract: api/openapi.yaml: %v", err)
	}
	var mu sync.Mutex
	var found []string
	seen := map[string]bool{}
	checked := 0
	var pending sync.WaitGroup
	t.Cleanup(func() {
		pending.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, f := range found {
			t.Errorf("contract: %s", f)
		}
		t.Logf("contract: %d exchanges checked against api/openapi.yaml, %d violations", checked, len(found))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body as the handler reads it: one it refuses unread stays unread.
		var read bytes.Buffer
		r.Body = teeBody{Reader: io.TeeReader(r.Body, &read), Closer: r.Body}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := read.Bytes()
		// Checked after the answer, so that the check adds no latency to
		// what the test measures (rate limits, timeouts).
		req, header := r.Clone(context.WithoutCancel(r.Context())), rec.Header().Clone()
		if !c.first(req, body, rec.status, header, rec.body.Bytes()) {
			return // checked already: a flood of the same request and answer
		}
		pending.Go(func() {
			violations := c.check(req, body, rec.status, header, rec.body.Bytes())
			mu.Lock()
			defer mu.Unlock()
			checked++
			for _, v := range violations {
				// One report per kind of drift, not per priority it shows on.
				key := uuidRE.ReplaceAllString(v, "{id}")
				if !seen[key] {
					seen[key] = true
					found = append(found, v)
				}
			}
		})
	})
}

// first reports whether no exchange like this one (same request but for
// its token, same answer but for its request id) was seen before.
func (c *checker) first(r *http.Request, body []byte, status int, header http.Header, resBody []byte) bool {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s %d\n", r.Method, r.URL.RequestURI(), status)
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		if name != "Authorization" {
			fmt.Fprintf(h, "> %s: %q\n", name, r.Header[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(header)) {
		if name != "X-Request-Id" {
			fmt.Fprintf(h, "< %s: %q\n", name, header[name])
		}
	}
	h.Write(body)
	h.Write([]byte{0})
	h.Write(resBody)
	key := [32]byte(h.Sum(nil))
	c.seenMu.Lock()
	defer c.seenMu.Unlock()
	if c.seen[key] {
		return false
	}
	c.seen[key] = true
	return true
}

// Check holds one exchange, seen by a client, to the document, and fails
// the test on drift: for tests that reach the API over the network.
func Check(t testing.TB, req *http.Request, reqBody []byte, res *http.Response, resBody []byte) {
	t.Helper()
	c, err := load()
	if err != nil {
		t.Fatalf("contract: api/openapi.yaml: %v", err)
	}
	header := res.Header.Clone()
	header.Del("Content-Length") // the transport's, not the handler's
	header.Del("Date")
	for _, v := range c.check(req, reqBody, res.StatusCode, header, resBody) {
		t.Errorf("contract: %s", v)
	}
}

// check validates one exchange and describes each violation.
func (c *checker) check(r *http.Request, body []byte, status int, header http.Header, resBody []byte) []string {
	if !c.documents(r.URL.Path) {
		return nil // a page mounted beside the API, not part of its contract
	}
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	res := &http.Response{StatusCode: status, Header: header.Clone(),
		Body: io.NopCloser(bytes.NewReader(resBody)), Request: req, ContentLength: int64(len(resBody))}
	at := fmt.Sprintf("%s %s → %d", r.Method, r.URL.RequestURI(), status)

	c.mu.Lock()
	reqOK, reqErrs := c.v.ValidateHttpRequest(req)
	req.Body = io.NopCloser(bytes.NewReader(body))
	var resOK = true
	var resErrs []*verrors.ValidationError
	if routed(reqErrs) {
		resOK, resErrs = c.v.ValidateHttpResponse(req, res)
	}
	c.mu.Unlock()

	var out []string
	if !reqOK && status < 400 {
		out = append(out, fmt.Sprintf("%s: the API accepted a request the document refuses: %s", at, describe(reqErrs)))
	}
	if !routed(reqErrs) && status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		out = append(out, fmt.Sprintf("%s: the document has no such operation: %s", at, describe(reqErrs)))
	}
	if !resOK {
		out = append(out, fmt.Sprintf("%s: the response breaks the document: %s %s", at, describe(resErrs), pipeline.Shorten(string(resBody), 300)))
	}
	if routed(reqErrs) {
		if extra := c.undeclaredHeaders(req, res); len(extra) > 0 {
			out = append(out, fmt.Sprintf("%s: the response breaks the document: undeclared headers %s", at, strings.Join(extra, ", ")))
		}
	}
	return out
}

// undeclaredHeaders lists the response's headers its documented response
// does not declare. The validator checks them only for a response that
// declares some headers; this covers those that declare none.
func (c *checker) undeclaredHeaders(req *http.Request, res *http.Response) []string {
	item, _, _ := paths.FindPath(req, c.model, c.opts)
	if item == nil {
		return nil
	}
	op := item.GetOperations().GetOrZero(strings.ToLower(req.Method))
	if op == nil || op.Responses == nil {
		return nil
	}
	status := fmt.Sprint(res.StatusCode)
	r := op.Responses.Codes.GetOrZero(status)
	if r == nil {
		r = op.Responses.Codes.GetOrZero(status[:1] + "XX")
	}
	if r == nil {
		r = op.Responses.Default
	}
	if r == nil || (r.Headers != nil && r.Headers.Len() > 0) {
		return nil // undocumented status, reported already; or declared headers, checked by the validator
	}
	var extra []string
	for name := range res.Header {
		if !slices.ContainsFunc(c.ignored, func(h string) bool { return strings.EqualFold(h, name) }) {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	return extra
}

// documents reports whether path is the API's: under /v1, or one of the
// document's paths outside it.
func (c *checker) documents(path string) bool {
	if path == "/v1" || strings.HasPrefix(path, "/v1/") {
		return true
	}
	for p := range c.model.Paths.PathItems.KeysFromOldest() {
		if p == path || (strings.Contains(p, "{") && strings.HasPrefix(path, p[:strings.Index(p, "{")])) {
			return true
		}
	}
	return false
}

// routed reports whether the request named a documented operation: its
// errors, if any, are not about a missing path or method.
func routed(errs []*verrors.ValidationError) bool {
	return !slices.ContainsFunc(errs, func(e *verrors.ValidationError) bool {
		return e.IsPathMissingError() || e.IsOperationMissingError()
	})
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func describe(errs []*verrors.ValidationError) string {
	var parts []string
	for _, e := range errs {
		s := e.Message
		// Strict mode's reasons list every declared property, in no set order.
		if e.Reason != "" && e.Reason != e.Message && !strings.Contains(e.Reason, "Declared properties") {
			s += " (" + e.Reason + ")"
		}
		for _, f := range e.SchemaValidationErrors {
			s += "; " + f.FieldPath + ": " + f.Reason
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " | ")
}

// teeBody is a request body that copies what is read of it.
type teeBody struct {
	io.Reader
	io.Closer
}

// recorder passes a response through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Flush lets streamed responses (the exports) stream through.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
