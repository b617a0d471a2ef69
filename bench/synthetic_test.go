package bench

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The synthetic seed at a small size has the shape of the large one: 12.5
// actions per approved priority and none elsewhere; every partner, agency
// and stage; years 2023–2027; a report exactly where an action was
// delivered or closed, whose figures agree with their columns; dates and
// flags that fit each stage. And the store reads every synthetic row back.
func TestSyntheticSeedShape(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	url := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	syn, err := openSynthetic(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer syn.close()
	const n = 2000
	if _, _, err := seedScale(ctx, st, syn, ScaleOptions{Priorities: n, EventsPer: 2, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}

	var approved, actions, outside int
	err = syn.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM priorities WHERE stage = 'approved'),
		(SELECT count(*) FROM support_actions),
		(SELECT count(*) FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id WHERE p.stage <> 'approved')`).
		Scan(&approved, &actions, &outside)
	if err != nil {
		t.Fatal(err)
	}
	if approved != n/5 || actions != n/5*25/2 || outside != 0 {
		t.Errorf("%d approved priorities with %d actions (%d of priorities not approved), want %d with %d and none",
			approved, actions, outside, n/5, n/5*25/2)
	}

	distinctOf := func(q string) []string {
		t.Helper()
		rows, err := syn.pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var partners, agencies, stages []string
	for _, p := range pipeline.Partners {
		partners = append(partners, p.Code)
	}
	for _, a := range pipeline.EUAgencies {
		agencies = append(agencies, a.Code)
	}
	for _, s := range pipeline.DeliveryStages {
		stages = append(stages, string(s))
	}
	slices.Sort(partners)
	slices.Sort(agencies)
	slices.Sort(stages)
	for _, c := range []struct {
		what, q string
		want    []string
	}{
		{"partners", `SELECT DISTINCT partner FROM support_actions ORDER BY 1`, partners},
		{"agencies", `SELECT DISTINCT unnest(eu_agencies) FROM support_actions ORDER BY 1`, agencies},
		{"stages", `SELECT DISTINCT delivery_stage FROM support_actions ORDER BY 1`, stages},
		{"years", `SELECT DISTINCT extract(year FROM start_date)::text FROM support_actions ORDER BY 1`, []string{"2023", "2024", "2025", "2026", "2027"}},
		{"types", `SELECT DISTINCT type FROM support_actions ORDER BY 1`, slices.Sorted(slices.Values(pipeline.Lists.SupportTypes))},
	} {
		if got := distinctOf(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s %q, want %q", c.what, got, c.want)
		}
	}

	// Each stage's rows hold what the stage implies; a violation is named.
	for _, c := range []struct{ what, cond string }{
		{"a report exactly when delivered or closed",
			`(report IS NOT NULL) <> (delivery_stage IN ('delivered', 'closed'))`},
		{"report figures equal to their columns",
			`report IS NOT NULL AND ((report->>'actual_cost_eur')::numeric <> actual_cost_eur
				OR (report->>'participants_women')::int <> participants_women OR (report->>'participants_men')::int <> participants_men
				OR (report->>'participants_other')::int <> participants_other OR jsonb_array_length(report->'indicators') <> jsonb_array_length(indicators))`},
		{"confirmed dates exactly when in progress or later",
			`(confirmed_start IS NOT NULL) <> (delivery_stage IN ('in_progress', 'delivered', 'closed')) OR confirmed_end < confirmed_start`},
		{"closed_at and a validated report when closed",
			`(closed_at IS NOT NULL) <> (delivery_stage = 'closed') OR (delivery_stage = 'closed' AND NOT report_validated)`},
		{"validation only of a report", `report_validated AND report IS NULL`},
		{"a report due only while open", `(report_due_at IS NOT NULL) <> (delivery_stage IN ('scheduled', 'in_progress', 'postponed')) OR (overdue AND report_due_at >= now())`},
		{"plan dates in order, budgets positive", `end_date <= start_date OR budget_eur <= 0`},
		{"a stage entered between approval and now", `stage_entered_at IS NULL OR stage_entered_at > now() OR stage_entered_at < approved_at`},
	} {
		var bad int
		if err := syn.pool.QueryRow(ctx, `SELECT count(*) FROM support_actions WHERE `+c.cond).Scan(&bad); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if bad != 0 {
			t.Errorf("%d synthetic actions break %q", bad, c.what)
		}
	}
	var restrictedWithActions int
	if err := syn.pool.QueryRow(ctx, `SELECT count(DISTINCT p.id) FROM priorities p JOIN support_actions sa ON sa.priority_id = p.id
		WHERE p.sensitivity = 'restricted'`).Scan(&restrictedWithActions); err != nil {
		t.Fatal(err)
	}
	if restrictedWithActions != approved/10 {
		t.Errorf("%d restricted approved priorities with actions, want one in ten of %d", restrictedWithActions, approved)
	}
	var reported, overdue int
	if err := syn.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE report IS NOT NULL), count(*) FILTER (WHERE overdue) FROM support_actions`).Scan(&reported, &overdue); err != nil {
		t.Fatal(err)
	}
	if reported < actions/4 || overdue == 0 {
		t.Errorf("%d reported and %d overdue of %d actions: want a realistic mix", reported, overdue, actions)
	}

	// The store reads them back as the exports do, report included.
	ids := distinctOf(`SELECT id::text FROM priorities WHERE stage = 'approved' ORDER BY ref LIMIT 20`)
	rows, err := st.ActionRows(ctx, pipeline.Actor{Role: pipeline.Manager}, ids)
	if err != nil {
		t.Fatal(err)
	}
	var read, withReport int
	for _, id := range ids {
		for _, r := range rows[id] {
			read++
			if r.Delivery.Report != nil {
				withReport++
				if _, err := json.Marshal(r.Delivery.Report); err != nil || len(r.Delivery.Report.Indicators) != len(r.Indicators) ||
					r.Delivery.Report.Participants() == 0 || r.Delivery.Report.ActualCostEUR.IsZero() {
					t.Errorf("report of %s/%d: %+v", r.PriorityRef, r.Index, r.Delivery.Report)
				}
			}
		}
	}
	if read < 20*8 || withReport == 0 {
		t.Errorf("the store read %d actions (%d reported) of 20 approved priorities", read, withReport)
	}
}
