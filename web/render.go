package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/onsite"
	"github.com/puente-dev/puente/pipeline"
)

//go:embed templates/*.html
var templateFiles embed.FS

// assetVersion is appended to asset URLs so a release invalidates the
// browsers' cached copies.
const assetVersion = "4"

var funcs = template.FuncMap{
	"fid":  fieldID,
	"list": func(v ...any) []any { return v },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"join":     strings.Join,
	"contains": slices.Contains[[]string],
	"add":      func(a, b int) int { return a + b },
	"field":    func(prefix string, i int, name string) string { return fmt.Sprintf("%s[%d].%s", prefix, i, name) },
	"lines":    func(v []string) string { return strings.Join(v, "\n") },
	"asset":    func(p string) string { return "/static/" + p + "?v=" + assetVersion },
}

// parsePages parses each page with the layout and the shared partials.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		out[name] = t
	}
	return out, nil
}

// page is what every template gets: the language (its methods translate and
// format), the signed-in actor, and the page's own data in Body.
type page struct {
	*i18n.Locale
	Actor     *pipeline.Actor
	Title     string
	Path      string
	Body      any
	Langs     []string
	DevMode   bool
	Problems  pipeline.Problems
	Notice    string
	problemBy map[string]string
}

// Invalid marks an input with a problem and ties it to its message.
func (p *page) Invalid(name string) template.HTMLAttr {
	if _, ok := p.problemBy[name]; !ok {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + fieldID(name) + `-err"`)
}

// Err is a field's problem message, with the id Invalid points to.
func (p *page) Err(name string) template.HTML {
	msg, ok := p.problemBy[name]
	if !ok {
		return ""
	}
	return template.HTML(`<small class="field-error" id="` + fieldID(name) + `-err">` + template.HTMLEscapeString(msg) + `</small>`)
}

// ProblemOf is a field's problem message, or "".
func (p *page) ProblemOf(name string) string { return p.problemBy[name] }

// HasErr reports whether a field has a problem.
func (p *page) HasErr(name string) bool { _, ok := p.problemBy[name]; return ok }

type summaryItem struct{ Field, ID, Label, Message string }

// ErrorList lists every problem for the summary at the top of a form.
func (p *page) ErrorList() []summaryItem {
	var out []summaryItem
	for _, pr := range p.Problems {
		out = append(out, summaryItem{pr.Field, fieldID(pr.Field), p.FieldLabel(pr.Field), p.Problem(pr)})
	}
	return out
}

// FieldLabel names a field for the error summary: "Action 2 · Title".
func (p *page) FieldLabel(field string) string {
	var parts []string
	for _, seg := range strings.Split(field, ".") {
		name, idx, indexed := strings.Cut(strings.TrimSuffix(seg, "]"), "[")
		label := p.T("field." + name)
		if strings.HasPrefix(label, "⟦") {
			label = name
		}
		if n, err := strconv.Atoi(idx); indexed && err == nil {
			label += " " + strconv.Itoa(n+1)
		}
		parts = append(parts, label)
	}
	return strings.Join(parts, " · ")
}

var fieldIDs = strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-", "(", "", ")", "")

func fieldID(name string) string { return "f-" + fieldIDs.Replace(name) }

