package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// StartFunc starts a child service and returns once it is ready.
type StartFunc func(context.Context) (*Process, error)

// Supervisor keeps a child service running. When the child exits without
// being asked to, the supervisor says so at error level and starts it again
// the same way (same ports, same data); if the restarts keep failing, or the
// child keeps dying, it gives up and reports why on Failed.
type Supervisor struct {
	name  string
	start StartFunc
	log   *slog.Logger
	policy

	mu       sync.Mutex
	current  *Process
	stopping bool
	stopped  chan struct{}
	failed   chan error
}

// policy is when a supervisor gives up.
type policy struct {
	// attempts is how many starts in a row may fail, and how many restarts
	// within window are too many.
	attempts int
	window   time.Duration
	// backoff is the pause after the n-th failed start: n × backoff.
	backoff time.Duration
}

// restartPolicy gives a child five chances, about fifteen seconds in all, to
// come back, and does not restart one that died six times in two minutes.
var restartPolicy = policy{attempts: 5, window: 2 * time.Minute, backoff: time.Second}

// Supervised starts a child service with start(ctx, o) and keeps it
// running, restarting it the same way, until the supervisor's Stop.
func Supervised[S interface{ process() *Process }, O any](ctx context.Context, name string,
	start func(context.Context, O) (S, error), o O, log *slog.Logger) (S, *Supervisor, error) {
	s, err := start(ctx, o)
	if err != nil {
		return s, nil, err
	}
	restart := func(ctx context.Context) (*Process, error) {
		s, err := start(ctx, o)
		if err != nil {
			return nil, err
		}
		return s.process(), nil
	}
	return s, supervise(name, s.process(), restart, log, restartPolicy), nil
}

func supervise(name string, p *Process, start StartFunc, log *slog.Logger, pol policy) *Supervisor {
	s := &Supervisor{name: name, start: start, log: log, policy: pol,
		current: p, stopped: make(chan struct{}), failed: make(chan error, 1)}
	go s.watch()
	return s
}

// Failed receives the reason once the supervisor has given up.
func (s *Supervisor) Failed() <-chan error { return s.failed }

// Process is the child running now.
func (s *Supervisor) Process() *Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Stop stops the child and its supervision.
func (s *Supervisor) Stop(timeout time.Duration) error {
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		close(s.stopped)
	}
	p := s.current
	s.mu.Unlock()
	return p.Stop(timeout)
}

func (s *Supervisor) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

func (s *Supervisor) watch() {
	var restarts []time.Time
	for {
		p := s.Process()
		select {
		case <-s.stopped:
			return
		case <-p.Done():
		}
		if s.isStopping() {
			return
		}
		exit := "exit status 0" // how the child ended, as cmd.Wait reported it
		if _, err := p.Exited(); err != nil {
			exit = err.Error()
		}
		now := time.Now()
		restarts = append(restarts, now)
		for len(restarts) > 0 && now.Sub(restarts[0]) > s.window {
			restarts = restarts[1:]
		}
		if len(restarts) > s.attempts {
			s.giveUp(fmt.Errorf("%s exited (%s) %d times in %s: not restarting it again", s.name, exit, len(restarts), s.window))
			return
		}
		s.log.Error(s.name+" exited unexpectedly: restarting it", "exit", exit)
		if !s.restart(now, exit) {
			return
		}
	}
}

// restart starts the child again, backing off between failed attempts. It
// reports false when supervision ends: stopped, or given up.
func (s *Supervisor) restart(down time.Time, exit string) bool {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		p, err := s.start(ctx)
		cancel()
		if err == nil {
			s.mu.Lock()
			stopping := s.stopping
			if !stopping {
				s.current = p
			}
			s.mu.Unlock()
			if stopping {
				_ = p.Stop(20 * time.Second)
				return false
			}
			s.log.Warn(s.name+" restarted", "down_for", time.Since(down).Round(time.Millisecond), "attempt", attempt)
			return true
		}
		s.log.Error("restart "+s.name+" failed", "attempt", attempt, "error", err)
		if attempt >= s.attempts {
			s.giveUp(fmt.Errorf("%s exited (%s) and did not restart after %d attempts: %w", s.name, exit, attempt, err))
			return false
		}
		select {
		case <-s.stopped:
			return false
		case <-time.After(time.Duration(attempt) * s.backoff):
		}
	}
}

func (s *Supervisor) giveUp(err error) {
	s.log.Error("giving up on "+s.name, "error", err)
	s.failed <- err
}
