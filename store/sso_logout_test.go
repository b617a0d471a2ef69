package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestWebSessionKeepsItsIDToken: a session single sign-on opened gives its
// ID token back until it ends; others give none.
func TestWebSessionKeepsItsIDToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.DatabaseURL(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	_, hash := store.NewToken()
	u, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org", Language: "es"},
		hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sso, token := store.HashToken("sso"), store.HashToken("token")
	for _, h := range [][]byte{sso, token} {
		if err := st.CreateWebSession(ctx, h, u.ID, time.Now(), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetWebSessionIDToken(ctx, sso, "the-id-token"); err != nil {
		t.Fatal(err)
	}
	check := func(name string, hash []byte, want string) {
		t.Helper()
		if got, err := st.WebSessionIDToken(ctx, hash); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	check("single sign-on's", sso, "the-id-token")
	check("a token sign-in's", token, "")
	if err := st.DeleteWebSession(ctx, sso); err != nil {
		t.Fatal(err)
	}
	check("ended", sso, "")
}
