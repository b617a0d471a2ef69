package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"

	"github.com/puente-dev/puente/internal/plantest"
	"github.com/puente-dev/puente/internal/samplefiles"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// TestMalformedInputOnEveryRoute drives every operation of the OpenAPI
// document the app serves with malformed path, query and body values derived
// from the document itself — each parameter of the wrong type, overlong,
// with control characters, invalid UTF-8, a forged cursor; each body
// property, at any depth, the same way; bodies that are not JSON, not an
// object, with a key twice — against the real app. Every answer must be a
// 4xx problem, never a 5xx, and nothing may change.
func TestMalformedInputOnEveryRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := newMalformedFixtures(t, b)
	spec := fetchSpec(t, b.app)
	before := f.snapshot(t)

	counts := map[int]int{}
	sent := 0
	for _, op := range spec.operations() {
		ctxOp := f.context(op)
		for _, req := range op.malformed(ctxOp) {
			sent++
			r := doRaw(t, b.app, req)
			counts[r.status]++
			switch {
			case r.status >= 500:
				t.Errorf("%s %s → %d %s\n  (%s)", req.method, shorten(req.target), r.status, shorten(r.body), req.what)
			case r.status < 400:
				t.Errorf("%s %s → %d, want 4xx (%s)", req.method, shorten(req.target), r.status, req.what)
			case !strings.HasPrefix(r.contentType, "application/problem+json"):
				t.Errorf("%s %s → %d as %q, want a problem (%s)", req.method, shorten(req.target), r.status, r.contentType, req.what)
			}
		}
	}
	var summary []string
	fives := 0
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		summary = append(summary, fmt.Sprintf("%d × %d", counts[s], s))
		if s >= 500 {
			fives += counts[s]
		}
	}
	t.Logf("%d malformed requests on %d operations: %s; %d × 5xx", sent, len(spec.operations()), strings.Join(summary, ", "), fives)
	if sent < 500 {
		t.Errorf("only %d requests: the document was not read as expected", sent)
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("malformed requests changed something:\nbefore %s\nafter  %s", before, after)
	}
}

// --- the app's state ------------------------------------------------------

type malformedFixtures struct {
	b                                        *bundle
	session, triage, revision, plan, absence string
	// comment is the manager's comment on the triage priority.
	comment  string
	document string
	// delivering is approved: its actions are being delivered.
	delivering string
}

func newMalformedFixtures(t *testing.T, b *bundle) *malformedFixtures {
	t.Helper()
	r := b.app.Do(t, "POST", "/v1/sessions", b.manager.Token, map[string]any{"title": "Reunión Anual 2025",
		"kind": "political_dialogue", "date": "2025-06-20", "venue": "Lima", "countries": []string{"PE", "CO"}})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("session: %s %s", r.Status, r.Body)
	}
	var ses pipeline.Session
	r.JSON(t, &ses)
	var x pipeline.Absence
	b.declare(t, b.manager2, b.manager2, map[string]any{"from": day(30), "to": day(31), "delegate_id": b.manager.ID}, http.StatusCreated).JSON(t, &x)
	f := &malformedFixtures{b: b, session: ses.ID, triage: b.driveTo(t, pipeline.Triage),
		revision: b.driveTo(t, pipeline.Revision), plan: b.driveTo(t, pipeline.Planning), absence: x.ID,
		delivering: b.approveTwoActions(t)}
	r = b.app.Do(t, "POST", "/v1/priorities/"+f.triage+"/comments", b.manager.Token, map[string]any{"text": "¿Quién lo revisa?"})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("comment: %s %s", r.Status, r.Body)
	}
	var c pipeline.Comment
	r.JSON(t, &c)
	f.comment = c.ID
	f.document = b.attach(t, b.fpPE, f.triage, "Carta.pdf", "request_letter", samplefiles.PDF()).ID
	return f
}

