package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// sessionsBundle is a user with a token and two web sessions.
type sessionsBundle struct {
	*testBundle
	user      store.User
	sessions  [][]byte
	tokenHash []byte
}

func setupSessions(t *testing.T) sessionsBundle {
	t.Helper()
	b := setup(t)
	_, hash := store.NewToken()
	u, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org", Language: "es"},
		hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sb := sessionsBundle{testBundle: b, user: u, tokenHash: hash}
	for _, id := range []string{"laptop", "phone"} {
		h := store.HashToken(id)
		if err := b.st.CreateWebSession(b.ctx, h, u.ID, time.Now(), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		sb.sessions = append(sb.sessions, h)
	}
	return sb
}

// rows counts the user's web session rows, whatever the session check says.
func (b sessionsBundle) rows(t *testing.T) int {
	t.Helper()
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(b.ctx, `SELECT count(*) FROM web_sessions WHERE user_id = $1`, b.user.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWebSessions: a session finds its user until it expires or is revoked,
// and only its hash is looked up.
func TestWebSessions(t *testing.T) {
	t.Parallel()
	b := setupSessions(t)
	live, expired := b.sessions[0], store.HashToken("expired")
	if err := b.st.CreateWebSession(b.ctx, expired, b.user.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := b.st.WebSession(b.ctx, live, time.Now(), time.Hour)
	if err != nil || got.User.ID != b.user.ID || got.User.Role != pipeline.Manager || got.ExpiresAt.Before(time.Now()) {
		t.Fatalf("live session: %+v, %v", got, err)
	}
	if _, err := b.st.WebSession(b.ctx, expired, time.Now(), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v, want ErrNotFound", err)
	}
	if _, err := b.st.WebSession(b.ctx, []byte("laptop"), time.Now(), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the raw ID found a session: %v", err)
	}
	if err := b.st.DeleteWebSession(b.ctx, live); err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.WebSession(b.ctx, live, time.Now(), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked session: %v, want ErrNotFound", err)
	}
}

// TestIdleWebSessionsEnd: a session unused for the idle timeout is over;
// one used within it lives on from its last use, until its absolute end.
func TestIdleWebSessionsEnd(t *testing.T) {
	t.Parallel()
	b := setupSessions(t)
	start, idle := time.Now(), 30*time.Minute
	h := store.HashToken("idle")
	if err := b.st.CreateWebSession(b.ctx, h, b.user.ID, start, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{29 * time.Minute, 58 * time.Minute} {
		if _, err := b.st.WebSession(b.ctx, h, start.Add(at), idle); err != nil {
			t.Fatalf("used after %s: %v", at, err)
		}
	}
	if _, err := b.st.WebSession(b.ctx, h, start.Add(61*time.Minute), idle); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("past the absolute end: %v, want ErrNotFound", err)
	}
	other := b.sessions[1]
	if _, err := b.st.WebSession(b.ctx, other, time.Now().Add(idle), idle); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("idle for the timeout: %v, want ErrNotFound", err)
	}
}

// TestWebSessionOfADeactivatedUserIsRefused: the session check reads the
// user's active flag itself, even if their sessions were left behind.
func TestWebSessionOfADeactivatedUserIsRefused(t *testing.T) {
	t.Parallel()
	b := setupSessions(t)
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(b.ctx, `UPDATE users SET active = false WHERE id = $1`, b.user.ID); err != nil {
		t.Fatal(err)
	}
	if n := b.rows(t); n != 2 {
		t.Fatalf("%d session rows, want both left behind", n)
	}
	if _, err := b.st.WebSession(b.ctx, b.sessions[0], time.Now(), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deactivated user's session: %v, want ErrNotFound", err)
	}
}

// TestCredentialChangesEndWebSessions: deactivation, rotation and
// revocation each delete every web session row of the user, whatever else
// would refuse them.
func TestCredentialChangesEndWebSessions(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(sessionsBundle) error{
		"deactivate": func(b sessionsBundle) error { _, err := b.st.Deactivate(b.ctx, b.user.ID); return err },
		"rotate": func(b sessionsBundle) error {
			_, hash := store.NewToken()
			return b.st.RotateToken(b.ctx, b.user.ID, hash, time.Now().Add(time.Hour))
		},
		"revoke": func(b sessionsBundle) error { return b.st.RevokeTokens(b.ctx, b.user.ID) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupSessions(t)
			if err := change(b); err != nil {
				t.Fatal(err)
			}
			if n := b.rows(t); n != 0 {
				t.Errorf("%d web session rows left, want 0", n)
			}
			for _, h := range b.sessions {
				if _, err := b.st.WebSession(b.ctx, h, time.Now(), time.Hour); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("session after: %v, want ErrNotFound", err)
				}
			}
		})
	}
	b := setupSessions(t)
	if err := b.st.RevokeTokens(b.ctx, "8b7f3a52-2f9e-4f59-9c1e-000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke for nobody: %v, want ErrNotFound", err)
	}
}
