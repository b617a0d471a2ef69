package sso_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// The tests of this file pin behaviour that mutation testing (make mutate,
// docs/mutation.md) found no test noticing when it changed.

// A sign-in attempt that has expired cannot complete; a live one completes
// once.
func TestAnExpiredSignInAttemptCannotComplete(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{})
	ctx := context.Background()
	expired, live := sha256.Sum256([]byte("expired")), sha256.Sum256([]byte("live"))
	login := store.SSOLogin{Nonce: "n", Verifier: "v", Next: "/"}
	if err := b.st.StartSSOLogin(ctx, expired[:], login, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.TakeSSOLogin(ctx, expired[:]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired attempt taken: %v", err)
	}
	if err := b.st.StartSSOLogin(ctx, live[:], login, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := b.st.TakeSSOLogin(ctx, live[:]); err != nil || got != login {
		t.Errorf("live attempt: %+v, %v", got, err)
	}
	if _, err := b.st.TakeSSOLogin(ctx, live[:]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("live attempt taken twice: %v", err)
	}
}

// The state cookie is Secure only over HTTPS (else the browser would not
// send it back over plain HTTP), and the callback deletes it whatever its
// outcome.
func TestTheStateCookiesAttributes(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cookie := func(path string) *http.Cookie {
		t.Helper()
		resp, err := c.Get(b.puente.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, k := range resp.Cookies() {
			if k.Name == "puente_sso" {
				return k
			}
		}
		t.Fatalf("GET %s: %s without the state cookie", path, resp.Status)
		return nil
	}
	if k := cookie(sso.StartPath); k.Secure || !k.HttpOnly || k.MaxAge <= 0 {
		t.Errorf("start's state cookie over HTTP: %+v", k)
	}
	if k := cookie(sso.CallbackPath + "?state=forged&code=x"); k.MaxAge >= 0 {
		t.Errorf("callback's state cookie: %+v, want it deleted", k)
	}
}

// A victim's browser holding a sign-in attempt of its own still refuses an
// attacker's callback: the state must be the browser's, not any state.
func TestAStateCookieOfAnotherAttemptIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{})
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	startState := func(c *http.Client) string {
		t.Helper()
		resp, err := c.Get(b.puente.URL + sso.StartPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return mustQuery(t, resp.Header.Get("Location"), "state")
	}
	attackers := startState(&http.Client{CheckRedirect: noRedirect})
	jar, _ := cookiejar.New(nil)
	victim := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	startState(victim)
	resp, err := victim.Get(b.puente.URL + sso.CallbackPath + "?code=x&state=" + url.QueryEscape(attackers))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if log := b.log.String(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(log, "the state is not this browser's") {
		t.Errorf("another attempt's callback: %s, refused for another reason:\n%s", resp.Status, log)
	}
}