// snapshot is what a malformed request must not change.
func (f *malformedFixtures) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, id := range []string{f.triage, f.revision, f.plan, f.delivering} {
		p, err := f.b.app.Store.Priority(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := f.b.app.Store.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s v%d %s %d events %+v", p.Ref, p.Version, p.Stage, len(evs), p.Deliveries))
	}
	conn, err := pgx.Connect(ctx, f.b.app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n [6]int
	for i, q := range []string{`SELECT count(*) FROM priorities`, `SELECT count(*) FROM sessions`, `SELECT count(*) FROM users`,
		`SELECT count(*) FROM absences WHERE cancelled_at IS NULL`, `SELECT count(*) FROM documents`, `SELECT count(*) FROM blob_chunks`} {
		if err := conn.QueryRow(ctx, q).Scan(&n[i]); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(out, "; ") + fmt.Sprintf("; %d priorities, %d sessions, %d users, %d absences, %d documents in %d chunks",
		n[0], n[1], n[2], n[3], n[4], n[5])
}

// opContext is who calls an operation and the valid path values that take
// a request as deep as its body or query.
type opContext struct {
	token string
	ids   map[string]string
	base  map[string]any // a body the malformed value is merged into
}

func (f *malformedFixtures) context(op operation) opContext {
	b := f.b
	c := opContext{token: b.manager.Token, ids: map[string]string{"id": f.triage, "asset": "config.js",
		"absence_id": f.absence, "comment_id": f.comment, "doc_id": f.document}}
	switch {
	case strings.HasPrefix(op.path, "/v1/sessions/"):
		c.ids["id"] = f.session
	case strings.HasPrefix(op.path, "/v1/users/"):
		c.ids["id"] = b.manager2.ID
	}
	switch op.method + " " + op.path {
	case "POST /v1/priorities", "PUT /v1/me/preferences":
		c.token = b.fpPE.Token
	case "PATCH /v1/priorities/{id}":
		c.token, c.ids["id"] = b.fpPE.Token, f.revision
	case "PUT /v1/priorities/{id}/plan":
		c.token, c.ids["id"] = b.expert.Token, f.plan
	case "POST /v1/priorities/{id}/decisions":
		c.base = map[string]any{"decision": "reject", "reason": "fuera de mandato"}
	case "POST /v1/users/{id}/absences":
		c.base = map[string]any{"from": day(40), "to": day(41), "delegate_id": b.manager.ID}
	case "GET /v1/priorities/{id}/actions/{idx}":
		c.ids["id"], c.ids["idx"] = f.delivering, "0"
	case "POST /v1/priorities/{id}/actions/{idx}/delivery":
		c.token, c.ids["id"], c.ids["idx"] = b.implFIIAPP.Token, f.delivering, "0"
		c.base = map[string]any{"act": "confirm", "start_date": "2027-02-01", "end_date": "2027-02-05", "place": "Lima"}
	}
	return c
}

// --- the document -----------------------------------------------------------

type openAPI struct{ doc map[string]any }

type operation struct {
	spec   *openAPI
	method string
	path   string
	params []map[string]any
	body   map[string]any // the request body's schema, or nil
}

func fetchSpec(t *testing.T, app *testenv.App) *openAPI {
	t.Helper()
	r := app.Do(t, "GET", "/openapi.yaml", "", nil)
	var doc map[string]any
	if err := yaml.Unmarshal(r.Body, &doc); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.yaml: %s %v", r.Status, err)
	}
	return &openAPI{doc: doc}
}

// resolve follows a local $ref.
func (s *openAPI) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = s.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

func (s *openAPI) operations() []operation {
	var ops []operation
	paths := s.doc["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := s.resolve(paths[path])
		var shared []any
		if p, ok := item["parameters"].([]any); ok {
			shared = p
		}
		for _, method := range []string{"get", "post", "put", "patch", "delete"} {
			o, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			op := operation{spec: s, method: strings.ToUpper(method), path: path}
			own, _ := o["parameters"].([]any)
			for _, p := range append(slices.Clone(shared), own...) {
				op.params = append(op.params, s.resolve(p))
			}
			if rb := s.resolve(o["requestBody"]); rb != nil {
				if c, ok := rb["content"].(map[string]any); ok {
					if mt, ok := c["application/json"].(map[string]any); ok {
						op.body = s.resolve(mt["schema"])
					}
				}
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// --- the malformed requests ------------------------------------------------

type rawRequest struct {
	method, target, contentType, token string
	body                               []byte
	what                               string
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func (op operation) target(ids map[string]string, override map[string]string, query string) string {
	p := pathParam.ReplaceAllStringFunc(op.path, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := override[name]; ok {
			return v
		}
		return url.PathEscape(ids[name])
	})
	if query != "" {
		p += "?" + query
	}
	return p
}

// Values no parameter of any type takes.
var hostileStrings = map[string]string{
	"overlong":        strings.Repeat("a", 5000),
	"NUL":             "a\x00b",
	"escape sequence": "\x1b[31m",
	"newline":         "a\nb",
	"invalid UTF-8":   "\xff\xfe",
	"UTF-8 surrogate": "\xed\xa0\x80",
	"C1 control":      "a\u0085b",
}

func forgedCursors() map[string]string {
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]string{
		"forged cursor, id of x":        enc([]byte("2025-01-01T00:00:00Z|" + strings.Repeat("x", 36))),
		"forged cursor, no id":          enc([]byte("2025-01-01T00:00:00Z|")),
		"forged cursor, three parts":    enc([]byte("2025-01-01T00:00:00Z|6f1c1c52-3f0e-4f7e-9d7e-4b8f0e6a2c11|99999999999")),
		"forged cursor, year 0":         enc([]byte("0000-01-01T00:00:00Z|6f1c1c52-3f0e-4f7e-9d7e-4b8f0e6a2c11|-1")),
		"forged cursor, uppercase id":   enc([]byte("2025-01-01T00:00:00Z|6F1C1C52-3F0E-4F7E-9D7E-4B8F0E6A2C11|0|1")),
		"forged cursor, SQL":            enc([]byte("2025-01-01T00:00:00Z|' OR 1=1 --")),
		"cursor not base64":             "!!!",
		"cursor base64 of invalid text": enc([]byte("\xff\xfe|\x00")),
	}
}

// wrongType is a value of the wrong type for a parameter's schema, if any.
func wrongType(s map[string]any) []string {
	switch s["type"] {
	case "integer":
		return []string{"abc", "-1", "0", "1e3", "99999999999999999999", "1.5"}
	case "boolean":
		return []string{"yes", "1x", "TRUE "}
	}
	if _, ok := s["enum"]; ok {
		return []string{"nope", "TRIAGE"}
	}
	if s["format"] == "uuid" {
		return []string{"not-a-uuid", "urn:uuid:6f1c1c52-3f0e-4f7e-9d7e-4b8f0e6a2c11", "6F1C1C52-3F0E-4F7E-9D7E-4B8F0E6A2C11"}
	}
	if p, ok := s["pattern"].(string); ok && p != "" {
		return []string{"no match here"}
	}
	return nil
}

func badPathValues(valid string) map[string]string {
	return map[string]string{
		"not a UUID": "not-a-uuid", "urn:uuid": "urn:uuid:" + valid, "braces": "%7B" + valid + "%7D",
		"uppercase": strings.ToUpper(valid), "NUL": valid + "%00", "only NUL": "%00", "invalid UTF-8": "%FF%FE",
		"overlong": strings.Repeat("a", 10000), "traversal": "..%2F..%2Fetc%2Fpasswd", "newline": valid + "%0A",
		"36 x": strings.Repeat("x", 36), "UTF-8 surrogate": "%ED%A0%80", "bidi override": "%E2%80%AE" + valid,
		"SQL": "1%27%20OR%20%271%27%3D%271", "negative": "-1", "leading zero": "0" + valid, "plus": "%2B" + valid,
		"beyond int64": "99999999999999999999", "float": valid + ".0",
	}
}

func (op operation) malformed(c opContext) []rawRequest {
	var out []rawRequest
	add := func(r rawRequest) {
		r.token = c.token
		out = append(out, r)
	}

	// Path parameters.
	for _, p := range op.params {
		if p["in"] != "path" {
			continue
		}
		name := p["name"].(string)
		for what, v := range badPathValues(c.ids[name]) {
			if v == c.ids[name] {
				continue // an index has no case: still the valid value
			}
			add(rawRequest{method: op.method, target: op.target(c.ids, map[string]string{name: v}, ""),
				what: "path " + name + ": " + what, body: bodyFor(op, c, nil), contentType: jsonIfBody(op)})
		}
	}
	// Query parameters.
	var queryParams []map[string]any
	for _, p := range op.params {
		if p["in"] == "query" {
			queryParams = append(queryParams, p)
		}
	}
	for _, p := range queryParams {
		name := p["name"].(string)
		schema := op.spec.resolve(p["schema"])
		values := map[string]string{}
		maps.Copy(values, hostileStrings)
		for _, v := range wrongType(schema) {
			values["wrong type "+v] = v
		}
		if name == "cursor" {
			maps.Copy(values, forgedCursors())
		}
		for what, v := range values {
			add(rawRequest{method: op.method, target: op.target(c.ids, nil, url.QueryEscape(name)+"="+url.QueryEscape(v)),
				what: "query " + name + ": " + what})
		}
	}
	if len(queryParams) > 0 {
		for what, name := range map[string]string{"unknown": "bogus", "NUL in a name": "a\x00b", "invalid UTF-8 name": "\xff",
			"script name": "<script>", "overlong name": strings.Repeat("p", 5000)} {
			add(rawRequest{method: op.method, target: op.target(c.ids, nil, url.QueryEscape(name)+"=1"),
				what: "query name: " + what})
		}
	}
	// Bodies.
	if op.body == nil {
		return out
	}
	target := op.target(c.ids, nil, "")
	for what, body := range map[string]string{
		"empty": "", "not JSON": "{", "trailing data": "{}x", "array": "[]", "null": "null", "string": `"x"`,
		"key twice": `{"a":1,"a":2}`, "invalid UTF-8": "{\"x\":\"\xff\"}", "lone surrogate": `{"x":"\ud800"}`,
		"NUL in a key": `{"a\u0000b":1}`, "deep": strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"over 1 MiB": `{"x":"` + strings.Repeat("a", 1<<20) + `"}`,
	} {
		add(rawRequest{method: op.method, target: target, contentType: "application/json", body: []byte(body), what: "body: " + what})
	}
	add(rawRequest{method: op.method, target: target, contentType: "text/plain", body: []byte("{}"), what: "body as text/plain"})
	for _, m := range op.bodyMutations(op.body, nil, 0) {
		add(rawRequest{method: op.method, target: target, contentType: "application/json", body: bodyFor(op, c, m.set),
			what: "body " + m.what})
	}
	return out
}

// mutation sets one property, at any depth, to a bad value.
type mutation struct {
	what string
	set  func(base map[string]any)
}

// badValues are the values a property of this schema must refuse.
func (s *openAPI) badValues(schema map[string]any) map[string]any {
	typ, _ := schema["type"].(string)
	if types, ok := schema["type"].([]any); ok && len(types) > 0 {
		typ, _ = types[0].(string)
	}
	switch typ {
	case "string":
		return map[string]any{"NUL": "a\x00b", "escape": "\x1b[31m", "DEL": "a\x7fb", "C1": "a\u0085b",
			"overlong": strings.Repeat("é", 20000), "number": 123, "object": map[string]any{"a": 1},
			"raw lone surrogate": rawJSON(`"\ud800"`), "raw invalid UTF-8": rawJSON("\"\xff\"")}
	case "integer", "number":
		return map[string]any{"string": "12", "huge": rawJSON("1e400"), "negative": -1, "fraction": rawJSON("0.001"), "true": true}
	case "boolean":
		return map[string]any{"string": "true", "number": 1}
	case "array":
		return map[string]any{"string": "x", "object": map[string]any{}, "array of 1000 bad": slices.Repeat([]any{map[string]any{"x": 1}}, 1000)}
	case "object":
		return map[string]any{"string": "x", "array": []any{}}
	}
	return map[string]any{"object": map[string]any{"zz": rawJSON(`"\ud800"`)}}
}

func (op operation) bodyMutations(schema map[string]any, path []string, depth int) []mutation {
	if depth > 4 || schema == nil {
		return nil
	}
	var out []mutation
	props, _ := schema["properties"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		ps := op.spec.resolve(props[name])
		here := append(slices.Clone(path), name)
		for what, v := range op.spec.badValues(ps) {
			out = append(out, mutation{what: strings.Join(here, ".") + ": " + what, set: setter(here, v)})
		}
		switch {
		case ps["type"] == "object":
			out = append(out, op.bodyMutations(ps, here, depth+1)...)
		case ps["type"] == "array":
			if items := op.spec.resolve(ps["items"]); items != nil && items["type"] == "object" {
				out = append(out, op.bodyMutations(items, append(here, "[]"), depth+1)...)
			}
		}
	}
	return out
}

// setter sets the property at path ("actions", "[]", "title") of a body to v,
// making the objects and one-element arrays on the way.
func setter(path []string, v any) func(map[string]any) {
	return func(base map[string]any) {
		var cur any = base
		for i, k := range path {
			last := i == len(path)-1
			if k == "[]" {
				continue
			}
			m := cur.(map[string]any)
			if last {
				m[k] = v
				return
			}
			if path[i+1] == "[]" {
				obj := map[string]any{}
				m[k] = []any{obj}
				cur = obj
			} else {
				obj := map[string]any{}
				m[k] = obj
				cur = obj
			}
		}
	}
}

type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func bodyFor(op operation, c opContext, set func(map[string]any)) []byte {
	if op.body == nil {
		return nil
	}
	base := map[string]any{}
	maps.Copy(base, c.base)
	if set != nil {
		set(base)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(base); err != nil {
		panic(err) // rawJSON values are JSON, however hostile
	}
	return []byte(buf.String())
}

func jsonIfBody(op operation) string {
	if op.body != nil {
		return "application/json"
	}
	return ""
}

type rawResponse struct {
	status      int
	contentType string
	body        string
}

func doRaw(t *testing.T, app *testenv.App, r rawRequest) rawResponse {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		body = strings.NewReader(string(r.body))
	}
	req, err := http.NewRequest(r.method, app.URL+r.target, body)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, shorten(r.target), err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, shorten(r.target), err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rawResponse{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), body: string(b)}
}

func shorten(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// TestHostileInputToTheAnnualPlan sends the annual plan's and the session
// outcome's routes, as JSON and as workbooks, every kind of bad query and
// path: a year missing, not a number, out of range, with NUL or control
// characters or full-width digits; a session that is not a UUID or names
// none; parameters they do not take. Each is a 4xx problem, and nothing
// changes.
func TestHostileInputToTheAnnualPlan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fx, err := plantest.Seed(context.Background(), b.app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	count := func() string {
		conn, err := pgx.Connect(context.Background(), b.app.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var out string
		if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM priorities)::text || ' ' ||
			(SELECT count(*) FROM support_actions) || ' ' || (SELECT sum(budget_eur) FROM support_actions) || ' ' ||
			(SELECT count(*) FROM sessions) || ' ' || (SELECT count(*) FROM users)`).Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := count()
	queries := map[string]int{
		"": 422, "?year=": 422, "?year=abc": 422, "?year=1989": 422, "?year=2101": 422, "?year=2027.5": 422, "?year=-2027": 422,
		"?year=99999999999999999999999": 422, "?year=2027%00": 422, "?year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%97": 422,
		"?year=%FF": 422, "?year=2027&session=x": 422, "?year=2027&session=%00": 422,
		"?year=2027&session=" + strings.Repeat("a", 5000): 422, "?year=2027&session='%20OR%201=1--": 422,
		"?year=2027&session=00000000-0000-4000-8000-000000000000": 404, "?year=2027&foo=1": 422, "?year=2027&limit=1": 422,
		"?year=2027&cursor=x": 422, "?year=2027&session_id=" + fx.Session1: 422,
	}
	for _, path := range []string{"/v1/annual-plan", "/v1/annual-plan.xlsx"} {
		for q, want := range queries {
			r := doRaw(t, b.app, rawRequest{method: "GET", target: path + q, token: b.fpPE.Token})
			if r.status != want || !strings.HasPrefix(r.contentType, "application/problem+json") {
				t.Errorf("GET %s%s → %d %s, want a %d problem", path, shorten(q), r.status, r.contentType, want)
			}
		}
	}
	for _, path := range []string{"/v1/sessions/%s/outcome%s", "/v1/sessions/%s/outcome.xlsx%s"} {
		for _, c := range []struct {
			id, query string
			want      int
		}{{"nope", "", 404}, {"%00", "", 404}, {strings.Repeat("9", 3000), "", 404}, {"00000000-0000-4000-8000-000000000000", "", 404},
			{fx.Session1, "?limit=5", 422}, {fx.Session1, "?x=1", 422}, {fx.Session1, "?year=2027", 422}} {
			target := fmt.Sprintf(path, c.id, c.query)
			r := doRaw(t, b.app, rawRequest{method: "GET", target: target, token: b.fpPE.Token})
			if r.status != c.want || !strings.HasPrefix(r.contentType, "application/problem+json") {
				t.Errorf("GET %s → %d %s, want a %d problem", shorten(target), r.status, r.contentType, c.want)
			}
		}
	}
	if r := doRaw(t, b.app, rawRequest{method: "GET", target: "/v1/annual-plan?year=2027"}); r.status != http.StatusUnauthorized {
		t.Errorf("no token → %d, want 401", r.status)
	}
	if after := count(); after != before {
		t.Errorf("hostile requests changed something: %s → %s", before, after)
	}
}
