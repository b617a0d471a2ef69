package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The store work of one decision on a real PostgreSQL: the API's token lookup
// and read of the priority, and the workflow's Record.
// `go test ./store -run '^$' -bench . -benchmem`.

func BenchmarkTokenByHash(b *testing.B) {
	st := openBench(b)
	ctx := context.Background()
	_, hash := store.NewToken()
	u, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@puente.test", Language: "es"},
		hash, time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if t, err := st.TokenByHash(ctx, hash); err != nil || t.User.ID != u.ID {
			b.Fatal(t, err)
		}
	}
}

func BenchmarkPriority(b *testing.B) {
	st := openBench(b)
	ctx := context.Background()
	p := priority()
	if _, err := st.Record(ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := st.Priority(ctx, p.ID); err != nil || got.ID != p.ID {
			b.Fatal(got, err)
		}
	}
}

// BenchmarkRecordDecision writes what a decision writes: the priority's new
// version (its stage moving, so counters change) and one event.
func BenchmarkRecordDecision(b *testing.B) {
	st := openBench(b)
	ctx := context.Background()
	p := priority()
	ref, err := st.Record(ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}})
	if err != nil {
		b.Fatal(err)
	}
	p.Ref = ref
	stages := []pipeline.Stage{pipeline.ExpertReview, pipeline.Revision}
	for b.Loop() {
		p.Version++
		p.Stage = stages[p.Version%2]
		p.UpdatedAt = p.UpdatedAt.Add(time.Second)
		if _, err := st.Record(ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, p.Version, "request_revision")}}); err != nil {
			b.Fatal(err)
		}
	}
}

func openBench(b *testing.B) *store.Store {
	b.Helper()
	st, err := store.Open(context.Background(), testenv.DatabaseURL(b), 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	return st
}
