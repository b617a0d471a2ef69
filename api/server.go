// Package api is Puente's HTTP API: one Echo route table, bearer-token auth,
// strict request validation and RFC 9457 problem responses. It reads through
// the store and changes state only through Temporal updates.
package api

import (
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/internal/authlimit"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// Deps are what the API needs.
type Deps struct {
	// Service is the one path of every read and change.
	Service *service.Service
	// Store authenticates tokens and answers readiness.
	Store *store.Store
	// Temporal answers readiness.
	Temporal client.Client
	Logger   *slog.Logger
	// TokenTTL is the lifetime of the API tokens the API issues; 0 means
	// people.DefaultTokenTTL.
	TokenTTL time.Duration
	// Draining, once true, makes /readyz answer 503 so load balancers stop
	// sending requests before the server shuts down.
	Draining *atomic.Bool
	// Metrics is where the API registers its HTTP metrics and what /metrics
	// serves; nil gives the API a registry of its own.
	Metrics *prometheus.Registry
	// Web is the web app (package web), served at every path the API does
	// not claim; nil serves the API alone. If it is an ErrorPager, the
	// refusals of its paths the server meets itself (a body over MaxBody, an
	// unrouted method, a recovered panic) are its pages, not problems.
	Web http.Handler
	// MetricsToken, if set, is a bearer token for /metrics besides a
	// manager's (a scraper's secret).
	MetricsToken string
	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// (for the failed-authentication limit and the logs); none: the peer is the client.
	TrustedProxies []*net.IPNet
	// AuthLimiter limits failed authentications per client, and says who
	// the client is; give the web app's sign-in form the same one. Nil: a
	// limiter of the API's own, over TrustedProxies.
	AuthLimiter *authlimit.Limiter
}

// Server holds the handlers' dependencies.
type Server struct {
	svc          *service.Service
	store        *store.Store
	temporal     client.Client
	log          *slog.Logger
	people       *people.Service
	metrics      *httpMetrics
	draining     *atomic.Bool
	authFails    *authlimit.Limiter
	metricsToken string
	// pages answers the refusals of the web app's paths, if it can.
	pages ErrorPager
	// uploads says which of the web app's requests are uploads, if any are.
	uploads Uploader
}

// Uploader is a web app that takes uploads of documents: it says which of
// its requests are, and bounds their bodies itself.
type Uploader interface {
	Upload(r *http.Request) bool
}

// upload reports whether the request is an upload of a document, through
// the API or the web app.
func (s *Server) upload(c echo.Context) bool {
	r := c.Request()
	if r.Method != http.MethodPost {
		return false
	}
	if c.Path() == "/v1/priorities/:id/documents" {
		return true
	}
	return webRoute(c.Path()) && s.uploads != nil && s.uploads.Upload(r)
}

// ErrorPager is a web app that answers a refusal of one of its paths as a
// page for a person (a *web.App).
type ErrorPager interface {
	ErrorPage(w http.ResponseWriter, r *http.Request, status int)
}

// New builds the API's Echo instance with every route.
func New(d Deps) *echo.Echo {
	s := &Server{svc: d.Service, store: d.Store, temporal: d.Temporal, log: d.Logger, draining: d.Draining,
		authFails: d.AuthLimiter, metricsToken: d.MetricsToken}
	if s.authFails == nil {
		s.authFails = authlimit.New(d.TrustedProxies)
	}
	s.pages, _ = d.Web.(ErrorPager)
	s.uploads, _ = d.Web.(Uploader)
	if s.draining == nil {
		s.draining = new(atomic.Bool)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.people = &people.Service{Store: d.Store, TokenTTL: d.TokenTTL, Log: s.log}
	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = newHTTPMetrics(reg)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = s.authFails.ClientIP
	e.Use(securityHeaders, requestIDHygiene, middleware.RequestID(), s.observe, middleware.Recover(), s.limitBody)

	e.GET("/healthz", s.healthz)
	e.GET("/openapi.yaml", openAPISpec)
	e.GET("/docs", docs)
	e.GET("/docs/:asset", docsAsset)
	e.GET("/readyz", s.readyz)
	e.GET("/calendar/:token", s.calendarFeed)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})), s.metricsAuth)

	v1 := e.Group("/v1", s.authenticate, canonicalID)
	v1.GET("/me", s.me)
	v1.PUT("/me/preferences", s.setPreferences)
	v1.POST("/me/calendar", s.newCalendar)
	v1.DELETE("/me/calendar", s.revokeCalendar)
	v1.GET("/users", s.listUsers, may(pipeline.ManageUsers))
	v1.POST("/users", s.addUser, may(pipeline.ManageUsers))
	v1.GET("/users/:id", s.getUser, may(pipeline.ManageUsers))
	v1.PATCH("/users/:id", s.patchUser, may(pipeline.ManageUsers))
	v1.POST("/users/:id/deactivate", s.deactivateUser, may(pipeline.ManageUsers))
	v1.POST("/users/:id/token", s.rotateToken)
	v1.DELETE("/users/:id/token", s.revokeTokens)
	v1.GET("/users/:id/absences", s.listAbsences)
	v1.POST("/users/:id/absences", s.declareAbsence)
	v1.DELETE("/users/:id/absences/:absence_id", s.cancelAbsence)
	v1.GET("/codelists", s.codelists)
	v1.POST("/priorities", s.submit, may(pipeline.SubmitPriorities))
	v1.GET("/priorities", s.listPriorities)
	v1.GET("/priorities/:id", s.getPriority)
	v1.PATCH("/priorities/:id", s.edit)
	v1.POST("/priorities/:id/decisions", s.decide)
	v1.PUT("/priorities/:id/plan", s.putPlan)
	v1.GET("/priorities/:id/events", s.events)
	v1.GET("/priorities/:id/comments", s.comments)
	v1.POST("/priorities/:id/comments", s.postComment)
	v1.PATCH("/priorities/:id/comments/:comment_id", s.editComment)
	v1.GET("/priorities/:id/documents", s.listDocuments)
	v1.POST("/priorities/:id/documents", s.attachDocument)
	v1.GET("/priorities/:id/documents/:doc_id", s.downloadDocument, exportDeadline)
	v1.DELETE("/priorities/:id/documents/:doc_id", s.removeDocument)
	v1.GET("/priorities/:id/actions/:idx", s.getAction)
	v1.POST("/priorities/:id/actions/:idx/delivery", s.deliver)
	v1.GET("/tasks", s.tasks)
	v1.GET("/support-actions", s.supportActions)
	v1.GET("/pipeline", s.pipelineDashboard, may(pipeline.ViewPipeline))
	v1.GET("/delivery/dashboard", s.deliveryDashboard, may(pipeline.ViewDelivery))
	v1.GET("/export/priorities.csv", s.exportCSV, may(pipeline.ExportData), exportDeadline)
	v1.GET("/export/iati.xml", s.exportIATI, may(pipeline.ExportData), exportDeadline)
	v1.POST("/sessions", s.createSession, may(pipeline.CreateSessions))
	v1.GET("/sessions", s.listSessions)
	v1.GET("/sessions/:id", s.getSession)
	v1.GET("/sessions/:id/outcome", s.sessionOutcome)
	v1.GET("/sessions/:id/outcome.xlsx", s.sessionOutcomeXLSX)
	v1.GET("/annual-plan", s.annualPlan)
	v1.GET("/annual-plan.xlsx", s.annualPlanXLSX)

	// The web app's mount point: everything outside the routes above.
	if d.Web != nil {
		e.Any("/", echo.WrapHandler(d.Web))
		e.Any("/*", echo.WrapHandler(d.Web))
	}
	return e
}
