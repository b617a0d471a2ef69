package devstack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/store"
)

// ErrNoPostgres says the PostgreSQL server binaries are missing.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: " +
	"install the server (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL")

// PostgresOptions configure a private PostgreSQL cluster.
type PostgresOptions struct {
	// Dir holds the cluster; it is created with initdb when empty.
	Dir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// LogPath receives the server's output.
	LogPath string
	// Durable false turns fsync off: for throwaway test clusters only.
	Durable bool
	// Database is created if missing; the URL points to it.
	Database string
}

// Postgres is a running private cluster.
type Postgres struct {
	*Process
	// Dir is where the cluster lives: PostgresOptions.Dir, unless the
	// account PostgreSQL runs as cannot reach it (then Dir links here).
	Dir string
	// URL connects to Database as the cluster's superuser.
	URL string
	// AdminURL connects to the postgres maintenance database.
	AdminURL string
	database string
}

// pgBin finds a PostgreSQL server binary.
func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", ErrNoPostgres
	}
	return slices.Max(matches), nil
}

// runAs is the unprivileged account the server runs under when we are root:
// PostgreSQL refuses to run as root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	name := cmp.Or(os.Getenv("PUENTE_PG_OS_USER"), "postgres")
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user %q: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// StartPostgres initialises the cluster if needed, starts it and waits until
// Database accepts connections.
func StartPostgres(ctx context.Context, o PostgresOptions) (*Postgres, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return nil, err
	}
	postgres, err := pgBin("postgres")
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	// Folders on the way get search permission for all, whatever the umask.
	if err := mkdirAllSearchable(filepath.Dir(dir)); err != nil {
		return nil, err
	}
	if cred != nil {
		if dir, err = placeCluster(dir, cred); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		args := []string{"-D", dir, "-U", "puente", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"}
		if !o.Durable {
			args = append(args, "--no-sync")
		}
		cmd := exec.CommandContext(ctx, initdb, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb %s: %w\n%s", dir, err, out)
		}
	}
	port, err := portOr(o.Port)
	if err != nil {
		return nil, err
	}
	args := []string{"-D", dir, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + dir, "-c", "max_connections=200"}
	if !o.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(postgres, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	pg := &Postgres{
		Dir:      dir,
		AdminURL: fmt.Sprintf("postgres://puente@127.0.0.1:%d/postgres?sslmode=disable", port),
		URL:      fmt.Sprintf("postgres://puente@127.0.0.1:%d/%s?sslmode=disable", port, o.Database),
		database: o.Database,
	}
	// SIGINT is PostgreSQL's fast shutdown: roll back, disconnect, stop.
	pg.Process, err = launch("postgres", cmd, syscall.SIGINT, o.LogPath, time.Minute, func() error {
		return pg.ensureDatabase(ctx)
	})
	if err != nil {
		return nil, err
	}
	return pg, nil
}

// mkdirAllSearchable makes dir and its missing parents with mode 0755.
func mkdirAllSearchable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := mkdirAllSearchable(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return os.Chmod(dir, 0o755)
}

func (pg *Postgres) ensureDatabase(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, pg.AdminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(cctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, pg.database).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(cctx, "CREATE DATABASE "+pgx.Identifier{pg.database}.Sanitize())
	return err
}

// MigrateDev migrates the database of `puente dev` at url; pg is the private
// cluster that holds it, nil for one of DATABASE_URL. A database made
// before Puente 1.0 cannot be migrated (store.ErrBeforeBaseline): in pg it
// is dropped and created again, empty, and say is told so in one sentence;
// one of DATABASE_URL is left alone, with an error saying what to do.
func MigrateDev(ctx context.Context, pg *Postgres, url string, say func(string)) error {
	err := store.Migrate(ctx, url)
	if !errors.Is(err, store.ErrBeforeBaseline) {
		return err
	}
	if pg == nil {
		return fmt.Errorf("%w: drop it or point DATABASE_URL at an empty one", err)
	}
	say("The dev database was made by a Puente before 1.0, whose schema starts anew: it has been recreated empty, and the demo users seeded again.")
	if err := pg.recreateDatabase(ctx); err != nil {
		return fmt.Errorf("recreate the dev database: %w", err)
	}
	return store.Migrate(ctx, url)
}

// recreateDatabase drops the cluster's database, disconnecting its
// sessions, and creates it again.
func (pg *Postgres) recreateDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, pg.AdminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	name := pgx.Identifier{pg.database}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	return err
}
