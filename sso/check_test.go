package sso_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// TestCheckTellsAWrongSecretFromARightOne runs the self-check against a
// real OpenID provider: the right secret passes, a wrong secret or an
// unknown client is refused, each sent as the discovery document offers.
func TestCheckTellsAWrongSecretFromARightOne(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		offered []string
		want    string
	}{
		{nil, "client_secret_basic"},
		{[]string{"client_secret_post", "private_key_jwt"}, "client_secret_post"},
		{[]string{"client_secret_basic", "client_secret_post"}, "client_secret_basic"},
	} {
		idp := testidp.Start(t, testidp.Options{AuthMethods: c.offered,
			Clients: []testidp.Client{{ID: "puente", Secret: "s3cret", RedirectURI: "http://puente.test/auth/oidc/callback"}}})
		cfg := sso.Config{Issuer: idp.Issuer, ClientID: "puente", ClientSecret: "s3cret", RedirectURL: "http://puente.test/auth/oidc/callback"}
		method, logout, err := sso.Check(context.Background(), cfg)
		if err != nil || method != c.want || !logout {
			t.Errorf("offered %v, the right secret: %s, logout %v, %v", c.offered, method, logout, err)
		}
		if got := idp.SecretSentWith(); got != c.want {
			t.Errorf("offered %v, the secret was sent with %s, want %s", c.offered, got, c.want)
		}
		wrong := cfg
		wrong.ClientSecret = "not-the-secret"
		if _, _, err := sso.Check(context.Background(), wrong); !errors.Is(err, sso.ErrClientRefused) {
			t.Errorf("offered %v, a wrong secret: %v", c.offered, err)
		}
		if got := idp.SecretSentWith(); got != c.want {
			t.Errorf("offered %v, the wrong secret was sent with %s, want %s", c.offered, got, c.want)
		}
		// This provider looks the code up before the client, and answers a
		// client ID it does not know with a server error: the check cannot
		// vouch for it.
		unknown := cfg
		unknown.ClientID = "someone-else"
		if _, _, err := sso.Check(context.Background(), unknown); !errors.Is(err, sso.ErrInconclusive) && !errors.Is(err, sso.ErrClientRefused) {
			t.Errorf("offered %v, an unknown client: %v", c.offered, err)
		}
	}
	// A provider that takes no client secret at all is told of at once.
	idp := testidp.Start(t, testidp.Options{AuthMethods: []string{"private_key_jwt"}})
	_, _, err := sso.Check(context.Background(), sso.Config{Issuer: idp.Issuer, ClientID: "puente", ClientSecret: "s3cret",
		RedirectURL: "http://puente.test/auth/oidc/callback"})
	if err == nil || !strings.Contains(err.Error(), "takes no client secret") {
		t.Errorf("a provider offering only private_key_jwt: %v", err)
	}
}

// TestEndSessionURL: with a provider offering RP-Initiated Logout, sign-out
// goes to its end_session_endpoint with the ID token as id_token_hint and
// Puente's signed-out page to come back to; without, nowhere.
func TestEndSessionURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.DatabaseURL(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	cfg := sso.Config{ClientID: "puente", ClientSecret: "s3cret", RedirectURL: "http://puente.test/auth/oidc/callback",
		PostLogoutURL: "http://puente.test/signedout"}
	idp := testidp.Start(t, testidp.Options{})
	cfg.Issuer = idp.Issuer
	p, err := sso.New(ctx, cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.EndSessionURL("the-id-token"))
	if err != nil || u.Scheme+"://"+u.Host != idp.Issuer || u.Path != "/end_session" {
		t.Fatalf("end session URL %s (%v), want the provider's end_session_endpoint", u, err)
	}
	want := url.Values{"id_token_hint": {"the-id-token"}, "client_id": {"puente"}, "post_logout_redirect_uri": {"http://puente.test/signedout"}}
	if q := u.Query(); q.Encode() != want.Encode() {
		t.Errorf("end session query %v, want %v", q, want)
	}
	none := testidp.Start(t, testidp.Options{NoEndSession: true})
	cfg.Issuer = none.Issuer
	if p, err = sso.New(ctx, cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if got := p.EndSessionURL("the-id-token"); got != "" {
		t.Errorf("a provider without end_session_endpoint: %q", got)
	}
}

// TestASignInAtAnotherHostIsWarnedOfOnce: a sign-in started at a host
// other than the redirect URL's will be refused at the callback (the state
// cookie stays on the host it was set on): the log says so, once.
func TestASignInAtAnotherHostIsWarnedOfOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, knobs{})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := func(host, forwarded string) {
		t.Helper()
		req, _ := http.NewRequest("GET", b.puente.URL+sso.StartPath, nil)
		req.Host = host
		if forwarded != "" {
			req.Header.Set("X-Forwarded-Host", forwarded)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	u, _ := url.Parse(b.puente.URL)
	start(u.Host, "")
	start("localhost", u.Host)
	if strings.Contains(b.log.String(), "another host") {
		t.Fatalf("warned of the base URL's own host:\n%s", b.log.String())
	}
	start("localhost:"+u.Port(), "")
	start("puente.internal", "")
	if n := strings.Count(b.log.String(), "a sign-in started at another host"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, b.log.String())
	}
	if !strings.Contains(b.log.String(), "host=localhost:"+u.Port()) {
		t.Errorf("the warning does not name the host used:\n%s", b.log.String())
	}
}

// TestCheckAgainstAProviderThatAuthenticatesTheClientFirst: a provider
// that authenticates the client before it reads the grant, as RFC 6749
// asks (Keycloak, Entra ID, Google do), is told from its first answer; one
// whose answers vouch for nothing either way is inconclusive.
func TestCheckAgainstAProviderThatAuthenticatesTheClientFirst(t *testing.T) {
	t.Parallel()
	var issuer string
	// answer is the token endpoint's answer to the right credentials.
	answer := map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"issuer":"`+issuer+`","authorization_endpoint":"`+issuer+`/auth","token_endpoint":"`+issuer+
			`/token","jwks_uri":"`+issuer+`/keys","token_endpoint_auth_methods_supported":["client_secret_post"]}`)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, _, basic := r.BasicAuth(); basic || r.PostFormValue("client_id") != "puente" || r.PostFormValue("client_secret") != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"`+answer[r.PostFormValue("grant_type")]+`"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer = srv.URL
	cfg := sso.Config{Issuer: issuer, ClientID: "puente", ClientSecret: "s3cret", RedirectURL: "http://puente.test/auth/oidc/callback"}
	ctx := context.Background()

	answer["authorization_code"], answer["refresh_token"] = "invalid_grant", "unauthorized_client"
	if method, logout, err := sso.Check(ctx, cfg); err != nil || method != "client_secret_post" || logout {
		t.Errorf("the right secret: %s, logout %v, %v", method, logout, err)
	}
	wrong := cfg
	wrong.ClientSecret = "nope"
	if _, _, err := sso.Check(ctx, wrong); !errors.Is(err, sso.ErrClientRefused) || !strings.Contains(err.Error(), "a made-up code") {
		t.Errorf("a wrong secret: %v", err)
	}
	answer["authorization_code"], answer["refresh_token"] = "invalid_request", "unsupported_grant_type"
	if _, _, err := sso.Check(ctx, cfg); !errors.Is(err, sso.ErrInconclusive) {
		t.Errorf("answers that vouch for nothing: %v", err)
	}
}
