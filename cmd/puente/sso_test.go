package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// TestSingleSignOn runs `puente serve` configured for single sign-on by its
// settings alone (the client secret from a file), against a real OpenID
// provider, and signs in through the web app's sign-in page as a browser
// does: a person Puente knows lands where they were going with a session
// that opens every page; a person it does not know gets the page asking
// them to ask a programme manager, and no session and no account.
func TestSingleSignOn(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	_, hash := store.NewToken()
	ana, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager},
		Email: "ana.ruiz@example.org", Language: "en"}, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	idp := testidp.Start(t, testidp.Options{
		People: []testidp.Person{
			{Username: "ana", Email: "Ana.Ruiz@example.org", Verified: true},
			{Username: "stranger", Email: "stranger@example.org", Verified: true},
		},
		Clients: []testidp.Client{{ID: "puente-web", Secret: "client-s3cret", RedirectURI: base + sso.CallbackPath}},
	})
	secret := filepath.Join(t.TempDir(), "oidc-client-secret")
	if err := os.WriteFile(secret, []byte("client-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"PUENTE_TASK_QUEUE=sso-"+uuid.NewString()[:8], "PUENTE_ADDR="+strings.TrimPrefix(base, "http://"), "PUENTE_LOG_FORMAT=text",
		"PUENTE_BASE_URL="+base, "PUENTE_OIDC_ISSUER="+idp.Issuer, "PUENTE_OIDC_CLIENT_ID=puente-web",
		"PUENTE_OIDC_CLIENT_SECRET_FILE="+secret)
	serve := startProcess(t, puenteBinary(t), env, "serve")
	waitReady(t, base, serve)
	if !strings.Contains(serve.out.String(), "single sign-on on") {
		t.Errorf("serve did not say single sign-on is on:\n%s", serve.out.String())
	}

	// Ana opens a page, is sent to the sign-in page, follows its single
	// sign-on link and signs in at the provider.
	browser := newBrowser()
	status, page := browse(t, browser, base+"/priorities")
	start := ssoLink.FindStringSubmatch(page)
	if status != http.StatusOK || start == nil {
		t.Fatalf("the sign-in page (%d) offers no single sign-on:\n%s", status, page)
	}
	back := testidp.SignIn(t, browser, base+html.UnescapeString(start[1]), "ana")
	if back.Status != http.StatusOK || back.URL.String() != base+"/priorities" || !strings.Contains(back.Body, "Signed in as Ana Ruiz") {
		t.Fatalf("after single sign-on: %d at %s:\n%s", back.Status, back.URL, back.Body)
	}
	// Her session opens the home page and the managers' pages.
	for _, path := range []string{"/", "/dashboard", "/users"} {
		status, page := browse(t, browser, base+path)
		if status != http.StatusOK || !strings.Contains(page, "Signed in as Ana Ruiz") {
			t.Errorf("%s with the session: %d\n%s", path, status, page)
		}
	}
	if n := countQuery(t, dbURL, `SELECT count(*) FROM web_sessions WHERE user_id = $1`, ana.ID); n != 1 {
		t.Errorf("%d web sessions for Ana, want 1", n)
	}

	// Someone the provider knows and Puente does not is told whom to ask.
	stranger := newBrowser()
	_, page = browse(t, stranger, base+"/signin")
	start = ssoLink.FindStringSubmatch(page)
	if start == nil {
		t.Fatalf("the sign-in page offers no single sign-on:\n%s", page)
	}
	back = testidp.SignIn(t, stranger, base+html.UnescapeString(start[1]), "stranger")
	if back.Status != http.StatusForbidden || !strings.Contains(back.Body, "Ask a programme manager for access") ||
		!strings.Contains(back.Body, "stranger@example.org") {
		t.Errorf("an unknown email: %d at %s:\n%s", back.Status, back.URL, back.Body)
	}
	if status, page := browse(t, stranger, base+"/"); status != http.StatusOK || !strings.Contains(page, `action="/signin"`) {
		t.Errorf("after a refused sign-in, / is not the sign-in page: %d\n%s", status, page)
	}
	if n := countQuery(t, dbURL, `SELECT count(*) FROM users WHERE email = 'stranger@example.org'`); n != 0 {
		t.Errorf("a refused sign-in made %d accounts", n)
	}
	if n := countQuery(t, dbURL, `SELECT count(*) FROM web_sessions`); n != 1 {
		t.Errorf("%d web sessions, want Ana's alone", n)
	}
	stopProcess(t, serve)
}

// ssoLink is the sign-in page's link to single sign-on.
var ssoLink = regexp.MustCompile(`href="(` + regexp.QuoteMeta(sso.StartPath) + `[^"]*)"`)

// newBrowser is an HTTP client that keeps cookies and asks for English, as
// a browser would.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: english{}}
}

type english struct{}

func (english) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Accept-Language", "en")
	return http.DefaultTransport.RoundTrip(r)
}

// browse opens url and returns the status and page it ends on.
func browse(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// countQuery runs a count query on the database at url.
func countQuery(t *testing.T, url, query string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
