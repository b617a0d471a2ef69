// Package api is Puente's HTTP API: one Echo route table, bearer-token auth,
// strict request validation and RFC 9457 problem responses. It reads through
// the store and changes state only through Temporal updates.
package api

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Deps are what the API needs.
type Deps struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	// SLAs apply to priorities submitted from now on; nil means the defaults.
	SLAs   pipeline.SLAs
	Logger *slog.Logger
	// UserCacheTTL bounds how long a revoked token keeps working; 0 means 30 s.
	UserCacheTTL time.Duration
}

// Server holds the handlers' dependencies.
type Server struct {
	store     *store.Store
	temporal  client.Client
	taskQueue string
	slas      pipeline.SLAs
	log       *slog.Logger
	users     *userCache
}

// New builds the API's Echo instance with every route.
func New(d Deps) *echo.Echo {
	s := &Server{store: d.Store, temporal: d.Temporal, taskQueue: d.TaskQueue, slas: d.SLAs, log: d.Logger}
	if s.slas == nil {
		s.slas = pipeline.DefaultSLAs()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	ttl := d.UserCacheTTL
	if ttl == 0 {
		ttl = 30 * time.Second
	}
	s.users = &userCache{store: d.Store, ttl: ttl, m: map[string]cachedUser{}}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Use(middleware.RequestID(), middleware.Recover(), limitBody)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	v1 := e.Group("/v1", s.authenticate)
	v1.GET("/me", s.me)
	v1.GET("/codelists", s.codelists)
	v1.POST("/priorities", s.submit, only(pipeline.FocalPoint))
	v1.GET("/priorities", s.listPriorities)
	v1.GET("/priorities/:id", s.getPriority)
	v1.PATCH("/priorities/:id", s.edit)
	v1.POST("/priorities/:id/decisions", s.decide)
	v1.PUT("/priorities/:id/plan", s.putPlan)
	v1.GET("/priorities/:id/events", s.events)
	v1.GET("/tasks", s.tasks)
	v1.GET("/support-actions", s.supportActions)
	v1.GET("/pipeline", s.pipelineDashboard, only(pipeline.Manager))
	v1.GET("/export/priorities.csv", s.exportCSV, only(pipeline.Manager))
	v1.GET("/export/iati.xml", s.exportIATI, only(pipeline.Manager))
	v1.POST("/sessions", s.createSession, only(pipeline.Manager))
	v1.GET("/sessions", s.listSessions)
	v1.GET("/sessions/:id", s.getSession)
	return e
}
