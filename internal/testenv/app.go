package testenv

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/internal/contract"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// App is Puente wired as in production, on real services: a worker on the
// test's own task queue and the API behind a real HTTP server.
type App struct {
	URL string
	// Service is the app's one path of reads and changes, for tests that
	// put a handler of their own in front of it.
	Service   *service.Service
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	Namespace string
	// DatabaseURL is the test's own database, for checks below the Store.
	DatabaseURL string
	// IdP is the OpenID provider single sign-on goes to, when asked for.
	IdP *testidp.IdP
}

// AppOptions adjust an App.
type AppOptions struct {
	// SLAs for priorities submitted in the test; nil means the defaults.
	SLAs pipeline.SLAs
	// UpdateTimeout bounds a change's wait for its workflow; 0: the default.
	UpdateTimeout time.Duration
	// Web configures the web app (demo users, Temporal UI links).
	Web app.WebConfig
	// SSO, when set, turns single sign-on on against a real OpenID provider
	// (App.IdP) that knows these people, with the app registered there.
	SSO []testidp.Person
	// Mail, when set, has the worker email what the events call for to
	// this Mailpit (BaseURL http://puente.test).
	Mail *Inbox
}

// NewApp starts an App for the test and stops it when the test ends.
func NewApp(t testing.TB, opts AppOptions) *App {
	t.Helper()
	ctx := context.Background()
	url := DatabaseURL(t)
	st, err := store.Open(ctx, url, 8)
	if err != nil {
		t.Fatalf("testenv: open store: %v", err)
	}
	t.Cleanup(st.Close)
	topts := client.Options{HostPort: TemporalAddress(t), Logger: tlog.NewStructuredLogger(quiet())}
	firstTasks := app.TemporalOptions(&topts)
	tc, err := client.DialContext(ctx, topts)
	if err != nil {
		t.Fatalf("testenv: dial Temporal: %v", err)
	}
	t.Cleanup(tc.Close)
	tq := "test-" + safe.ReplaceAllString(t.Name(), "_") + "-" + uuid.NewString()[:8]
	// The server's address is known before the app is built: single
	// sign-on is registered with the provider under it.
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	var idp *testidp.IdP
	if opts.SSO != nil {
		idp = testidp.Start(t, testidp.Options{People: opts.SSO, Clients: []testidp.Client{{ID: "puente", Secret: "s3cret",
			RedirectURI: base + sso.CallbackPath, PostLogoutRedirectURI: base + sso.SignedOutPath}}})
		p, err := sso.New(ctx, sso.Config{Issuer: idp.Issuer, ClientID: "puente", ClientSecret: "s3cret",
			RedirectURL: base + sso.CallbackPath, PostLogoutURL: base + sso.SignedOutPath}, st, quiet())
		if err != nil {
			t.Fatalf("testenv: single sign-on: %v", err)
		}
		opts.Web.SSO = p
	}
	var notifier *notify.Notifier
	if opts.Mail != nil {
		sender, err := notify.NewSender(notify.SMTPConfig{Host: opts.Mail.SMTPHost, Port: opts.Mail.SMTPPort, TLS: notify.TLSNone,
			From: "Puente <puente@puente.test>"})
		if err != nil {
			t.Fatalf("testenv: mail: %v", err)
		}
		notifier = &notify.Notifier{Store: st, Mailer: sender, BaseURL: "http://puente.test", Domain: "puente.test", Log: quiet()}
	}
	a := app.New(app.Config{Store: st, Temporal: tc, TaskQueue: tq, SLAs: opts.SLAs, UpdateTimeout: opts.UpdateTimeout, FirstTasks: firstTasks,
		Logger: quiet(), Worker: true, API: true, Web: opts.Web, Notifier: notifier})
	if err := a.Start(); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(a.Stop)
	// Every request and response of the test is held to api/openapi.yaml.
	srv.Config.Handler = contract.Wrap(t, a.Handler)
	srv.Start()
	t.Cleanup(srv.Close)
	return &App{URL: srv.URL, Service: a.Service, Store: st, Temporal: tc, TaskQueue: tq, Namespace: "default", DatabaseURL: url, IdP: idp}
}

var safe = regexp.MustCompile(`[^A-Za-z0-9]+`)

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// User is a stored user and its bearer token.
type User struct {
	store.User
	Token string
}

// AddUser stores a user with a fresh token, an address of their own at
// puente.test and English as their language.
func (a *App) AddUser(t testing.TB, u pipeline.Actor) User {
	t.Helper()
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	return a.AddPerson(t, store.User{Actor: u, Email: "user-" + u.ID[:8] + "@puente.test", Language: "en"})
}

// AddPerson stores a user as given, with a fresh token valid for a day.
func (a *App) AddPerson(t testing.TB, u store.User) User {
	t.Helper()
	token, hash := store.NewToken()
	u, err := a.Store.AddUser(context.Background(), u, hash, time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatalf("testenv: add user: %v", err)
	}
	return User{User: u, Token: token}
}

// Response is an HTTP response with its body read.
type Response struct {
	*http.Response
	Body []byte
}

// Problem decodes an error response's body (RFC 9457) into v, failing the
// test unless the status is 4xx or 5xx.
func (r Response) Problem(t testing.TB, v any) {
	t.Helper()
	if r.StatusCode < 400 {
		t.Fatalf("%s %s: want an error, got %s %s", r.Request.Method, r.Request.URL.Path, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s body %q: %v", r.Status, r.Body, err)
	}
}

// JSON decodes a successful response's body into v, failing the test if
// the status is not 2xx or the body is not JSON of that shape: a check of
// what a list holds must not pass on an error. Decode problems with Problem.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if r.StatusCode < 200 || r.StatusCode > 299 {
		t.Fatalf("%s %s: want a 2xx answer to decode, got %s %s", r.Request.Method, r.Request.URL.Path, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s body %q: %v", r.Status, r.Body, err)
	}
}

// Do sends a request with the user's token (none if token is empty). A body
// that is not []byte or string is sent as JSON.
func (a *App) Do(t testing.TB, method, path, token string, body any, headers ...string) Response {
	t.Helper()
	req, err := journey.NewRequest(context.Background(), method, a.URL+path, token, body, headers...)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return Response{Response: resp, Body: b}
}
