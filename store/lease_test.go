package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/store"
)

// TestLeaseHasOneHolder: of two processes (two pools) asking for one key,
// one holds it; when it lets go, the other takes it over.
func TestLeaseHasOneHolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, url, 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	a, b := open().Lease(42), open().Lease(42)
	if !a.Held(ctx) {
		t.Fatal("the first to ask does not hold the lease")
	}
	if !a.Held(ctx) {
		t.Fatal("the holder lost the lease by asking again")
	}
	if b.Held(ctx) {
		t.Fatal("two holders")
	}
	a.Close()
	// The server releases the lock when it has ended a's session: soon, not
	// necessarily before b asks the first time.
	deadline := time.Now().Add(10 * time.Second)
	for !b.Held(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("the lease did not pass on when its holder let go")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if a.Held(ctx) {
		t.Fatal("two holders after the handover")
	}
	b.Close()
}
