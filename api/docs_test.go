package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// These tests need no services: New must not touch the Store or Temporal
// while it builds the route table, and the handlers they call do not either.

// openAPIModel parses the embedded document with libopenapi, failing on any
// error building its model (a $ref that resolves to nothing, a bad value …).
func openAPIModel(t *testing.T) (libopenapi.Document, *v3.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(openAPIYAML)
	require.NoError(t, err)
	m, err := doc.BuildV3Model()
	require.NoError(t, err, "building the OpenAPI model")
	return doc, &m.Model
}

// TestOpenAPIIsValid31 validates the document against the OpenAPI 3.1
// schema, and every Schema Object in it against the JSON Schema 2020-12
// meta-schema (which the OpenAPI schema leaves unchecked), rejecting keywords
// neither standard knows: a misspelt maxLength would otherwise pass silently.
func TestOpenAPIIsValid31(t *testing.T) {
	doc, _ := openAPIModel(t)
	require.Equal(t, "3.1.0", doc.GetSpecInfo().Version)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	ok, verrs := v.ValidateDocument()
	for _, e := range verrs {
		t.Errorf("OpenAPI 3.1 schema: %v", e)
	}
	require.True(t, ok)

	var raw any
	require.NoError(t, yaml.Unmarshal(openAPIYAML, &raw))
	b, err := json.Marshal(raw)
	require.NoError(t, err)
	tree, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	meta, err := c.Compile("https://json-schema.org/draft/2020-12/schema")
	require.NoError(t, err)
	require.NoError(t, c.AddResource("mem:///openapi.json", tree))

	schemas := map[string]any{}
	collectSchemas(tree, "#", schemas)
	require.NotEmpty(t, schemas)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range schemas {
			if !yield(k) {
				return
			}
		}
	})
	for _, at := range names {
		if err := meta.Validate(schemas[at]); err != nil {
			t.Errorf("%s is not a JSON Schema 2020-12 schema: %v", at, err)
		}
		for _, k := range unknownKeywords(schemas[at], at) {
			t.Errorf("%s: unknown schema keyword", k)
		}
		if _, err := c.Compile("mem:///openapi.json" + at); err != nil {
			t.Errorf("%s does not compile: %v", at, err)
		}
	}
}

// collectSchemas finds the document's top-level schemas: the components' and
// those of parameters, headers and media types, by JSON pointer.
func collectSchemas(v any, at string, out map[string]any) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			p := at + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			switch {
			case at == "#/components/schemas":
				out[p] = sub
			case k == "schema":
				out[p] = sub
			default:
				collectSchemas(sub, p, out)
			}
		}
	case []any:
		for i, sub := range v {
			collectSchemas(sub, fmt.Sprintf("%s/%d", at, i), out)
		}
	}
}

var schemaKeywords = strings.Fields(`$ref $id $schema $defs $comment $anchor $dynamicRef $dynamicAnchor $vocabulary
	type enum const format title description default examples example deprecated readOnly writeOnly
	properties required additionalProperties patternProperties propertyNames minProperties maxProperties
	unevaluatedProperties dependentRequired dependentSchemas
	items prefixItems contains minContains maxContains minItems maxItems uniqueItems unevaluatedItems
	allOf anyOf oneOf not if then else
	minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength pattern
	contentMediaType contentEncoding contentSchema discriminator xml externalDocs`)

