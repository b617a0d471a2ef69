package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/api"
	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/telemetry"
	"github.com/puente-dev/puente/worker"
)

func serveCmd(ctx context.Context, name string, args []string, withAPI, withWorker bool) error {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	groups := []string{"db", "temporal", "people"}
	if withAPI {
		groups = append(groups, "http", "sso")
	} else {
		groups = append(groups, "metrics", "mail")
	}
	cfg.register(fs, groups...)
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("set DATABASE_URL or --database-url")
	}
	log := cfg.logger()
	if err := cfg.SSO.check(ctx, cfg.People.BaseURL, log); err != nil {
		return err
	}
	return serve(ctx, &cfg, log, withAPI, withWorker, nil)
}

// serve runs the API and/or the worker until ctx ends, then stops them in
// order: the API stops accepting and finishes its requests, then the worker
// finishes its tasks. ready, if set, is called once both are up.
func serve(ctx context.Context, cfg *config, log *slog.Logger, withAPI, withWorker bool, ready func(addr string)) error {
	tel, err := telemetry.New(ctx, serviceName(withAPI, withWorker), log)
	if err != nil {
		return err
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	storeOpts := []store.Option{store.WithTimeout(cfg.PGTimeout)}
	if tel.Tracing() {
		storeOpts = append(storeOpts, store.WithTracing())
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, int32(cfg.PGMaxConns), storeOpts...)
	if err != nil {
		return err
	}
	defer st.Close()
	// The per-stage gauges come from the database, the same in every
	// process: only the holder of a lease reports them, so they are
	// exported once however many api and worker replicas run.
	gauges := st.Lease(store.StageGaugesLease)
	defer gauges.Close()
	tel.RegisterStageGauges(func(ctx context.Context) (map[pipeline.Stage][2]int, error) {
		if !gauges.Held(ctx) {
			return nil, telemetry.ErrNotReporter
		}
		return st.StageTotals(ctx)
	})
	opts, err := cfg.temporalOptions(log)
	if err != nil {
		return err
	}
	tel.Temporal(&opts)
	if withWorker && !withAPI {
		// An identity of our own, so /healthz can find this worker among
		// the task queue's pollers.
		host, _ := os.Hostname()
		opts.Identity = worker.Identity(os.Getpid(), host)
	}
	firstTasks := app.TemporalOptions(&opts)
	tc, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()

	var notifier *notify.Notifier
	if withWorker {
		if notifier, err = cfg.People.notifier(st, log); err != nil {
			return err
		}
	}
	proxies, err := api.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("PUENTE_TRUSTED_PROXIES: %w", err)
	}
	// The web app links to the workflows in their namespace.
	cfg.Web.Namespace = cfg.TemporalNamespace
	if withAPI {
		if cfg.Web.SSO, err = cfg.SSO.provider(ctx, cfg.People.BaseURL, st, log); err != nil {
			return err
		}
	}
	var draining atomic.Bool
	puente := app.New(app.Config{Store: st, Temporal: tc, TaskQueue: cfg.TaskQueue, SLAs: cfg.SLAs, FirstTasks: firstTasks,
		UpdateTimeout: cfg.UpdateTimeout, TokenTTL: cfg.People.TokenTTL, Logger: log, Metrics: tel.Registry,
		Draining: &draining, Notifier: notifier, MetricsToken: cfg.MetricsToken, TrustedProxies: proxies,
		Web: cfg.Web, Worker: withWorker, API: withAPI})
	if withWorker {
		if err := worker.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace); err != nil {
			return err
		}
		if err := puente.Start(); err != nil {
			return err
		}
		defer puente.Stop()
		if cfg.seed != nil && withAPI {
			if err := cfg.seed(ctx, puente.Service, st); err != nil {
				return fmt.Errorf("seed demo data: %w", err)
			}
		}
		if notifier != nil {
			at, err := worker.ParseDigestTime(cfg.People.DigestTime, cfg.People.DigestTimeZone)
			if err != nil {
				return err
			}
			if err := worker.EnsureDigestSchedule(ctx, tc, cfg.TaskQueue, at); err != nil {
				return err
			}
		}
		log.Info("worker polling", "task_queue", cfg.TaskQueue, "namespace", cfg.TemporalNamespace)
	}
	if !withAPI {
		polling := func(ctx context.Context) error { return worker.Polling(ctx, tc, cfg.TaskQueue, opts.Identity) }
		return serveMetrics(ctx, cfg.MetricsAddr, tel, polling, log, ready)
	}
	// Uploads abandoned between storing a file and listing it are deleted
	// by every API process's sweep (docs/documents.md); sweeps are idempotent.
	go puente.Service.SweepEvery(ctx, time.Minute)
	limits := api.DefaultServerLimits()
	limits.Write = max(limits.Write, cfg.UpdateTimeout+30*time.Second) // a change may wait that long
	return listen(ctx, "api", cfg.Addr, api.NewHTTPServer(puente.Handler, limits), log, ready, 30*time.Second, func() {
		// Fail readiness first and keep serving for a while, so a load
		// balancer stops routing here before the listener closes.
		draining.Store(true)
		if cfg.ShutdownDelay > 0 {
			log.Info("draining before shutdown", "delay", cfg.ShutdownDelay)
			time.Sleep(cfg.ShutdownDelay)
		}
	})
}

// listen serves srv on addr until ctx ends, then runs drain, if set, and
// shuts srv down within grace. ready, if set, gets the address listened on.
func listen(ctx context.Context, what, addr string, srv *http.Server, log *slog.Logger, ready func(string), grace time.Duration, drain func()) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info(what+" listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if drain != nil {
		drain()
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down %s: %w", what, err)
	}
	return nil
}

// serviceName names the process in traces: puente-api, puente-worker, or
// puente for both in one process (puente dev).
func serviceName(withAPI, withWorker bool) string {
	switch {
	case withAPI && !withWorker:
		return "puente-api"
	case withWorker && !withAPI:
		return "puente-worker"
	}
	return "puente"
}

// serveMetrics serves /metrics and /healthz for a worker-only process when
// addr is set, until ctx ends. /healthz answers 503 unless polling says the
// Temporal server sees this worker polling.
func serveMetrics(ctx context.Context, addr string, tel *telemetry.Telemetry, polling func(context.Context) error, log *slog.Logger, ready func(string)) error {
	if addr == "" {
		if ready != nil {
			ready("")
		}
		<-ctx.Done()
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(tel.Registry, promhttp.HandlerOpts{Registry: tel.Registry}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := polling(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "not polling", "error": err.Error()})
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	return listen(ctx, "worker metrics", addr, api.NewHTTPServer(mux, api.DefaultServerLimits()), log, ready, 5*time.Second, nil)
}

func migrateCmd(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.register(fs, "db")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("set DATABASE_URL or --database-url")
	}
	if err := store.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	cfg.logger().Info("migrations applied")
	return nil
}
