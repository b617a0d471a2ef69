package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// fakePeople keeps users in memory and validates with the people package's
// own rules, as the real service does.
type fakePeople struct {
	users []store.User
	n     int
}

func (f *fakePeople) find(id string) int {
	return slices.IndexFunc(f.users, func(u store.User) bool { return u.ID == id })
}

func (f *fakePeople) Add(_ context.Context, _ pipeline.Actor, u store.User) (store.User, people.Issued, error) {
	people.Normalize(&u)
	if ps := people.Validate(u); len(ps) > 0 {
		return store.User{}, people.Issued{}, pipeline.Invalid("the user is not valid", ps)
	}
	for _, o := range f.users {
		if o.Email == u.Email {
			return store.User{}, people.Issued{}, pipeline.Invalid("the user is not valid", pipeline.Problems{{Field: "email", Message: "is already used by another user"}})
		}
	}
	f.n++
	u.ID, u.Active, u.CreatedAt = fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n), true, time.Now()
	f.users = append(f.users, u)
	return u, people.Issued{Token: "pte_new" + u.ID, ExpiresAt: time.Now().Add(90 * 24 * time.Hour)}, nil
}

func (f *fakePeople) Update(_ context.Context, _ pipeline.Actor, id string, c store.UserChanges) (store.User, error) {
	i := f.find(id)
	if i < 0 {
		return store.User{}, people.ErrNoUser
	}
	u := c.Apply(f.users[i])
	people.Normalize(&u)
	if ps := people.Validate(u); len(ps) > 0 {
		return store.User{}, pipeline.Invalid("the user is not valid", ps)
	}
	f.users[i] = u
	return u, nil
}

func (f *fakePeople) Deactivate(_ context.Context, by pipeline.Actor, id string) (store.User, error) {
	if by.ID == id {
		return store.User{}, people.ErrSelf
	}
	i := f.find(id)
	if i < 0 {
		return store.User{}, people.ErrNoUser
	}
	now := time.Now()
	f.users[i].Active, f.users[i].DeactivatedAt = false, &now
	return f.users[i], nil
}

