package api

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

// openAPIYAML is the OpenAPI 3.1 description of every route of New, served
// at GET /openapi.yaml and rendered at GET /docs. docs_test.go holds it to
// the route table, to the OpenAPI 3.1 schema and to what the handlers write.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// spec is the document as parsed at startup, and docsHTML the page rendered
// from it; a malformed document stops the program here, and fails the tests.
var (
	spec     = mustParseSpec(openAPIYAML)
	docsHTML = mustRenderDocs(spec)
)

// openAPISpec handles GET /openapi.yaml.
func openAPISpec(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPIYAML)
}

// docs handles GET /docs: the document as one HTML page, rendered at startup,
// with no script and nothing fetched from elsewhere.
func docs(c echo.Context) error {
	return c.HTMLBlob(http.StatusOK, docsHTML)
}

// The parts of an OpenAPI document the page shows. Paths keep the document's
// order, which yaml.Node preserves and a map would not.
type specDoc struct {
	OpenAPI string `yaml:"openapi"`
	Info    struct {
		Title       string `yaml:"title"`
		Version     string `yaml:"version"`
		Summary     string `yaml:"summary"`
		Description string `yaml:"description"`
	} `yaml:"info"`
	Tags       []specTag             `yaml:"tags"`
	Security   []map[string][]string `yaml:"security"`
	Paths      yaml.Node             `yaml:"paths"`
	Components struct {
		Parameters map[string]specParam    `yaml:"parameters"`
		Responses  map[string]specResponse `yaml:"responses"`
		Schemas    map[string]specSchema   `yaml:"schemas"`
	} `yaml:"components"`

	ops []specOp // every operation, in document order
}

type specTag struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

type specPathItem struct {
	Parameters []specParam `yaml:"parameters"`
	Get        *specOp     `yaml:"get"`
	Put        *specOp     `yaml:"put"`
	Post       *specOp     `yaml:"post"`
	Delete     *specOp     `yaml:"delete"`
	Options    *specOp     `yaml:"options"`
	Head       *specOp     `yaml:"head"`
	Patch      *specOp     `yaml:"patch"`
	Trace      *specOp     `yaml:"trace"`
}

type specOp struct {
	Tags        []string                `yaml:"tags"`
	OperationID string                  `yaml:"operationId"`
	Summary     string                  `yaml:"summary"`
	Description string                  `yaml:"description"`
	Parameters  []specParam             `yaml:"parameters"`
	RequestBody *specBody               `yaml:"requestBody"`
	Responses   map[string]specResponse `yaml:"responses"`
	Security    *[]map[string][]string  `yaml:"security"`

	Method string `yaml:"-"`
	Path   string `yaml:"-"`
}

type specParam struct {
	Ref         string     `yaml:"$ref"`
	Name        string     `yaml:"name"`
	In          string     `yaml:"in"`
	Required    bool       `yaml:"required"`
	Description string     `yaml:"description"`
	Schema      specSchema `yaml:"schema"`
}

type specBody struct {
	Required bool                     `yaml:"required"`
	Content  map[string]specMediaType `yaml:"content"`
}

type specMediaType struct {
	Schema specSchema `yaml:"schema"`
}

type specResponse struct {
	Ref         string                   `yaml:"$ref"`
	Description string                   `yaml:"description"`
	Headers     map[string]yaml.Node     `yaml:"headers"`
	Content     map[string]specMediaType `yaml:"content"`
}

