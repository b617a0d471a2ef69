package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/testenv"
	peoplesvc "github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/web"
)

// liveBundle is the web app on a real store and the real people service,
// with a clock the test moves. It has no service: these tests open only the
// sign-in and preferences pages.
type liveBundle struct {
	srv    *httptest.Server
	st     *store.Store
	people *peoplesvc.Service
	ctx    context.Context

	mu  sync.Mutex
	now time.Time
}

func setupLive(t *testing.T) *liveBundle {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.DatabaseURL(t), 4)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	b := &liveBundle{st: st, people: &peoplesvc.Service{Store: st}, ctx: ctx, now: time.Now()}
	app, err := web.New(web.Deps{Service: service.New(service.Config{Store: st}), Store: st, People: b.people, Now: b.clock})
	require.NoError(t, err)
	b.srv = httptest.NewServer(app)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *liveBundle) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

// wait moves the clock on.
func (b *liveBundle) wait(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = b.now.Add(d)
}

// person adds a manager and returns their id and token.
func (b *liveBundle) person(t *testing.T, email string) (string, string) {
	t.Helper()
	u, iss, err := b.people.Add(b.ctx, peoplesvc.Console, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: email})
	require.NoError(t, err)
	return u.ID, iss.Token
}

// do sends a request with exactly the session cookie given (none if
// empty), follows no redirect, and returns the answer and the session
// cookie it set, if any.
func (b *liveBundle) do(t *testing.T, method, path, cookie string, form url.Values) (*http.Response, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.srv.URL)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	}
	resp, err := noFollow.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	set := ""
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			set = c.Value
		}
	}
	return resp, set, string(text)
}

// sessionCookie is the web session cookie's name.
const sessionCookie = "puente_session"

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn signs in with the token, from a browser holding the session
// cookie given (none if empty), and returns the new session cookie.
func (b *liveBundle) signIn(t *testing.T, token, holding string) string {
	t.Helper()
	resp, set, _ := b.do(t, http.MethodPost, "/signin", holding, url.Values{"token": {token}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotEmpty(t, set)
	return set
}

// signedIn reports whether the session cookie opens a page, and requires
// that a cookie that does not is sent to sign in.
func (b *liveBundle) signedIn(t *testing.T, cookie string) bool {
	t.Helper()
	resp, _, _ := b.do(t, http.MethodGet, "/preferences", cookie, nil)
	if resp.StatusCode == http.StatusOK {
		return true
	}
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/signin?next=%2Fpreferences", resp.Header.Get("Location"))
	return false
}

// TestCredentialChangesSignOut: rotating or revoking a person's token ends
// the web sessions opened with it — every web session of theirs, in every
// browser.
func TestCredentialChangesSignOut(t *testing.T) {
	t.Parallel()
	b := setupLive(t)
	for name, change := range map[string]func(id string) error{
		"rotate": func(id string) error { _, err := b.people.RotateToken(b.ctx, peoplesvc.Console, id); return err },
		"revoke": func(id string) error { return b.st.RevokeTokens(b.ctx, id) },
	} {
		t.Run(name, func(t *testing.T) {
			id, token := b.person(t, name+"@example.org")
			laptop, phone := b.signIn(t, token, ""), b.signIn(t, token, "")
			require.True(t, b.signedIn(t, laptop))
			require.NoError(t, change(id))
			require.False(t, b.signedIn(t, laptop), "the session outlived the token")
			require.False(t, b.signedIn(t, phone), "the other browser's session outlived the token")
		})
	}
}

// TestRotatingOwnTokenKeepsThisBrowser: a person who rotates their token
// on their preferences page ends their other sessions, and this browser
// gets a new one.
func TestRotatingOwnTokenKeepsThisBrowser(t *testing.T) {
	t.Parallel()
	b := setupLive(t)
	_, token := b.person(t, "ana@example.org")
	here, elsewhere := b.signIn(t, token, ""), b.signIn(t, token, "")
	resp, renewed, body := b.do(t, http.MethodPost, "/preferences/token", here, url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "pte_")
	require.NotEmpty(t, renewed)
	require.True(t, b.signedIn(t, renewed))
	require.False(t, b.signedIn(t, here))
	require.False(t, b.signedIn(t, elsewhere))
}

// TestIdleSessionsEnd: a session ends after the idle timeout without a
// request, each request moving that on, and at its absolute end however
// busy; the preferences page says both.
func TestIdleSessionsEnd(t *testing.T) {
	t.Parallel()
	b := setupLive(t)
	_, token := b.person(t, "ana@example.org")
	idle := b.signIn(t, token, "")
	busy := b.signIn(t, token, "")
	opened := b.clock()

	resp, _, body := b.do(t, http.MethodGet, "/preferences", busy, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "you are signed out after 30 minutes without using Puente")
	require.Contains(t, body, opened.Add(web.DefaultSessionTTL).UTC().Format("15:04")+" UTC at the latest")

	for range 24 { // 12 hours of a request every 29 minutes, and a bit
		b.wait(29 * time.Minute)
		require.True(t, b.signedIn(t, busy))
	}
	require.False(t, b.signedIn(t, idle), "a session idle for hours still works")
	b.wait(web.DefaultSessionTTL - 24*29*time.Minute)
	require.False(t, b.signedIn(t, busy), "a busy session outlived its absolute end")

	fresh := b.signIn(t, token, "")
	b.wait(web.DefaultIdleTimeout - time.Minute - time.Second)
	require.True(t, b.signedIn(t, fresh))
	b.wait(web.DefaultIdleTimeout)
	require.False(t, b.signedIn(t, fresh), "a session idle for the timeout still works")
}

// TestSignInReplacesTheSession: signing in from a browser that already
// holds a session cookie (its own, or one an attacker planted) gives it a
// new value; the old one opens nothing.
func TestSignInReplacesTheSession(t *testing.T) {
	t.Parallel()
	b := setupLive(t)
	_, token := b.person(t, "ana@example.org")
	old := b.signIn(t, token, "")
	require.True(t, b.signedIn(t, old))
	renewed := b.signIn(t, token, old)
	require.NotEqual(t, old, renewed)
	require.False(t, b.signedIn(t, old), "the old session still opens pages")
	require.True(t, b.signedIn(t, renewed))

	const planted = "chosen-by-an-attacker-0123456789abcdefghijklmn"
	mine := b.signIn(t, token, planted)
	require.NotEqual(t, planted, mine)
	require.False(t, b.signedIn(t, planted), "the planted cookie opens the victim's session")
}

// TestSignOutEndsTheSessionServerSide: after sign-out, replaying the old
// cookie opens nothing.
func TestSignOutEndsTheSessionServerSide(t *testing.T) {
	t.Parallel()
	b := setupLive(t)
	_, token := b.person(t, "ana@example.org")
	cookie := b.signIn(t, token, "")
	resp, _, _ := b.do(t, http.MethodPost, "/signout", cookie, url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.False(t, b.signedIn(t, cookie), "the cookie works after sign-out")
}
