package web

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/authlimit"
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

// TestFailedSignInsAreLimited: the sign-in form counts wrong tokens in the
// limiter of failed authentications — after authlimit.Burst from one
// client (whatever X-Forwarded-For it forges), the client gets 429 with
// Retry-After, as the sign-in page in its language, before any token it
// sends is looked up, the right one included. The limiter is the one
// given, so failures the API counted count here too.
func TestFailedSignInsAreLimited(t *testing.T) {
	t.Parallel()
	manager := pipeline.Actor{ID: "m1", Name: "Ana", Role: pipeline.Manager}
	limiter := authlimit.New(nil)
	app, err := New(Deps{Service: newFakeService(), Store: newFakeSessions(manager), AuthLimiter: limiter})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	signIn := func(token string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/signin", strings.NewReader(url.Values{"token": {token}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Accept-Language", "es")
		req.Header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(rand.IntN(250)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}

	start, refused := time.Now(), 0
	var resp *http.Response
	var body string
	for {
		resp, body = signIn("pte_wrong" + strconv.Itoa(refused))
		if resp.StatusCode != http.StatusUnauthorized {
			break
		}
		refused++
		require.Less(t, refused, 100, "no limit")
	}
	// One more attempt is let through for each authlimit.Every that passed.
	require.GreaterOrEqual(t, refused, authlimit.Burst)
	require.LessOrEqual(t, refused, authlimit.Burst+int(time.Since(start)/authlimit.Every))
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.True(t, secs >= 1 && secs <= int(authlimit.Every/time.Second), "Retry-After: %d", secs)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"))
	require.Contains(t, body, `<html lang="es">`)
	require.Contains(t, body, "Demasiados intentos fallidos desde su red. Vuelva a intentarlo dentro de "+strconv.Itoa(secs)+" segundos.")

	resp, _ = signIn("token-m1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the right token is not looked up past the limit")

	// Another web app on the same limiter: its client is already over.
	other, err := New(Deps{Service: newFakeService(), Store: newFakeSessions(manager), AuthLimiter: limiter})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader("token=token-m1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "127.0.0.1:5555"
	other.ServeHTTP(rec, req)
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
}
