package sso_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The identity provider's people. Only their email decides who they are in
// Puente; their IdP username does not.
var idpPeople = []testidp.Person{
	{Username: "ana", Email: "Ana.Ruiz@example.org", Verified: true},
	{Username: "stranger", Email: "stranger@example.org", Verified: true},
	{Username: "unverified", Email: "carmen@example.org", Verified: false},
	{Username: "gone", Email: "gone@example.org", Verified: true},
	{Username: "silent", Email: "silent@example.org", OmitVerified: true},
	// Microsoft Entra ID: no email_verified, but xms_edov when asked for.
	{Username: "entra", Email: "Rosa.Quispe@example.org", OmitVerified: true, DomainVerified: true},
}

// idpEmail is the email the provider has for username, lowercased as
// Puente reads it.
func idpEmail(username string) string {
	for _, p := range idpPeople {
		if p.Username == username {
			return strings.ToLower(p.Email)
		}
	}
	return ""
}

// knobs make the provider misbehave, one way per test.
type knobs struct {
	nonce           string        // the ID token's nonce, instead of the one sent
	lifetime        time.Duration // the ID token's lifetime
	claimsInIDToken bool          // put email in the ID token (else only UserInfo has it)
}

type bundle struct {
	st      *store.Store
	puente  *httptest.Server
	idp     *testidp.IdP
	browser *http.Client
	mu      sync.Mutex
	// signedIn is who OnLogin opened a session for.
	signedIn []store.User
	// callbacks are the callback URLs the browser was sent to.
	callbacks []string
	// log is what Puente's flow logged.
	log testenv.SyncBuffer
}

