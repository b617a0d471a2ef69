package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
)

type renderBundle struct {
	srv   *httptest.Server
	fake  *fakeService
	users map[pipeline.Role]pipeline.Actor
}

func setupRender(t *testing.T) renderBundle {
	t.Helper()
	users := map[pipeline.Role]pipeline.Actor{
		pipeline.FocalPoint: {ID: "0f000000-0000-4000-8000-000000000001", Name: "María", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
		pipeline.Expert:     {ID: "0e000000-0000-4000-8000-000000000001", Name: "Expert, JIT", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}},
		pipeline.Manager:    {ID: "0a000000-0000-4000-8000-000000000001", Name: "Ana", Role: pipeline.Manager},
	}
	fake := newFakeService()
	app, err := New(Deps{Service: fake, Store: newFakeSessions(users[pipeline.FocalPoint], users[pipeline.Expert], users[pipeline.Manager]),
		TemporalUI: "http://127.0.0.1:8233"})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return renderBundle{srv: srv, fake: fake, users: users}
}

// client signs in as u with lang as its Accept-Language.
func (b renderBundle) client(t *testing.T, u pipeline.Actor, lang string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: langTransport{lang}}
	resp, err := c.PostForm(b.srv.URL+"/signin", url.Values{"token": {"token-" + u.ID}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return c
}

type langTransport struct{ lang string }

func (l langTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Accept-Language", l.lang)
	if r.Method == http.MethodPost {
		r.Header.Set("Origin", "http://"+r.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

// TestEveryPageRendersInEveryLanguage renders each page for the role that
// uses it in each language: no message is missing, untrusted text is
// escaped, and the security headers are there.
func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	id, sid := b.fake.p.ID, b.fake.p.SessionID
	pages := map[pipeline.Role][]string{
		pipeline.FocalPoint: {"/", "/priorities", "/priorities/new", "/priorities/" + id, "/sessions", "/sessions/" + sid},
		pipeline.Expert:     {"/", "/priorities/" + id, "/priorities/" + id + "/plan"},
		pipeline.Manager:    {"/", "/dashboard", "/dashboard?country=PE", "/priorities?stage=planning&q=eci", "/sessions", "/sessions/" + sid, "/priorities/" + id},
	}
	for _, lang := range i18n.Languages {
		for role, paths := range pages {
			c := b.client(t, b.users[role], lang)
			for _, p := range paths {
				status, body, h := get(t, c, b.srv.URL+p)
				require.Equalf(t, http.StatusOK, status, "%s %s %s: %s", lang, role, p, body)
				require.NotContainsf(t, body, "⟦", "%s %s %s: a message is missing", lang, role, p)
				require.Containsf(t, body, `<html lang="`+lang+`">`, "%s %s", lang, p)
				require.NotContainsf(t, body, "<img src=x", "%s %s: the title is not escaped", lang, p)
				require.Equal(t, "no-store", h.Get("Cache-Control"))
				require.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'")
				require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
				require.NotContains(t, body, " style=", "inline styles are blocked by the CSP")
				require.NotContains(t, body, "<script", "the web app has no script")
			}
		}
	}
}

// TestRolesAndSignIn: pages need a session, managers' pages a manager.
func TestRolesAndSignIn(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := anon.Get(b.srv.URL + "/dashboard")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/signin?next=%2Fdashboard", resp.Header.Get("Location"))

	c := b.client(t, b.users[pipeline.FocalPoint], "en")
	status, _, _ := get(t, c, b.srv.URL+"/dashboard")
	require.Equal(t, http.StatusForbidden, status)
	status, _, _ = get(t, c, b.srv.URL+"/priorities/3b0f6c7e-1d2a-4c55-9a1e-0000000000ff")
	require.Equal(t, http.StatusNotFound, status)

	resp, err = c.PostForm(b.srv.URL+"/signin", url.Values{"token": {"wrong"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, string(body), `aria-describedby="f-token-err"`)
}

// TestLanguageSwitchRemembersTheChoice: the switch beats Accept-Language.
func TestLanguageSwitchRemembersTheChoice(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	c := b.client(t, b.users[pipeline.Manager], "en")
	resp, err := c.PostForm(b.srv.URL+"/language", url.Values{"lang": {"pt"}, "next": {"/dashboard"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `<html lang="pt">`)
	require.Contains(t, string(body), "Painel do processo")
	require.True(t, strings.Contains(string(body), "Peru"), "CLDR names the countries")
}

// TestAVisitorReadsTheirCountrysLanguage: an anonymous visitor whose
// browser names no language of Puente's reads the one of the country it
// names or implies — Haitian Creole, French; Sranan Tongo, Dutch — and one
// whose browser names French or Dutch reads it.
func TestAVisitorReadsTheirCountrysLanguage(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	for header, want := range map[string]string{"ht-HT": "fr", "srn": "nl", "fr-CA, en;q=0.5": "fr", "nl-NL": "nl", "de-DE": "en"} {
		req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/signin", nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Language", header)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Containsf(t, string(body), `<html lang="`+want+`">`, "Accept-Language: %s", header)
		require.Equal(t, want, resp.Header.Get("Content-Language"))
	}
}

// TestCrossOriginPostsAreRefused: a form posted from another site gets 403
// and changes nothing — no decision is asked of the service, the session
// is not signed out.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	c := b.client(t, b.users[pipeline.Manager], "en")
	jar := c.Jar
	foreign := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/priorities/" + b.fake.p.ID + "/decisions", "/signout", "/sessions", "/language"} {
		for _, h := range [][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
			req, err := http.NewRequest(http.MethodPost, b.srv.URL+path, strings.NewReader("decision=reassign&version=5&lang=pt"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(h[0], h[1])
			resp, err := foreign.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equalf(t, http.StatusForbidden, resp.StatusCode, "%s with %s", path, h[0])
			require.Contains(t, string(body), "another site")
			require.Empty(t, resp.Cookies(), "a refused request sets no cookie")
		}
	}
	require.Zero(t, b.fake.changes, "a refused request reached the service")
	status, body, _ := get(t, c, b.srv.URL+"/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Sign out", "the session survived the forged sign-out")
	require.Contains(t, body, `lang="en"`, "the forged language switch did nothing")
}

// TestExportsAreTheManagersDownloads: the CSV comes through the service's
// export, for managers only.
func TestExportsAreTheManagersDownloads(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	m := b.client(t, b.users[pipeline.Manager], "en")
	resp, err := m.Get(b.srv.URL + "/export/priorities.csv?stage=planning")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	require.Contains(t, string(body), b.fake.p.Ref)
	status, _, _ := get(t, m, b.srv.URL+"/export/priorities.csv?stage=nope")
	require.Equal(t, http.StatusUnprocessableEntity, status)

	fp := b.client(t, b.users[pipeline.FocalPoint], "en")
	status, _, _ = get(t, fp, b.srv.URL+"/export/priorities.csv")
	require.Equal(t, http.StatusForbidden, status)
}

// TestFiltersFollowTheServicesRule: a hand-edited filter is judged by the
// service's rule, whose problems the list and the dashboard show at their
// fields; the dashboard then shows everything, unfiltered.
func TestFiltersFollowTheServicesRule(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	m := b.client(t, b.users[pipeline.Manager], "en")
	status, body, _ := get(t, m, b.srv.URL+"/priorities?theme=astrology&country=PE")
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `href="#f-theme"`, "the summary links the theme's problem to its field")
	require.NotContains(t, body, `href="#f-country"`)
	require.NotContains(t, body, b.fake.p.Ref, "nothing is listed for a refused filter")
	status, body, _ = get(t, m, b.srv.URL+"/dashboard?country=FR")
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `href="#f-country"`)
	require.Contains(t, body, `id="funnel-d"`, "the unfiltered dashboard is shown")
	status, _, _ = get(t, m, b.srv.URL+"/priorities?theme=money_laundering&stage=triage")
	require.Equal(t, http.StatusOK, status)
}

// TestExpertPickersAskTheService: the accept and reassign pickers list the
// experts the service gives managers — any theme's for an accept, which
// may change the theme, the priority's theme's for a reassign — each with
// their themes; the assignee's name comes from the service too.
func TestExpertPickersAskTheService(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	b.fake.p.Stage = pipeline.Triage
	m := b.client(t, b.users[pipeline.Manager], "en")
	status, body, _ := get(t, m, b.srv.URL+"/priorities/"+b.fake.p.ID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, []string{"", "joint_investigation_teams"}, b.fake.expertThemes, "accept, then reassign")
	require.Contains(t, body, `<select id="d-accept-expert"`)
	require.Equal(t, 2, strings.Count(body, `<option value="0e000000-0000-4000-8000-000000000001">Expert, JIT (Joint investigation teams)</option>`))
	require.Contains(t, body, "<dd><bdi>Expert, JIT</bdi></dd>", "the assignee's name")

	b.fake.expertThemes = nil
	fp := b.client(t, b.users[pipeline.FocalPoint], "en")
	_, body, _ = get(t, fp, b.srv.URL+"/priorities/"+b.fake.p.ID)
	require.Empty(t, b.fake.expertThemes, "a focal point picks no expert")
	require.Contains(t, body, "<dd><bdi>Expert, JIT</bdi></dd>")
}

// TestPriorityPageShowsItsDelivery: an approved priority whose actions are
// being delivered says how far its delivery went beside its stage, with the
// plural of its language, and each action's delivery stage.
func TestPriorityPageShowsItsDelivery(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	p := b.fake.p
	p.Stage = pipeline.Approved
	second := p.Plan.Actions[0]
	second.Title = "Intercambio"
	third := second
	third.Title = "Estudio"
	p.Plan.Actions = append(p.Plan.Actions, second, third)
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	p.Deliveries = []pipeline.Delivery{{Stage: pipeline.Closed, StageEnteredAt: at}, {Stage: pipeline.Delivered, StageEnteredAt: at},
		{Stage: pipeline.InProgress, StageEnteredAt: at}}
	want := map[string][]string{
		"es": {"Aprobada", "2 de 3 acciones entregadas", "Cerrada", "Entregada", "En curso"},
		"pt": {"2 de 3 ações entregues", "Encerrada", "Entregue", "Em andamento"},
		"en": {"2 of 3 actions delivered", "Closed", "Delivered", "In progress"},
		"fr": {"2 sur 3 actions réalisées", "Clôturée", "Réalisée", "En cours"},
		"nl": {"2 van 3 acties uitgevoerd", "Afgesloten", "Uitgevoerd", "In uitvoering"},
	}
	for lang, texts := range want {
		c := b.client(t, b.users[pipeline.Manager], lang)
		status, body, _ := get(t, c, b.srv.URL+"/priorities/"+p.ID)
		require.Equal(t, http.StatusOK, status, body)
		for _, s := range texts {
			require.Containsf(t, body, s, "%s: the priority page lacks %q", lang, s)
		}
		_, list, _ := get(t, c, b.srv.URL+"/priorities")
		require.Containsf(t, list, texts[len(texts)-4], "%s: the list lacks the delivery", lang)
	}
	p.Deliveries[2].Stage = pipeline.Cancelled
	c := b.client(t, b.users[pipeline.Manager], "en")
	_, body, _ := get(t, c, b.srv.URL+"/priorities/"+p.ID)
	require.Contains(t, body, "2 of 2 actions delivered", "a cancelled action does not count")
	p.Deliveries = p.Deliveries[:0]
	_, body, _ = get(t, c, b.srv.URL+"/priorities/"+p.ID)
	require.NotContains(t, body, "actions delivered", "before its delivery starts, an approved priority shows none")
}
