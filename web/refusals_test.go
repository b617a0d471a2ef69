package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// stackBundle is the real stack (PostgreSQL, Temporal, API and web app) with
// a manager and a focal point, a session and a priority of it in triage.
type stackBundle struct {
	app      *testenv.App
	manager  testenv.User
	fp       testenv.User
	session  string
	priority *pipeline.Priority
}

func setupStack(t *testing.T) stackBundle {
	t.Helper()
	app := testenv.NewApp(t, testenv.AppOptions{})
	b := stackBundle{app: app,
		manager: app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}),
		fp:      app.AddUser(t, pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}),
	}
	ctx := context.Background()
	ses, err := app.Service.CreateSession(ctx, b.manager.Actor, pipeline.SessionInput{Title: "Reunión Anual", Kind: "political_dialogue",
		Date: "2026-06-20", Venue: "Lima", Countries: []string{"PE"}})
	require.NoError(t, err)
	b.session = ses.ID
	b.priority, err = app.Service.Submit(ctx, b.fp.Actor, pipeline.Submission{SessionID: ses.ID, Title: "Equipos conjuntos de investigación",
		Description: "Un equipo conjunto con Colombia.", Theme: "money_laundering", Pillar: "justice", Countries: []string{"PE"},
		Institution: "Fiscalía", Urgency: "high", Sensitivity: "public"}, "")
	require.NoError(t, err)
	return b
}

