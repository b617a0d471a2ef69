package devstack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A relative bin dir (PUENTE_BIN_DIR=.puente/bin, or `puente bench` run from
// another directory) must still build: go install refuses a relative GOBIN.
// A stand-in `go` on PATH plays the build and insists on an absolute GOBIN.
func TestEnsureTemporalCLIWithRelativeBinDir(t *testing.T) {
	fake := t.TempDir()
	script := "#!/bin/sh\n" +
		"case \"$GOBIN\" in /*) ;; *) echo \"GOBIN must be an absolute path: $GOBIN\" >&2; exit 1;; esac\n" +
		"printf built > \"$GOBIN/temporal\"\n"
	if err := os.WriteFile(filepath.Join(fake, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	work := t.TempDir()
	t.Chdir(work)

	var log strings.Builder
	path, err := EnsureTemporalCLI(context.Background(), filepath.Join(".puente", "bin"), &log)
	if err != nil {
		t.Fatalf("EnsureTemporalCLI: %v\n%s", err, log.String())
	}
	want := filepath.Join(work, ".puente", "bin", temporalBinary)
	if path != want {
		t.Fatalf("path = %q, want %q", path, want)
	}
	if b, err := os.ReadFile(want); err != nil || string(b) != "built" {
		t.Fatalf("built CLI: %q, %v", b, err)
	}
	// Cached: a second call finds it without building.
	if err := os.Remove(filepath.Join(fake, "go")); err != nil {
		t.Fatal(err)
	}
	if again, err := EnsureTemporalCLI(context.Background(), filepath.Join(".puente", "bin"), &log); err != nil || again != want {
		t.Fatalf("second call: %q, %v", again, err)
	}
}
