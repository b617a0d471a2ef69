package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/demo"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/web"
	"github.com/puente-dev/puente/workflows"
)

// dev runs the embedded stack (docs/architecture.md, The embedded stack): a
// Temporal dev server and a private PostgreSQL under the data dir, migrations
// and demo users, then the worker and the API in this process. Ctrl-C stops
// everything it started.
func dev(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	cfg.register(fs, "db", "temporal", "http", "sso", "dev", "people", "mail")
	if os.Getenv("PUENTE_LOG_FORMAT") == "" {
		cfg.LogFormat = "text" // a person reads dev's logs
	}
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	log := cfg.logger()
	// What the person set is checked before anything starts: the single
	// sign-on's provider and secret, and a database of their own.
	if cfg.People.BaseURL == "" {
		cfg.People.BaseURL = "http://" + localAddr(cfg.Addr)
	}
	if err := cfg.SSO.check(ctx, cfg.People.BaseURL, log); err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		if err := devstack.PingDatabase(ctx, cfg.DatabaseURL, 5*time.Second); err != nil {
			return fmt.Errorf("DATABASE_URL %s does not answer (%s): unset DATABASE_URL for puente dev to run its own PostgreSQL, or start the server it names",
				devstack.Redacted(cfg.DatabaseURL), lastLine(err))
		}
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	logDir := filepath.Join(dataDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}

	cli, mailpit, err := devstack.EnsureTools(ctx, env("PUENTE_BIN_DIR", filepath.Join(dataDir, "bin")), os.Stderr)
	if err != nil {
		return err
	}
	// Children run until dev stops them; if one dies, its supervisor
	// restarts it or, giving up, ends dev with the reason.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	temporal, tsup, err := devstack.Supervised(ctx, "temporal", devstack.StartTemporal, devstack.TemporalOptions{
		CLI: cli, DBFile: filepath.Join(dataDir, "temporal.db"),
		Port: cfg.TemporalPort, UIPort: cfg.TemporalUIPort, LogPath: filepath.Join(logDir, "temporal.log"),
		SearchAttributes: workflows.SearchAttributes,
	}, log)
	if err != nil {
		return err
	}
	defer stopLogged(log, tsup, "temporal")
	go failWith(ctx, fail, tsup)
	cfg.TemporalAddress = temporal.Address
	inbox, mailsup, err := cfg.People.devMail(ctx, mailpit, dataDir, logDir, log)
	if err != nil {
		return err
	}
	if mailsup != nil {
		defer stopLogged(log, mailsup, "mailpit")
	}

	pgWhere := "(DATABASE_URL)"
	var devPG *devstack.Postgres
	if cfg.DatabaseURL == "" {
		// A fixed port, so that a restarted server is where the pool looks.
		port, err := devstack.FreePort()
		if err != nil {
			return err
		}
		pg, pgsup, err := devstack.Supervised(ctx, "postgres", devstack.StartPostgres, devstack.PostgresOptions{
			Dir: filepath.Join(dataDir, "pg"), Port: port, LogPath: filepath.Join(logDir, "postgres.log"),
			Durable: true, Database: "puente",
		}, log)
		if errors.Is(err, devstack.ErrNoPostgres) {
			return err
		}
		if err != nil {
			return fmt.Errorf("start PostgreSQL: %w", err)
		}
		defer stopLogged(log, pgsup, "postgres")
		go failWith(ctx, fail, pgsup)
		cfg.DatabaseURL = pg.URL
		pgWhere = "(data in " + pg.Dir + ")"
		devPG = pg
	}
	if err := devstack.MigrateDev(ctx, devPG, cfg.DatabaseURL, func(s string) { log.Warn(s) }); err != nil {
		return err
	}
	// `puente users …` run in this clone finds the database here.
	unnote, err := devstack.NoteDatabaseURL(dataDir, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer unnote()
	st, err := store.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	usersPath := filepath.Join(dataDir, "dev-users.json")
	users, err := devstack.SeedDevUsers(ctx, st, usersPath)
	st.Close()
	if err != nil {
		return err
	}

	// The web app offers the demo users for one-click sign-in, and links
	// each priority to its workflow in this Temporal UI.
	for _, u := range users {
		cfg.Web.DevUsers = append(cfg.Web.DevUsers, web.DevUser{ID: u.ID, Name: u.Name, Role: pipeline.Role(u.Role)})
	}
	// On an empty database only, the demo tells its story through the
	// service and the workflows (internal/demo).
	cfg.seed = func(ctx context.Context, svc *service.Service, st *store.Store) error {
		seeded, err := demo.Seed(ctx, svc, st, time.Now())
		if seeded {
			log.Info("seeded demo data: a dialogue session of last year and its priorities (" + demo.Marker + ")")
		}
		return err
	}
	if cfg.Web.TemporalUI == "" {
		cfg.Web.TemporalUI = temporal.UIURL
	}

	err = serve(ctx, &cfg, log, true, true, func(addr string) {
		fmt.Printf(`
Puente is running.
  Web app      http://%[1]s/   (sign in as any demo user with one click)
  API          http://%[1]s/v1   (try: curl -H "Authorization: Bearer $TOKEN" http://%[1]s/v1/me)
  Health       http://%[1]s/readyz
  Temporal UI  %[2]s
  Mailpit      %[10]s   (every email Puente sends)
  Temporal     %[3]s (namespace %[4]s, task queue %[5]s)
  PostgreSQL   %[6]s %[11]s
  Dev users    %[7]s (%[8]d users, tokens included)
  Logs         %[9]s
Press Ctrl-C to stop everything.
`, addr, temporal.UIURL, temporal.Address, cfg.TemporalNamespace, cfg.TaskQueue,
			cfg.DatabaseURL, usersPath, len(users), logDir, inbox, pgWhere)
	})
	var gaveUp childFailed
	if errors.As(context.Cause(ctx), &gaveUp) {
		return gaveUp.error
	}
	return err
}

// lastLine is the last line of an error's text: pgx lists each address it
// tried on a line of its own, the cause at the end.
func lastLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// childFailed is why dev ends when a child could not be kept running.
type childFailed struct{ error }

// failWith ends dev's context with the supervisor's reason if it gives up.
func failWith(ctx context.Context, fail context.CancelCauseFunc, s *devstack.Supervisor) {
	select {
	case err := <-s.Failed():
		fail(childFailed{err})
	case <-ctx.Done():
	}
}

func stopLogged(log *slog.Logger, s *devstack.Supervisor, name string) {
	if err := s.Stop(20 * time.Second); err != nil {
		log.Error("stop "+name, "error", err)
	}
}
