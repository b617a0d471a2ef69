package devstack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a supervisor's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func sleeper(d string) StartFunc {
	return func(context.Context) (*Process, error) {
		return start("sleep", exec.Command("sleep", d), syscall.SIGTERM, io.Discard)
	}
}

func supervised(t *testing.T, first *Process, restart StartFunc) (*Supervisor, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	pol := restartPolicy
	pol.backoff = 10 * time.Millisecond
	s := supervise("sleeper", first, restart, slog.New(slog.NewTextHandler(logs, nil)), pol)
	t.Cleanup(func() { _ = s.Stop(5 * time.Second) })
	return s, logs
}

func TestSupervisorRestartsAChildThatDies(t *testing.T) {
	t.Parallel()
	first, err := sleeper("60")(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, logs := supervised(t, first, sleeper("60"))
	if err := syscall.Kill(first.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Process() == first {
		if time.Now().After(deadline) {
			t.Fatalf("not restarted within 10 s; log:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if exited, _ := s.Process().Exited(); exited {
		t.Fatal("the restarted child is not running")
	}
	if !strings.Contains(logs.String(), "sleeper exited unexpectedly: restarting it") ||
		!strings.Contains(logs.String(), "sleeper restarted") || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the death and the restart are not logged loudly:\n%s", logs)
	}
	second := s.Process()
	if err := s.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if exited, _ := second.Exited(); !exited {
		t.Error("Stop left the child running")
	}
	time.Sleep(50 * time.Millisecond)
	if s.Process() != second {
		t.Error("a child stopped on purpose was restarted")
	}
}

func TestSupervisorGivesUpWhenRestartsFail(t *testing.T) {
	t.Parallel()
	first, err := sleeper("60")(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	starts := 0
	s, logs := supervised(t, first, func(context.Context) (*Process, error) {
		starts++
		return nil, errors.New("port in use")
	})
	_ = syscall.Kill(first.PID(), syscall.SIGKILL)
	select {
	case err := <-s.Failed():
		if !strings.Contains(err.Error(), "sleeper exited") || !strings.Contains(err.Error(), "did not restart after 5 attempts: port in use") {
			t.Errorf("reason: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("did not give up; log:\n%s", logs)
	}
	if starts != 5 {
		t.Errorf("%d restarts attempted, want 5", starts)
	}
}

func TestSupervisorGivesUpOnACrashLoop(t *testing.T) {
	t.Parallel()
	first, err := sleeper("0.05")(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, logs := supervised(t, first, sleeper("0.05"))
	select {
	case err := <-s.Failed():
		if !strings.Contains(err.Error(), "sleeper exited (exit status 0) 6 times in 2m0s") {
			t.Errorf("reason: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("did not give up; log:\n%s", logs)
	}
}
