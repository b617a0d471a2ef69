// Package testidp runs a real OpenID provider inside a test: zitadel/oidc's
// op with its example storage, on a local HTTP server. It signs in the
// people it is given (username and password, on its own login page) for the
// clients registered with it, and can be made to misbehave in the ways an
// identity provider or an attacker might: a foreign nonce, an expired ID
// token, another application's ID token substituted in the token answer,
// an email it says nothing about (no email_verified claim at all).
package testidp

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Password is every person's password at the provider.
const Password = "pw"

// Person is someone the provider can sign in. Only the email says who they
// are to Puente; the username is what they type at the provider.
type Person struct {
	Username string
	Email    string
	// Verified says whether the provider vouches for the email: it states
	// email_verified true or false, in the ID token (ClaimsInIDToken) and
	// at the UserInfo endpoint alike.
	Verified bool
	// OmitVerified leaves email_verified out of both, whatever Verified
	// says: a provider that says nothing about the address.
	OmitVerified bool
	// DomainVerified adds Microsoft Entra ID's xms_edov claim, true: the
	// email's domain is verified by the person's own tenant.
	DomainVerified bool
}

// Client is an application registered with the provider.
type Client struct {
	ID, Secret  string
	RedirectURI string
	// PostLogoutRedirectURI, when set, is where the provider may send the
	// browser back to after ending its session.
	PostLogoutRedirectURI string
}

// Options are the provider's people and clients, and how it misbehaves.
type Options struct {
	People  []Person
	Clients []Client
	// Nonce, when set, is the nonce of every ID token, instead of the one
	// the client sent.
	Nonce string
	// IDTokenLifetime, when set, replaces the ID tokens' lifetime (negative:
	// issued expired).
	IDTokenLifetime time.Duration
	// ClaimsInIDToken puts the email in the ID token; otherwise only the
	// UserInfo endpoint gives it.
	ClaimsInIDToken bool
	// NoEndSession leaves end_session_endpoint out of the discovery
	// document: a provider without RP-Initiated Logout.
	NoEndSession bool
	// AuthMethods, when set, replaces the discovery document's
	// token_endpoint_auth_methods_supported (the provider still takes
	// client_secret_basic and client_secret_post alike).
	AuthMethods []string
}

// sessionCookie holds the provider's own login session.
const sessionCookie = "testidp_session"

// IdP is a running provider.
type IdP struct {
	// Issuer is its issuer URL, where its discovery document is.
	Issuer string
	mu     sync.Mutex
	swap   string
	// sessions are the login sessions: the cookie's value → the subject.
	sessions map[string]string
	// secretSentWith is how the last token request sent its client secret.
	secretSentWith string
}

// Start runs a provider until the test ends. The example's server sets the
// process's default slog logger: it is made to discard.
func Start(t testing.TB, o Options) *IdP {
	t.Helper()
	users, people := map[string]*storage.User{}, map[string]Person{}
	for _, p := range o.People {
		users["u-"+p.Username] = &storage.User{ID: "u-" + p.Username, Username: p.Username, Password: Password,
			Email: p.Email, EmailVerified: p.Verified}
		people["u-"+p.Username] = p
	}
	clients, logouts := map[string]*storage.Client{}, map[string]string{}
	for _, c := range o.Clients {
		clients[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURI)
		logouts[c.ID] = c.PostLogoutRedirectURI
	}
	srv := httptest.NewUnstartedServer(nil)
	idp := &IdP{Issuer: "http://" + srv.Listener.Addr().String(), sessions: map[string]string{}}
	stor := tampering{Storage: storage.NewStorageWithClients(userStore(users), clients), o: o, people: people, idp: idp, logouts: logouts}
	provider := exampleop.SetupServer(idp.Issuer, stor, slog.New(slog.NewTextHandler(io.Discard, nil)), false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			idp.noteSecret(r)
		}
		idp.mu.Lock()
		swap := idp.swap
		idp.mu.Unlock()
		switch {
		case r.URL.Path == "/login/username" && r.Method == http.MethodGet:
			idp.resume(w, r, stor, provider)
		case r.URL.Path == "/login/username" && r.Method == http.MethodPost:
			idp.login(w, r, provider)
		case r.URL.Path == "/.well-known/openid-configuration" && (o.NoEndSession || o.AuthMethods != nil):
			rewrite(t, w, r, provider, func(doc map[string]any) {
				if o.NoEndSession {
					delete(doc, "end_session_endpoint")
				}
				if o.AuthMethods != nil {
					doc["token_endpoint_auth_methods_supported"] = o.AuthMethods
				}
			})
		case r.URL.Path == "/oauth/token" && r.Method == http.MethodPost && swap != "":
			rewrite(t, w, r, provider, func(answer map[string]any) { answer["id_token"] = swap })
		default:
			provider.ServeHTTP(w, r)
		}
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return idp
}

