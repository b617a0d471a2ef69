package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func openBounded(t *testing.T, url string, bound time.Duration) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url, 4, store.WithTimeout(bound))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

// A statement slower than the bound (here: waiting on a lock another session
// holds) is cancelled by PostgreSQL at the bound and reported unavailable;
// the pool works again at once.
func TestSlowStatementIsUnavailableAtTheBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	const bound = 300 * time.Millisecond
	st := openBounded(t, url, bound)
	locker, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	lockTx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockTx.Exec(ctx, `LOCK TABLE priorities IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	// Without the bound, only this deadline would end the wait.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	began := time.Now()
	_, err = st.Priority(cctx, uuid.NewString())
	took := time.Since(began)
	t.Logf("blocked statement answered after %s (bound %s): %v", took, bound, err)
	if !store.Unavailable(err) {
		t.Fatalf("a statement blocked past the bound returned %v, want unavailable", err)
	}
	if took < bound || took > bound+time.Second {
		t.Errorf("answered after %s, want about %s", took, bound)
	}
	_ = lockTx.Rollback(ctx)
	if _, err := st.Priority(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the lock is gone: %v, want ErrNotFound (and not unavailable)", err)
	}
}

// The bound is on waiting for PostgreSQL, not on the whole operation: an
// export whose caller takes longer than the bound over its rows completes.
func TestStreamingIsNotCutByTheBound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const bound = 300 * time.Millisecond
	st := openBounded(t, b.url, bound)
	for range 4 {
		p := priority()
		if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
			t.Fatal(err)
		}
	}
	began, n := time.Now(), 0
	err := st.EachPriority(b.ctx, pipeline.Actor{Role: pipeline.Manager}, store.Filter{}, func(*pipeline.Priority) error {
		n++
		time.Sleep(bound / 2)
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("streamed %d of 4 priorities in %s: %v", n, time.Since(began), err)
	}
	if time.Since(began) < bound {
		t.Fatalf("the stream took %s, less than the bound: the test proved nothing", time.Since(began))
	}
}

// Nothing listening: every call fails fast, marked unavailable.
func TestRefusedConnectionIsUnavailable(t *testing.T) {
	t.Parallel()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	st := openBounded(t, fmt.Sprintf("postgres://puente@127.0.0.1:%d/puente?sslmode=disable", port), time.Second)
	ctx := context.Background()
	began := time.Now()
	if err := st.Ping(ctx); !store.Unavailable(err) {
		t.Errorf("Ping: %v, want unavailable", err)
	}
	if _, err := st.Priority(ctx, uuid.NewString()); !store.Unavailable(err) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Priority: %v, want unavailable", err)
	}
	if _, err := st.UserByTokenHash(ctx, []byte("x")); !store.Unavailable(err) {
		t.Errorf("UserByTokenHash: %v, want unavailable", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("three refused calls took %s", took)
	}
}

// An export longer than a page reads every priority once, in order, across
// the keyset pages: rows sharing a creation time are told apart by id.
func TestEachPriorityReadsEveryPageOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	theme := "export-" + uuid.NewString()[:8]
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(b.ctx)
	const n = 1001 // two full pages and one row
	_, err = conn.Exec(b.ctx, `INSERT INTO priorities (id, ref, title, description, theme, pillar, countries, institution,
		urgency, sensitivity, stage, stage_entered_at, version, submitted_by, created_at, updated_at)
		SELECT gen_random_uuid(), $1 || '-' || i, 'T', 'D', $1, 'police', '{PE}', 'PNP', 'low', 'public', 'triage',
			now(), 1, gen_random_uuid(), timestamptz '2026-01-01' + (i % 3) * interval '1 second', now()
		FROM generate_series(1, $2) AS i`, theme, n)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var last *pipeline.Priority
	err = b.st.EachPriority(b.ctx, pipeline.Actor{Role: pipeline.Manager}, store.Filter{Theme: theme}, func(p *pipeline.Priority) error {
		if seen[p.ID] {
			return fmt.Errorf("%s read twice", p.ID)
		}
		seen[p.ID] = true
		if last != nil && (p.CreatedAt.Before(last.CreatedAt) || p.CreatedAt.Equal(last.CreatedAt) && p.ID < last.ID) {
			return fmt.Errorf("%s after %s: out of order", p.ID, last.ID)
		}
		last = p
		return nil
	})
	if err != nil || len(seen) != n {
		t.Fatalf("exported %d of %d priorities: %v", len(seen), n, err)
	}
}
