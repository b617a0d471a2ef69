package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/pipeline"
)

// noFollow is a client that shows redirects instead of following them.
func noFollow(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Transport: langTransport{"en"},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestRedirectsStayOnSite: every `next` the web app follows — the sign-in
// form's (and the hidden field its page carries), a demo user's sign-in,
// the language switch — lands on this site whatever it says, as a browser
// reads the Location (a backslash is a slash to it).
func TestRedirectsStayOnSite(t *testing.T) {
	t.Parallel()
	manager := pipeline.Actor{ID: "m1", Name: "Ana", Role: pipeline.Manager}
	app, err := New(Deps{Service: newFakeService(), Store: newFakeSessions(manager),
		DevUsers: []DevUser{{ID: manager.ID, Name: manager.Name, Role: manager.Role}}})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	site, _ := url.Parse(srv.URL)

	onSite := func(t *testing.T, resp *http.Response) {
		t.Helper()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		loc := strings.NewReplacer(`\`, "/", "\t", "", "\n", "", "\r", "").Replace(resp.Header.Get("Location"))
		to, err := site.Parse(loc)
		require.NoError(t, err)
		require.Equalf(t, site.Host, to.Host, "Location %q leaves the site", resp.Header.Get("Location"))
	}
	for _, next := range []string{`/./\evil.example`, `/x/../\evil.example`, `/\evil.example`, "//evil.example",
		"/%5Cevil.example", "/\t/evil.example", "https://evil.example/", "http:evil.example"} {
		t.Run(next, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			c := noFollow(jar)

			for _, form := range []struct {
				path string
				v    url.Values
			}{
				{"/signin", url.Values{"token": {"token-m1"}}},
				{"/signin/dev", url.Values{"user": {"m1"}}},
				{"/language", url.Values{"lang": {"es"}}},
			} {
				form.v.Set("next", next)
				resp, err := c.PostForm(srv.URL+form.path, form.v)
				require.NoError(t, err)
				resp.Body.Close()
				onSite(t, resp)
				require.Equal(t, "/", resp.Header.Get("Location"), form.path)
			}

			// The sign-in page carries only a safe next into its forms
			// (the token's and the demo user's).
			resp, err := noFollow(nil).Get(srv.URL + "/signin?next=" + url.QueryEscape(next))
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			got := regexp.MustCompile(`<form method="post" action="/signin(?:/dev)?">(?:<input type="hidden" name="user" value="m1">)?\s*<input type="hidden" name="next" value="([^"]*)">`).
				FindAllStringSubmatch(string(body), -1)
			require.Len(t, got, 2)
			for _, m := range got {
				require.Equal(t, "/", m[1])
			}
		})
	}
}
