package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/internal/deliverytest"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func seedDelivery(t *testing.T) (*testBundle, deliverytest.Scenario) {
	t.Helper()
	b := setup(t)
	s, err := deliverytest.Seed(b.ctx, b.st, b.url)
	if err != nil {
		t.Fatal(err)
	}
	return b, s
}

var (
	deliveryManager = pipeline.Actor{ID: uuid.NewString(), Name: "Ana", Role: pipeline.Manager}
	fiiapp          = pipeline.Actor{ID: uuid.NewString(), Name: "Lucía", Role: pipeline.Implementer, Partner: "fiiapp"}
	civipol         = pipeline.Actor{ID: uuid.NewString(), Name: "Jean", Role: pipeline.Implementer, Partner: "civipol"}
)

// figures writes the figures that the tests compare, in one line.
func figures(f store.DeliveryFigures) string {
	return fmt.Sprintf("%s actions=%d overdue=%d budget=%s reported=%d reported_budget=%s actual=%s indicators=%d/%d women=%d men=%d other=%d",
		f.Key, f.Actions, f.Overdue, f.Budget, f.Reported, f.ReportedBudget, f.ActualCost, f.IndicatorsMet, f.Indicators,
		f.ParticipantsWomen, f.ParticipantsMen, f.ParticipantsOther)
}

func keys(rows []store.DeliveryFigures) string {
	out := ""
	for _, r := range rows {
		out += fmt.Sprintf("%s:%d:%s ", r.Key, r.Actions, r.Budget)
	}
	return out
}

