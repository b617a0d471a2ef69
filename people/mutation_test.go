package people_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The tests of this file pin behaviour that mutation testing (make mutate,
// docs/mutation.md) found no test noticing when it changed.

func TestTokensLastDefaultTokenTTLUnlessSet(t *testing.T) {
	t.Parallel()
	svc := setup(t)
	svc.TokenTTL = 0
	_, iss, err := svc.Add(context.Background(), people.Console, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(iss.ExpiresAt); d < people.DefaultTokenTTL-time.Minute || d > people.DefaultTokenTTL {
		t.Errorf("token lifetime %s, want DefaultTokenTTL", d)
	}
}

// A token's use is recorded in the background: on its first use, and again
// once the last recorded use is older than TouchInterval; a recorded use
// logs nothing.
func TestAuthenticateRecordsUseAgainAfterTheInterval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	var logs testenv.SyncBuffer
	svc := &people.Service{Store: st, TokenTTL: time.Hour, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	_, iss, err := svc.Add(ctx, people.Console, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func(after time.Time) time.Time {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			tok, err := st.TokenByHash(ctx, store.HashToken(iss.Token))
			if err != nil {
				t.Fatal(err)
			}
			if tok.LastUsedAt != nil && tok.LastUsedAt.After(after) {
				return *tok.LastUsedAt
			}
		}
		t.Fatalf("no use recorded after %s; log: %s", after, logs.String())
		return time.Time{}
	}
	if _, err := svc.Authenticate(ctx, iss.Token); err != nil {
		t.Fatal(err)
	}
	lastUsed(time.Time{})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var old time.Time
	if err := conn.QueryRow(ctx, `UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' RETURNING last_used_at`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, iss.Token); err != nil {
		t.Fatal(err)
	}
	lastUsed(old)
	if s := logs.String(); s != "" {
		t.Errorf("recording a use logged %s", s)
	}
}
