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
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/puente-dev/puente/internal/onsite"
	"github.com/puente-dev/puente/store"
)

// Paths where the web app mounts the flow: Handler serves those under Prefix.
// SignedOutPath is the web app's page people land on once signed out: the
// provider sends them back there after ending its own session.
const (
	Prefix        = "/auth/oidc/"
	StartPath     = "/auth/oidc/start"
	CallbackPath  = "/auth/oidc/callback"
	SignedOutPath = "/signedout"
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
	// PostLogoutURL is SignedOutPath under Puente's public URL, as
	// registered with the provider: where it sends people once it has
	// ended their session there (RP-Initiated Logout).
	PostLogoutURL string
}

// OnLogin opens the web session of a person the provider vouched for and
// Puente knows: the web app gives it when it mounts the flow. idToken is
// the provider's ID token, for the session to keep: sign-out hands it back
// to the provider (EndSessionURL).
type OnLogin func(w http.ResponseWriter, r *http.Request, u store.User, idToken string) error

// OnRefusal answers a refused sign-in with a page telling the person why
// (with reason.Status()); email is the address the provider vouched for,
// when the refusal is about it. The web app gives it with OnLogin.
type OnRefusal func(w http.ResponseWriter, r *http.Request, reason Reason, email string)

// Provider runs the sign-in flow against one identity provider.
type Provider struct {
	discovery
	store    *store.Store
	verifier *oidc.IDTokenVerifier
	log      *slog.Logger
	// postLogout is Config.PostLogoutURL.
	postLogout string
	// host is the host of the redirect URL, the one the state cookie must
	// be set on; hostWarned says the log was told of another.
	host       string
	hostWarned atomic.Bool
}

// discovery is what Puente reads from the provider's discovery document.
type discovery struct {
	provider *oidc.Provider
	oauth    oauth2.Config
	// method is how the client secret is sent to the token endpoint:
	// client_secret_basic or client_secret_post.
	method string
	// endSession is the provider's end_session_endpoint, empty when it
	// offers none.
	endSession string
}

