package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestTokenCheck(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	active := store.User{Active: true}
	cases := []struct {
		name string
		tok  store.Token
		want error
	}{
		{"valid", store.Token{User: active, ExpiresAt: now.Add(time.Second)}, nil},
		{"expires now", store.Token{User: active, ExpiresAt: now}, store.ErrTokenExpired},
		{"revoked", store.Token{User: active, ExpiresAt: now.Add(time.Hour), RevokedAt: &now}, store.ErrTokenRevoked},
		{"revoked and expired", store.Token{User: active, ExpiresAt: now, RevokedAt: &now}, store.ErrTokenRevoked},
		{"deactivated (its tokens revoked)", store.Token{ExpiresAt: now.Add(time.Hour), RevokedAt: &now}, store.ErrDeactivated},
	}
	for _, c := range cases {
		if got := c.tok.Check(now); !errors.Is(got, c.want) || (c.want == nil && got != nil) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestDeactivationEndsEverything: one transaction revokes the user's tokens
// and deletes their web sessions; their session no longer finds them.
func TestDeactivationEndsEverything(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, hash := store.NewToken()
	u, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: "Carmen", Role: pipeline.Expert, Themes: []string{"cybercrime"}},
		Email: "carmen@example.org", Language: "pt"}, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	session := store.HashToken("session")
	if err := b.st.CreateWebSession(b.ctx, session, u.ID, time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a, err := b.st.UserByTokenHash(b.ctx, hash); err != nil || a.ID != u.ID {
		t.Fatalf("token before: %+v %v", a, err)
	}
	gone, err := b.st.Deactivate(b.ctx, u.ID)
	if err != nil || gone.Active || gone.DeactivatedAt == nil {
		t.Fatalf("deactivate: %+v %v", gone, err)
	}
	if _, err := b.st.UserByTokenHash(b.ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token after: %v", err)
	}
	if _, err := b.st.WebSession(b.ctx, session, time.Now(), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after: %v", err)
	}
	tok, err := b.st.TokenByHash(b.ctx, hash)
	if err != nil || tok.RevokedAt == nil || !errors.Is(tok.Check(time.Now()), store.ErrDeactivated) {
		t.Errorf("token row after: %+v %v", tok, err)
	}
	if _, err := b.st.User(b.ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deactivated user is still an acting user: %v", err)
	}
	if p, err := b.st.Person(b.ctx, u.ID); err != nil || p.Email != "carmen@example.org" {
		t.Errorf("the record stays: %+v %v", p, err)
	}
	if _, err := b.st.Deactivate(b.ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("malformed id: %v", err)
	}
}
