package testidp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/puente-dev/puente/internal/testidp"
)

// TestTheProviderKeepsItsLoginSession: a browser that signed in once is
// signed in again without its login page, until RP-Initiated Logout ends
// the session and sends it to the registered post-logout URI.
func TestTheProviderKeepsItsLoginSession(t *testing.T) {
	appSrv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(appSrv.Close)
	app := appSrv.URL
	idp := testidp.Start(t, testidp.Options{People: []testidp.Person{{Username: "ana", Email: "ana@example.org", Verified: true}},
		Clients: []testidp.Client{{ID: "app", Secret: "s3cret", RedirectURI: app + "/callback", PostLogoutRedirectURI: app + "/bye"}}})
	conf := oauth2.Config{ClientID: "app", ClientSecret: "s3cret", RedirectURL: app + "/callback", Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: idp.Issuer + "/auth", TokenURL: idp.Issuer + "/oauth/token"}}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	authorize := func() *http.Response {
		t.Helper()
		resp, err := browser.Get(conf.AuthCodeURL("state", oauth2.SetAuthURLParam("nonce", "n")))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}

	back := testidp.SignIn(t, browser, conf.AuthCodeURL("state", oauth2.SetAuthURLParam("nonce", "n")), "ana")
	code := back.URL.Query().Get("code")
	if back.Status != http.StatusOK || code == "" || idp.LoginSessions() != 1 {
		t.Fatalf("sign-in: %d at %s, %d sessions", back.Status, back.URL, idp.LoginSessions())
	}
	tok, err := conf.Exchange(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	if resp := authorize(); "http://"+resp.Request.URL.Host != app || resp.Request.URL.Query().Get("code") == "" {
		t.Fatalf("with a login session, the provider did not send the browser straight back: %s at %s", resp.Status, resp.Request.URL)
	}

	end := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {app + "/bye"}}
	resp, err := browser.Get(idp.Issuer + "/end_session?" + end.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.String() != app+"/bye" || idp.LoginSessions() != 0 {
		t.Fatalf("end session: %s at %s, %d sessions", resp.Status, resp.Request.URL, idp.LoginSessions())
	}
	if resp := authorize(); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login/username" {
		t.Errorf("after the end of its session, the provider did not ask for the password: %s at %s", resp.Status, resp.Request.URL)
	}
}
