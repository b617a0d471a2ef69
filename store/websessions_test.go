package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestWebSessions: a session finds its user until it expires or is revoked,
// and only its hash is looked up.
func TestWebSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, hash := store.NewToken()
	u, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org", Language: "es"},
		hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	live, expired := store.HashToken("live"), store.HashToken("expired")
	if err := b.st.CreateWebSession(b.ctx, live, u.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := b.st.CreateWebSession(b.ctx, expired, u.ID, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := b.st.WebSessionUser(b.ctx, live)
	if err != nil || got.ID != u.ID || got.Role != pipeline.Manager {
		t.Fatalf("live session: %+v, %v", got, err)
	}
	if _, err := b.st.WebSessionUser(b.ctx, expired); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v, want ErrNotFound", err)
	}
	if _, err := b.st.WebSessionUser(b.ctx, []byte("live")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the raw ID found a session: %v", err)
	}
	if err := b.st.DeleteWebSession(b.ctx, live); err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.WebSessionUser(b.ctx, live); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked session: %v, want ErrNotFound", err)
	}
}