// specSchema is as much of a schema as the page shows.
type specSchema struct {
	Ref         string       `yaml:"$ref"`
	Type        yaml.Node    `yaml:"type"` // a string, or a list in 3.1
	Format      string       `yaml:"format"`
	Enum        []string     `yaml:"enum"`
	Const       yaml.Node    `yaml:"const"`
	Default     yaml.Node    `yaml:"default"`
	Minimum     *float64     `yaml:"minimum"`
	Maximum     *float64     `yaml:"maximum"`
	MinLen      *int         `yaml:"minLength"`
	MaxLen      *int         `yaml:"maxLength"`
	MinItems    *int         `yaml:"minItems"`
	MaxItems    *int         `yaml:"maxItems"`
	Unique      bool         `yaml:"uniqueItems"`
	Pattern     string       `yaml:"pattern"`
	Description string       `yaml:"description"`
	Items       *specSchema  `yaml:"items"`
	AllOf       []specSchema `yaml:"allOf"`
	AnyOf       []specSchema `yaml:"anyOf"`
	OneOf       []specSchema `yaml:"oneOf"`
	Required    []string     `yaml:"required"`
	Properties  yaml.Node    `yaml:"properties"` // a mapping, in document order
	Additional  yaml.Node    `yaml:"additionalProperties"`
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (p *specPathItem) op(method string) *specOp {
	switch method {
	case "get":
		return p.Get
	case "put":
		return p.Put
	case "post":
		return p.Post
	case "delete":
		return p.Delete
	case "options":
		return p.Options
	case "head":
		return p.Head
	case "patch":
		return p.Patch
	case "trace":
		return p.Trace
	}
	return nil
}

// parseSpec reads the parts of an OpenAPI document that the page and the
// route check use, resolving the local parameter and response references.
func parseSpec(b []byte) (*specDoc, error) {
	var d specDoc
	if err := yaml.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	if d.Paths.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("paths is not a mapping")
	}
	for i := 0; i+1 < len(d.Paths.Content); i += 2 {
		path := d.Paths.Content[i].Value
		var item specPathItem
		if err := d.Paths.Content[i+1].Decode(&item); err != nil {
			return nil, fmt.Errorf("paths %s: %w", path, err)
		}
		for _, m := range methods {
			op := item.op(m)
			if op == nil {
				continue
			}
			op.Method, op.Path = strings.ToUpper(m), path
			params := append(append([]specParam{}, item.Parameters...), op.Parameters...)
			op.Parameters = op.Parameters[:0]
			for _, p := range params {
				r, err := d.param(p)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", op.Method, path, err)
				}
				op.Parameters = append(op.Parameters, r)
			}
			for status, r := range op.Responses {
				res, err := d.response(r)
				if err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", op.Method, path, status, err)
				}
				op.Responses[status] = res
			}
			d.ops = append(d.ops, *op)
		}
	}
	return &d, nil
}

// ref finds a local reference's name under #/components/kind/.
func ref(r, kind string) (string, error) {
	name, ok := strings.CutPrefix(r, "#/components/"+kind+"/")
	if !ok {
		return "", fmt.Errorf("%s is not a reference to components.%s", r, kind)
	}
	return name, nil
}

func (d *specDoc) param(p specParam) (specParam, error) {
	if p.Ref == "" {
		return p, nil
	}
	name, err := ref(p.Ref, "parameters")
	if err != nil {
		return p, err
	}
	c, ok := d.Components.Parameters[name]
	if !ok {
		return p, fmt.Errorf("no parameter %s", p.Ref)
	}
	return c, nil
}

// response resolves a reference; a description beside $ref overrides the
// component's, as OpenAPI 3.1 allows.
func (d *specDoc) response(r specResponse) (specResponse, error) {
	if r.Ref == "" {
		return r, nil
	}
	name, err := ref(r.Ref, "responses")
	if err != nil {
		return r, err
	}
	c, ok := d.Components.Responses[name]
	if !ok {
		return r, fmt.Errorf("no response %s", r.Ref)
	}
	if r.Description != "" {
		c.Description = r.Description
	}
	return c, nil
}

func mustParseSpec(b []byte) *specDoc {
	d, err := parseSpec(b)
	if err != nil {
		panic(fmt.Sprintf("api: embedded openapi.yaml: %v", err))
	}
	return d
}

// secured reports whether an operation needs a bearer token.
func (d *specDoc) secured(op specOp) bool {
	sec := d.Security
	if op.Security != nil {
		sec = *op.Security
	}
	return len(sec) > 0
}

