package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestThreadIsAViewOfTheTrail: comments and their edits, recorded as
// events over several changes (one of them twice), read back as the
// thread — each comment's current text, its earlier texts oldest first
// with who and when, whom it told — and the list's search finds the
// priority by the current texts only.
func TestThreadIsAViewOfTheTrail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority(func(p *pipeline.Priority) { p.EventSeq = 1 })
	fp := pipeline.Ref{ID: p.SubmittedBy, Name: "María", Role: pipeline.FocalPoint}
	mgr := pipeline.Ref{ID: "4f1c6a52-8f0e-4f7e-9d7e-4b8f0e6a2c11", Name: "Ana", Role: pipeline.Manager}
	c1, c2 := "10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002"
	at := func(seq int) time.Time { return p.UpdatedAt.Add(time.Duration(seq) * time.Minute) }
	say := func(seq int, kind pipeline.EventKind, by pipeline.Ref, id, text string, mentions ...pipeline.Ref) pipeline.Event {
		data := map[string]any{"comment_id": id}
		if len(mentions) > 0 {
			data["mentions"] = mentions
		}
		return pipeline.Event{PriorityID: p.ID, Seq: seq, At: at(seq), Actor: by, Kind: kind,
			FromStage: p.Stage, ToStage: p.Stage, Comment: text, Data: data}
	}
	changes := [][]pipeline.Event{
		{event(p, 1, pipeline.EventSubmitted), say(2, pipeline.EventCommented, fp, c1, "Primera versión: zanahoria")},
		{say(3, pipeline.EventCommented, mgr, c2, "Pregunta a @carmen", mgr)},
		{say(4, pipeline.EventCommentEdited, fp, c1, "Segunda versión: pepino")},
		{say(5, pipeline.EventCommentEdited, fp, c1, "Tercera versión: tomate"),
			say(6, pipeline.EventCommentEdited, fp, "10000000-0000-4000-8000-00000000000f", "of no comment")},
	}
	for i, evs := range changes {
		q := *p
		q.EventSeq = evs[len(evs)-1].Seq
		for range 2 { // recorded twice: the flush after the caller's own write
			if _, err := b.st.Record(b.ctx, store.Change{Priority: &q, Events: evs}); err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
		}
	}
	thread, err := b.st.Thread(b.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(thread) != 2 || thread[0].ID != c1 || thread[1].ID != c2 {
		t.Fatalf("thread %+v", thread)
	}
	first := thread[0]
	if first.Text != "Tercera versión: tomate" || !first.Edited || !first.EditedAt.Equal(at(5)) || !first.PostedAt.Equal(at(2)) ||
		first.Seq != 2 || first.Author != fp || len(first.Mentions) != 0 {
		t.Errorf("first comment %+v", first)
	}
	want := []pipeline.Version{{Seq: 2, Text: "Primera versión: zanahoria", At: at(2), By: fp}, {Seq: 4, Text: "Segunda versión: pepino", At: at(4), By: fp}}
	same := func(a, b pipeline.Version) bool {
		return a.Seq == b.Seq && a.Text == b.Text && a.At.Equal(b.At) && a.By == b.By
	}
	if len(first.History) != 2 || !same(first.History[0], want[0]) || !same(first.History[1], want[1]) {
		t.Errorf("history %+v, want %+v", first.History, want)
	}
	second := thread[1]
	if second.Edited || second.EditedAt != nil || len(second.History) != 0 || len(second.Mentions) != 1 || second.Mentions[0] != mgr {
		t.Errorf("second comment %+v", second)
	}
	manager := pipeline.Actor{ID: mgr.ID, Role: pipeline.Manager}
	for q, found := range map[string]bool{"tomat": true, "carmen": true, "pepino": false, "zanahoria": false, "Seguir dinero": true} {
		items, _, err := b.st.Priorities(b.ctx, manager, store.Filter{Q: q}, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := slices.ContainsFunc(items, func(x *pipeline.Priority) bool { return x.ID == p.ID })
		if got != found {
			t.Errorf("search %q finds the priority: %v, want %v", q, got, found)
		}
	}
}
