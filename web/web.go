// Package web is Puente's web app: server-rendered pages (html/template and
// embedded files, vendored Pico CSS, no JavaScript) for focal points,
// experts and managers, in Spanish, Portuguese and English. It signs people
// in with a server-side session and calls the same service as the JSON API
// for every read and change: it holds no rule, scope check or validation of
// its own.
package web

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/puente-dev/puente/internal/authlimit"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

//go:embed static
var staticFiles embed.FS

// DevUser is a demo user the sign-in page offers in `puente dev`.
type DevUser struct {
	ID   string
	Name string
	Role pipeline.Role
}

// Deps are what the web app needs.
type Deps struct {
	// Service is the one path for every read and change, shared with the API.
	Service Service
	// Store holds the sign-in sessions and resolves tokens at sign-in
	// (a *store.Store); everything else goes through Service and People.
	Store  SessionStore
	Logger *slog.Logger
	// DevUsers, set only by `puente dev`, are offered for one-click sign-in.
	DevUsers []DevUser
	// TemporalUI is the Temporal Web UI's base URL (managers get a link to
	// each priority's workflow); Namespace is the workflows' namespace.
	TemporalUI string
	Namespace  string
	// People manages users and everyone's own preferences (a *people.Service).
	People People
	// SSO, when set, is single sign-on, served under sso.Prefix and offered
	// on the sign-in page.
	SSO SignOn
	// SessionTTL is how long a sign-in lasts at most, however busy; 0
	// means DefaultSessionTTL.
	SessionTTL time.Duration
	// IdleTimeout ends a sign-in after that long without a request; 0
	// means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// AuthLimiter limits failed sign-ins per client: the API's limiter of
	// failed authentications, shared, with its rule for who the client is.
	// Nil: a limiter of the web app's own, the peer being the client.
	AuthLimiter *authlimit.Limiter
	// Now is the clock sessions are judged by; nil means time.Now (tests
	// move it to see sessions end).
	Now func() time.Time
	// SecureCookies forces the Secure attribute, for a server behind a
	// TLS-terminating proxy; requests served over TLS always get it.
	SecureCookies bool
}

// SignOn is single sign-on's flow (a *sso.Provider): given how to open a
// person's session and how to tell someone why they were refused, it
// serves the flow's paths.
type SignOn interface {
	Handler(onLogin sso.OnLogin, onRefusal sso.OnRefusal) http.Handler
	// EndSessionURL is where sign-out sends the browser for the provider
	// to end its session too; empty when it cannot.
	EndSessionURL(idToken string) string
}

// SessionStore keeps the web app's sign-in sessions, with the ID token of
// those single sign-on opened (sign-out hands it back to the provider to
// end its session too), and finds the owner of a personal token (a
// *store.Store): the only reads the web app makes without the service.
type SessionStore interface {
	CreateWebSession(ctx context.Context, idHash []byte, userID string, now, expires time.Time) error
	WebSession(ctx context.Context, idHash []byte, now time.Time, idle time.Duration) (store.WebSession, error)
	DeleteWebSession(ctx context.Context, idHash []byte) error
	SetWebSessionIDToken(ctx context.Context, idHash []byte, idToken string) error
	WebSessionIDToken(ctx context.Context, idHash []byte) (string, error)
	UserByTokenHash(ctx context.Context, hash []byte) (pipeline.Actor, error)
}

// Defaults of a sign-in's lifetime: a working day at most, and half an
// hour without a request.
const (
	DefaultSessionTTL  = 12 * time.Hour
	DefaultIdleTimeout = 30 * time.Minute
)

// App is the web app, an http.Handler.
type App struct {
	d       Deps
	pages   map[string]*template.Template
	mux     *http.ServeMux
	handler http.Handler
}

