// Package devstack starts the real services Puente needs on one machine
// without Docker: a Temporal dev server built from the pinned Temporal CLI and
// a private PostgreSQL cluster made with the local initdb. `puente dev` and the
// integration tests use the same code, so tests run against what users run.
package devstack

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a child service running in its own process group, so that
// stopping it stops everything it started.
type Process struct {
	name string
	cmd  *exec.Cmd
	stop syscall.Signal
	done chan struct{}
	err  error
}

// start runs cmd in its own process group. The child gets SIGKILL if this
// process dies without stopping it, so no server outlives its owner.
func start(name string, cmd *exec.Cmd, stop syscall.Signal, log io.Writer) (*Process, error) {
	cmd.Stdout, cmd.Stderr = log, log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, stop: stop, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

func (p *Process) process() *Process { return p }

// PID is the process's id, also its process group's.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process ends.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the process group to stop with the process's stop signal and
// kills it if it has not ended within timeout.
func (p *Process) Stop(timeout time.Duration) error {
	if p == nil {
		return nil
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, p.stop)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("%s did not stop within %s: killed", p.name, timeout)
	}
	// Whatever the leader left behind in its group goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// launch starts cmd as start does, its output appended to logPath, and
// waits up to timeout for ready to succeed; a child that does not is stopped.
func launch(name string, cmd *exec.Cmd, stop syscall.Signal, logPath string, timeout time.Duration, ready func() error) (*Process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	p, err := start(name, cmd, stop, log)
	if err != nil {
		return nil, err
	}
	if err := p.waitFor(timeout, logPath, ready); err != nil {
		_ = p.Stop(5 * time.Second)
		return nil, err
	}
	return p, nil
}

// waitFor polls ready until it returns nil, the process exits or timeout passes.
func (p *Process) waitFor(timeout time.Duration, logPath string, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if exited, werr := p.Exited(); exited {
			return fmt.Errorf("%s exited while starting (%v); see %s", p.name, werr, logPath)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w; see %s", p.name, timeout, err, logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// FreePort asks the kernel for a free TCP port on the loopback interface.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portOr is port, or a free one when it is 0.
func portOr(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	return FreePort()
}
