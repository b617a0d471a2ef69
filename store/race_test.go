package store_test

import (
	"sync"
	"testing"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestConcurrentFirstWritesOfAPriority races the two writers of a new
// priority's first row — an API recording the decision it answered and the
// workflow's flush — many times. Whichever commits first, both writes
// succeed and the newer state stays: the read model's write is idempotent
// even when neither writer has seen the row yet.
func TestConcurrentFirstWritesOfAPriority(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const rounds = 200
	for i := range rounds {
		p := priority()
		ref, err := b.st.ReserveRef(b.ctx, p.ID, p.Countries[0], p.CreatedAt.Year())
		if err != nil {
			t.Fatal(err)
		}
		p.Ref = ref
		submitted := event(p, 1, pipeline.EventSubmitted)
		rejected := *p
		rejected.Stage, rejected.Version, rejected.EventSeq = pipeline.Rejected, 2, 2
		flush := store.Change{Priority: &rejected, Events: []pipeline.Event{submitted, event(&rejected, 2, pipeline.EventOf(pipeline.Reject))}}
		caller := store.Change{Priority: &rejected, Events: []pipeline.Event{event(&rejected, 2, pipeline.EventOf(pipeline.Reject))}}
		if i%2 == 1 { // the flush of an older state against the caller's newer one
			older := *p
			older.EventSeq = 1
			flush = store.Change{Priority: &older, Events: []pipeline.Event{submitted}}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for w, c := range []store.Change{flush, caller} {
			wg.Go(func() {
				<-start
				_, errs[w] = b.st.Record(b.ctx, c)
			})
		}
		close(start)
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Fatalf("round %d: writer %d: %v", i, w, err)
			}
		}
		got, err := b.st.Priority(b.ctx, p.ID)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if got.Version != 2 || got.Stage != pipeline.Rejected || got.Ref != ref {
			t.Fatalf("round %d: stored v%d %s %s, want v2 rejected %s", i, got.Version, got.Stage, got.Ref, ref)
		}
	}
}