// browser is a signed-in web client of u that sends its forms from the
// app's own origin, as a browser does.
func (b stackBundle) browser(t *testing.T, u testenv.User) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: sameOrigin{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(b.app.URL+"/signin", url.Values{"token": {u.Token}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "signed in")
	return c
}

// sameOrigin sends English as the language and, on a POST, the app's own
// origin, as a browser does.
type sameOrigin struct{}

func (sameOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Accept-Language", "en")
	if r.Method != http.MethodGet {
		r.Header.Set("Origin", "http://"+r.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// send sends a request and returns its status, content type and body.
func send(t *testing.T, c *http.Client, method, u, contentType string, body io.Reader, headers ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(got)
}

// badIDs are spellings of identifiers Puente never writes. Go's uuid
// parser takes the first four and PostgreSQL's the first three, so none
// may reach either unchecked.
var badIDs = []string{
	"urn:uuid:00000000-0000-0000-0000-000000000001",
	"%7B00000000-0000-0000-0000-000000000001%7D",
	"00000000000000000000000000000001",
	"6F1C1C52-3F0E-4F7E-9D7E-4B8F0E6A2C11",
	"not-an-id",
	"%27%3B--",
}

// TestRefusalsOnTheRealStack holds the web app and the API, on the real
// stack, to what they answer a request they must refuse.
func TestRefusalsOnTheRealStack(t *testing.T) {
	b := setupStack(t)
	base := b.app.URL
	mgr := b.browser(t, b.manager)
	fp := b.browser(t, b.fp)
	p := b.priority

	// MalformedIdentifiers sends every identifier a path, a form, a query
	// or a body names, spelled in ways Puente never writes, to the web app
	// and to the API: each is a clean refusal (404 for a path, 4xx for the
	// rest), never a 5xx from PostgreSQL's parser.
	t.Run("MalformedIdentifiers", func(t *testing.T) {
		form := "application/x-www-form-urlencoded"
		type route struct {
			who          *http.Client
			token        string // for /v1
			method, path string
			body         string // %s is the bad identifier
			want         int    // 0: any 4xx; -1: anything but a 5xx
		}
		for _, bad := range badIDs {
			raw, _ := url.PathUnescape(bad)
			q := url.QueryEscape(raw)
			routes := []route{
				// The web app's paths.
				{who: mgr, method: "GET", path: "/priorities/" + bad, want: 404},
				{who: mgr, method: "POST", path: "/priorities/" + bad + "/decisions", body: "decision=reject&reason=x&version=1", want: 404},
				{who: fp, method: "POST", path: "/priorities/" + bad + "/comments", body: "text=x", want: 404},
				{who: fp, method: "POST", path: "/priorities/" + p.ID + "/comments/" + bad, body: "text=x", want: 404},
				{who: fp, method: "GET", path: "/priorities/" + bad + "/edit", want: 404},
				{who: fp, method: "POST", path: "/priorities/" + bad + "/edit", body: "title=x&version=1", want: 404},
				{who: mgr, method: "GET", path: "/priorities/" + bad + "/plan", want: 404},
				{who: mgr, method: "POST", path: "/priorities/" + bad + "/plan", body: "op=save&version=1", want: 404},
				{who: mgr, method: "GET", path: "/sessions/" + bad, want: 404},
				{who: mgr, method: "POST", path: "/sessions/" + bad + "/triage", body: "id=" + p.ID + "&decision-" + p.ID + "=reject&reason-" + p.ID + "=x", want: 404},
				{who: mgr, method: "GET", path: "/users/" + bad, want: 404},
				{who: mgr, method: "POST", path: "/users/" + bad, body: "user_name=x&email=x%40puente.test", want: 404},
				{who: mgr, method: "POST", path: "/users/" + bad + "/deactivate", want: 404},
				{who: mgr, method: "POST", path: "/users/" + bad + "/token", want: 404},
				// The web app's forms and queries.
				{who: fp, method: "POST", path: "/priorities", body: "session_id=" + q + "&title=x&description=y&theme=money_laundering&pillar=justice&countries=PE&institution=z&urgency=low&sensitivity=public"},
				{who: mgr, method: "POST", path: "/priorities/" + p.ID + "/decisions", body: "decision=accept&expert_id=" + q + "&version=" + strconv.Itoa(p.Version)},
				{who: mgr, method: "POST", path: "/sessions/" + b.session + "/triage", body: "id=" + q + "&decision-" + q + "=reject&reason-" + q + "=x", want: 200},
				{who: mgr, method: "GET", path: "/priorities?session_id=" + q},
				{who: mgr, method: "GET", path: "/dashboard?session_id=" + q},
				{who: mgr, method: "GET", path: "/export/priorities.csv?session_id=" + q},
				{who: fp, method: "GET", path: "/priorities/new?session_id=" + q, want: 200},
				{who: mgr, method: "GET", path: "/?cursor=" + q, want: -1},
				{who: mgr, method: "GET", path: "/sessions?cursor=" + q, want: -1},
				{who: mgr, method: "GET", path: "/users?cursor=" + q, want: -1},
				// The API's paths, bodies and queries.
				{token: b.manager.Token, method: "GET", path: "/v1/users/" + bad, want: 404},
				{token: b.manager.Token, method: "PATCH", path: "/v1/users/" + bad, body: `{"name":"x"}`, want: 404},
				{token: b.manager.Token, method: "POST", path: "/v1/users/" + bad + "/deactivate", want: 404},
				{token: b.manager.Token, method: "POST", path: "/v1/users/" + bad + "/token", want: 404},
				{token: b.manager.Token, method: "DELETE", path: "/v1/users/" + bad + "/token", want: 404},
				{token: b.manager.Token, method: "GET", path: "/v1/priorities/" + bad, want: 404},
				{token: b.manager.Token, method: "GET", path: "/v1/priorities/" + bad + "/events", want: 404},
				{token: b.manager.Token, method: "POST", path: "/v1/priorities/" + bad + "/decisions", body: `{"decision":"reject","reason":"x"}`, want: 404},
				{token: b.manager.Token, method: "GET", path: "/v1/priorities/" + bad + "/comments", want: 404},
				{token: b.manager.Token, method: "POST", path: "/v1/priorities/" + bad + "/comments", body: `{"text":"x"}`, want: 404},
				{token: b.manager.Token, method: "PATCH", path: "/v1/priorities/" + p.ID + "/comments/" + bad, body: `{"text":"x"}`, want: 404},
				{token: b.manager.Token, method: "GET", path: "/v1/sessions/" + bad, want: 404},
				{token: b.manager.Token, method: "POST", path: "/v1/priorities/" + p.ID + "/decisions", body: `{"decision":"accept","expert_id":"` + raw + `"}`},
				{token: b.fp.Token, method: "POST", path: "/v1/priorities", body: `{"session_id":"` + raw + `","title":"x","description":"y","theme":"money_laundering","pillar":"justice","countries":["PE"],"institution":"z","urgency":"low","sensitivity":"public"}`},
				{token: b.manager.Token, method: "GET", path: "/v1/priorities?session_id=" + q},
				{token: b.manager.Token, method: "GET", path: "/v1/priorities?assignee=" + q},
				{token: b.manager.Token, method: "GET", path: "/v1/pipeline?session_id=" + q},
				{token: b.manager.Token, method: "GET", path: "/v1/export/priorities.csv?session_id=" + q},
			}
			for _, rt := range routes {
				name := rt.method + " " + rt.path
				c, ct, headers := rt.who, "", []string{}
				if rt.body != "" {
					ct = form
				}
				if c == nil {
					c = http.DefaultClient
					headers = append(headers, "Authorization", "Bearer "+rt.token)
					if rt.body != "" {
						ct = "application/json"
					}
				}
				var body io.Reader
				if rt.body != "" {
					body = strings.NewReader(rt.body)
				}
				status, _, text := send(t, c, rt.method, base+rt.path, ct, body, headers...)
				switch {
				case rt.want == -1:
					require.Lessf(t, status, 500, "%s: %s", name, excerpt(text))
				case rt.want != 0:
					require.Equalf(t, rt.want, status, "%s: %s", name, excerpt(text))
				default:
					require.Truef(t, status >= 400 && status < 500, "%s: want a 4xx, got %d: %s", name, status, excerpt(text))
				}
			}
		}
		got, err := b.app.Store.Priority(context.Background(), p.ID)
		require.NoError(t, err)
		require.Equal(t, pipeline.Triage, got.Stage, "no malformed request changed the priority")
	})

	// A triage of a session that does not exist decides nothing.
	t.Run("TriageOfNoSession", func(t *testing.T) {
		form := url.Values{"id": {p.ID}, "decision-" + p.ID: {"reject"}, "reason-" + p.ID: {"Duplicates another priority"}}
		status, _, text := send(t, mgr, "POST", base+"/sessions/00000000-0000-4000-8000-000000000001/triage",
			"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		require.Equal(t, http.StatusNotFound, status, excerpt(text))
		got, err := b.app.Store.Priority(context.Background(), p.ID)
		require.NoError(t, err)
		require.Equal(t, pipeline.Triage, got.Stage, "the priority was not rejected")
		require.Equal(t, p.Version, got.Version)
	})

	// Whom a priority is hidden from is decided by the service twice over:
	// Service.Priority refuses it (every page of it, even those that never
	// name its assignee, is not found), and Service.AssigneeName refuses
	// it on its own. Each is held here without the other's help.
	t.Run("HiddenPriority", func(t *testing.T) {
		mx := b.app.AddUser(t, pipeline.Actor{Name: "Lucía Hernández", Role: pipeline.FocalPoint, Countries: []string{"MX"}})
		c := b.browser(t, mx)
		form := "application/x-www-form-urlencoded"
		for _, rt := range []struct{ method, path, body string }{
			{"GET", "/priorities/" + p.ID, ""},
			{"GET", "/priorities/" + p.ID + "/edit", ""},
			{"POST", "/priorities/" + p.ID + "/edit", "title=Mine&version=" + strconv.Itoa(p.Version)},
			{"GET", "/priorities/" + p.ID + "/plan", ""},
			{"POST", "/priorities/" + p.ID + "/plan", "op=save&version=" + strconv.Itoa(p.Version)},
			{"POST", "/priorities/" + p.ID + "/decisions", "decision=withdraw&reason=Mine&version=" + strconv.Itoa(p.Version)},
		} {
			var body io.Reader
			if rt.body != "" {
				body = strings.NewReader(rt.body)
			}
			status, _, text := send(t, c, rt.method, base+rt.path, form, body)
			require.Equalf(t, http.StatusNotFound, status, "%s %s: %s", rt.method, rt.path, excerpt(text))
			require.NotContainsf(t, text, p.Title, "%s %s", rt.method, rt.path)
		}
		_, err := b.app.Service.AssigneeName(context.Background(), mx.Actor, p)
		require.Equal(t, pipeline.KindNotFound, pipeline.KindOfError(err), "the assignee of a hidden priority: %v", err)
		got, err := b.app.Store.Priority(context.Background(), p.ID)
		require.NoError(t, err)
		require.Equal(t, p.Version, got.Version, "nothing changed")
	})

	// A title that reorders itself is refused by the engine's rule, through
	// the API and the web app alike, and nothing is stored.
	t.Run("BidiControlInATitle", func(t *testing.T) {
		count := func() int {
			items, _, err := b.app.Service.Priorities(context.Background(), b.manager.Actor, store.Filter{}, store.Page{Limit: 100})
			require.NoError(t, err)
			return len(items)
		}
		before := count()
		title := "Factura \u202Efdp.exe"
		r := b.app.Do(t, "POST", "/v1/priorities", b.fp.Token, map[string]any{"title": title, "description": "y",
			"theme": "money_laundering", "pillar": "justice", "countries": []string{"PE"}, "institution": "Fiscalía",
			"urgency": "low", "sensitivity": "public"})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, string(r.Body))
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		var pr struct {
			Errors []pipeline.FieldError `json:"errors"`
		}
		r.Problem(t, &pr)
		require.Equal(t, []pipeline.FieldError{{Field: "title", Code: pipeline.BidiControl, Params: map[string]any{"char": "U+202E"},
			Message: "must not contain invisible direction marks (U+202E): they change how the text is displayed"}}, pr.Errors)

		form := url.Values{"title": {title}, "description": {"y"}, "theme": {"money_laundering"}, "pillar": {"justice"},
			"countries": {"PE"}, "institution": {"Fiscalía"}, "urgency": {"low"}, "sensitivity": {"public"}}
		status, _, text := send(t, fp, "POST", base+"/priorities", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		require.Equal(t, http.StatusUnprocessableEntity, status, excerpt(text))
		require.Contains(t, text, "must not contain invisible direction marks")
		require.Equal(t, before, count(), "nothing was stored")
	})
}

func excerpt(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
