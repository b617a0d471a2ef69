// Package sso signs people in to the web app with OpenID Connect: the
// authorization code flow with PKCE, state and nonce, against the identity
// provider of the programme or of the person's ministry. The provider only
// proves who the person is; Puente's own user record, found by the verified
// email, decides their role and scope. An unknown email gets a page asking
// them to ask a programme manager for access, never an account.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/puente-dev/puente/internal/onsite"
	"github.com/puente-dev/puente/store"
)

// Paths where the web app mounts the flow: Handler serves those under Prefix.
const (
	Prefix       = "/auth/oidc/"
	StartPath    = "/auth/oidc/start"
	CallbackPath = "/auth/oidc/callback"
)

// stateCookie binds a sign-in attempt to the browser that started it, so a
// callback carrying someone else's state (login CSRF) is refused.
const stateCookie = "puente_sso"

// attemptTTL is how long a person has at the identity provider.
const attemptTTL = 10 * time.Minute

// Config is the identity provider and Puente's registration with it.
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is read at start.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is CallbackPath under Puente's public URL, as registered
	// with the provider.
	RedirectURL string
}

// OnLogin opens the web session of a person the provider vouched for and
// Puente knows: the web app gives it when it mounts the flow.
type OnLogin func(w http.ResponseWriter, r *http.Request, u store.User) error

// OnRefusal answers a refused sign-in with a page telling the person why
// (with reason.Status()); email is the address the provider vouched for,
// when the refusal is about it. The web app gives it with OnLogin.
type OnRefusal func(w http.ResponseWriter, r *http.Request, reason Reason, email string)

// Provider runs the sign-in flow against one identity provider.
type Provider struct {
	store    *store.Store
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	provider *oidc.Provider
	log      *slog.Logger
}

// New reads the provider's discovery document and returns the flow. A
// provider that does not answer is an error: Puente starts only with the
// single sign-on it was configured with.
func New(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("single sign-on needs an issuer URL, a client ID and a redirect URL")
	}
	if log == nil {
		log = slog.Default()
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity provider %s: %w", cfg.Issuer, err)
	}
	return &Provider{
		store: st,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		// The verifier checks the signature against the provider's keys, the
		// issuer, the audience (our client ID) and the expiry.
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		provider: p,
		log:      log,
	}, nil
}

// Handler serves the flow's two paths, for the web app to mount at Prefix:
// onLogin opens the session of each person the flow signs in, onRefusal
// tells the others why they were not.
func (p *Provider) Handler(onLogin OnLogin, onRefusal OnRefusal) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StartPath, func(w http.ResponseWriter, r *http.Request) { p.start(w, r, onRefusal) })
	mux.HandleFunc("GET "+CallbackPath, func(w http.ResponseWriter, r *http.Request) { p.callback(w, r, onLogin, onRefusal) })
	return mux
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// start sends the browser to the provider with a fresh state, nonce and PKCE
// challenge; ?next= is where to land once signed in.
func (p *Provider) start(w http.ResponseWriter, r *http.Request, onRefusal OnRefusal) {
	w.Header().Set("Cache-Control", "no-store")
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	next := onsite.Path(r.URL.Query().Get("next"))
	if err := p.store.StartSSOLogin(r.Context(), hash(state), store.SSOLogin{Nonce: nonce, Verifier: verifier, Next: next},
		time.Now().Add(attemptTTL)); err != nil {
		p.log.ErrorContext(r.Context(), "single sign-on start", "error", err)
		onRefusal(w, r, Unavailable, "")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/auth/oidc/", MaxAge: int(attemptTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || strings.HasPrefix(p.oauth.RedirectURL, "https:")})
	http.Redirect(w, r, p.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", nonce)), http.StatusFound)
}

// callback completes the flow: the state must be this browser's and unused,
// the code must redeem with the PKCE verifier, the ID token must be signed
// by the provider for us, unexpired and carry our nonce, and the email must
// be verified and belong to an active Puente user, whose session onLogin
// then opens. Any other outcome goes to onRefusal, with its reason logged.
func (p *Provider) callback(w http.ResponseWriter, r *http.Request, onLogin OnLogin, onRefusal OnRefusal) {
	w.Header().Set("Cache-Control", "no-store")
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/auth/oidc/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	u, next, reason, err := p.complete(r)
	if reason != "" {
		p.log.WarnContext(r.Context(), "single sign-on refused", "reason", reason, "error", err)
		onRefusal(w, r, reason, u.Email)
		return
	}
	if err := onLogin(w, r, u); err != nil {
		p.log.ErrorContext(r.Context(), "open web session", "error", err)
		onRefusal(w, r, Unavailable, "")
		return
	}
	p.log.InfoContext(r.Context(), "signed in with single sign-on", "user_id", u.ID)
	http.Redirect(w, r, onsite.Path(next), http.StatusSeeOther)
}

// complete runs the callback's checks in order; a non-empty reason refuses.
// The user carries the email even when refused, for the page to name it.
func (p *Provider) complete(r *http.Request) (store.User, string, Reason, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return store.User{}, "", ProviderRefused, fmt.Errorf("%s: %s", e, q.Get("error_description"))
	}
	state := q.Get("state")
	c, err := r.Cookie(stateCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return store.User{}, "", BadState, errors.New("the state is not this browser's")
	}
	login, err := p.store.TakeSSOLogin(r.Context(), hash(state))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, "", BadState, errors.New("the state was used already, or expired")
	}
	if err != nil {
		return store.User{}, "", Unavailable, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := p.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(login.Verifier))
	if err != nil {
		return store.User{}, "", BadToken, fmt.Errorf("redeem the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return store.User{}, "", BadToken, errors.New("no ID token in the answer")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return store.User{}, "", BadToken, err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(login.Nonce)) != 1 {
		return store.User{}, "", BadToken, errors.New("the ID token's nonce is not the one sent")
	}
	email, verified, err := p.email(ctx, idt, tok)
	if err != nil {
		return store.User{}, "", BadToken, err
	}
	if !verified {
		return store.User{Email: email}, "", Unverified, errors.New("email not verified")
	}
	u, err := p.store.UserByEmail(r.Context(), email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.User{Email: email}, "", Unknown, nil
	case err != nil:
		return store.User{}, "", Unavailable, err
	case !u.Active:
		return u, "", Deactivated, nil
	}
	return u, login.Next, "", nil
}

// email is the person's address and whether the provider verified it: from
// the ID token if it carries it, else from the UserInfo endpoint, whose
// subject must be the ID token's. Only an email_verified claim that says
// true vouches for the address: a claim that is missing, where the email
// is, counts as unverified, and the sign-in is refused.
func (p *Provider) email(ctx context.Context, idt *oidc.IDToken, tok *oauth2.Token) (string, bool, error) {
	var claims struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", false, err
	}
	if claims.Email != "" {
		v := strings.Trim(string(claims.EmailVerified), `"`)
		return strings.ToLower(claims.Email), v == "true", nil
	}
	info, err := p.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return "", false, fmt.Errorf("userinfo: %w", err)
	}
	if info.Subject != idt.Subject {
		return "", false, errors.New("userinfo is about another subject than the ID token")
	}
	if info.Email == "" {
		return "", false, errors.New("the provider gave no email (is the email scope allowed?)")
	}
	return strings.ToLower(info.Email), info.EmailVerified, nil
}