// schemaText summarises a schema in a few words: its type or referenced
// component, format, enumeration, bounds and default.
func (d *specDoc) schemaText(s specSchema) string {
	var parts []string
	switch {
	case s.Ref != "":
		name, err := ref(s.Ref, "schemas")
		if err != nil {
			return s.Ref
		}
		parts = append(parts, name)
		if c, ok := d.Components.Schemas[name]; ok && c.Ref == "" && len(c.Enum) > 0 {
			s.Enum = c.Enum
		}
	case s.Items != nil:
		parts = append(parts, "array of "+d.schemaText(*s.Items))
		if s.Type.Kind == yaml.SequenceNode {
			parts = append(parts, "or null")
		}
	case len(s.AnyOf) > 0 || len(s.OneOf) > 0:
		var alts []string
		for _, a := range append(s.AnyOf, s.OneOf...) {
			alts = append(alts, d.schemaText(a))
		}
		parts = append(parts, strings.Join(alts, " or "))
	case s.Const.Kind == yaml.ScalarNode:
		parts = append(parts, fmt.Sprintf("%q", s.Const.Value))
	case s.Type.Kind == yaml.ScalarNode:
		parts = append(parts, s.Type.Value)
	case s.Type.Kind == yaml.SequenceNode:
		var ts []string
		for _, t := range s.Type.Content {
			ts = append(ts, t.Value)
		}
		parts = append(parts, strings.Join(ts, " or "))
	}
	if s.Format != "" && len(parts) > 0 {
		parts[len(parts)-1] += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		parts = append(parts, "one of: "+strings.Join(s.Enum, ", "))
	}
	bounds := func(what string, lo, hi string) {
		switch {
		case lo != "" && hi != "":
			parts = append(parts, fmt.Sprintf("%s %s to %s", what, lo, hi))
		case lo != "":
			parts = append(parts, fmt.Sprintf("%s at least %s", what, lo))
		case hi != "":
			parts = append(parts, fmt.Sprintf("%s at most %s", what, hi))
		}
	}
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	count := func(n *int) string {
		if n == nil {
			return ""
		}
		return strconv.Itoa(*n)
	}
	bounds("from", num(s.Minimum), num(s.Maximum))
	bounds("characters:", count(s.MinLen), count(s.MaxLen))
	bounds("items:", count(s.MinItems), count(s.MaxItems))
	if s.Unique {
		parts = append(parts, "no repeats")
	}
	if s.Pattern != "" {
		parts = append(parts, "matching "+s.Pattern)
	}
	if s.Default.Kind == yaml.ScalarNode {
		parts = append(parts, "default "+s.Default.Value)
	}
	return strings.Join(parts, ", ")
}

// schemaRef is the name of the component a schema refers to, or "".
func schemaRef(s specSchema) string {
	name, _ := ref(s.Ref, "schemas")
	return name
}

// docsSchema describes a component schema: its properties, those of its
// allOf parts included, in document order.
func (d *specDoc) docsSchema(name string, s specSchema) docsSchema {
	out := docsSchema{Name: name, Description: s.Description}
	var props func(s specSchema)
	props = func(s specSchema) {
		for _, part := range s.AllOf {
			if n := schemaRef(part); n != "" {
				part = d.Components.Schemas[n]
			}
			props(part)
		}
		for i := 0; i+1 < len(s.Properties.Content); i += 2 {
			var p specSchema
			if err := s.Properties.Content[i+1].Decode(&p); err != nil {
				continue
			}
			out.Props = append(out.Props, docsProp{
				Name: s.Properties.Content[i].Value, Schema: d.schemaText(p), Ref: schemaRef(p),
				Required: slices.Contains(s.Required, s.Properties.Content[i].Value), Description: p.Description,
			})
		}
	}
	props(s)
	switch {
	case len(out.Props) == 0:
		out.Summary = d.schemaText(s)
	case s.Additional.Kind == yaml.ScalarNode && s.Additional.Value == "false":
		out.Summary = "No other property is accepted."
	}
	return out
}