// render writes a page: Body is its data, title a message ID.
func (a *App) render(w http.ResponseWriter, r *http.Request, actor *pipeline.Actor, status int, name, title string, body any, opts ...func(*page)) {
	l := pickLocale(r)
	p := &page{Locale: l, Actor: actor, Title: l.T(title), Path: r.URL.RequestURI(), Body: body,
		Langs: i18n.Languages, DevMode: len(a.d.DevUsers) > 0}
	for _, o := range opts {
		o(p)
	}
	p.problemBy = map[string]string{}
	for _, pr := range p.Problems {
		if _, ok := p.problemBy[pr.Field]; !ok {
			p.problemBy[pr.Field] = l.Problem(pr)
		}
	}
	t, ok := a.pages[name]
	if !ok {
		a.serverError(w, r, actor, fmt.Errorf("no template %q", name))
		return
	}
	// Rendered whole before the status goes out, so that a failing
	// template is a clean 500, not half a page.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		a.d.Logger.ErrorContext(r.Context(), "render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", l.Lang)
	w.Header().Set("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func withProblems(ps pipeline.Problems) func(*page) { return func(p *page) { p.Problems = ps } }

func withNotice(id string) func(*page) { return func(p *page) { p.Notice = id } }

func withTitle(s string) func(*page) { return func(p *page) { p.Title = p.Title + " " + s } }

type errorData struct {
	Status  int
	Message string
}

// fail answers with an error page saying what went wrong, in the person's
// language.
func (a *App) fail(w http.ResponseWriter, r *http.Request, actor *pipeline.Actor, status int, msgID string) {
	a.render(w, r, actor, status, "error", "error.title", errorData{Status: status, Message: msgID})
}

func (a *App) serverError(w http.ResponseWriter, r *http.Request, actor *pipeline.Actor, err error) {
	a.d.Logger.ErrorContext(r.Context(), "web request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	a.fail(w, r, actor, http.StatusInternalServerError, "error.internal")
}

// notFound answers a path no route serves (404), or serves only for other
// methods (405, with Allow).
func (a *App) notFound(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "/" && pattern != "" {
		// A handler of this very route found nothing by the name asked for.
		a.errorPage(w, r, http.StatusNotFound)
		return
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		a.errorPage(w, r, http.StatusMethodNotAllowed)
		return
	}
	a.errorPage(w, r, http.StatusNotFound)
}

// statusMessages say what a refusal met outside the handlers means: an
// unknown path or method, the server's limits, a crash.
var statusMessages = map[int]string{
	http.StatusBadRequest:            "error.bad_form",
	http.StatusForbidden:             "error.refused",
	http.StatusNotFound:              "error.not_found",
	http.StatusMethodNotAllowed:      "error.method",
	http.StatusRequestTimeout:        "error.request_timeout",
	http.StatusRequestEntityTooLarge: "error.too_large",
	http.StatusUnsupportedMediaType:  "error.bad_form",
	http.StatusTooManyRequests:       "error.too_many",
	http.StatusServiceUnavailable:    "error.unavailable",
	http.StatusGatewayTimeout:        "error.timeout",
}

// ErrorPage answers a refusal of a request for one of the web app's paths
// that was met before the web app saw it — a body over the server's limit,
// a method the server does not route, a crash caught by the server — as
// the page a person gets for any other refusal, in their language, with
// the web app's security headers. The API's server calls it for the paths
// it hands to the web app; its own paths keep their problem documents.
func (a *App) ErrorPage(w http.ResponseWriter, r *http.Request, status int) {
	securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.errorPage(w, r, status)
	})).ServeHTTP(w, r)
}

func (a *App) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	msg, ok := statusMessages[status]
	switch {
	case ok:
	case status >= 500:
		msg = "error.internal"
	default:
		msg = "error.refused"
	}
	var actor *pipeline.Actor
	if u, err := a.sessionActor(r); err == nil {
		actor = &u
		w.Header().Set("Cache-Control", "no-store") // the page names who is signed in
	}
	a.fail(w, r, actor, status, msg)
}

// readForm parses the request's form; a body over the server's limit is
// 413, any other unreadable form 400.
func (a *App) readForm(w http.ResponseWriter, r *http.Request, actor *pipeline.Actor) bool {
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		a.fail(w, r, actor, http.StatusRequestEntityTooLarge, "error.too_large")
	default:
		a.fail(w, r, actor, http.StatusBadRequest, "error.bad_form")
	}
	return false
}

// crossOrigin answers a state-changing request from another site.
func (a *App) crossOrigin(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, nil, http.StatusForbidden, "error.cross_origin")
}

// redirect answers a successful change with a redirect (post/redirect/get)
// to a path without a query, carrying a notice for the next page.
func redirect(w http.ResponseWriter, r *http.Request, to, notice string) {
	http.Redirect(w, r, onsite.Path(to+"?notice="+url.QueryEscape(notice)), http.StatusSeeOther)
}

// noticeOf reads the notice a redirect carried, if it is one of ours.
func noticeOf(r *http.Request) string {
	n := r.URL.Query().Get("notice")
	if strings.HasPrefix(n, "notice.") && len(n) < 64 {
		return n
	}
	return ""
}

// Described ties a group of inputs (a fieldset) to its problem message.
func (p *page) Described(name string) template.HTMLAttr {
	if _, ok := p.problemBy[name]; !ok {
		return ""
	}
	return template.HTMLAttr(`aria-describedby="` + fieldID(name) + `-err"`)
}