// discover reads the provider's discovery document and picks how to send
// the client secret from what the provider offers.
func discover(ctx context.Context, cfg Config) (discovery, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return discovery{}, errors.New("single sign-on needs an issuer URL, a client ID and a redirect URL")
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return discovery{}, fmt.Errorf("identity provider %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
		EndSession  string   `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		return discovery{}, fmt.Errorf("identity provider %s: discovery document: %w", cfg.Issuer, err)
	}
	d := discovery{provider: p, endSession: meta.EndSession}
	endpoint := p.Endpoint()
	// The discovery document's default, when it lists none, is basic.
	switch {
	case len(meta.AuthMethods) == 0 || slices.Contains(meta.AuthMethods, "client_secret_basic"):
		d.method, endpoint.AuthStyle = "client_secret_basic", oauth2.AuthStyleInHeader
	case slices.Contains(meta.AuthMethods, "client_secret_post"):
		d.method, endpoint.AuthStyle = "client_secret_post", oauth2.AuthStyleInParams
	default:
		return discovery{}, fmt.Errorf("identity provider %s takes no client secret at its token endpoint (it offers %s); Puente sends one with client_secret_basic or client_secret_post",
			cfg.Issuer, strings.Join(meta.AuthMethods, ", "))
	}
	d.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: endpoint, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	return d, nil
}

// New reads the provider's discovery document and returns the flow. A
// provider that does not answer is an error: Puente starts only with the
// single sign-on it was configured with. Check, run first, also proves
// the client's credentials.
func New(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) (*Provider, error) {
	if log == nil {
		log = slog.Default()
	}
	d, err := discover(ctx, cfg)
	if err != nil {
		return nil, err
	}
	redirect, err := url.Parse(cfg.RedirectURL)
	if err != nil {
		return nil, fmt.Errorf("redirect URL %q: %w", cfg.RedirectURL, err)
	}
	return &Provider{
		discovery: d,
		store:     st,
		// The verifier checks the signature against the provider's keys, the
		// issuer, the audience (our client ID) and the expiry.
		verifier:   d.provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		log:        log,
		postLogout: cfg.PostLogoutURL,
		host:       redirect.Host,
	}, nil
}

// ErrClientRefused says the provider's token endpoint refuses Puente's
// client ID and secret: a wrong secret, or a client ID it does not know.
var ErrClientRefused = errors.New("the identity provider refuses Puente's client ID and secret")

// ErrInconclusive says the provider answered Check in a way that tells
// neither a right secret nor a wrong one.
var ErrInconclusive = errors.New("the identity provider's answer tells neither a right client secret nor a wrong one")

// Check proves, without a person, that the provider takes Puente's client
// credentials: it redeems a code that cannot exist at the token endpoint,
// then refreshes a refresh token that cannot exist, sending the secret as
// the provider's discovery document offers. A provider answers
// invalid_client (or 401) to credentials it refuses — ErrClientRefused —
// and invalid_grant to those it takes, about the code or token. Both are
// asked because some providers (zitadel's among them) look the code up
// before the client, and answer invalid_grant to any credentials. When
// neither answer vouches for the credentials, or one is a server error (as
// zitadel's to a client ID it does not know), Check returns
// ErrInconclusive. It returns how the secret is sent (client_secret_basic
// or client_secret_post) and whether the provider offers RP-Initiated
// Logout.
func Check(ctx context.Context, cfg Config) (method string, logout bool, err error) {
	d, err := discover(ctx, cfg)
	if err != nil {
		return "", false, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	probes := []struct {
		what string
		ask  func() error
	}{
		{"a made-up code", func() error {
			_, err := d.oauth.Exchange(ctx, "puente-self-check-"+random(), oauth2.VerifierOption(oauth2.GenerateVerifier()))
			return err
		}},
		{"a made-up refresh token", func() error {
			_, err := d.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: "puente-self-check-" + random()}).Token()
			return err
		}},
	}
	token := d.oauth.Endpoint.TokenURL
	var vouched, failed bool
	var last string
	for _, probe := range probes {
		err := probe.ask()
		var answer *oauth2.RetrieveError
		switch {
		case err == nil:
			return d.method, false, fmt.Errorf("%w: its token endpoint %s took %s", ErrInconclusive, token, probe.what)
		case !errors.As(err, &answer):
			return d.method, false, fmt.Errorf("identity provider's token endpoint %s: %w", token, err)
		}
		last = strings.TrimSpace(answer.Response.Status + " " + answer.ErrorCode + " " + firstLine(answer.ErrorDescription))
		switch {
		case answer.ErrorCode == "invalid_client" || answer.Response.StatusCode == http.StatusUnauthorized:
			return d.method, false, fmt.Errorf("%w (its token endpoint %s answered %s to %s, the secret sent with %s)",
				ErrClientRefused, token, last, probe.what, d.method)
		case answer.ErrorCode == "invalid_grant":
			vouched = true
		case answer.Response.StatusCode >= 500:
			failed = true
		}
	}
	if !vouched || failed {
		return d.method, false, fmt.Errorf("%w (%s answered %s)", ErrInconclusive, token, last)
	}
	return d.method, d.endSession != "", nil
}

// firstLine is an error description's first line, at most 160 bytes:
// some providers add trace IDs and timestamps below.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return strings.TrimSpace(s)
}

// EndSessionURL is where sign-out sends the browser for the provider to
// end its own session too (OpenID Connect RP-Initiated Logout), with the
// session's ID token as id_token_hint (none if empty) and PostLogoutURL to
// come back to; empty when the provider offers no end_session_endpoint.
func (p *Provider) EndSessionURL(idToken string) string {
	if p.endSession == "" {
		return ""
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", p.oauth.ClientID)
	if p.postLogout != "" {
		q.Set("post_logout_redirect_uri", p.postLogout)
	}
	u.RawQuery = q.Encode()
	return u.String()
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
	p.watchHost(r)
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

// watchHost warns, once, of a sign-in started at another host than the
// redirect URL's: the state cookie is set on the host the browser used,
// and the provider sends the browser back to the redirect URL's, where that
// cookie is not sent — so the callback is refused as not this browser's.
// Behind a proxy, X-Forwarded-Host is the host the browser used.
func (p *Provider) watchHost(r *http.Request) {
	host := r.Header.Get("X-Forwarded-Host")
	if host == "" {
		host = r.Host
	}
	if strings.EqualFold(host, p.host) || !p.hostWarned.CompareAndSwap(false, true) {
		return
	}
	p.log.WarnContext(r.Context(), "a sign-in started at another host than Puente's base URL (PUENTE_BASE_URL): "+
		"the provider sends the browser back to the base URL's host, and the sign-in is refused there as not valid; "+
		"people must open Puente at the base URL", "host", host, "base_url_host", p.host)
}

// callback completes the flow: the state must be this browser's and unused,
// the code must redeem with the PKCE verifier, the ID token must be signed
// by the provider for us, unexpired and carry our nonce, and the email must
// be verified and belong to an active Puente user, whose session onLogin
// then opens. Any other outcome goes to onRefusal, with its reason logged.
func (p *Provider) callback(w http.ResponseWriter, r *http.Request, onLogin OnLogin, onRefusal OnRefusal) {
	w.Header().Set("Cache-Control", "no-store")
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/auth/oidc/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	o := p.complete(r)
	if o.reason != "" {
		// Who was refused, as far as the provider said, so that the
		// operator can tell which address to add or who was deactivated.
		attrs := []any{"reason", o.reason, "email", o.user.Email, "subject", o.subject}
		if o.err != nil {
			attrs = append(attrs, "error", o.err)
		}
		p.log.WarnContext(r.Context(), "single sign-on refused", attrs...)
		onRefusal(w, r, o.reason, o.user.Email)
		return
	}
	if err := onLogin(w, r, o.user, o.idToken); err != nil {
		p.log.ErrorContext(r.Context(), "open web session", "error", err)
		onRefusal(w, r, Unavailable, "")
		return
	}
	p.log.InfoContext(r.Context(), "signed in with single sign-on", "user_id", o.user.ID)
	http.Redirect(w, r, onsite.Path(o.next), http.StatusSeeOther)
}

// outcome is what a callback came to: a person to sign in and where to send
// them, or a reason to refuse, with the error behind it. The user carries
// the email, and subject the provider's, as far as the checks got, even
// when refused: for the page and the log to name them.
type outcome struct {
	user    store.User
	subject string
	idToken string
	next    string
	reason  Reason
	err     error
}

func refuse(reason Reason, err error) outcome { return outcome{reason: reason, err: err} }

// complete runs the callback's checks in order; a non-empty reason refuses.
func (p *Provider) complete(r *http.Request) outcome {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return refuse(ProviderRefused, fmt.Errorf("%s: %s", e, q.Get("error_description")))
	}
	state := q.Get("state")
	c, err := r.Cookie(stateCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return refuse(BadState, errors.New("the state is not this browser's"))
	}
	login, err := p.store.TakeSSOLogin(r.Context(), hash(state))
	if errors.Is(err, store.ErrNotFound) {
		return refuse(BadState, errors.New("the state was used already, or expired"))
	}
	if err != nil {
		return refuse(Unavailable, err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := p.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(login.Verifier))
	if err != nil {
		return refuse(BadToken, fmt.Errorf("redeem the code: %w", err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return refuse(BadToken, errors.New("no ID token in the answer"))
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return refuse(BadToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(login.Nonce)) != 1 {
		return outcome{subject: idt.Subject, reason: BadToken, err: errors.New("the ID token's nonce is not the one sent")}
	}
	email, verified, err := p.email(ctx, idt, tok)
	o := outcome{user: store.User{Email: email}, subject: idt.Subject, idToken: raw}
	switch {
	case err != nil:
		o.reason, o.err = BadToken, err
		return o
	case !verified:
		o.reason, o.err = Unverified, errors.New("the provider does not say the email is verified")
		return o
	}
	u, err := p.store.UserByEmail(r.Context(), email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		o.reason, o.err = Unknown, errors.New("no Puente user has this email")
	case err != nil:
		o.reason, o.err = Unavailable, err
	case !u.Active:
		o.user, o.reason, o.err = u, Deactivated, errors.New("the user with this email is deactivated")
	default:
		o.user, o.next = u, login.Next
	}
	return o
}

// email is the person's address and whether the provider verified it: from
// the ID token if it carries it, else from the UserInfo endpoint, whose
// subject must be the ID token's. Only an email_verified claim that says
// true vouches for the address: a claim that is missing, where the email
// is, counts as unverified, and the sign-in is refused. Microsoft Entra ID
// never states email_verified for organisational accounts: in the ID
// token, where email_verified is missing, its optional claim xms_edov
// (the email's domain is verified by the person's own tenant) set to true
// vouches instead.
func (p *Provider) email(ctx context.Context, idt *oidc.IDToken, tok *oauth2.Token) (string, bool, error) {
	var claims struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
		DomainOwner   json.RawMessage `json:"xms_edov"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", false, err
	}
	if claims.Email != "" {
		v := strings.Trim(string(claims.EmailVerified), `"`)
		if claims.EmailVerified == nil {
			v = strings.Trim(string(claims.DomainOwner), `"`)
		}
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