// New builds the web app. It fails only on a broken embedded template or
// catalogue, which the package's tests catch.
func New(d Deps) (*App, error) {
	d.Logger = cmp.Or(d.Logger, slog.Default())
	d.SessionTTL = cmp.Or(d.SessionTTL, DefaultSessionTTL)
	d.IdleTimeout = cmp.Or(d.IdleTimeout, DefaultIdleTimeout)
	d.Namespace = cmp.Or(d.Namespace, "default")
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.AuthLimiter == nil {
		d.AuthLimiter = authlimit.New(nil)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	a := &App{d: d, pages: pages}
	a.handler = a.routes()
	return a, nil
}

// ServeHTTP serves the web app.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// routes is the web app's one route table. Every handler below sees the
// request's language; those wrapped in a.auth also its signed-in actor.
// The capabilities that gate routes are the API's for the same acts (a
// batch triage chooses who reviews each priority: AssignExperts).
// State-changing requests pass the cross-origin check first.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	a.mux = mux
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))

	mux.HandleFunc("GET /signin", a.signInPage)
	mux.HandleFunc("POST /signin", a.signIn)
	mux.HandleFunc("POST /signin/dev", a.signInDev)
	mux.HandleFunc("POST /signout", a.signOut)
	mux.HandleFunc("GET "+sso.SignedOutPath, a.signedOutPage)
	mux.HandleFunc("POST /language", a.setLanguage)

	mux.Handle("GET /{$}", a.auth(a.home))
	mux.Handle("GET /priorities", a.auth(a.list))
	mux.Handle("GET /priorities/new", a.auth(a.newPriority, pipeline.SubmitPriorities))
	mux.Handle("POST /priorities", a.auth(a.submit, pipeline.SubmitPriorities))
	mux.Handle("GET /priorities/{id}", a.auth(a.priority))
	mux.Handle("POST /priorities/{id}/decisions", a.auth(a.decide))
	mux.Handle("POST /priorities/{id}/comments", a.auth(a.postComment))
	mux.Handle("POST /priorities/{id}/comments/{comment_id}", a.auth(a.editComment))
	mux.Handle("GET /priorities/{id}/edit", a.auth(a.editPage))
	mux.Handle("POST /priorities/{id}/edit", a.auth(a.edit))
	mux.Handle("POST /priorities/{id}/documents", a.auth(a.attachDocument))
	mux.Handle("GET /priorities/{id}/documents/{doc}", a.auth(a.downloadDocument))
	mux.Handle("POST /priorities/{id}/documents/{doc}/remove", a.auth(a.removeDocument))
	mux.Handle("GET /priorities/{id}/actions/{idx}", a.auth(a.action))
	mux.Handle("POST /priorities/{id}/actions/{idx}/delivery", a.auth(a.deliver))
	mux.Handle("GET /priorities/{id}/plan", a.auth(a.planPage))
	mux.Handle("POST /priorities/{id}/plan", a.auth(a.plan))
	mux.Handle("GET /dashboard", a.auth(a.dashboard, pipeline.ViewPipeline))
	mux.Handle("GET /delivery", a.auth(a.delivery, pipeline.ViewDelivery))
	mux.Handle("GET /sessions", a.auth(a.sessions))
	mux.Handle("POST /sessions", a.auth(a.createSession, pipeline.CreateSessions))
	mux.Handle("GET /sessions/{id}", a.auth(a.session))
	mux.Handle("POST /sessions/{id}/triage", a.auth(a.triage, pipeline.AssignExperts))
	mux.Handle("GET /sessions/{id}/outcome", a.auth(a.sessionOutcome))
	mux.Handle("GET /sessions/{id}/outcome.xlsx", a.auth(a.sessionOutcomeXLSX))
	mux.Handle("GET /annual-plan", a.auth(a.annualPlan))
	mux.Handle("GET /annual-plan.xlsx", a.auth(a.annualPlanXLSX))
	mux.Handle("GET /export/priorities.csv", a.auth(a.exportCSV, pipeline.ExportData))
	mux.Handle("GET /export/iati.xml", a.auth(a.exportIATI, pipeline.ExportData))
	mux.Handle("GET /users", a.auth(a.users, pipeline.ManageUsers))
	mux.Handle("POST /users", a.auth(a.addUser, pipeline.ManageUsers))
	mux.Handle("GET /users/{id}", a.auth(a.user, pipeline.ManageUsers))
	mux.Handle("POST /users/{id}", a.auth(a.updateUser, pipeline.ManageUsers))
	mux.Handle("POST /users/{id}/deactivate", a.auth(a.deactivateUser, pipeline.ManageUsers))
	mux.Handle("POST /users/{id}/token", a.auth(a.rotateUserToken, pipeline.ManageUsers))
	mux.Handle("POST /users/{id}/absences", a.auth(a.declareAbsence, pipeline.ManageUsers))
	mux.Handle("POST /users/{id}/absences/{absence_id}/cancel", a.auth(a.cancelAbsence, pipeline.ManageUsers))
	mux.Handle("GET /preferences", a.auth(a.preferences))
	mux.Handle("POST /preferences", a.auth(a.setPreferences))
	mux.Handle("POST /preferences/token", a.auth(a.rotateOwnToken))
	mux.Handle("POST /preferences/absences", a.auth(a.declareAbsence))
	mux.Handle("POST /preferences/absences/{absence_id}/cancel", a.auth(a.cancelAbsence))
	mux.Handle("POST /preferences/calendar", a.auth(a.newCalendar))
	mux.Handle("POST /preferences/calendar/revoke", a.auth(a.revokeCalendar))
	if a.d.SSO != nil {
		mux.Handle(sso.Prefix, a.d.SSO.Handler(a.signInWithSSO, a.refusedBySSO))
	}
	mux.HandleFunc("/", a.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(a.crossOrigin))
	return securityHeaders(a.allowSignOut(cop.Handler(mux)))
}

// csp allows nothing but this server's own styles and images and forms
// posting back to it: there is no script at all.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// cacheForever lets browsers keep the vendored assets: they change only
// with a release, and pages link them with the release's query string.
func cacheForever(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// sessionKey holds, in a request's context, its store.WebSession.
type sessionKey struct{}

// auth admits signed-in people (with the given capabilities, if any):
// others go to the sign-in page, or get 403 for another role. A path's {id}
// or {comment_id} that is not an identifier (pipeline.IsID) names nothing:
// 404 before any handler. A POST's form is read here (readForm), so handlers find it in
// r.PostForm. Authenticated pages are never stored by caches.
func (a *App) auth(h func(http.ResponseWriter, *http.Request, pipeline.Actor), caps ...pipeline.Capability) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		session, err := a.webSession(r)
		actor := session.User
		if errors.Is(err, store.ErrNotFound) {
			a.clearSessionCookie(w, r)
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			a.fail(w, r, nil, http.StatusUnauthorized, "error.signed_out")
			return
		}
		if err != nil {
			a.serverError(w, r, nil, err)
			return
		}
		if slices.ContainsFunc(caps, func(c pipeline.Capability) bool { return !actor.May(c) }) {
			a.fail(w, r, &actor, http.StatusForbidden, "error.role")
			return
		}
		if slices.ContainsFunc([]string{"id", "comment_id"}, func(k string) bool { id := r.PathValue(k); return id != "" && !pipeline.IsID(id) }) {
			a.fail(w, r, &actor, http.StatusNotFound, "error.not_found")
			return
		}
		if r.Method == http.MethodPost && !a.readForm(w, r, &actor) {
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, session)), actor)
	})
}
