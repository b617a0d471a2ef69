// Package testenv gives a test binary the real services Puente runs on: a
// Temporal dev server started once per binary (each test gets its own task
// queue) and a private PostgreSQL cluster (each test gets a fresh database
// cloned from a migrated template). It reuses the dev stack's code, and it
// fails loudly when a service cannot start: integration tests never skip.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

var (
	services struct {
		sync.Mutex
		temporal *devstack.Temporal
		postgres *devstack.Postgres
	}
	dbSeq atomic.Int64
)

// Main runs the package's tests, then stops the services they started. Call
// it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	services.Lock()
	if services.temporal != nil {
		_ = services.temporal.Stop(10 * time.Second)
	}
	if services.postgres != nil {
		_ = services.postgres.Stop(10 * time.Second)
	}
	services.Unlock()
	_ = os.RemoveAll(workDir())
	os.Exit(code)
}

// workDir holds the services' data and logs, made on first use.
var workDir = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "puente-test-")
	if err == nil {
		// The PostgreSQL server may run as another user: let it reach its dir.
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		panic(err)
	}
	return dir
})

// root is the module's root directory, where .puente/bin caches the tools.
func root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// TemporalCLI returns the Temporal CLI in the project's bin dir
// (PUENTE_BIN_DIR, else .puente/bin), building it the first time.
func TemporalCLI(t testing.TB) string {
	t.Helper()
	return tool(t, "the Temporal CLI is required for integration tests", devstack.EnsureTemporalCLI)
}

// tool returns a tool of the project's bin dir (PUENTE_BIN_DIR, else
// .puente/bin) that ensure builds the first time, failing the test with why
// it is needed when it cannot.
func tool(t testing.TB, why string, ensure func(context.Context, string, io.Writer) (string, error)) string {
	t.Helper()
	binDir := os.Getenv("PUENTE_BIN_DIR")
	if binDir == "" {
		binDir = filepath.Join(root(t), ".puente", "bin")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := ensure(ctx, binDir, os.Stderr)
	if err != nil {
		t.Fatalf("testenv: %s: %v", why, err)
	}
	return bin
}

// TemporalAddress starts the binary's Temporal dev server on first use and
// returns its frontend address.
func TemporalAddress(t testing.TB) string {
	t.Helper()
	services.Lock()
	defer services.Unlock()
	if services.temporal == nil {
		cli := TemporalCLI(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		tmp, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{
			CLI: cli, LogPath: filepath.Join(workDir(), "temporal.log"),
			SearchAttributes: workflows.SearchAttributes,
		})
		if err != nil {
			t.Fatalf("testenv: start Temporal dev server: %v", err)
		}
		services.temporal = tmp
		fmt.Fprintf(os.Stderr, "testenv: Temporal dev server (%s) on %s\n", filepath.Base(cli), tmp.Address)
	}
	return services.temporal.Address
}

// DatabaseURL returns the URL of a fresh, migrated database of the binary's
// PostgreSQL cluster, started on first use. The database is dropped after the test.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	pg := postgres(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.AdminURL)
	if err != nil {
		t.Fatalf("testenv: connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE puente_template"); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, pg.AdminURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return fmt.Sprintf("postgres://puente@%s/%s?sslmode=disable", hostPort(pg.AdminURL), name)
}

func postgres(t testing.TB) *devstack.Postgres {
	t.Helper()
	services.Lock()
	defer services.Unlock()
	if services.postgres != nil {
		return services.postgres
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := workDir()
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{
		Dir: filepath.Join(dir, "pg"), LogPath: filepath.Join(dir, "postgres.log"), Database: "puente_template",
	})
	if err != nil {
		t.Fatalf("testenv: PostgreSQL is required for integration tests: %v", err)
	}
	if err := store.Migrate(ctx, pg.URL); err != nil {
		_ = pg.Stop(5 * time.Second)
		t.Fatalf("testenv: migrate template: %v", err)
	}
	services.postgres = pg
	fmt.Fprintf(os.Stderr, "testenv: PostgreSQL cluster on %s, template database migrated\n", hostPort(pg.AdminURL))
	return pg
}

func hostPort(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

// SyncBuffer is a buffer that a process or a background goroutine may
// write while the test reads it: a log destination for tests.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
