// Package app wires Puente's parts together, once, for every process that
// runs them — `puente api`, `worker` and `dev`, the benchmark and the test
// harness: the service over the store and Temporal, the worker that runs
// the workflows, and the HTTP handler in front.
package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/api"
	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/internal/authlimit"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/web"
	"github.com/puente-dev/puente/worker"
)

// Config are the dependencies the caller opened, and what to run on them.
type Config struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	// SLAs apply to priorities submitted from now on; nil means the defaults.
	SLAs pipeline.SLAs
	// UpdateTimeout bounds a change's wait for its workflow (see service.Config).
	UpdateTimeout time.Duration
	// FirstTasks is the watch dialed into Temporal (see TemporalOptions).
	FirstTasks *service.FirstTasks
	// Blobs stores documents' content; nil keeps it in PostgreSQL
	// (docs/documents.md says how to plug an S3-compatible store).
	Blobs documents.Blobs
	// TokenTTL is the lifetime of the API tokens issued; 0: people's default.
	TokenTTL time.Duration
	Logger   *slog.Logger
	// Metrics is where the HTTP metrics go and what /metrics serves.
	Metrics *prometheus.Registry
	// Draining, once true, fails /readyz ahead of a shutdown.
	Draining *atomic.Bool
	// Notifier sends the notification emails; nil turns mail off.
	Notifier *notify.Notifier
	// MetricsToken and TrustedProxies: see api.Deps.
	MetricsToken   string
	TrustedProxies []*net.IPNet
	// Worker runs the workflows and activities in this process; API serves HTTP.
	Worker, API bool
	// Web configures the web app served with the API.
	Web WebConfig
}

// WebConfig is what the web app needs beyond the service and the store.
type WebConfig struct {
	// DevUsers, set only by `puente dev`, are offered for one-click sign-in.
	DevUsers []web.DevUser
	// TemporalUI is the Temporal Web UI's URL, for the managers' links to a
	// priority's workflow; Namespace is the workflows' namespace.
	TemporalUI, Namespace string
	// SecureCookies marks the session cookie Secure behind a TLS proxy.
	SecureCookies bool
	// IdleTimeout signs people out after that long without a request; 0:
	// the web app's default.
	IdleTimeout time.Duration
	// SSO is single sign-on, connected to its identity provider; the web
	// app serves its flow and opens the sessions of the people it signs
	// in. Nil: no single sign-on.
	SSO *sso.Provider
}

// App is Puente wired: Start runs its worker, Handler serves its HTTP.
type App struct {
	Service *service.Service
	Handler http.Handler
	worker  sdkworker.Worker
}

// New wires the parts; nothing runs until Start.
func New(c Config) *App {
	a := &App{Service: service.New(service.Config{Store: c.Store, Temporal: c.Temporal, TaskQueue: c.TaskQueue,
		SLAs: c.SLAs, Logger: c.Logger, UpdateTimeout: c.UpdateTimeout, FirstTasks: c.FirstTasks, Blobs: c.Blobs})}
	if c.Worker {
		a.worker = worker.New(c.Temporal, c.TaskQueue, &activities.Activities{Store: c.Store, Notifier: c.Notifier})
	}
	if c.API {
		// One limiter of failed authentications for the API's tokens and
		// the web app's sign-in form.
		limiter := authlimit.New(c.TrustedProxies)
		d := web.Deps{AuthLimiter: limiter, Service: a.Service, Store: c.Store, Logger: c.Logger, DevUsers: c.Web.DevUsers,
			TemporalUI: c.Web.TemporalUI, Namespace: c.Web.Namespace, SecureCookies: c.Web.SecureCookies,
			IdleTimeout: c.Web.IdleTimeout, People: &people.Service{Store: c.Store, TokenTTL: c.TokenTTL, Log: c.Logger}}
		if c.Web.SSO != nil {
			d.SSO = c.Web.SSO
		}
		ui, err := web.New(d)
		if err != nil {
			// Its templates and catalogues are embedded: web's tests catch this.
			panic(err)
		}
		a.Handler = api.New(api.Deps{Service: a.Service, Store: c.Store, Temporal: c.Temporal, Logger: c.Logger,
			TokenTTL: c.TokenTTL, Metrics: c.Metrics, Draining: c.Draining, MetricsToken: c.MetricsToken, TrustedProxies: c.TrustedProxies, AuthLimiter: limiter,
			Web: ui})
	}
	return a
}

// TemporalOptions adds what the app needs of a Temporal client to o: the
// watch of eager first tasks, returned for Config.FirstTasks, and a payload
// walk without goroutines.
func TemporalOptions(o *client.Options) *service.FirstTasks {
	// No payload goes to external storage (Puente sets no driver), so the
	// SDK's walk of each task's payloads need not fan out over goroutines.
	o.ExternalStorage.Concurrency.MaxOperationsPerMessage = 1
	ft := service.NewFirstTasks()
	o.ConnectionOptions.DialOptions = append(o.ConnectionOptions.DialOptions, ft.DialOption())
	return ft
}

// Start starts the worker, if the app has one.
func (a *App) Start() error {
	if a.worker == nil {
		return nil
	}
	if err := a.worker.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	return nil
}

// Stop stops the worker, letting running tasks finish.
func (a *App) Stop() {
	if a.worker != nil {
		a.worker.Stop()
	}
}
