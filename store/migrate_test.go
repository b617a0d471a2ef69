package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// freshDatabase creates an empty database (no migration applied) on the
// test cluster and returns its URL; it is dropped after the test.
func freshDatabase(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

// TestConcurrentMigrations starts three migrations at once on fresh
// databases, as `puente migrate` run twice or N replicas starting together
// would: every one succeeds, and each migration is applied exactly once.
// Without the lock, the runs that lose the race fail in most trials with a
// duplicate key in pg_type_typname_nsp_index (two CREATE TABLEs at once).
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	for trial := range 3 {
		url := freshDatabase(t, fmt.Sprintf("fresh_%d_%d", time.Now().UnixNano()%1e9, trial))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { errs[i] = store.Migrate(ctx, url) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("trial %d: migration %d of 3: %v", trial, i+1, err)
			}
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		var applied, distinct, themes, countries int
		err = conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct)
		if err == nil {
			err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM themes), (SELECT count(*) FROM countries)`).Scan(&themes, &countries)
		}
		conn.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if applied != len(files) || distinct != len(files) {
			t.Errorf("trial %d: goose_db_version holds %d applied migrations, %d distinct: want each of the %d once",
				trial, applied, distinct, len(files))
		}
		if themes != len(pipeline.Lists.Themes) || countries != len(pipeline.Lists.Countries) {
			t.Errorf("trial %d: %d themes and %d countries, want %d and %d", trial, themes, countries,
				len(pipeline.Lists.Themes), len(pipeline.Lists.Countries))
		}
	}
}

// preBaseline makes the database at url look migrated before 1.0: goose's
// table with the last version of the old chain applied, and a table of ours.
func preBaseline(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL,
		is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now());
		INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (24, true);
		CREATE TABLE priorities (id uuid PRIMARY KEY)`)
	if err != nil {
		t.Fatal(err)
	}
}

// A database migrated before the 1.0 baseline is refused with
// ErrBeforeBaseline, untouched, rather than failing halfway through the
// baseline on a table that exists.
func TestMigrateRefusesADatabaseFromBeforeTheBaseline(t *testing.T) {
	t.Parallel()
	url := freshDatabase(t, fmt.Sprintf("old_%d", time.Now().UnixNano()%1e9))
	preBaseline(t, url)
	if err := store.Migrate(context.Background(), url); !errors.Is(err, store.ErrBeforeBaseline) {
		t.Fatalf("Migrate: %v, want ErrBeforeBaseline", err)
	}
}
