package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type testBundle struct {
	st  *store.Store
	url string
	ctx context.Context
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	url := testenv.DatabaseURL(t)
	st, err := store.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return &testBundle{st: st, url: url, ctx: context.Background()}
}

// priority is a factory with sensible defaults.
func priority(opts ...func(*pipeline.Priority)) *pipeline.Priority {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: uuid.NewString(), Title: "Lavado de activos", Description: "Seguir el dinero",
		Theme: "money_laundering", Pillar: "justice", Countries: []string{"PE"}, Institution: "UIF",
		Urgency: "high", Sensitivity: pipeline.Public, Stage: pipeline.Triage, StageEnteredAt: at, Version: 1,
		SubmittedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	p.Ref = "PE-2026-" + p.ID[:8] // unique, as ReserveRef's would be
	for _, o := range opts {
		o(p)
	}
	return p
}

func event(p *pipeline.Priority, seq int, kind pipeline.EventKind) pipeline.Event {
	return pipeline.Event{PriorityID: p.ID, Seq: seq, At: p.UpdatedAt, Kind: kind,
		Actor: pipeline.Ref{ID: p.SubmittedBy, Name: "María", Role: pipeline.FocalPoint}, ToStage: p.Stage}
}

func TestRecordIsIdempotentAndKeepsTheNewestVersion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority()
	first := store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}
	ref, err := b.st.Record(b.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if ref != p.Ref {
		t.Errorf("ref %q, want the priority's %q", ref, p.Ref)
	}
	// A retry of the same write allocates nothing and records nothing twice.
	again, err := b.st.Record(b.ctx, first)
	if err != nil || again != ref {
		t.Fatalf("retry: %q %v", again, err)
	}
	p2 := *p
	p2.Ref, p2.Stage, p2.Version, p2.Assignee = ref, pipeline.ExpertReview, 2, uuid.NewString()
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &p2, Events: []pipeline.Event{event(&p2, 2, "accept")}}); err != nil {
		t.Fatal(err)
	}
	// A late retry of version 1 must not roll the priority back.
	stale := *p
	stale.Ref = ref
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &stale, Events: []pipeline.Event{event(&stale, 1, pipeline.EventSubmitted)}}); err != nil {
		t.Fatal(err)
	}
	got, err := b.st.Priority(b.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Stage != pipeline.ExpertReview || got.Assignee != p2.Assignee || got.Ref != ref {
		t.Errorf("after stale retry: v%d %s %s %s", got.Version, got.Stage, got.Assignee, got.Ref)
	}
	evs, err := b.st.Events(b.ctx, p.ID)
	if err != nil || len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 2 {
		t.Errorf("events %+v %v", evs, err)
	}
}

func TestRecordIsAtomic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority()
	ref, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}})
	if err != nil {
		t.Fatal(err)
	}
	// An event that cannot be written (seq 0 breaks a check) takes the
	// priority's update down with it.
	p2 := *p
	p2.Ref, p2.Version, p2.Title = ref, 2, "Cambiado"
	bad := event(&p2, 0, "edited")
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &p2, Events: []pipeline.Event{bad}}); err == nil {
		t.Fatal("a change with an invalid event was recorded")
	}
	got, err := b.st.Priority(b.ctx, p.ID)
	if err != nil || got.Version != 1 || got.Title != p.Title {
		t.Errorf("half a change was recorded: v%d %q %v", got.Version, got.Title, err)
	}
}

// TestPipelineCountsFollowEveryChange checks the trigger-kept counters against
// a count over the priorities themselves after inserts, moves, theme and
// country changes and escalations.
func TestPipelineCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ps []*pipeline.Priority
	for i := range 12 {
		p := priority(func(p *pipeline.Priority) {
			p.Countries = [][]string{{"PE"}, {"CO", "PE"}, {"MX", "BR", "AR"}}[i%3]
			p.Theme = pipeline.Lists.Themes[i%4].Code
		})
		ref, err := b.st.Record(b.ctx, store.Change{Priority: p})
		if err != nil {
			t.Fatal(err)
		}
		p.Ref = ref
		ps = append(ps, p)
	}
	for i, p := range ps {
		p.Version++
		switch i % 4 {
		case 0:
			p.Stage = pipeline.ExpertReview
		case 1:
			p.Theme, p.Stage = "cybercrime", pipeline.ExpertReview
		case 2:
			p.Overdue = true
		case 3: // i = 3, 7, 11: one withdrawn, two approved
			p.Stage = pipeline.Withdrawn
			if i > 3 {
				p.Stage, p.StageEnteredAt = pipeline.Approved, p.StageEnteredAt.Add(72*time.Hour)
			}
		}
		if _, err := b.st.Record(b.ctx, store.Change{Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(b.ctx)
	const diff = `
		WITH want AS (SELECT stage, theme, c AS country, overdue, count(*)::int AS n
		              FROM priorities, unnest(countries || '{*}'::text[]) AS c GROUP BY 1, 2, 3, 4),
		     have AS (SELECT stage, theme, country, overdue, n FROM pipeline_counts WHERE n <> 0)
		SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM have) UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d`
	var n int
	if err := conn.QueryRow(b.ctx, diff).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("pipeline_counts differs from the priorities in %d rows", n)
	}
	const weekly = `
		WITH want AS (SELECT date_trunc('week', stage_entered_at AT TIME ZONE 'UTC')::date AS week, theme, c AS country, count(*)::int AS n
		              FROM priorities, unnest(countries || '{*}'::text[]) AS c WHERE stage = 'approved' GROUP BY 1, 2, 3),
		     have AS (SELECT week, theme, country, n FROM approvals_weekly WHERE n <> 0)
		SELECT (SELECT count(*) FROM want), (SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM have) UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d)`
	var approved int
	if err := conn.QueryRow(b.ctx, weekly).Scan(&approved, &n); err != nil {
		t.Fatal(err)
	}
	if approved == 0 || n != 0 {
		t.Errorf("approvals_weekly: %d rows expected, %d differ", approved, n)
	}
	d, err := b.st.Dashboard(b.ctx, store.DashboardFilter{}, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[pipeline.Stage]StageCount{}
	for _, s := range d.Stages {
		counts[s.Stage] = StageCount{s.Count, s.Overdue}
	}
	want := map[pipeline.Stage]StageCount{pipeline.ExpertReview: {6, 0}, pipeline.Triage: {3, 3}, pipeline.Withdrawn: {1, 0}, pipeline.Approved: {2, 0}}
	for st, w := range want {
		if counts[st] != w {
			t.Errorf("dashboard %s: %+v, want %+v", st, counts[st], w)
		}
	}
	if d.Total != 12 {
		t.Errorf("total %d", d.Total)
	}
	if w := d.ApprovalsPerWeek[11]; w.Key != "2026-03-02" || w.Count != 2 {
		t.Errorf("approvals this week %+v", w)
	}
	if tr := d.Stages[0]; tr.MedianDays == nil || *tr.MedianDays != 1 {
		t.Errorf("triage median age %v, want 1 day", fmt.Sprint(tr.MedianDays))
	}
}

type StageCount struct{ Count, Overdue int }
