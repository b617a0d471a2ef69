package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestSupportActionsExactlyForApprovedPriorities: a plan's actions become
// support actions when, and only when, an approved state is recorded —
// once, however often that state is recorded again.
func TestSupportActionsExactlyForApprovedPriorities(t *testing.T) {
	t.Parallel()
	b := setup(t)
	plan := &pipeline.Plan{Objective: "o", ExpectedOutcome: "e", Actions: []pipeline.Action{
		{Type: "training", Title: "Taller", Description: "d", Beneficiaries: []string{"UIF"}, Countries: []string{"PE"},
			StartDate: "2027-01-01", EndDate: "2027-01-02", BudgetEUR: pipeline.Cents(100050), EUAgencies: []string{"cepol"}, Partner: "fiiapp",
			Indicators: []pipeline.Indicator{{Name: "n", Unit: "u", Target: 3}}},
		{Type: "study", Title: "Estudio", Description: "d", Beneficiaries: []string{"UIF"}, Countries: []string{"PE"},
			StartDate: "2027-02-01", EndDate: "2027-03-01", BudgetEUR: pipeline.Cents(200000), Indicators: []pipeline.Indicator{{Name: "n", Unit: "u", Target: 1}}},
	}}
	p := priority(func(p *pipeline.Priority) { p.Stage, p.Plan, p.Version, p.EventSeq = pipeline.Approval, plan, 8, 8 })
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		items, _, err := b.st.SupportActions(b.ctx, pipeline.Actor{Role: pipeline.Manager}, store.ActionFilter{}, store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range items {
			if it.PriorityID == p.ID {
				n++
			}
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d support actions before approval", n)
	}
	approved := *p
	approved.Stage, approved.Version, approved.EventSeq = pipeline.Approved, 9, 9
	for range 3 { // the caller's write, the flush, a retry
		if _, err := b.st.Record(b.ctx, store.Change{Priority: &approved}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 2 {
		t.Errorf("%d support actions after approval, want 2", n)
	}
}

// TestRecordMovesOnlyForward: a reminder keeps the version but moves the
// latest event; an older state never overwrites a newer one.
func TestRecordMovesOnlyForward(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority(func(p *pipeline.Priority) { p.EventSeq = 1 })
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
		t.Fatal(err)
	}
	reminded := *p
	reminded.EventSeq = 2
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &reminded, Events: []pipeline.Event{event(&reminded, 2, pipeline.EventReminder)}}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.st.Priority(b.ctx, p.ID); err != nil || got.EventSeq != 2 || got.Version != 1 {
		t.Fatalf("after the reminder: %+v %v", got, err)
	}
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.st.Priority(b.ctx, p.ID); got.EventSeq != 2 {
		t.Errorf("an older state rolled the latest event back to %d", got.EventSeq)
	}
}

// TestRefusedWriteNeedsAttention: a write PostgreSQL refuses for its data is
// ErrRefused, changes nothing, and can be marked for the managers until a
// later write succeeds.
func TestRefusedWriteNeedsAttention(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority()
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p}); err != nil {
		t.Fatal(err)
	}
	bad := *p
	bad.Version, bad.Title = 2, "a\x00b"
	_, err := b.st.Record(b.ctx, store.Change{Priority: &bad})
	if !errors.Is(err, store.ErrRefused) {
		t.Fatalf("a NUL byte: %v, want ErrRefused", err)
	}
	if err := b.st.MarkAttention(b.ctx, p.ID, "record: "+err.Error()); err != nil {
		t.Fatal(err)
	}
	if n := b.attention(t, p.ID); n != 1 {
		t.Fatalf("%d attention rows", n)
	}
	good := *p
	good.Version = 2
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &good}); err != nil {
		t.Fatal(err)
	}
	if n := b.attention(t, p.ID); n != 0 {
		t.Errorf("attention not cleared by a successful write")
	}
}

func (b *testBundle) attention(t *testing.T, id string) int {
	t.Helper()
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(b.ctx)
	var n int
	if err := conn.QueryRow(b.ctx, `SELECT count(*) FROM attention WHERE priority_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReserveRefIsKeyedByPriority(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := uuid.NewString()
	first, err := b.st.ReserveRef(b.ctx, id, "CO", 2027)
	if err != nil || first != "CO-2027-0001" {
		t.Fatalf("%q %v", first, err)
	}
	again, err := b.st.ReserveRef(b.ctx, id, "CO", 2027)
	if err != nil || again != first {
		t.Errorf("a retried reservation got %q", again)
	}
	other, _ := b.st.ReserveRef(b.ctx, uuid.NewString(), "CO", 2027)
	if other != "CO-2027-0002" {
		t.Errorf("the next priority got %q", other)
	}
	// Refs count per country and year.
	if gt, _ := b.st.ReserveRef(b.ctx, uuid.NewString(), "GT", 2027); gt != "GT-2027-0001" {
		t.Errorf("another country's first priority got %q", gt)
	}
	if later, _ := b.st.ReserveRef(b.ctx, uuid.NewString(), "CO", 2028); later != "CO-2028-0001" {
		t.Errorf("the next year's first priority got %q", later)
	}
}

// TestLeastLoadedExpert: the expert of the theme with the fewest open
// priorities, ties to the one registered first; closed priorities are no
// load.
func TestLeastLoadedExpert(t *testing.T) {
	t.Parallel()
	b := setup(t)
	add := func(name string) pipeline.Actor {
		_, hash := store.NewToken()
		u, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: name, Role: pipeline.Expert, Themes: []string{"money_laundering"}},
			Email: uuid.NewString()[:12] + "@puente.test", Language: "es"}, hash, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor
	}
	first := add("Registrada primero")
	second := add("Registrado después")
	want := func(e pipeline.Actor, why string) {
		t.Helper()
		got, err := b.st.LeastLoadedExpert(b.ctx, "money_laundering")
		if err != nil || got.ID != e.ID {
			t.Errorf("%s: got %s (%v), want %s", why, got.Name, err, e.Name)
		}
	}
	want(first, "a tie goes to the first registered")
	assign := func(e pipeline.Actor, stage pipeline.Stage) {
		p := priority(func(p *pipeline.Priority) { p.Assignee, p.Stage = e.ID, stage })
		if _, err := b.st.Record(b.ctx, store.Change{Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	assign(first, pipeline.Planning)
	want(second, "one open priority is a load")
	for _, closed := range []pipeline.Stage{pipeline.Approved, pipeline.Rejected, pipeline.Withdrawn} {
		assign(second, closed)
	}
	want(second, "closed priorities are no load")
	if _, err := b.st.LeastLoadedExpert(b.ctx, "cybercrime"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a theme nobody covers: %v", err)
	}
}
