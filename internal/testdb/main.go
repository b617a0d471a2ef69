// Command testdb runs a private, migrated PostgreSQL cluster for a test
// binary that must not link the dev stack: the fuzz targets, every package of
// which `go test -fuzz` compiles anew with coverage instrumentation (the
// Temporal SDK that devstack brings would cost minutes). It prints the
// database's URL as its first line and stops the cluster when its standard
// input closes, which it does when the test process ends, however it ends.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "puente-testdb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The PostgreSQL server may run as another user: let it reach its dir.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{
		Dir: filepath.Join(dir, "pg"), LogPath: filepath.Join(dir, "postgres.log"), Database: "puente",
	})
	if err != nil {
		return err
	}
	defer func() { _ = pg.Stop(10 * time.Second) }()
	if err := store.Migrate(ctx, pg.URL); err != nil {
		return err
	}
	if _, err := fmt.Println(pg.URL); err != nil {
		return err
	}
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(closed)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-closed:
	case <-sig:
	case <-pg.Done():
		return fmt.Errorf("PostgreSQL exited; its log: %s", filepath.Join(dir, "postgres.log"))
	}
	return nil
}