func (f *fakePeople) RotateToken(_ context.Context, _ pipeline.Actor, id string) (people.Issued, error) {
	if i := f.find(id); i < 0 || !f.users[i].Active {
		return people.Issued{}, people.ErrNoUser
	}
	return people.Issued{Token: "pte_rotated" + id, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

func (f *fakePeople) SetPreferences(_ context.Context, id, language, notify string) (store.User, error) {
	if ps := people.ValidatePreferences(language, notify); len(ps) > 0 {
		return store.User{}, pipeline.Invalid("the user is not valid", ps)
	}
	i := f.find(id)
	f.users[i].Language, f.users[i].Notify = language, notify
	return f.users[i], nil
}

func (f *fakePeople) List(context.Context, pipeline.Actor, store.UserFilter, store.Page) ([]store.User, string, error) {
	return f.users, "", nil
}

func (f *fakePeople) Absences(context.Context, pipeline.Actor, string) ([]pipeline.Absence, error) {
	return nil, nil
}
func (f *fakePeople) Delegates(context.Context, pipeline.Actor, string) ([]store.User, error) {
	return nil, nil
}
func (f *fakePeople) DeclareAbsence(context.Context, pipeline.Actor, string, pipeline.AbsenceInput) (pipeline.Absence, error) {
	return pipeline.Absence{}, pipeline.Errorf(pipeline.KindForbidden, "not in this fake")
}
func (f *fakePeople) CancelAbsence(context.Context, pipeline.Actor, string, string) error {
	return pipeline.Errorf(pipeline.KindForbidden, "not in this fake")
}

func (f *fakePeople) Get(_ context.Context, _ pipeline.Actor, id string) (store.User, []store.TokenInfo, error) {
	i := f.find(id)
	if i < 0 {
		return store.User{}, nil, people.ErrNoUser
	}
	now := time.Now()
	return f.users[i], []store.TokenInfo{{ID: "t1", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastUsedAt: &now}}, nil
}

func setupUsers(t *testing.T) (renderBundle, *fakePeople) {
	t.Helper()
	b := setupRender(t)
	fp := &fakePeople{}
	for _, u := range b.users {
		fp.users = append(fp.users, store.User{Actor: u, Email: u.ID + "@example.org", Language: "es", Notify: "immediate", Active: true})
	}
	app, err := New(Deps{Service: b.fake, Store: newFakeSessions(b.users[pipeline.FocalPoint], b.users[pipeline.Expert],
		b.users[pipeline.Manager]), People: fp})
	require.NoError(t, err)
	b.srv = httptest.NewServer(app)
	t.Cleanup(b.srv.Close)
	return b, fp
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestUsersPages: the managers' users page and everyone's preferences, in
// every language, over the people package's rules.
func TestUsersPages(t *testing.T) {
	t.Parallel()
	b, fp := setupUsers(t)
	mgr := b.users[pipeline.Manager]
	for _, lang := range i18n.Languages {
		c := b.client(t, mgr, lang)
		for _, p := range []string{"/users", "/users?active=false", "/users/" + b.users[pipeline.Expert].ID, "/users/" + mgr.ID, "/preferences"} {
			status, body, h := get(t, c, b.srv.URL+p)
			require.Equalf(t, http.StatusOK, status, "%s %s: %s", lang, p, body)
			require.NotContainsf(t, body, "⟦", "%s %s: a message is missing", lang, p)
			require.Equal(t, "no-store", h.Get("Cache-Control"))
			require.NotContains(t, body, " style=")
		}
	}
	c := b.client(t, mgr, "en")

	// A bad form: every problem next to its field, in the page's language.
	status, body := post(t, c, b.srv.URL+"/users", url.Values{"user_name": {""}, "email": {"not an address"},
		"role": {"expert"}, "user_language": {"en"}, "notify": {"immediate"}})
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	for _, want := range []string{`id="f-user-name" name="user_name" value="" maxlength="200" required aria-invalid="true"`,
		"must be an email address such as ana.ruiz@example.org", "an expert needs at least one theme"} {
		require.Contains(t, body, want)
	}

	// The same problems in French and in Dutch, from their codes.
	for lang, want := range map[string][]string{
		"fr": {"doit être une adresse électronique, par exemple ana.ruiz@example.org", "un expert doit couvrir au moins un thème"},
		"nl": {"moet een e-mailadres zijn, zoals ana.ruiz@example.org", "een expert moet ten minste één thema hebben"},
	} {
		status, body := post(t, b.client(t, mgr, lang), b.srv.URL+"/users", url.Values{"user_name": {""}, "email": {"not an address"},
			"role": {"expert"}, "user_language": {"en"}, "notify": {"immediate"}})
		require.Equal(t, http.StatusUnprocessableEntity, status, body)
		require.Contains(t, body, `<html lang="`+lang+`">`)
		for _, w := range want {
			require.Contains(t, body, w, lang)
		}
	}

	// A good one: the token, once.
	status, body = post(t, c, b.srv.URL+"/users", url.Values{"user_name": {"João Silva"}, "email": {"Joao@Example.org"},
		"role": {"focal_point"}, "user_language": {"pt"}, "notify": {"digest"}, "countries": {"BR", "PE"}})
	require.Equal(t, http.StatusCreated, status, body)
	joao := fp.users[len(fp.users)-1]
	require.Contains(t, body, "<code>pte_new"+joao.ID+"</code>")
	require.Equal(t, []string{"BR", "PE"}, joao.Countries)
	require.Equal(t, "joao@example.org", joao.Email)

	// Without a language, a focal point reads their country's: Haiti, French.
	_, body, _ = get(t, c, b.srv.URL+"/users")
	require.Contains(t, body, `<option value="" selected>From their country</option>`)
	status, body = post(t, c, b.srv.URL+"/users", url.Values{"user_name": {"Marie-Claude Joseph"}, "email": {"mcj@example.org"},
		"role": {"focal_point"}, "user_language": {""}, "notify": {"immediate"}, "countries": {"HT"}})
	require.Equal(t, http.StatusCreated, status, body)
	require.Equal(t, "fr", fp.users[len(fp.users)-1].Language)

	// Change the scope; deactivate; oneself: refused.
	status, _ = post(t, c, b.srv.URL+"/users/"+joao.ID, url.Values{"user_name": {"João Silva"}, "email": {"joao@example.org"},
		"user_language": {"pt"}, "notify": {"both"}, "countries": {"BR"}})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, []string{"BR"}, fp.users[fp.find(joao.ID)].Countries)
	status, body = post(t, c, b.srv.URL+"/users/"+joao.ID+"/token", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<code>pte_rotated"+joao.ID+"</code>")
	status, body = post(t, c, b.srv.URL+"/users/"+joao.ID+"/deactivate", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "their tokens and sessions no longer work")
	require.False(t, fp.users[fp.find(joao.ID)].Active)
	status, _ = post(t, c, b.srv.URL+"/users/"+mgr.ID+"/deactivate", nil)
	require.Equal(t, http.StatusConflict, status)

	// Only managers manage users; everyone sets their own preferences.
	fc := b.client(t, b.users[pipeline.FocalPoint], "es")
	status, _, _ = get(t, fc, b.srv.URL+"/users")
	require.Equal(t, http.StatusForbidden, status)
	status, _ = post(t, fc, b.srv.URL+"/users", url.Values{"user_name": {"X"}})
	require.Equal(t, http.StatusForbidden, status)
	status, body = post(t, fc, b.srv.URL+"/preferences", url.Values{"user_language": {"pt"}, "notify": {"digest"}})
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `<html lang="pt">`, "the new language is the page's at once")
	me := fp.users[fp.find(b.users[pipeline.FocalPoint].ID)]
	require.Equal(t, "pt", me.Language)
	require.Equal(t, "digest", me.Notify)
	status, _ = post(t, fc, b.srv.URL+"/preferences", url.Values{"user_language": {"de"}, "notify": {"weekly"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
}

// TestDashboardListsWhatNeedsReassignment: a deactivated expert's priority
// shows on the managers' dashboard with a link to reassign it.
func TestDashboardListsWhatNeedsReassignment(t *testing.T) {
	t.Parallel()
	b, _ := setupUsers(t)
	b.fake.orphans = []store.Orphan{{ID: b.fake.p.ID, Ref: "PE-2026-0001", Title: "ECI", Stage: pipeline.Planning,
		AssigneeID: "e9", AssigneeName: "Carmen Díaz"}}
	for _, lang := range i18n.Languages {
		_, body, _ := get(t, b.client(t, b.users[pipeline.Manager], lang), b.srv.URL+"/dashboard")
		require.Contains(t, body, `<a href="/priorities/`+b.fake.p.ID+`">PE-2026-0001</a>`)
		require.Contains(t, body, "Carmen Díaz")
		require.NotContains(t, body, "⟦")
	}
}

// fakeSignOn stands for single sign-on's flow: its callback signs in user
// as the real one does once the provider vouched for them, or refuses for
// the reason ?refuse= names.
type fakeSignOn struct{ user store.User }

func (f fakeSignOn) Handler(onLogin sso.OnLogin, onRefusal sso.OnRefusal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != sso.CallbackPath {
			_, _ = io.WriteString(w, "sso "+r.URL.Path)
			return
		}
		if reason := r.URL.Query().Get("refuse"); reason != "" {
			onRefusal(w, r, sso.Reason(reason), "stranger@example.org")
			return
		}
		if err := onLogin(w, r, f.user, "id-token"); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
}

// EndSessionURL is empty: a provider without RP-Initiated Logout.
func (fakeSignOn) EndSessionURL(string) string { return "" }

// TestSignInOffersSingleSignOn: with SSO set, the sign-in page links to it,
// its paths reach it, and a person it signs in has a session.
func TestSignInOffersSingleSignOn(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	mgr := b.users[pipeline.Manager]
	app, err := New(Deps{Service: b.fake, Store: newFakeSessions(mgr), SSO: fakeSignOn{store.User{Actor: mgr}}})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	for _, lang := range i18n.Languages {
		c := &http.Client{Transport: langTransport{lang}}
		_, body, _ := get(t, c, srv.URL+"/signin?next=/dashboard")
		require.Contains(t, body, `href="/auth/oidc/start?next=%2fdashboard"`)
		require.NotContains(t, body, "⟦")
	}
	_, body, _ := get(t, http.DefaultClient, srv.URL+"/auth/oidc/start")
	require.Equal(t, "sso /auth/oidc/start", body)
	jar, _ := cookiejar.New(nil)
	status, body, _ := get(t, &http.Client{Jar: jar, Transport: langTransport{"en"}}, srv.URL+"/auth/oidc/callback?code=x")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "My tasks", "the callback's session opens the home page")
	// Each refusal has its page, in the person's language, with its status.
	for _, lang := range i18n.Languages {
		c := &http.Client{Transport: langTransport{lang}}
		for _, reason := range sso.Reasons {
			status, body, h := get(t, c, srv.URL+"/auth/oidc/callback?refuse="+string(reason))
			require.Equal(t, reason.Status(), status, "%s %s", lang, reason)
			require.NotContains(t, body, "⟦", "%s %s", lang, reason)
			require.Contains(t, body, `lang="`+lang+`"`)
			require.Contains(t, body, `<a href="/signin">`)
			require.Equal(t, "no-store", h.Get("Cache-Control"))
		}
	}
	_, body, _ = get(t, &http.Client{Transport: langTransport{"en"}}, srv.URL+"/auth/oidc/callback?refuse=unknown")
	require.Contains(t, body, "<h1>Ask a programme manager for access</h1>")
	require.Contains(t, body, "you are stranger@example.org, but")
	// Without it, nothing is offered and the paths are not found.
	_, body, _ = get(t, http.DefaultClient, b.srv.URL+"/signin")
	require.NotContains(t, body, "/auth/oidc/")
	status, _, _ = get(t, http.DefaultClient, b.srv.URL+"/auth/oidc/start")
	require.Equal(t, http.StatusNotFound, status)
}