// unknownKeywords lists the keys of a schema, at any depth, that are neither
// JSON Schema 2020-12 nor OpenAPI 3.1 keywords nor x- extensions.
func unknownKeywords(s any, at string) []string {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	for k, v := range m {
		p := at + "/" + k
		switch {
		case strings.HasPrefix(k, "x-"):
		case !slices.Contains(schemaKeywords, k):
			out = append(out, p)
		case k == "properties" || k == "$defs" || k == "patternProperties" || k == "dependentSchemas":
			if sub, ok := v.(map[string]any); ok {
				for name, s := range sub {
					out = append(out, unknownKeywords(s, p+"/"+name)...)
				}
			}
		case k == "allOf" || k == "anyOf" || k == "oneOf" || k == "prefixItems":
			if sub, ok := v.([]any); ok {
				for i, s := range sub {
					out = append(out, unknownKeywords(s, fmt.Sprintf("%s/%d", p, i))...)
				}
			}
		case slices.Contains(strings.Fields("items contains additionalProperties unevaluatedProperties unevaluatedItems propertyNames not if then else contentSchema"), k):
			out = append(out, unknownKeywords(v, p)...)
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIEnumsMatchCodelists holds the document's enumerations to the
// lists the API validates against.
func TestOpenAPIEnumsMatchCodelists(t *testing.T) {
	_, m := openAPIModel(t)
	enum := func(name string) []string {
		s, ok := m.Components.Schemas.Get(name)
		require.True(t, ok, "components.schemas.%s", name)
		var out []string
		for _, n := range s.Schema().Enum {
			out = append(out, n.Value)
		}
		return out
	}
	strs := func(xs ...[]string) []string { return slices.Concat(xs...) }
	require.Equal(t, stageNames(pipeline.Stages), enum("Stage"))
	var decisions []string
	for _, d := range pipeline.Decisions {
		decisions = append(decisions, string(d))
	}
	require.Equal(t, decisions, enum("Decision"))
	var roles []string
	for _, r := range pipeline.Roles {
		roles = append(roles, string(r))
	}
	require.Equal(t, roles, enum("Role"))
	require.Equal(t, pipeline.Lists.Pillars, enum("Pillar"))
	require.Equal(t, pipeline.Lists.SupportTypes, enum("SupportType"))
	require.Equal(t, strs(pipeline.Urgencies), enum("Urgency"))
	require.Equal(t, strs(pipeline.Sensitivities), enum("Sensitivity"))
	require.Equal(t, strs(pipeline.SessionKinds), enum("SessionKind"))
	// Every problem code the catalogues translate, documented for clients.
	fe, _ := m.Components.Schemas.Get("FieldError")
	code, _ := fe.Schema().Properties.Get("code")
	var documented, codes []string
	for _, n := range code.Schema().Enum {
		documented = append(documented, n.Value)
	}
	for _, id := range i18n.IDs {
		if c, ok := strings.CutPrefix(id, "code."); ok {
			codes = append(codes, c)
		}
	}
	require.ElementsMatch(t, codes, documented)
	detail, _ := m.Components.Schemas.Get("SessionDetail")
	byStage, _ := detail.Schema().AllOf[1].Schema().Properties.Get("priorities_by_stage")
	require.Equal(t, stageNames(pipeline.Stages), slices.Collect(byStage.Schema().Properties.KeysFromOldest()))
	country := regexp.MustCompile(`^[A-Z]{2}$`) // the CountryCode pattern
	for _, c := range pipeline.Lists.CountryCodes() {
		require.Regexp(t, country, c)
	}
	// Every event kind the workflow records is listed.
	kinds := enum("EventKind")
	for _, d := range pipeline.Decisions {
		require.Contains(t, kinds, string(pipeline.EventOf(d)))
	}
	for _, k := range []pipeline.EventKind{pipeline.EventSubmitted, pipeline.EventPlanUpdated, pipeline.EventEdited,
		pipeline.EventReminder, pipeline.EventEscalated, pipeline.EventReassigned} {
		require.Contains(t, kinds, string(k))
	}
	// The lengths the API enforces.
	sub, _ := m.Components.Schemas.Get("Submission")
	props := sub.Schema().Properties
	for name, max := range map[string]int{"title": pipeline.MaxTitle, "description": pipeline.MaxText, "institution": pipeline.MaxName} {
		p, _ := props.Get(name)
		require.EqualValues(t, max, *p.Schema().MaxLength, "Submission.%s", name)
	}
	dec, _ := m.Components.Schemas.Get("DecisionInput")
	for _, name := range []string{"comment", "reason"} {
		p, _ := dec.Schema().Properties.Get(name)
		require.EqualValues(t, pipeline.MaxComment, *p.Schema().MaxLength, "DecisionInput.%s", name)
	}
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

var fileSuffix = regexp.MustCompile(`\}\.[a-z]+$`)

// routeKey is "METHOD /path" with Echo's :name written {name}, as OpenAPI does.
func routeKey(method, path string) string {
	return strings.ToUpper(method) + " " + echoParam.ReplaceAllString(path, "{$1}")
}

func documentedRoutes(t *testing.T, m *v3.Document) map[string]*v3.Operation {
	t.Helper()
	out := map[string]*v3.Operation{}
	for path, item := range m.Paths.PathItems.FromOldest() {
		// A file name's extension after a path's last parameter
		// (/calendar/{token}.ics) is part of what its route captures.
		path = fileSuffix.ReplaceAllString(path, "}")
		for method, op := range item.GetOperations().FromOldest() {
			out[routeKey(method, path)] = op
		}
	}
	return out
}

func newTestEcho() *echo.Echo {
	draining := new(atomic.Bool)
	draining.Store(true) // /readyz answers without asking PostgreSQL or Temporal
	return New(Deps{Draining: draining, Logger: slog.New(slog.DiscardHandler)})
}

// TestRouteParity: every route of New is documented, and every documented
// operation is routed; those under /v1 need the bearer token, the others none.
func TestRouteParity(t *testing.T) {
	_, m := openAPIModel(t)
	documented := documentedRoutes(t, m)
	routed := map[string]bool{}
	for _, r := range newTestEcho().Routes() {
		if r.Method == echo.RouteNotFound { // the /v1 group's catch-all, for its middleware
			continue
		}
		routed[routeKey(r.Method, r.Path)] = true
	}
	require.NotEmpty(t, routed)
	var undocumented, unrouted []string
	for k := range routed {
		if documented[k] == nil {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			unrouted = append(unrouted, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routed but not in api/openapi.yaml:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(unrouted) > 0 {
		t.Errorf("in api/openapi.yaml but not routed by New:\n  %s", strings.Join(unrouted, "\n  "))
	}

	for k, op := range documented {
		path := strings.SplitN(k, " ", 2)[1]
		sec := op.Security
		if sec == nil {
			sec = m.Security
		}
		if strings.HasPrefix(path, "/v1/") {
			require.Len(t, sec, 1, k)
			_, bearer := sec[0].Requirements.Get("bearerAuth")
			require.True(t, bearer, "%s must need the bearer token", k)
			require.NotNil(t, op.Responses.Codes.GetOrZero("401"), "%s must document 401", k)
			unavailable := op.Responses.Codes.GetOrZero("503")
			require.NotNil(t, unavailable, "%s reads PostgreSQL (the token, at least): it must document 503", k)
			_, retry := unavailable.Headers.Get("Retry-After")
			require.True(t, retry, "%s: its 503 must declare Retry-After", k)
		} else if path == "/metrics" {
			require.NotNil(t, op.Responses.Codes.GetOrZero("401"), "%s needs a token: it must document 401", k)
		} else {
			require.Empty(t, sec, "%s is public", k)
		}
		for _, name := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
			require.True(t, slices.ContainsFunc(op.Parameters, func(p *v3.Parameter) bool {
				return p.In == "path" && p.Name == name[1] && p.Required != nil && *p.Required
			}) || pathItemHasParam(m, path, name[1]), "%s: path parameter %s is not described", k, name[1])
			require.NotNil(t, op.Responses.Codes.GetOrZero("404"), "%s must document 404", k)
		}
		if op.RequestBody != nil {
			for _, status := range []string{"400", "413", "415", "422"} {
				require.NotNil(t, op.Responses.Codes.GetOrZero(status), "%s has a body: it must document %s", k, status)
			}
		}
		for _, p := range op.Parameters {
			if p.In == "query" {
				require.NotNil(t, op.Responses.Codes.GetOrZero("422"), "%s has query parameters: it must document 422", k)
			}
		}
	}
}

func pathItemHasParam(m *v3.Document, path, name string) bool {
	item, ok := m.Paths.PathItems.Get(path)
	return ok && slices.ContainsFunc(item.Parameters, func(p *v3.Parameter) bool {
		return p.In == "path" && p.Name == name && p.Required != nil && *p.Required
	})
}

func serve(e *echo.Echo, method, path string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// TestDocsPage: GET /docs is a page with no inline script, under a policy
// that lets it run only scripts of this origin and reach no other host; it
// loads the vendored Scalar bundle and its configuration from Puente's own
// paths, which serve them with a revalidated ETag. GET /openapi.yaml serves
// the file as it is.
func TestDocsPage(t *testing.T) {
	e := newTestEcho()

	rec := serve(e, http.MethodGet, "/docs", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, echo.MIMETextHTMLCharsetUTF8, rec.Header().Get(echo.HeaderContentType))
	csp := map[string]string{}
	for _, d := range strings.Split(rec.Header().Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = value
	}
	require.Equal(t, "'none'", csp["default-src"], "the policy: %v", csp)
	require.Equal(t, "'self'", csp["script-src"], "scripts of this origin only: no inline script, no eval")
	for _, d := range []string{"connect-src", "img-src", "font-src", "style-src"} {
		for _, src := range strings.Fields(csp[d]) {
			require.Contains(t, []string{"'self'", "data:", "'unsafe-inline'"}, src, "%s lets the page reach %s", d, src)
		}
	}
	page := rec.Body.String()
	scripts := regexp.MustCompile(`<script\b([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(page, -1)
	var srcs []string
	for _, s := range scripts {
		require.Empty(t, strings.TrimSpace(s[2]), "an inline script")
		src := regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(s[1])
		require.NotNil(t, src, "a script without src: %s", s[0])
		srcs = append(srcs, src[1])
	}
	require.Equal(t, []string{"docs/scalar.js", "docs/config.js"}, srcs, "relative to /docs: the bundle, then its configuration")
	require.NotRegexp(t, `(?i)\son[a-z]+=`, page, "an inline event handler")
	require.NotRegexp(t, `(?i)(src|href)="(https?:)?//`, page, "a reference to another host")

	for _, name := range []string{"scalar.js", "config.js"} {
		rec := serve(e, http.MethodGet, "/docs/"+name, nil)
		require.Equal(t, http.StatusOK, rec.Code, name)
		require.Equal(t, "text/javascript; charset=utf-8", rec.Header().Get(echo.HeaderContentType), name)
		etag := rec.Header().Get("ETag")
		require.NotEmpty(t, etag, name)
		again := serve(e, http.MethodGet, "/docs/"+name, nil, "If-None-Match", etag)
		require.Equal(t, http.StatusNotModified, again.Code, name)
		require.Empty(t, again.Body.Bytes(), name)
	}
	bundle := serve(e, http.MethodGet, "/docs/scalar.js", nil).Body.Bytes()
	readme, err := os.ReadFile("docs/scalar/README.md")
	require.NoError(t, err)
	sum := sha256.Sum256(bundle)
	require.Contains(t, string(readme), hex.EncodeToString(sum[:]), "the served bundle is the one docs/scalar/README.md names")
	config := serve(e, http.MethodGet, "/docs/config.js", nil).Body.String()
	require.Contains(t, config, "url: 'openapi.yaml'")
	require.Contains(t, config, "withDefaultFonts: false", "Scalar's default fonts come from fonts.scalar.com")
	require.NotContains(t, config, "http")
	require.Equal(t, http.StatusNotFound, serve(e, http.MethodGet, "/docs/standalone.js.map", nil).Code)

	file, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	rec = serve(e, http.MethodGet, "/openapi.yaml", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "application/yaml", rec.Header().Get(echo.HeaderContentType))
	require.Equal(t, file, rec.Body.Bytes())
}

// openAPIValidator checks requests and responses against the document.
func openAPIValidator(t *testing.T, opts ...config.Option) validator.Validator {
	doc, _ := openAPIModel(t)
	v, errs := validator.NewValidator(doc, opts...)
	require.Empty(t, errs)
	return v
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// TestOpenAPIDescribesResponses holds what the handlers write to the
// document's response schemas: the responses of the routes that need no
// services as the app writes them, and the others' bodies built by the same
// functions the handlers use.
func TestOpenAPIDescribesResponses(t *testing.T) {
	// Strict mode: a property the document does not declare is an error even
	// where additionalProperties allows it, so a field added to a Go type and
	// not to the document fails here.
	v := openAPIValidator(t, config.WithStrictMode(),
		config.WithStrictIgnorePaths("$.body.items[*].data.**"),        // an event's data is free-form
		config.WithStrictIgnoredHeadersExtra(SecurityHeaderNames()...)) // on every response, described once in info
	e := newTestEcho()
	bearer := []string{echo.HeaderAuthorization, "Bearer test"}

	check := func(name string, req *http.Request, res *http.Response) {
		t.Helper()
		ok, errs := v.ValidateHttpResponse(req, res)
		for _, err := range errs {
			t.Errorf("%s: %s %s → %d: %v", name, req.Method, req.URL.Path, res.StatusCode, err)
			for _, f := range err.SchemaValidationErrors {
				t.Errorf("    %v", f)
			}
		}
		if !ok && len(errs) == 0 {
			t.Errorf("%s: not valid", name)
		}
	}
	live := func(method, path string, body []byte, header ...string) {
		t.Helper()
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		check("live", req, rec.Result())
	}
	built := func(method, path string, status int, contentType string, body []byte) {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set(bearer[0], bearer[1])
		res := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
		res.Header.Set(echo.HeaderContentType, contentType)
		check("built", req, res)
	}
	js := func(method, path string, status int, v any) {
		t.Helper()
		built(method, path, status, "application/json", mustJSON(t, v))
	}
	prob := func(method, path string, p *Problem) {
		t.Helper()
		built(method, path, p.Status, "application/problem+json", mustJSON(t, p))
	}

	live(http.MethodGet, "/healthz", nil)
	live(http.MethodGet, "/readyz", nil) // draining: 503
	live(http.MethodGet, "/metrics", nil)
	live(http.MethodGet, "/openapi.yaml", nil)
	live(http.MethodGet, "/docs", nil)
	live(http.MethodGet, "/v1/me", nil)
	live(http.MethodGet, "/v1/priorities?stage=triage", nil, echo.HeaderAuthorization, "Basic x")
	live(http.MethodPost, "/v1/priorities", []byte(`{}`), echo.HeaderContentType, "application/json")

	const (
		pid = "7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f"
		sid = "0d9e8f7a-6b5c-4d3e-9f10-abcdefabcdef"
		fp  = "11111111-2222-4333-8444-555555555555"
		exp = "66666666-7777-4888-9999-aaaaaaaaaaaa"
		mgr = "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"
	)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	due := now.Add(20 * 24 * time.Hour)
	focal := pipeline.Actor{ID: fp, Name: "Ana Focal", Role: pipeline.FocalPoint, Countries: []string{"PE"}, Themes: []string{}}
	expert := pipeline.Actor{ID: exp, Name: "Ben Expert", Role: pipeline.Expert, Countries: []string{}, Themes: []string{"money_laundering"}}
	complete := journey.Plan().Actions[0]
	priority := func() *pipeline.Priority {
		return &pipeline.Priority{ID: pid, Ref: "PE-2026-0001", SessionID: sid, Title: "ECI con Colombia",
			Description: "Crear un equipo conjunto de investigación", Theme: "money_laundering", Pillar: "justice",
			Countries: []string{"PE", "CO"}, Institution: "Fiscalía de la Nación", Urgency: "high", Sensitivity: "public",
			Stage: pipeline.Planning, Assignee: exp, TriagedBy: mgr, PlanAuthors: []string{exp},
			StageEnteredAt: now, DueAt: &due, Version: 4, EventSeq: 5, SubmittedBy: fp, CreatedAt: now, UpdatedAt: now,
			Plan: &pipeline.Plan{Objective: journey.Plan().Objective, ExpectedOutcome: journey.Plan().ExpectedOutcome,
				GenderMarker: 1, Actions: []pipeline.Action{complete, {}}}, // the second, an unfinished draft
			RequestHash: "0123456789abcdef"}
	}
	fresh := &pipeline.Priority{ID: pid, Ref: "PE-2026-0002", Title: "t", Description: "d", Theme: "cybercrime",
		Pillar: "police", Countries: []string{"PE"}, Institution: "i", Urgency: "low", Sensitivity: "restricted",
		Stage: pipeline.Triage, StageEnteredAt: now, Version: 1, EventSeq: 1, SubmittedBy: fp, CreatedAt: now, UpdatedAt: now}
	draftOnly := priority()
	draftOnly.Plan = &pipeline.Plan{}

	created := now.Add(-time.Hour)
	person := store.User{Actor: focal, Email: "ana.focal@example.org", Language: "es", Notify: "immediate", Active: true, CreatedAt: created}
	gone := store.User{Actor: expert, Email: "ben@example.org", Language: "pt", Notify: "both", CreatedAt: created, DeactivatedAt: &now}
	js(http.MethodGet, "/v1/me", 200, person)
	js(http.MethodPut, "/v1/me/preferences", 200, person)
	js(http.MethodGet, "/v1/users", 200, newPage([]store.User{person, gone}, "next"))
	issued := people.Issued{Token: "pte_x", ExpiresAt: now.Add(90 * 24 * time.Hour)}
	js(http.MethodPost, "/v1/users", 201, newUser{person, issued})
	js(http.MethodGet, "/v1/users/"+fp, 200, userDetail{person, []store.TokenInfo{
		{ID: pid, CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastUsedAt: &now},
		{ID: sid, CreatedAt: created, ExpiresAt: now.Add(time.Hour), RevokedAt: &now}}})
	js(http.MethodGet, "/v1/users/"+fp, 200, userDetail{gone, []store.TokenInfo{}})
	js(http.MethodPatch, "/v1/users/"+fp, 200, gone)
	js(http.MethodPost, "/v1/users/"+fp+"/deactivate", 200, gone)
	js(http.MethodPost, "/v1/users/"+fp+"/token", 201, issued)
	prob(http.MethodPost, "/v1/users/"+fp+"/deactivate", problem(http.StatusConflict, "you cannot deactivate yourself"))
	prob(http.MethodPost, "/v1/users/"+fp+"/token", problem(http.StatusForbidden, "only a manager or the user themselves may do this"))
	prob(http.MethodGet, "/v1/users/"+fp, problem(http.StatusNotFound, "no such user"))
	js(http.MethodGet, "/v1/codelists", 200, pipeline.Lists)
	js(http.MethodPost, "/v1/priorities", 201, view(focal, fresh))
	js(http.MethodGet, "/v1/priorities/"+pid, 200, view(expert, priority()))
	js(http.MethodGet, "/v1/priorities/"+pid, 200, view(expert, draftOnly))
	js(http.MethodPatch, "/v1/priorities/"+pid, 200, view(focal, priority()))
	js(http.MethodPost, "/v1/priorities/"+pid+"/decisions", 200, view(focal, fresh))
	js(http.MethodPut, "/v1/priorities/"+pid+"/plan", 200, view(expert, priority()))
	js(http.MethodGet, "/v1/priorities", 200, newPage([]priorityView{view(focal, priority()), view(focal, fresh)}, "abc"))
	js(http.MethodGet, "/v1/priorities", 200, newPage[priorityView](nil, ""))
	js(http.MethodGet, "/v1/tasks", 200, newPage([]priorityView{view(expert, priority())}, ""))
	js(http.MethodGet, "/v1/priorities/"+pid+"/events", 200, map[string]any{"items": []pipeline.Event{
		{PriorityID: pid, Seq: 1, At: now, Actor: focal.Ref(), Kind: pipeline.EventSubmitted, ToStage: pipeline.Triage},
		{PriorityID: pid, Seq: 2, At: now, Actor: pipeline.Ref{ID: "system", Name: "Puente", Role: "system"},
			Kind: pipeline.EventReminder, Data: map[string]any{"stage": pipeline.Triage, "due_at": due}},
		{PriorityID: pid, Seq: 3, At: now, Actor: expert.Ref(), Kind: pipeline.EventOf(pipeline.RequestRevision),
			FromStage: pipeline.ExpertReview, ToStage: pipeline.Revision, Comment: "Precise las instituciones"},
	}})
	fresh2 := pipeline.Comment{ID: sid, PriorityID: pid, Seq: 4, Author: focal.Ref(), Text: "@ben ¿Qué fiscalías?", PostedAt: now,
		Mentions: []pipeline.Ref{expert.Ref()}, History: []pipeline.Version{}}
	edited := fresh2
	edited.Text, edited.Edited, edited.EditedAt = "@ben ¿Qué fiscalías y juzgados?", true, &now
	edited.History = []pipeline.Version{{Seq: 4, Text: fresh2.Text, At: now, By: focal.Ref()}}
	js(http.MethodGet, "/v1/priorities/"+pid+"/comments", 200, map[string]any{"items": []pipeline.Comment{edited, fresh2}})
	js(http.MethodGet, "/v1/priorities/"+pid+"/comments", 200, map[string]any{"items": []pipeline.Comment{}})
	js(http.MethodPost, "/v1/priorities/"+pid+"/comments", 201, fresh2)
	js(http.MethodPatch, "/v1/priorities/"+pid+"/comments/"+sid, 200, edited)
	prob(http.MethodPatch, "/v1/priorities/"+pid+"/comments/"+sid, problem(http.StatusForbidden, "only its author edits a comment"))
	prob(http.MethodPost, "/v1/priorities/"+pid+"/comments", invalid("the comment is not valid",
		pipeline.Problems{pipeline.Problem("text", pipeline.BidiControl, "char", "U+202E")}))
	ses := pipeline.Session{ID: sid, Title: "Reunión Anual 2025", Kind: "political_dialogue", Date: "2025-06-20",
		Venue: "Lima", Countries: []string{"PE", "CO"}, CreatedBy: mgr, CreatedAt: now}
	js(http.MethodPost, "/v1/sessions", 201, ses)
	js(http.MethodGet, "/v1/sessions", 200, newPage([]pipeline.Session{ses}, "next"))
	counts := map[pipeline.Stage]int{}
	for _, st := range pipeline.Stages {
		counts[st] = 0
	}
	counts[pipeline.Triage] = 3
	js(http.MethodGet, "/v1/sessions/"+sid, 200, struct {
		pipeline.Session
		Priorities map[pipeline.Stage]int `json:"priorities_by_stage"`
	}{ses, counts})
	sa := pipeline.SupportAction{PriorityID: pid, PriorityRef: "PE-2026-0001", Index: 0, Theme: "money_laundering", ApprovedAt: now,
		Action: complete, Delivery: pipeline.Delivery{Stage: pipeline.Scheduled, StageEnteredAt: now, DueAt: &due}}
	js(http.MethodGet, "/v1/support-actions", 200, newPage([]pipeline.SupportAction{sa}, ""))
	r := pipeline.DeliveryReport{ParticipantsWomen: 12, ParticipantsMen: 9, Institutions: []pipeline.InstitutionCount{{Name: "Fiscalía", Participants: 21}},
		Countries: []string{"PE"}, Summary: "Taller", ActualCostEUR: pipeline.Cents(4100050), Indicators: []pipeline.IndicatorActual{{Actual: 21, Note: "n"}}}
	sa.Delivery = pipeline.Delivery{Stage: pipeline.Delivered, ConfirmedStart: "2027-02-01", ConfirmedEnd: "2027-02-05", Place: "Lima",
		Report: &r, StageEnteredAt: now, DueAt: &due}
	js(http.MethodGet, "/v1/priorities/"+pid+"/actions/0", 200, service.ActionView{Action: sa,
		AllowedActs: []pipeline.DeliveryAct{pipeline.ValidateReport, pipeline.SendBack}, Events: []pipeline.Event{
			{PriorityID: pid, Seq: 14, At: now, Actor: focal.Ref(), Kind: pipeline.EventReported, Data: map[string]any{"action": 0}}}})
	delivering := priority()
	delivering.Stage, delivering.Deliveries = pipeline.Approved, []pipeline.Delivery{sa.Delivery}
	js(http.MethodPost, "/v1/priorities/"+pid+"/actions/0/delivery", 200, view(expert, delivering))
	median, p90 := 2.5, 4.0
	d := store.Dashboard{Total: 3, NeedsAttention: []store.Attention{}, NeedsReassignment: []store.Orphan{{ID: pid, Ref: "PE-2026-0001", Title: "ECI",
		Stage: pipeline.Planning, AssigneeID: exp, AssigneeName: "Ben Expert", DueAt: &due}},
		ByTheme:   []store.Count{{Key: "money_laundering", Count: 3}},
		ByCountry: []store.Count{{Key: "PE", Count: 3}}, ApprovalsPerWeek: []store.Count{{Key: "2026-02-23", Count: 1}}}
	for _, st := range pipeline.Stages {
		s := store.StageStats{Stage: st}
		if st == pipeline.Triage {
			s.Count, s.Overdue, s.MedianDays, s.P90Days = 3, 1, &median, &p90
		}
		d.Stages = append(d.Stages, s)
	}
	js(http.MethodGet, "/v1/pipeline", 200, d)
	built(http.MethodGet, "/v1/export/priorities.csv", 200, "text/csv; charset=utf-8", []byte("id,ref\r\n"))
	built(http.MethodGet, "/v1/export/iati.xml", 200, "application/xml; charset=utf-8", []byte(`<iati-activities version="2.03"/>`))

	prob(http.MethodPost, "/v1/priorities", invalid("the submission is not valid",
		pipeline.Problems{pipeline.Problem("title", pipeline.Required),
			pipeline.Problem("countries[0]", pipeline.UnknownCountry, "value", `"XX"`)}))
	prob(http.MethodPost, "/v1/priorities", problem(http.StatusForbidden, "a focal point submits priorities for its own countries"))
	prob(http.MethodGet, "/v1/priorities/"+pid, problem(http.StatusNotFound, "no priority "+pid))
	prob(http.MethodPost, "/v1/priorities/"+pid+"/decisions", problem(http.StatusPreconditionFailed, "the priority is at version 4"))
	prob(http.MethodPost, "/v1/priorities/"+pid+"/decisions", problem(http.StatusConflict, "decision not valid in the current stage"))
	prob(http.MethodPut, "/v1/priorities/"+pid+"/plan", problem(http.StatusGatewayTimeout, "the workflow did not answer in time"))
	prob(http.MethodGet, "/v1/pipeline", problem(http.StatusForbidden, "this needs the role manager, not expert"))
	prob(http.MethodGet, "/v1/export/iati.xml", problem(http.StatusNotFound, "no approved public plan to export yet"))
	prob(http.MethodGet, "/v1/tasks", invalid("the query is not valid", pipeline.Problems{pipeline.Problem("cursor", pipeline.NotACursor)}))
}

// TestOpenAPIDescribesRequests: the request schemas accept what the API
// accepts and refuse what it refuses with 422, over bodies on which the two
// can agree (codelist membership and blank strings only the API checks).
// Not in strict mode: the schemas themselves must refuse unknown fields.
func TestOpenAPIDescribesRequests(t *testing.T) {
	v := openAPIValidator(t)
	type bodyCase struct {
		body  string
		valid bool
	}
	goValid := map[string]func([]byte) bool{
		"/v1/priorities": func(b []byte) bool {
			var s pipeline.Submission
			ps, err := decode(b, &s)
			return err == nil && len(ps.Merge(s.Validate())) == 0
		},
		"/v1/priorities/{id}": func(b []byte) bool {
			var c pipeline.Changes
			ps, err := decode(b, &c)
			return err == nil && len(ps.Merge(c.Validate(""))) == 0 && !c.Empty()
		},
		"/v1/priorities/{id}/decisions": func(b []byte) bool {
			var d pipeline.DecisionInput
			ps, err := decode(b, &d)
			if err != nil || len(ps) > 0 || !d.Decision.Valid() {
				return false
			}
			t, ok := pipeline.Lookup(pipeline.Triage, d.Decision)
			if !ok {
				t, ok = pipeline.Lookup(pipeline.Revision, d.Decision)
			}
			return ok && len(d.Validate(t)) == 0
		},
		"/v1/priorities/{id}/plan": func(b []byte) bool {
			var p pipeline.Plan
			ps, err := decode(b, &p)
			return err == nil && len(ps.Merge(p.Validate(false))) == 0
		},
		"/v1/users": func(b []byte) bool {
			var in userInput
			ps, err := decode(b, &in)
			u := store.User{Actor: pipeline.Actor{Name: in.Name, Role: in.Role, Countries: in.Countries, Themes: in.Themes},
				Email: in.Email, Language: in.Language, Notify: in.Notify}
			people.Normalize(&u)
			return err == nil && len(ps.Merge(people.Validate(u))) == 0
		},
		"/v1/users/{id}": func(b []byte) bool {
			var c store.UserChanges
			ps, err := decode(b, &c)
			u := c.Apply(store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Expert, Themes: []string{"cybercrime"}},
				Email: "ana@example.org", Language: "es", Notify: "immediate"})
			return err == nil && len(ps.Merge(people.Validate(u))) == 0
		},
		"/v1/me/preferences": func(b []byte) bool {
			var p preferences
			ps, err := decode(b, &p)
			return err == nil && len(ps) == 0 && slices.Contains(store.Languages, p.Language) && slices.Contains(store.NotifyModes, p.Notify)
		},
		"/v1/sessions": func(b []byte) bool {
			var s pipeline.SessionInput
			ps, err := decode(b, &s)
			return err == nil && len(ps.Merge(s.Validate())) == 0
		},
	}
	const sub = `"title":"ECI con Colombia","description":"Crear un ECI","theme":"money_laundering","pillar":"justice","countries":["PE","CO"],"institution":"Fiscalía","urgency":"high"`
	// action is a complete action as JSON, with some fields replaced.
	action := func(replace ...any) string {
		a := journey.PlanBody()["actions"].([]any)[0].(map[string]any)
		for i := 0; i+1 < len(replace); i += 2 {
			a[replace[i].(string)] = replace[i+1]
		}
		return string(mustJSON(t, a))
	}
	cases := []struct {
		method, path, route string
		bodies              []bodyCase
	}{
		{http.MethodPost, "/v1/priorities", "/v1/priorities", []bodyCase{
			{`{` + sub + `}`, true},
			{`{` + sub + `,"sensitivity":"restricted","session_id":"0d9e8f7a-6b5c-4d3e-9f10-abcdefabcdef"}`, true},
			{`{` + sub + `,"colour":"red"}`, false},
			{`{` + sub + `,"urgency":"urgent"}`, false},
			{`{` + sub + `,"pillar":"army"}`, false},
			{`{` + sub + `,"countries":[]}`, false},
			{`{` + sub + `,"countries":["PE","PE"]}`, false},
			{`{` + sub + `,"countries":"PE"}`, false},
			{`{` + sub + `,"title":"` + strings.Repeat("x", pipeline.MaxTitle+1) + `"}`, false},
			{`{` + strings.Replace(sub, `"institution":"Fiscalía",`, "", 1) + `}`, false},
		}},
		{http.MethodPatch, "/v1/priorities/7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f", "/v1/priorities/{id}", []bodyCase{
			{`{"institution":"Fiscalía y Policía"}`, true},
			{`{"urgency":"low","sensitivity":"public","pillar":"police","title":"t","description":"d"}`, true},
			{`{}`, false},
			{`{"theme":"cybercrime"}`, false},
			{`{"urgency":"soon"}`, false},
			{`{"description":"` + strings.Repeat("x", pipeline.MaxText+1) + `"}`, false},
		}},
		{http.MethodPost, "/v1/priorities/7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f/decisions", "/v1/priorities/{id}/decisions", []bodyCase{
			{`{"decision":"accept","theme":"money_laundering","comment":"ok"}`, true},
			{`{"decision":"reject","reason":"fuera del alcance"}`, true},
			{`{"decision":"resubmit","changes":{"title":"nuevo"}}`, true},
			{`{"decision":"maybe"}`, false},
			{`{"comment":"no decision"}`, false},
			{`{"decision":"accept","urgent":true}`, false},
			{`{"decision":"resubmit","changes":{"countries":["PE"]}}`, false},
			{`{"decision":"reject","reason":"` + strings.Repeat("x", pipeline.MaxComment+1) + `"}`, false},
		}},
		{http.MethodPut, "/v1/priorities/7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f/plan", "/v1/priorities/{id}/plan", []bodyCase{
			{`{"objective":"o","expected_outcome":"e","gender_marker":1,"actions":[` + action() + `]}`, true},
			{`{"objective":"borrador","actions":[{"title":"sin terminar"}]}`, true},
			{`{"actions":null}`, true},
			{`{}`, true},
			{`{"gender_marker":3}`, false},
			{`{"gender_marker":1.5}`, false},
			{`{"actions":[` + action("budget_eur", -1) + `]}`, false},
			{`{"actions":[` + action("type", "party") + `]}`, false},
			{`{"actions":[` + action("indicators", []any{map[string]any{"name": "n", "unit": "u", "goal": 3}}) + `]}`, false},
			{`{"actions":[` + action("start_date", "1 Feb 2027") + `]}`, false},
			{`{"actions":[` + action("countries", []string{"PE", "PE"}) + `]}`, false},
			{`{"actions":[` + action("partner", "unodc") + `]}`, false},
			{`{"actions":[` + action("partner", "") + `]}`, true},
			{`{"actions":[` + action("eu_agencies", []string{"Europol"}) + `]}`, false},
			{`{"actions":[` + action("eu_agencies", []string{"europol", "europol"}) + `]}`, false},
			{`{"actions":[` + action("beneficiaries", nil, "eu_agencies", nil, "indicators", nil, "countries", nil) + `]}`, true},
			{`{"objective":"o","budget":1}`, false},
		}},
		{http.MethodPost, "/v1/users", "/v1/users", []bodyCase{
			{`{"name":"João Silva","email":"joao@example.org","role":"focal_point","countries":["BR"]}`, true},
			{`{"name":"Ana","email":"ana@example.org","language":"pt","notify":"digest","role":"expert","themes":["cybercrime"]}`, true},
			{`{"name":"Ana","email":"ana@example.org","role":"manager"}`, true},
			{`{"name":"Marie","email":"marie@example.org","role":"focal_point","countries":["HT"],"language":"fr"}`, true},
			{`{"name":"Ravi","email":"ravi@example.org","role":"focal_point","countries":["SR"],"language":"nl"}`, true},
			{`{"name":"Ana","email":"ana@example.org","role":"manager","language":"de"}`, false},
			{`{"name":"Ana","email":"ana@example.org","role":"manager","notify":"weekly"}`, false},
			{`{"name":"Ana","email":"ana@example.org","role":"admin"}`, false},
			{`{"name":"Ana","role":"manager"}`, false},
			{`{"name":"Ana","email":"ana@example.org","role":"manager","password":"x"}`, false},
			{`{"name":"Ana","email":"ana@example.org","role":"focal_point","countries":["PE","PE"]}`, false},
		}},
		{http.MethodPatch, "/v1/users/11111111-2222-4333-8444-555555555555", "/v1/users/{id}", []bodyCase{
			{`{"language":"en"}`, true},
			{`{"name":"Ana María","email":"ana.maria@example.org","notify":"both","themes":["cybercrime","corruption"]}`, true},
			{`{"language":"de"}`, false},
			{`{"role":"manager"}`, false},
			{`{"name":""}`, false},
		}},
		{http.MethodPut, "/v1/me/preferences", "/v1/me/preferences", []bodyCase{
			{`{"language":"pt","notify":"both"}`, true},
			{`{"language":"pt"}`, false},
			{`{"language":"pt","notify":"never"}`, false},
			{`{"language":"pt","notify":"digest","theme":"dark"}`, false},
		}},
		{http.MethodPost, "/v1/sessions", "/v1/sessions", []bodyCase{
			{`{"title":"Reunión Anual 2025","kind":"political_dialogue","date":"2025-06-20","venue":"Lima","countries":["PE","CO"]}`, true},
			{`{"title":"Reunión","kind":"summit","date":"2025-06-20","venue":"Lima","countries":["PE"]}`, false},
			{`{"title":"Reunión","kind":"working_session","date":"2025-06-20","countries":["PE"]}`, false},
			{`{"title":"Reunión","kind":"working_session","date":"2025-06-20","venue":"Lima","countries":["PE"],"host":"x"}`, false},
		}},
	}
	for _, c := range cases {
		for _, b := range c.bodies {
			require.Equal(t, b.valid, goValid[c.route]([]byte(b.body)), "the API's own verdict on %s %s %s", c.method, c.route, b.body)
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(b.body))
			req.Header.Set(echo.HeaderContentType, "application/json")
			req.Header.Set(echo.HeaderAuthorization, "Bearer test")
			ok, errs := v.ValidateHttpRequest(req)
			if ok != b.valid {
				t.Errorf("%s %s %s: the document says valid=%v, the API %v; %v", c.method, c.route, b.body, ok, b.valid, errs)
			}
		}
	}
}

func stageNames(stages []pipeline.Stage) []string {
	out := make([]string, len(stages))
	for i, s := range stages {
		out[i] = string(s)
	}
	return out
}
