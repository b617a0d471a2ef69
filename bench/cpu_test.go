package bench

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
)

// treeCPUTime sums the process tree: a child and a grandchild that leaves
// its process group (as PostgreSQL's backends do) each burn 300 ms of CPU
// and stay alive; both are counted. They are this test binary, re-run as
// burners.
func TestCPUTimeCountsTheWholeTree(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PUENTE_CPU_BURNER=parent")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// However busy the machine, both burners get there; the leader alone is 300 ms.
	var got time.Duration
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if got, err = treeCPUTime(cmd.Process.Pid); err != nil {
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

// TestMain lets TestCPUTimeCountsTheWholeTree re-run this binary as a
// burner, and stops the services the other tests started.
func TestMain(m *testing.M) {
	if role := os.Getenv("PUENTE_CPU_BURNER"); role != "" {
		burn(role)
		return
	}
	testenv.Main(m)
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
