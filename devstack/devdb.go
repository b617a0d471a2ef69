package devstack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DatabaseURLFile is where, in its data dir, a running `puente dev` notes
// its database's URL: the commands run beside it (`puente users …`) find
// the dev database there without DATABASE_URL, whose port changes on every
// start. dev removes the note when it stops.
const DatabaseURLFile = "database-url"

// NoteDatabaseURL writes the note of dbURL in dataDir (readable by its
// owner only: the URL may hold a password) and returns what removes it.
func NoteDatabaseURL(dataDir, dbURL string) (remove func(), err error) {
	path := filepath.Join(dataDir, DatabaseURLFile)
	if err := os.WriteFile(path, []byte(dbURL+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("note the dev database's URL: %w", err)
	}
	return func() { _ = os.Remove(path) }, nil
}

// FindDatabaseURL finds the note of a running `puente dev`: in dataDir
// when it is set, else in the .puente folder of dir or of the nearest of
// its parents that has one — a clone's, from any folder inside it. It
// returns the URL and the note's path, or os.ErrNotExist.
func FindDatabaseURL(dataDir, dir string) (dbURL, path string, err error) {
	var candidates []string
	if dataDir != "" {
		candidates = []string{filepath.Join(dataDir, DatabaseURLFile)}
	} else {
		for d := dir; ; d = filepath.Dir(d) {
			candidates = append(candidates, filepath.Join(d, ".puente", DatabaseURLFile))
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, c := range candidates {
		b, err := os.ReadFile(c)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", c, err
		}
		return strings.TrimSpace(string(b)), c, nil
	}
	return "", "", os.ErrNotExist
}

// PingDatabase says whether PostgreSQL at dbURL answers within timeout.
func PingDatabase(ctx context.Context, dbURL string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

// Redacted is a database URL without its password, to print.
func Redacted(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" {
		return "(not a URL: keywords and values)"
	}
	return u.Redacted()
}
