package devstack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/store"
)

// privateFolder is a 0700 folder, as /root is: as root, the postgres account
// cannot enter it.
func privateFolder(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "puente-private-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestPostgresInAPrivateFolder starts a cluster asked for inside a 0700
// folder twice: it works, keeps its data across the restart and, when the
// server runs as another account (the test runs as root), lives where that
// account can reach, linked from the folder asked for.
func TestPostgresInAPrivateFolder(t *testing.T) {
	private := privateFolder(t)
	want := filepath.Join(private, "clone", ".puente", "pg")
	ctx := context.Background()
	run := func(first bool) {
		t.Helper()
		pg, err := StartPostgres(ctx, PostgresOptions{Dir: want, LogPath: filepath.Join(private, "postgres.log"), Database: "puente"})
		if err != nil {
			t.Fatalf("start a cluster in a 0700 folder: %v", err)
		}
		defer func() { _ = pg.Stop(10 * time.Second) }()
		if pg.Dir != want {
			t.Cleanup(func() { os.RemoveAll(pg.Dir) })
			if os.Geteuid() != 0 || !strings.HasPrefix(pg.Dir, clusterHome+"/") {
				t.Fatalf("cluster in %s, asked for %s", pg.Dir, want)
			}
			if link, err := os.Readlink(want); err != nil || link != pg.Dir {
				t.Errorf("%s does not link to the cluster in %s: %q %v", want, pg.Dir, link, err)
			}
		}
		conn, err := pgx.Connect(ctx, pg.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		stmt := `SELECT count(*) FROM kept`
		if first {
			stmt = `CREATE TABLE kept AS SELECT 1 AS n`
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Errorf("first run %v: %s: %v", first, stmt, err)
		}
		t.Logf("cluster asked for in %s lives in %s", want, pg.Dir)
	}
	run(true)
	run(false)
}

// A cluster that already exists where the server's account cannot reach is
// refused with one sentence saying why and what to do, not replaced by an
// empty one elsewhere.
func TestPostgresExistingClusterOutOfReach(t *testing.T) {
	if os.Geteuid() != 0 {
		// Without root the server runs as this account, which reaches its own folders.
		t.Log("not root: the server runs as this account; TestPostgresInAPrivateFolder covers it")
		return
	}
	dir := filepath.Join(privateFolder(t), "pg")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("16\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := StartPostgres(context.Background(), PostgresOptions{Dir: dir, LogPath: filepath.Join(t.TempDir(), "pg.log"), Database: "puente"})
	if err == nil || !strings.Contains(err.Error(), "cannot enter") || !strings.Contains(err.Error(), "DATABASE_URL") ||
		strings.Count(err.Error(), ". ") > 0 {
		t.Fatalf("want one sentence naming the folder and the fixes, got: %v", err)
	}
	t.Log(err)
}

// A dev database made before Puente 1.0 is dropped and created again by
// MigrateDev, which says so once; one of DATABASE_URL is left alone.
func TestMigrateDevRecreatesADatabaseFromBeforeTheBaseline(t *testing.T) {
	ctx := context.Background()
	dir := privateFolder(t)
	pg, err := StartPostgres(ctx, PostgresOptions{Dir: filepath.Join(dir, "pg"), LogPath: filepath.Join(dir, "pg.log"), Database: "puente"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pg.Stop(10 * time.Second) }()
	conn, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL,
		is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now());
		INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (24, true);
		CREATE TABLE old_only (n int)`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if err := MigrateDev(ctx, nil, pg.URL, func(s string) { t.Errorf("said %q about a DATABASE_URL", s) }); !errors.Is(err, store.ErrBeforeBaseline) {
		t.Fatalf("MigrateDev of a DATABASE_URL: %v, want ErrBeforeBaseline", err)
	}
	var said []string
	if err := MigrateDev(ctx, pg, pg.URL, func(s string) { said = append(said, s) }); err != nil {
		t.Fatalf("MigrateDev: %v", err)
	}
	if len(said) != 1 {
		t.Errorf("said %q, want one sentence", said)
	}
	conn, err = pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var old, priorities bool
	err = conn.QueryRow(ctx, `SELECT to_regclass('old_only') IS NOT NULL, to_regclass('priorities') IS NOT NULL`).Scan(&old, &priorities)
	if err != nil || old || !priorities {
		t.Errorf("after MigrateDev: old table %v, priorities %v: %v", old, priorities, err)
	}
}
