package devstack

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// CPUTime sums the process tree: a child and a grandchild that leaves its
// process group (as PostgreSQL's backends do) each burn 300 ms of CPU and stay
// alive; both are counted. They are this test binary, re-run as burners.
func TestCPUTimeCountsTheWholeTree(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PUENTE_CPU_BURNER=parent")
	p, err := start("burner", cmd, syscall.SIGKILL, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Stop(5 * time.Second) }()
	// However busy the machine, both burners get there; the leader alone is 300 ms.
	var got time.Duration
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, err = p.CPUTime(); err != nil {
			t.Fatal(err)
		}
		if got >= 580*time.Millisecond {
			break
		}
	}
	if got < 580*time.Millisecond || got > 3*time.Second {
		t.Fatalf("CPU time of the tree: %v, want about 600ms (300ms each)", got)
	}
}

// TestMain lets TestCPUTimeCountsTheWholeTree re-run this binary as a burner.
func TestMain(m *testing.M) {
	if role := os.Getenv("PUENTE_CPU_BURNER"); role != "" {
		burn(role)
		return
	}
	os.Exit(m.Run())
}

// burn uses 300 ms of its own CPU time, then stays alive until killed; the
// parent first starts a child that leaves the process group.
func burn(role string) {
	if role == "parent" {
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), "PUENTE_CPU_BURNER=child")
		child.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
		if err := child.Start(); err != nil {
			panic(err)
		}
	}
	for {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			panic(err)
		}
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= 300*time.Millisecond {
			break
		}
	}
	time.Sleep(time.Minute)
}