// The page's view of the document.
type (
	docsPage struct {
		Title, Version, Summary, Description string
		Groups                               []docsGroup
		Schemas                              []docsSchema
	}
	docsGroup struct {
		Tag, Description string
		Ops              []docsOp
	}
	docsOp struct {
		Anchor, Method, Path, Summary, Description string
		Auth                                       string
		Params                                     []docsParam
		Body                                       *docsBody
		Responses                                  []docsResponse
	}
	docsParam struct {
		Name, In, Schema, Description string
		Required                      bool
	}
	docsBody struct {
		Required bool
		Content  []docsContent
	}
	docsContent struct{ Type, Schema, Ref string }
	docsSchema  struct {
		Name, Description, Summary string
		Props                      []docsProp
	}
	docsProp struct {
		Name, Schema, Ref, Description string
		Required                       bool
	}
	docsResponse struct {
		Status, Description string
		Headers             []string
		Content             []docsContent
	}
)

func (d *specDoc) page() docsPage {
	p := docsPage{Title: d.Info.Title, Version: d.Info.Version, Summary: d.Info.Summary, Description: d.Info.Description}
	index := map[string]int{}
	group := func(tag, desc string) int {
		if i, ok := index[tag]; ok {
			return i
		}
		index[tag] = len(p.Groups)
		p.Groups = append(p.Groups, docsGroup{Tag: tag, Description: desc})
		return index[tag]
	}
	for _, t := range d.Tags {
		group(t.Name, t.Description)
	}
	for _, op := range d.ops {
		tag := "other"
		if len(op.Tags) > 0 {
			tag = op.Tags[0]
		}
		g := &p.Groups[group(tag, "")]
		g.Ops = append(g.Ops, d.docsOp(op))
	}
	groups := p.Groups[:0]
	for _, g := range p.Groups {
		if len(g.Ops) > 0 {
			groups = append(groups, g)
		}
	}
	p.Groups = groups
	names := make([]string, 0, len(d.Components.Schemas))
	for n := range d.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.Schemas = append(p.Schemas, d.docsSchema(n, d.Components.Schemas[n]))
	}
	return p
}

func (d *specDoc) docsOp(op specOp) docsOp {
	o := docsOp{
		Anchor: op.OperationID, Method: op.Method, Path: op.Path,
		Summary: op.Summary, Description: op.Description, Auth: "public",
	}
	if o.Anchor == "" {
		o.Anchor = strings.ToLower(op.Method) + strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-").Replace(op.Path)
	}
	if d.secured(op) {
		o.Auth = "Authorization: Bearer <token>"
	}
	for _, pr := range op.Parameters {
		o.Params = append(o.Params, docsParam{Name: pr.Name, In: pr.In, Required: pr.Required,
			Schema: d.schemaText(pr.Schema), Description: pr.Description})
	}
	if op.RequestBody != nil {
		o.Body = &docsBody{Required: op.RequestBody.Required, Content: d.content(op.RequestBody.Content)}
	}
	statuses := make([]string, 0, len(op.Responses))
	for s := range op.Responses {
		statuses = append(statuses, s)
	}
	sort.Strings(statuses)
	for _, s := range statuses {
		r := op.Responses[s]
		dr := docsResponse{Status: s, Description: r.Description, Content: d.content(r.Content)}
		for h := range r.Headers {
			dr.Headers = append(dr.Headers, h)
		}
		sort.Strings(dr.Headers)
		o.Responses = append(o.Responses, dr)
	}
	return o
}

