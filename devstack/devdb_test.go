package devstack

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestFindDatabaseURL: the users commands find a running dev's database
// from any folder of its clone, or in the data dir named; none once dev
// has removed its note.
func TestFindDatabaseURL(t *testing.T) {
	t.Parallel()
	clone := t.TempDir()
	dataDir := filepath.Join(clone, ".puente")
	deep := filepath.Join(clone, "docs", "guides")
	for _, d := range []string{dataDir, deep} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const url = "postgres://puente@127.0.0.1:5433/puente?sslmode=disable"
	remove, err := NoteDatabaseURL(dataDir, url)
	if err != nil {
		t.Fatal(err)
	}
	note := filepath.Join(dataDir, DatabaseURLFile)
	if fi, err := os.Stat(note); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the note %s: %v, mode %v; want owner-only", note, err, fi.Mode())
	}
	for _, from := range []string{clone, deep} {
		got, path, err := FindDatabaseURL("", from)
		if err != nil || got != url || path != note {
			t.Errorf("from %s: %q in %s, %v", from, got, path, err)
		}
	}
	if got, _, err := FindDatabaseURL(dataDir, t.TempDir()); err != nil || got != url {
		t.Errorf("in the data dir named: %q, %v", got, err)
	}
	if _, _, err := FindDatabaseURL("", t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("outside the clone: %v", err)
	}
	remove()
	if _, _, err := FindDatabaseURL("", deep); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after dev stopped: %v", err)
	}
}

func TestRedacted(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://puente:s3cret@db:5432/puente": "postgres://puente:xxxxx@db:5432/puente",
		"postgres://puente@db/puente":             "postgres://puente@db/puente",
		"host=db password=s3cret":                 "(not a URL: keywords and values)",
	} {
		if got := Redacted(in); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}
