package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// TestSignOutSaysTheProvidersSessionMayBeOpen: with a provider that cannot
// end its own session, sign-out ends Puente's and lands on a page saying
// the provider's may still be open, in the person's language; without
// single sign-on, the page just says they are signed out.
func TestSignOutSaysTheProvidersSessionMayBeOpen(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	mgr := b.users[pipeline.Manager]
	sessions := newFakeSessions(mgr)
	app, err := New(Deps{Service: b.fake, Store: sessions, SSO: fakeSignOn{store.User{Actor: mgr}}})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	want := map[string]string{
		"en": "your session at your organisation&#39;s sign-in may still be open",
		"es": "su sesión en el inicio de sesión de su organización puede seguir abierta",
		"pt": "sua sessão no login da sua organização pode continuar aberta",
	}
	for lang, text := range want {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Transport: langTransport{lang}}
		status, _, _ := get(t, c, srv.URL+sso.CallbackPath+"?code=x")
		require.Equal(t, http.StatusOK, status)
		require.Len(t, sessions.sessions, 1)
		resp, err := c.PostForm(srv.URL+"/signout", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, srv.URL+sso.SignedOutPath, resp.Request.URL.String())
		require.Empty(t, sessions.sessions, "the session ended")
		_, body, h := get(t, c, srv.URL+sso.SignedOutPath)
		require.Contains(t, body, text, lang)
		require.NotContains(t, body, "⟦")
		require.Contains(t, body, `href="/auth/oidc/start?next=%2f"`, "single sign-on is offered again")
		require.Equal(t, "no-store", h.Get("Cache-Control"))
		// No provider to send the browser to: the pages' form-action stays this site's.
		require.Contains(t, h.Get("Content-Security-Policy"), "form-action 'self';")
	}
	_, body, _ := get(t, &http.Client{Transport: langTransport{"en"}}, b.srv.URL+sso.SignedOutPath)
	require.Contains(t, body, "You are signed out.")
	require.NotContains(t, body, "may still be open")
}