func (d *specDoc) content(m map[string]specMediaType) []docsContent {
	var out []docsContent
	for t, mt := range m {
		out = append(out, docsContent{Type: t, Schema: d.schemaText(mt.Schema), Ref: schemaRef(mt.Schema)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{
	"lower":  strings.ToLower,
	"paras":  paras,
	"inline": inline,
	"join":   func(ps []string) string { return strings.Join(ps, " ") },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:62rem;padding:1rem 1.5rem;color:#1b1b1b}
h1{margin-bottom:0}h2{border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2.5rem;text-transform:capitalize}
h3{font-size:1.05rem;margin:0}code,.path{font-family:ui-monospace,monospace}
section.op{border:1px solid #ddd;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-weight:600;font-size:.85rem;padding:.05rem .4rem;margin-right:.5rem}
.get{background:#2b6cb0}.post{background:#2f855a}.put{background:#b7791f}.patch{background:#6b46c1}.delete{background:#c53030}
.auth{color:#555;font-size:.85rem}table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
nav ul{columns:2;padding-left:1.2rem}.muted{color:#666}
section.schema{margin:1rem 0 1.5rem}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="muted">Version {{.Version}} · OpenAPI 3.1 · the document itself: <a href="/openapi.yaml">/openapi.yaml</a></p>
{{with .Summary}}<p>{{.}}</p>{{end}}
{{range paras .Description}}<p>{{inline .}}</p>
{{end}}
<nav><h2>Contents</h2><ul>
{{range .Groups}}{{range .Ops}}<li><a href="#{{.Anchor}}"><code>{{.Method}} {{.Path}}</code></a> — {{.Summary}}</li>
{{end}}{{end}}<li><a href="#schemas">Schemas</a></li></ul></nav>
{{range .Groups}}
<h2 id="tag-{{.Tag}}">{{.Tag}}</h2>
{{with .Description}}<p>{{inline .}}</p>{{end}}
{{range .Ops}}
<section class="op" id="{{.Anchor}}">
<h3><span class="method {{lower .Method}}">{{.Method}}</span><span class="path">{{.Path}}</span> — {{.Summary}}</h3>
<p class="auth">{{.Auth}}</p>
{{range paras .Description}}<p>{{inline .}}</p>
{{end}}
{{if .Params}}<h4>Parameters</h4>
<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{if .Required}}yes{{else}}no{{end}}</td><td>{{.Schema}}</td><td>{{inline .Description}}</td></tr>
{{end}}</table>{{end}}
{{with .Body}}<h4>Request body{{if .Required}} (required){{end}}</h4>
<table><tr><th>content type</th><th>schema</th></tr>
{{range .Content}}<tr><td><code>{{.Type}}</code></td><td>{{template "schema" .}}</td></tr>
{{end}}</table>{{end}}
<h4>Responses</h4>
<table><tr><th>status</th><th>description</th><th>content</th><th>headers</th></tr>
{{range .Responses}}<tr><td>{{.Status}}</td><td>{{inline (join (paras .Description))}}</td><td>{{range .Content}}<code>{{.Type}}</code> {{template "schema" .}}<br>{{end}}</td><td>{{range .Headers}}<code>{{.}}</code><br>{{end}}</td></tr>
{{end}}</table>
</section>
{{end}}{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}
<section class="schema" id="schema-{{.Name}}">
<h3>{{.Name}}</h3>
{{range paras .Description}}<p>{{inline .}}</p>
{{end}}
{{if .Props}}<table><tr><th>property</th><th>required</th><th>schema</th><th>description</th></tr>
{{range .Props}}<tr><td><code>{{.Name}}</code></td><td>{{if .Required}}yes{{else}}no{{end}}</td><td>{{template "schema" .}}</td><td>{{inline (join (paras .Description))}}</td></tr>
{{end}}</table>{{end}}
{{with .Summary}}<p class="muted">{{.}}</p>{{end}}
</section>
{{end}}
</body>
</html>
{{define "schema"}}{{if .Ref}}<a href="#schema-{{.Ref}}">{{.Schema}}</a>{{else}}{{.Schema}}{{end}}{{end}}
`))

// paras splits a description into its paragraphs, each on one line.
func paras(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// inline escapes text for HTML and sets its `code spans` as <code>.
func inline(s string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		switch {
		case i%2 == 0:
			b.WriteString(template.HTMLEscapeString(part))
		default:
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
		}
	}
	return template.HTML(b.String())
}

func renderDocs(d *specDoc) ([]byte, error) {
	var b bytes.Buffer
	if err := docsTemplate.Execute(&b, d.page()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mustRenderDocs(d *specDoc) []byte {
	b, err := renderDocs(d)
	if err != nil {
		panic(fmt.Sprintf("api: render /docs: %v", err))
	}
	return b
}