// resume answers the redirect to the login page: a browser with a live
// login session is signed in at once, as that session's person, without a
// password; any other gets the login page.
func (p *IdP) resume(w http.ResponseWriter, r *http.Request, stor tampering, provider http.Handler) {
	id := r.URL.Query().Get("authRequestID")
	var subject string
	if c, err := r.Cookie(sessionCookie); err == nil {
		p.mu.Lock()
		subject = p.sessions[c.Value]
		p.mu.Unlock()
	}
	user := stor.people[subject]
	if subject == "" || stor.Storage.CheckUsernamePassword(user.Username, Password, id) != nil {
		provider.ServeHTTP(w, r)
		return
	}
	// The example provider's authorization endpoint is /auth; its
	// callback completes the request the login marked done.
	http.Redirect(w, r, p.Issuer+"/auth/callback?id="+url.QueryEscape(id), http.StatusFound)
}

// login checks a username and password at the login page, as the example
// does, and on success opens a login session in a cookie.
func (p *IdP) login(w http.ResponseWriter, r *http.Request, provider http.Handler) {
	// Read the form first: the provider reads it from a copy of r.
	_ = r.ParseForm()
	rec := httptest.NewRecorder()
	provider.ServeHTTP(rec, r)
	if rec.Code == http.StatusFound {
		id := rand.Text()
		p.mu.Lock()
		p.sessions[id] = "u-" + r.PostFormValue("username")
		p.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// noteSecret notes how a token request sends its client secret.
func (p *IdP) noteSecret(r *http.Request) {
	how := "none"
	if _, _, ok := r.BasicAuth(); ok {
		how = "client_secret_basic"
	} else if r.ParseForm() == nil && r.PostForm.Get("client_secret") != "" {
		how = "client_secret_post"
	}
	p.mu.Lock()
	p.secretSentWith = how
	p.mu.Unlock()
}

// SecretSentWith is how the last token request sent its client secret:
// client_secret_basic, client_secret_post or none.
func (p *IdP) SecretSentWith() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.secretSentWith
}

// LoginSessions is how many login sessions the provider holds.
func (p *IdP) LoginSessions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sessions)
}

// endSessions ends every login session of the subject.
func (p *IdP) endSessions(subject string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, s := range p.sessions {
		if s == subject {
			delete(p.sessions, id)
		}
	}
}

// rewrite serves the provider's JSON answer to r, changed by edit.
func rewrite(t testing.TB, w http.ResponseWriter, r *http.Request, provider http.Handler, edit func(map[string]any)) {
	rec := httptest.NewRecorder()
	provider.ServeHTTP(rec, r)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Errorf("testidp: %s %s: %v", r.URL.Path, rec.Body, err)
	}
	edit(doc)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rec.Code)
	_ = json.NewEncoder(w).Encode(doc)
}

// SwapIDToken makes the provider's token answers carry token as their ID
// token from now on: a token substituted on the way.
func (p *IdP) SwapIDToken(token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.swap = token
}