// setup starts a real OpenID provider (testidp: zitadel's op) and Puente's
// flow against it, and gives a browser with cookies.
func setup(t *testing.T, k knobs) *bundle {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.DatabaseURL(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	b := &bundle{st: st}

	mux := http.NewServeMux()
	b.puente = httptest.NewServer(mux)
	t.Cleanup(b.puente.Close)

	b.idp = testidp.Start(t, testidp.Options{People: idpPeople, Clients: []testidp.Client{
		{ID: "puente", Secret: "s3cret", RedirectURI: b.puente.URL + sso.CallbackPath},
		// Another application registered with the same provider.
		{ID: "another-app", Secret: "other", RedirectURI: b.puente.URL + "/another-app/callback"},
	}, Nonce: k.nonce, IDTokenLifetime: k.lifetime, ClaimsInIDToken: k.claimsInIDToken})

	p, err := sso.New(ctx, sso.Config{Issuer: b.idp.Issuer, ClientID: "puente", ClientSecret: "s3cret",
		RedirectURL: b.puente.URL + sso.CallbackPath}, st, slog.New(slog.NewTextHandler(&b.log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(sso.Prefix, p.Handler(func(w http.ResponseWriter, r *http.Request, u store.User, _ string) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.signedIn = append(b.signedIn, u)
		http.SetCookie(w, &http.Cookie{Name: "session", Value: u.ID, Path: "/"})
		return nil
	}, func(w http.ResponseWriter, r *http.Request, reason sso.Reason, email string) {
		w.WriteHeader(reason.Status())
		_, _ = io.WriteString(w, "refused: "+string(reason)+" "+email)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err == nil {
			_, _ = io.WriteString(w, "signed in as "+c.Value+" at "+r.URL.Path)
			return
		}
		_, _ = io.WriteString(w, "not signed in")
	})

	jar, _ := cookiejar.New(nil)
	b.browser = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == sso.CallbackPath {
			b.mu.Lock()
			b.callbacks = append(b.callbacks, req.URL.String())
			b.mu.Unlock()
		}
		return nil
	}}
	return b
}

func (b *bundle) addUser(t *testing.T, email string, active bool) store.User {
	t.Helper()
	_, hash := store.NewToken()
	u, err := b.st.AddUser(context.Background(), store.User{Actor: pipeline.Actor{Name: email, Role: pipeline.Manager},
		Email: email, Language: "es"}, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !active {
		if u, err = b.st.Deactivate(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// signIn goes to Puente's start, then signs in at the provider as
// username; it returns Puente's last answer.
func (b *bundle) signIn(t *testing.T, username string) (int, string) {
	t.Helper()
	return b.login(t, b.puente.URL+sso.StartPath+"?next=/priorities", username)
}

// start asks Puente to start a sign-in and returns where it sends the
// browser: the provider's authorization URL.
func (b *bundle) start(t *testing.T) string {
	t.Helper()
	c := &http.Client{Jar: b.browser.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(b.puente.URL + sso.StartPath + "?next=/priorities")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("start: %s", resp.Status)
	}
	return resp.Header.Get("Location")
}

// login follows from to the provider's login form and signs in as username.
func (b *bundle) login(t *testing.T, from, username string) (int, string) {
	t.Helper()
	r := testidp.SignIn(t, b.browser, from, username)
	return r.Status, r.Body
}

// idTokenFor signs username in to the other application, with nonce, and
// returns the genuine ID token the provider issues it.
func (b *bundle) idTokenFor(t *testing.T, username, nonce string) string {
	t.Helper()
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, b.idp.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	other := oauth2.Config{ClientID: "another-app", ClientSecret: "other", RedirectURL: b.puente.URL + "/another-app/callback",
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email"}}
	jar, _ := cookiejar.New(nil)
	back := testidp.SignIn(t, &http.Client{Jar: jar}, other.AuthCodeURL("other-state", oauth2.SetAuthURLParam("nonce", nonce)), username)
	tok, err := other.Exchange(ctx, mustQuery(t, back.URL.String(), "code"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	return raw
}

func (b *bundle) lastCallback(t *testing.T) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.callbacks) == 0 {
		t.Fatal("the browser was never sent to the callback")
	}
	return b.callbacks[len(b.callbacks)-1]
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	for _, inIDToken := range []bool{false, true} {
		b := setup(t, knobs{claimsInIDToken: inIDToken})
		ana := b.addUser(t, "ana.ruiz@example.org", true)
		code, body := b.signIn(t, "ana")
		if code != http.StatusOK || body != "signed in as "+ana.ID+" at /priorities" {
			t.Fatalf("email in the ID token %v: %d %q", inIDToken, code, body)
		}
		if len(b.signedIn) != 1 || b.signedIn[0].ID != ana.ID || b.signedIn[0].Role != pipeline.Manager {
			t.Errorf("sessions opened for %+v", b.signedIn)
		}
	}
}

// TestEntrasDomainVerifiedVouches: an ID token without email_verified but
// with Entra ID's xms_edov true signs its person in.
func TestEntrasDomainVerifiedVouches(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{claimsInIDToken: true})
	rosa := b.addUser(t, "rosa.quispe@example.org", true)
	if code, body := b.signIn(t, "entra"); code != http.StatusOK || body != "signed in as "+rosa.ID+" at /priorities" {
		t.Fatalf("xms_edov true: %d %q\n%s", code, body, b.log.String())
	}
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		k        knobs
		user     string
		status   int
		contains string
		logged   string
	}{
		{"expired ID token", knobs{lifetime: -time.Minute}, "ana", http.StatusBadRequest, "refused: bad_token", "token is expired"},
		{"bad nonce", knobs{nonce: "forged"}, "ana", http.StatusBadRequest, "refused: bad_token", "nonce is not the one sent"},
		{"unknown email", knobs{}, "stranger", http.StatusForbidden, "refused: unknown stranger@example.org", "reason=unknown"},
		{"unverified email", knobs{}, "unverified", http.StatusForbidden, "refused: unverified carmen@example.org", "reason=unverified"},
		{"unverified email in the ID token", knobs{claimsInIDToken: true}, "unverified", http.StatusForbidden,
			"refused: unverified carmen@example.org", "reason=unverified"},
		{"no email_verified at UserInfo counts as unverified", knobs{}, "silent", http.StatusForbidden,
			"refused: unverified silent@example.org", "reason=unverified"},
		{"no email_verified in the ID token counts as unverified", knobs{claimsInIDToken: true}, "silent", http.StatusForbidden,
			"refused: unverified silent@example.org", "reason=unverified"},
		{"deactivated user", knobs{}, "gone", http.StatusForbidden, "refused: deactivated gone@example.org", "reason=deactivated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, c.k)
			b.addUser(t, "ana.ruiz@example.org", true)
			b.addUser(t, "carmen@example.org", true)
			b.addUser(t, "gone@example.org", false)
			b.addUser(t, "silent@example.org", true)
			code, body := b.signIn(t, c.user)
			if code != c.status || !strings.Contains(body, c.contains) {
				t.Errorf("%d %s, want %d with %q", code, body, c.status, c.contains)
			}
			if len(b.signedIn) != 0 {
				t.Errorf("a session was opened for %+v", b.signedIn)
			}
			if log := b.log.String(); !strings.Contains(log, c.logged) {
				t.Errorf("refused for another reason than %q:\n%s", c.logged, log)
			}
			// The log line says who was refused, as far as the provider said.
			if log, email := b.log.String(), idpEmail(c.user); strings.Contains(c.contains, email) &&
				(!strings.Contains(log, "email="+email) || !strings.Contains(log, "subject=u-"+c.user) || strings.Contains(log, "error=<nil>")) {
				t.Errorf("the refusal's log line does not name %s and subject u-%s:\n%s", email, c.user, log)
			}
		})
	}
}

// TestAnotherApplicationsIDTokenIsRefused: a genuine ID token the same
// provider issued to another application, for the same person and even the
// same nonce, substituted in the token answer, fails the audience check.
func TestAnotherApplicationsIDTokenIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{claimsInIDToken: true})
	b.addUser(t, "ana.ruiz@example.org", true)
	authorize := b.start(t)
	token := b.idTokenFor(t, "ana", mustQuery(t, authorize, "nonce"))
	var claims struct {
		Aud any `json:"aud"`
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err := json.Unmarshal(payload, &claims); err != nil || fmt.Sprint(claims.Aud) != "[another-app]" {
		t.Fatalf("the other application's token has audience %v (%v)", claims.Aud, err)
	}
	b.idp.SwapIDToken(token)
	code, body := b.login(t, authorize, "ana")
	if code != http.StatusBadRequest || body != "refused: bad_token " || len(b.signedIn) != 0 {
		t.Errorf("another application's ID token: %d %s; sessions %v", code, body, b.signedIn)
	}
	if log := b.log.String(); !strings.Contains(log, `expected audience \"puente\" got [\"another-app\"]`) {
		t.Errorf("refused for another reason than the audience:\n%s", log)
	}
}

// TestStateIsSingleUseAndBoundToTheBrowser: replaying a callback, or
// delivering it to another browser, opens no session.
func TestStateIsSingleUseAndBoundToTheBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{})
	ana := b.addUser(t, "ana.ruiz@example.org", true)
	if code, body := b.signIn(t, "ana"); code != http.StatusOK || !strings.Contains(body, ana.ID) {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	callback := b.lastCallback(t)
	u, _ := url.Parse(b.puente.URL)

	// The same browser replays the callback with its state cookie put back.
	b.browser.Jar.SetCookies(&url.URL{Scheme: "http", Host: u.Host, Path: "/auth/oidc/"},
		[]*http.Cookie{{Name: "puente_sso", Value: mustQuery(t, callback, "state"), Path: "/auth/oidc/"}})
	resp, err := b.browser.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || string(body) != "refused: bad_state " {
		t.Errorf("replayed callback: %d %s", resp.StatusCode, body)
	}
	if log := b.log.String(); !strings.Contains(log, "the state was used already, or expired") {
		t.Errorf("the replay was refused for another reason:\n%s", log)
	}

	// An attacker's callback, delivered to a victim's browser that did not
	// start it (login CSRF), is refused before the code is redeemed.
	attacker := setup(t, knobs{})
	attacker.addUser(t, "ana.ruiz@example.org", true)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Get(attacker.puente.URL + sso.StartPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	state := mustQuery(t, resp.Header.Get("Location"), "state")
	jar, _ := cookiejar.New(nil)
	victim := &http.Client{Jar: jar}
	resp, err = victim.Get(attacker.puente.URL + sso.CallbackPath + "?code=x&state=" + url.QueryEscape(state))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(b.signedIn) != 1 || len(attacker.signedIn) != 0 {
		t.Errorf("a callback without its browser's state: %d; sessions %d, %d", resp.StatusCode, len(b.signedIn), len(attacker.signedIn))
	}
	if log := attacker.log.String(); !strings.Contains(log, "the state is not this browser's") {
		t.Errorf("the forged callback was refused for another reason:\n%s", log)
	}
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Query().Get(key) == "" {
		t.Fatalf("no %s in %s", key, raw)
	}
	return u.Query().Get(key)
}