// TestDeliveryDashboardFigures checks the dashboard's figures on the
// deliverytest scenario against the values computed by hand from its table
// (see deliverytest.Scenario), for a manager with and without filters and
// for each partner's implementers.
func TestDeliveryDashboardFigures(t *testing.T) {
	t.Parallel()
	b, _ := seedDelivery(t)
	get := func(a pipeline.Actor, f store.DeliveryFilter) *store.DeliveryDashboard {
		t.Helper()
		d, err := b.st.DeliveryDashboard(b.ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	d := get(deliveryManager, store.DeliveryFilter{})
	check("manager's totals", figures(d.Totals),
		" actions=8 overdue=1 budget=52000.00 reported=2 reported_budget=25000.00 actual=23500.50 indicators=2/3 women=15 men=12 other=1")
	check("manager's stages", fmt.Sprint(d.Stages), "[{scheduled 1 0} {in_progress 3 1} {delivered 1 0} {postponed 1 0} {closed 1 0} {cancelled 1 0}]")
	check("by partner", keys(d.ByPartner), "civipol:6:22000.00 fiiapp:2:30000.00 ")
	check("by country", keys(d.ByCountry), "CO:6:41000.00 PE:3:31000.00 ")
	check("by pillar", keys(d.ByPillar), "police:5:21000.00 justice:3:31000.00 ")
	check("by theme", keys(d.ByTheme), "cybercrime:5:21000.00 money_laundering:3:31000.00 ")
	check("fiiapp's row", figures(d.ByPartner[1]),
		"fiiapp actions=2 overdue=0 budget=30000.00 reported=1 reported_budget=20000.00 actual=18000.50 indicators=1/2 women=12 men=8 other=1")

	d = get(deliveryManager, store.DeliveryFilter{Country: "CO"})
	check("Colombia's totals", figures(d.Totals),
		" actions=6 overdue=1 budget=41000.00 reported=2 reported_budget=25000.00 actual=23500.50 indicators=2/3 women=15 men=12 other=1")
	check("Colombia by country", keys(d.ByCountry), "CO:6:41000.00 ")
	d = get(deliveryManager, store.DeliveryFilter{Pillar: "justice", Partner: "civipol"})
	check("justice by civipol", figures(d.Totals),
		" actions=1 overdue=0 budget=1000.00 reported=0 reported_budget=0.00 actual=0.00 indicators=0/0 women=0 men=0 other=0")
	d = get(deliveryManager, store.DeliveryFilter{Theme: "cybercrime"})
	check("cybercrime's totals", figures(d.Totals),
		" actions=5 overdue=1 budget=21000.00 reported=1 reported_budget=5000.00 actual=5500.00 indicators=1/1 women=3 men=4 other=0")

	d = get(fiiapp, store.DeliveryFilter{})
	check("fiiapp's totals", figures(d.Totals),
		" actions=2 overdue=0 budget=30000.00 reported=1 reported_budget=20000.00 actual=18000.50 indicators=1/2 women=12 men=8 other=1")
	check("fiiapp's partners", keys(d.ByPartner), "fiiapp:2:30000.00 ")
	check("fiiapp's countries", keys(d.ByCountry), "PE:2:30000.00 CO:1:20000.00 ")
	d = get(fiiapp, store.DeliveryFilter{Partner: "civipol"})
	check("fiiapp asking for civipol's", figures(d.Totals),
		" actions=0 overdue=0 budget=0.00 reported=0 reported_budget=0.00 actual=0.00 indicators=0/0 women=0 men=0 other=0")
	d = get(civipol, store.DeliveryFilter{})
	check("civipol's totals", figures(d.Totals),
		" actions=6 overdue=1 budget=22000.00 reported=1 reported_budget=5000.00 actual=5500.00 indicators=1/1 women=3 men=4 other=0")
	for _, who := range []pipeline.Actor{
		{ID: uuid.NewString(), Role: pipeline.FocalPoint, Countries: []string{"CO"}},
		{ID: uuid.NewString(), Role: pipeline.Expert, Themes: []string{"cybercrime"}},
		{ID: uuid.NewString(), Role: pipeline.Implementer},
	} {
		check(string(who.Role)+"'s totals", fmt.Sprint(get(who, store.DeliveryFilter{}).Totals.Actions), "0")
	}
}

// TestDeliveryCountsFollowEveryWrite moves, reports, re-partners and
// deletes actions and compares the counters with the figures summed over
// support_actions itself after each step.
func TestDeliveryCountsFollowEveryWrite(t *testing.T) {
	t.Parallel()
	b, s := seedDelivery(t)
	steps := []string{
		`UPDATE support_actions SET delivery_stage = 'delivered', overdue = false, actual_cost_eur = 6000,
			participants_women = 1, participants_men = 2, participants_other = 0,
			report = '{"indicators":[]}' WHERE priority_id = $1 AND idx = 1`,
		`UPDATE support_actions SET partner = 'fiiapp', countries = '{CO,PE}' WHERE priority_id = $1 AND idx = 4`,
		`UPDATE support_actions SET indicators = '[{"name":"x","unit":"u","baseline":0,"target":2}]',
			report = '{"indicators":[{"actual":3}]}' WHERE priority_id = $1 AND idx = 1`,
		`DELETE FROM support_actions WHERE priority_id = $1 AND idx = 2`,
	}
	direct := func() string {
		t.Helper()
		var f store.DeliveryFigures
		var budget, rbudget, actual int64
		conn, err := pgx.Connect(b.ctx, b.url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(b.ctx)
		err = conn.QueryRow(b.ctx, `SELECT count(*), count(*) FILTER (WHERE overdue), (sum(budget_eur) * 100)::int8,
				count(*) FILTER (WHERE r), (coalesce(sum(budget_eur) FILTER (WHERE r), 0) * 100)::int8,
				(coalesce(sum(actual_cost_eur) FILTER (WHERE r), 0) * 100)::int8,
				coalesce(sum(ni) FILTER (WHERE r), 0), coalesce(sum(nm) FILTER (WHERE r), 0),
				coalesce(sum(participants_women) FILTER (WHERE r), 0), coalesce(sum(participants_men) FILTER (WHERE r), 0),
				coalesce(sum(participants_other) FILTER (WHERE r), 0)
			FROM (SELECT *, report IS NOT NULL AND delivery_stage IN ('delivered', 'closed') AS r,
				(SELECT count(*) FROM jsonb_array_elements(indicators) WITH ORDINALITY t(v, k)
					JOIN jsonb_array_elements(report->'indicators') WITH ORDINALITY a(v, k) USING (k)) AS ni,
				(SELECT count(*) FROM jsonb_array_elements(indicators) WITH ORDINALITY t(v, k)
					JOIN jsonb_array_elements(report->'indicators') WITH ORDINALITY a(v, k) USING (k)
					WHERE (a.v->>'actual')::numeric >= (t.v->>'target')::numeric) AS nm
				FROM support_actions) sa`).Scan(&f.Actions, &f.Overdue, &budget, &f.Reported, &rbudget, &actual,
			&f.Indicators, &f.IndicatorsMet, &f.ParticipantsWomen, &f.ParticipantsMen, &f.ParticipantsOther)
		if err != nil {
			t.Fatal(err)
		}
		f.Budget, f.ReportedBudget, f.ActualCost = pipeline.Cents(budget), pipeline.Cents(rbudget), pipeline.Cents(actual)
		return figures(f)
	}
	for i, step := range append([]string{""}, steps...) {
		if step != "" {
			if err := deliverytest.Exec(b.ctx, b.url, step, s.Restricted.ID); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		d, err := b.st.DeliveryDashboard(b.ctx, deliveryManager, store.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := figures(d.Totals), direct(); got != want {
			t.Errorf("after step %d the counters say\n %s\nsupport_actions says\n %s", i, got, want)
		}
	}
	d, err := b.st.DeliveryDashboard(b.ctx, fiiapp, store.DeliveryFilter{Country: "CO"})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(d.ByCountry); got != "CO:2:24000.00 " {
		t.Errorf("fiiapp in Colombia after the move: %s, want B and H", got)
	}
}

// TestDeliveryInboxIsWhatWaitsForThePartner checks an implementer's inbox:
// dates to confirm, reports due past the end date, reports sent back —
// overdue first — and nothing of another partner, nothing for other roles.
func TestDeliveryInboxIsWhatWaitsForThePartner(t *testing.T) {
	t.Parallel()
	b, _ := seedDelivery(t)
	inbox := func(a pipeline.Actor) string {
		t.Helper()
		items, err := b.st.DeliveryInbox(b.ctx, a, deliverytest.Today.Format(time.DateOnly))
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, it := range items {
			out += fmt.Sprintf("%s/%d %s %s %s–%s %v; ", it.PriorityRef, it.Index, it.Stage, it.Waiting, it.Start, it.End, it.Overdue)
		}
		return out
	}
	if got, want := inbox(civipol), "CO-2026-0001/1 in_progress report 2026-05-25–2026-05-31 true; "+
		"CO-2026-0001/3 in_progress sent_back 2026-05-01–2026-05-02 false; "+
		"CO-2026-0001/2 postponed confirm 2026-09-01–2026-09-02 false; "; got != want {
		t.Errorf("civipol's inbox:\n got %s\nwant %s", got, want)
	}
	if got, want := inbox(fiiapp), "PE-2026-0001/0 scheduled confirm 2026-07-06–2026-07-08 false; "; got != want {
		t.Errorf("fiiapp's inbox:\n got %s\nwant %s", got, want)
	}
	if got := inbox(deliveryManager); got != "" {
		t.Errorf("a manager's delivery inbox: %s", got)
	}
}

// TestCalendarActionsAreTheActorsScope checks who gets which actions in
// their calendar: the restricted priority's only for those who may see it.
func TestCalendarActionsAreTheActorsScope(t *testing.T) {
	t.Parallel()
	b, s := seedDelivery(t)
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cal := func(a pipeline.Actor, since time.Time) string {
		t.Helper()
		items, err := b.st.CalendarActions(b.ctx, a, since)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, it := range items {
			out += fmt.Sprintf("%s/%d ", it.PriorityRef, it.Index)
		}
		return out
	}
	all := "PE-2026-0001/1 CO-2026-0001/0 CO-2026-0001/3 CO-2026-0001/1 CO-2026-0001/4 PE-2026-0001/0 PE-2026-0001/2 CO-2026-0001/2 "
	for _, c := range []struct {
		who  string
		a    pipeline.Actor
		want string
	}{
		{"a manager", deliveryManager, all},
		{"Peru's focal point", pipeline.Actor{ID: uuid.NewString(), Role: pipeline.FocalPoint, Countries: []string{"PE"}},
			"PE-2026-0001/1 PE-2026-0001/0 PE-2026-0001/2 "},
		{"Colombia's focal point", pipeline.Actor{ID: uuid.NewString(), Role: pipeline.FocalPoint, Countries: []string{"CO"}},
			"CO-2026-0001/0 CO-2026-0001/3 CO-2026-0001/1 CO-2026-0001/4 CO-2026-0001/2 "},
		{"a cybercrime expert not assigned", pipeline.Actor{ID: uuid.NewString(), Role: pipeline.Expert, Themes: []string{"cybercrime"}}, ""},
		{"the restricted priority's expert", pipeline.Actor{ID: s.Restricted.Assignee, Role: pipeline.Expert},
			"CO-2026-0001/0 CO-2026-0001/3 CO-2026-0001/1 CO-2026-0001/4 CO-2026-0001/2 "},
		{"a money-laundering expert", pipeline.Actor{ID: uuid.NewString(), Role: pipeline.Expert, Themes: []string{"money_laundering"}},
			"PE-2026-0001/1 PE-2026-0001/0 PE-2026-0001/2 "},
		{"fiiapp", fiiapp, "PE-2026-0001/1 PE-2026-0001/0 "},
		{"civipol", civipol, "CO-2026-0001/0 CO-2026-0001/3 CO-2026-0001/1 CO-2026-0001/4 PE-2026-0001/2 CO-2026-0001/2 "},
	} {
		if got := cal(c.a, since); got != c.want {
			t.Errorf("%s's calendar:\n got %s\nwant %s", c.who, got, c.want)
		}
	}
	if got := cal(fiiapp, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); got != "PE-2026-0001/0 " {
		t.Errorf("fiiapp's calendar since June: %s, want only what ends after", got)
	}
}

// TestCalendarTokens: a token finds its active owner; a new one replaces
// the old; revoking ends it; a deactivated owner's token finds nobody.
func TestCalendarTokens(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := uuid.NewString()
	err := deliverytest.Exec(b.ctx, b.url, `INSERT INTO users (id, name, role, partner, email, language)
		VALUES ($1, 'Jean', 'implementer', 'civipol', 'jean@civipol.example', 'fr')`, u)
	if err != nil {
		t.Fatal(err)
	}
	_, h1 := store.NewToken()
	_, h2 := store.NewToken()
	if err := b.st.SetCalendarToken(b.ctx, u, h1); err != nil {
		t.Fatal(err)
	}
	a, lang, err := b.st.UserByCalendarToken(b.ctx, h1)
	if err != nil || a.ID != u || a.Role != pipeline.Implementer || a.Partner != "civipol" || lang != "fr" {
		t.Fatalf("first token: %+v %q %v", a, lang, err)
	}
	if err := b.st.SetCalendarToken(b.ctx, u, h2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.st.UserByCalendarToken(b.ctx, h1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the replaced token still works: %v", err)
	}
	if _, _, err := b.st.UserByCalendarToken(b.ctx, h2); err != nil {
		t.Errorf("the new token: %v", err)
	}
	if _, err := b.st.Deactivate(b.ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.st.UserByCalendarToken(b.ctx, h2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deactivated user's token still works: %v", err)
	}
	if err := b.st.DeleteCalendarToken(b.ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := b.st.DeleteCalendarToken(b.ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	if _, err := b.st.CalendarSince(b.ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked feed still has a date: %v", err)
	}
}