// Response is the last answer a sign-in got, with its body read.
type Response struct {
	Status int
	URL    *url.URL
	Body   string
}

// SignIn follows from — a client's start of the flow, or the provider's
// authorization URL — to the provider's login page with browser, signs in
// there as username, and follows the redirects back. browser should keep
// cookies, as a browser does, and hold no login session at the provider:
// with one, the provider signs it in without its login page.
func SignIn(t testing.TB, browser *http.Client, from, username string) Response {
	t.Helper()
	resp, err := browser.Get(from)
	if err != nil {
		t.Fatalf("testidp: open %s: %v", from, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("testidp: not the provider's login page: %s %s %s", resp.Status, resp.Request.URL, body)
	}
	login := *resp.Request.URL
	login.RawQuery = ""
	resp, err = browser.PostForm(login.String(), url.Values{"username": {username}, "password": {Password}, "id": {id}})
	if err != nil {
		t.Fatalf("testidp: sign in as %s: %v", username, err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, URL: resp.Request.URL, Body: string(body)}
}

type userStore map[string]*storage.User

func (u userStore) GetUserByID(id string) *storage.User { return u[id] }
func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, p := range u {
		if p.Username == name {
			return p
		}
	}
	return nil
}
func (userStore) ExampleClientID() string { return "service" }

// tampering is the example storage with the Options' misbehaviour applied
// where the provider builds its ID tokens.
type tampering struct {
	*storage.Storage
	o      Options
	people map[string]Person // by subject
	idp    *IdP
	// logouts are the clients' post-logout redirect URIs, by client ID.
	logouts map[string]string
}

// TerminateSession ends the person's login sessions at the provider, as
// well as the example's tokens: RP-Initiated Logout.
func (s tampering) TerminateSession(ctx context.Context, userID, clientID string) error {
	s.idp.endSessions(userID)
	return s.Storage.TerminateSession(ctx, userID, clientID)
}

// SetUserinfoFromRequest fills the claims of an ID token.
func (s tampering) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, r, scopes); err != nil {
		return err
	}
	s.stateVerified(info)
	return nil
}

// SetUserinfoFromToken fills the UserInfo endpoint's answer.
func (s tampering) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	s.stateVerified(info)
	return nil
}

// stateVerified writes email_verified beside an email as the person's
// provider states it. The example storage writes it as a Bool that
// json's omitempty drops when false, so false is added as an extra claim.
func (s tampering) stateVerified(info *oidc.UserInfo) {
	p, ok := s.people[info.Subject]
	if !ok || info.Email == "" {
		return
	}
	info.EmailVerified = false
	if !p.OmitVerified {
		info.AppendClaims("email_verified", p.Verified)
	}
	if p.DomainVerified {
		info.AppendClaims("xms_edov", true)
	}
}

type tamperedRequest struct {
	op.AuthRequest
	nonce string
}

func (r tamperedRequest) GetNonce() string { return r.nonce }

func (s tampering) wrap(r op.AuthRequest, err error) (op.AuthRequest, error) {
	if err != nil || s.o.Nonce == "" {
		return r, err
	}
	return tamperedRequest{r, s.o.Nonce}, nil
}

func (s tampering) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.wrap(s.Storage.AuthRequestByCode(ctx, code))
}

func (s tampering) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.wrap(s.Storage.AuthRequestByID(ctx, id))
}

type tamperedClient struct {
	op.Client
	o      Options
	logout string
}

func (c tamperedClient) PostLogoutRedirectURIs() []string {
	if c.logout == "" {
		return nil
	}
	return []string{c.logout}
}

func (c tamperedClient) IDTokenLifetime() time.Duration {
	if c.o.IDTokenLifetime != 0 {
		return c.o.IDTokenLifetime
	}
	return c.Client.IDTokenLifetime()
}

func (c tamperedClient) IDTokenUserinfoClaimsAssertion() bool { return c.o.ClaimsInIDToken }

func (s tampering) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return tamperedClient{c, s.o, s.logouts[id]}, nil
}
