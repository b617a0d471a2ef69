package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestRecordedEventIsNeverRewritten: the audit trail is append-only. A
// change that carries an event number already recorded, with other
// content — a replay gone wrong, a forged write — leaves the recorded
// event exactly as it was, whatever else the change writes.
func TestRecordedEventIsNeverRewritten(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority(func(p *pipeline.Priority) { p.EventSeq = 1 })
	first := event(p, 1, pipeline.EventSubmitted)
	first.Comment = "Presentada en la sesión de Lima"
	first.Data = map[string]any{"source": "session"}
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{first}}); err != nil {
		t.Fatal(err)
	}
	later := *p
	later.Version, later.Stage, later.UpdatedAt = 2, pipeline.Rejected, p.UpdatedAt.Add(time.Hour)
	other := pipeline.Event{PriorityID: p.ID, Seq: 1, At: later.UpdatedAt, Kind: pipeline.EventOf(pipeline.Reject),
		Actor:     pipeline.Ref{ID: "someone-else", Name: "Otra persona", Role: pipeline.Manager},
		FromStage: pipeline.Triage, ToStage: pipeline.Rejected, Comment: "rewritten", Data: map[string]any{"source": "forged"}}
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &later, Events: []pipeline.Event{other}}); err != nil {
		t.Fatal(err)
	}
	events, err := b.st.Events(b.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events, want the one recorded first: %+v", len(events), events)
	}
	got := events[0]
	if !got.At.Equal(first.At) {
		t.Errorf("event 1 at %v, want %v", got.At, first.At)
	}
	got.At = first.At
	if !reflect.DeepEqual(got, first) {
		t.Errorf("event 1 was rewritten:\n got  %+v\n want %+v", got, first)
	}
}
