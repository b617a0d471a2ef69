package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/plantest"
	"github.com/puente-dev/puente/pipeline"
)

func eur(s string) pipeline.EUR {
	e, err := pipeline.ParseEUR(s)
	if err != nil {
		panic(err)
	}
	return e
}

// planBudgets sums what a plan lists, by country, for a compact comparison.
func planBudgets(p pipeline.AnnualPlan) map[string]pipeline.EUR {
	out := map[string]pipeline.EUR{}
	for _, c := range p.Countries {
		out[c.Country] = c.Total.BudgetEUR
	}
	return out
}

// TestAnnualPlanTotals reads the fixture's plan of 2027 (see
// internal/plantest) as a manager and compares every total with figures
// computed by hand: the year's bounds, the stage filter, the cancelled
// action left out of the totals but listed, the two-country action listed
// and counted under each country and once in the grand total, partner and
// pillar totals, the report's figures, the session filter.
func TestAnnualPlanTotals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f, err := plantest.Seed(b.ctx, b.url)
	require.NoError(t, err)
	mgr := pipeline.Actor{ID: "0a000000-0000-4000-8000-000000000001", Role: pipeline.Manager}

	actions, err := b.st.AnnualPlanActions(b.ctx, mgr, plantest.Year, "")
	require.NoError(t, err)
	p := pipeline.NewAnnualPlan(plantest.Year, "", actions)
	require.Len(t, actions, 5, "P1 0 and 1, P2 0 and 1 (cancelled), P3 0: not P3's of 2026 and 2028, not P4 in planning")
	require.Equal(t, pipeline.Totals{Actions: 4, BudgetEUR: eur("171500.50"), ActualCostEUR: eur("73799.99"), Reported: 2,
		ParticipantsWomen: 26, ParticipantsMen: 27, ParticipantsOther: 1}, p.Total)

	require.Equal(t, []string{"CO", "HT", "PE"}, []string{p.Countries[0].Country, p.Countries[1].Country, p.Countries[2].Country})
	require.Equal(t, pipeline.Totals{Actions: 2, BudgetEUR: eur("65000.50"), ActualCostEUR: eur("43800"), Reported: 1,
		ParticipantsWomen: 21, ParticipantsMen: 17, ParticipantsOther: 1}, p.Countries[0].Total, "CO")
	require.Equal(t, pipeline.Totals{Actions: 1, BudgetEUR: eur("75500")}, p.Countries[1].Total, "HT: the cancelled action counts nowhere")
	require.Len(t, p.Countries[1].Pillars[0].Actions, 2, "HT lists its cancelled action")
	require.Equal(t, pipeline.Totals{Actions: 2, BudgetEUR: eur("76000.50"), ActualCostEUR: eur("73799.99"), Reported: 2,
		ParticipantsWomen: 26, ParticipantsMen: 27, ParticipantsOther: 1}, p.Countries[2].Total, "PE")
	require.Equal(t, []string{"police", "justice"}, []string{p.Countries[2].Pillars[0].Pillar, p.Countries[2].Pillars[1].Pillar},
		"PE's pillars in codelist order")

	require.Equal(t, []pipeline.PartnerTotal{
		{Partner: "fiiapp", Totals: pipeline.Totals{Actions: 2, BudgetEUR: eur("76000.50"), ActualCostEUR: eur("73799.99"), Reported: 2,
			ParticipantsWomen: 26, ParticipantsMen: 27, ParticipantsOther: 1}},
		{Partner: "expertise_france", Totals: pipeline.Totals{Actions: 1, BudgetEUR: eur("75500")}},
		{Partner: "civipol", Totals: pipeline.Totals{Actions: 1, BudgetEUR: eur("20000")}},
	}, p.ByPartner)
	require.Equal(t, []pipeline.PillarTotal{
		{Pillar: "police", Totals: pipeline.Totals{Actions: 1, BudgetEUR: eur("31000"), ActualCostEUR: eur("29999.99"), Reported: 1,
			ParticipantsWomen: 5, ParticipantsMen: 10}},
		{Pillar: "justice", Totals: pipeline.Totals{Actions: 2, BudgetEUR: eur("65000.50"), ActualCostEUR: eur("43800"), Reported: 1,
			ParticipantsWomen: 21, ParticipantsMen: 17, ParticipantsOther: 1}},
		{Pillar: "penitentiary", Totals: pipeline.Totals{Actions: 1, BudgetEUR: eur("75500")}},
	}, p.ByPillar)

	// What each action carries: origin, confirmed dates, indicator actuals.
	a := p.Countries[0].Pillars[0].Actions[0]
	require.Equal(t, "PE-2026-0001", a.PriorityRef)
	require.Equal(t, "Reunión Anual 2026", a.SessionTitle)
	require.Equal(t, "2026-06-20", a.SessionDate)
	require.Equal(t, []string{"PE", "CO"}, a.PriorityCountries)
	require.Equal(t, []string{"PE"}, a.SubmitterCountries)
	require.Equal(t, "2027-02-02", a.Start(), "the confirmed start before the planned one")
	actual, ok := a.Actual(0)
	require.True(t, ok)
	require.InDelta(t, 39, actual, 0)
	require.Equal(t, 40.0, a.Indicators[0].Target)
	require.True(t, a.Delivery.ReportValidated)
	require.Equal(t, pipeline.Delivered, a.Delivery.Stage)

	// One session: S1's approved priorities P1 and P2 only.
	actions, err = b.st.AnnualPlanActions(b.ctx, mgr, plantest.Year, f.Session1)
	require.NoError(t, err)
	s1 := pipeline.NewAnnualPlan(plantest.Year, f.Session1, actions)
	require.Equal(t, eur("140500.50"), s1.Total.BudgetEUR)
	require.Equal(t, 3, s1.Total.Actions)

	// Other years hold only the actions starting in them.
	for year, want := range map[int]string{2026: "1111", 2028: "9999", 2029: "0"} {
		actions, err = b.st.AnnualPlanActions(b.ctx, mgr, year, "")
		require.NoError(t, err)
		require.Equal(t, eur(want), pipeline.NewAnnualPlan(year, "", actions).Total.BudgetEUR, year)
	}
}

// TestAnnualPlanScope: the restricted priority's actions appear to its
// assigned expert and to managers, never to a focal point of other
// countries or an expert of its theme who is not assigned; an implementer
// sees only its partner's actions.
func TestAnnualPlanScope(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f, err := plantest.Seed(b.ctx, b.url)
	require.NoError(t, err)
	cases := []struct {
		name  string
		actor pipeline.Actor
		want  map[string]pipeline.EUR
	}{
		{"focal point of PE", pipeline.Actor{ID: "0f000000-0000-4000-8000-000000000001", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
			map[string]pipeline.EUR{"CO": eur("65000.50"), "PE": eur("76000.50")}},
		{"focal point of HT", pipeline.Actor{ID: "0f000000-0000-4000-8000-000000000002", Role: pipeline.FocalPoint, Countries: []string{"HT"}},
			map[string]pipeline.EUR{"HT": eur("75500")}},
		{"focal point of MX", pipeline.Actor{ID: "0f000000-0000-4000-8000-000000000003", Role: pipeline.FocalPoint, Countries: []string{"MX"}},
			map[string]pipeline.EUR{}},
		{"expert of the theme", pipeline.Actor{ID: "0e000000-0000-4000-8000-000000000001", Role: pipeline.Expert, Themes: []string{"money_laundering"}},
			map[string]pipeline.EUR{"CO": eur("65000.50"), "PE": eur("76000.50")}},
		{"assigned expert", pipeline.Actor{ID: f.P2Assignee, Role: pipeline.Expert, Themes: []string{"cybercrime"}},
			map[string]pipeline.EUR{"HT": eur("75500")}},
		{"implementer of FIIAPP", pipeline.Actor{ID: "0b000000-0000-4000-8000-000000000001", Role: pipeline.Implementer, Partner: "fiiapp"},
			map[string]pipeline.EUR{"CO": eur("45000.50"), "PE": eur("76000.50")}},
		{"implementer of CIVIPOL", pipeline.Actor{ID: "0b000000-0000-4000-8000-000000000002", Role: pipeline.Implementer, Partner: "civipol"},
			map[string]pipeline.EUR{"CO": eur("20000")}},
		{"implementer of Camões", pipeline.Actor{ID: "0b000000-0000-4000-8000-000000000003", Role: pipeline.Implementer, Partner: "camoes"},
			map[string]pipeline.EUR{}},
	}
	for _, c := range cases {
		actions, err := b.st.AnnualPlanActions(b.ctx, c.actor, plantest.Year, "")
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, planBudgets(pipeline.NewAnnualPlan(plantest.Year, "", actions)), c.name)
		_, seesHT := c.want["HT"]
		for _, a := range actions {
			if a.PriorityID == f.P2 && !seesHT {
				t.Errorf("%s sees the restricted priority's action %d", c.name, a.Index)
			}
		}
	}
}

// TestSessionOutcome: every priority of the session the reader may see, by
// ref, with its stage and its approved actions; the restricted one only
// for those who may see it; an implementer only its partner's actions.
func TestSessionOutcome(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f, err := plantest.Seed(b.ctx, b.url)
	require.NoError(t, err)
	ses, err := b.st.Session(b.ctx, f.Session1)
	require.NoError(t, err)
	outcome := func(a pipeline.Actor) pipeline.SessionOutcome {
		ps, as, err := b.st.SessionOutcome(b.ctx, a, f.Session1)
		require.NoError(t, err)
		return pipeline.NewSessionOutcome(ses, ps, as)
	}
	refs := func(o pipeline.SessionOutcome) (out []string) {
		for _, p := range o.Priorities {
			out = append(out, string(p.Stage)+" "+p.Ref+" "+string(rune('0'+len(p.Actions))))
		}
		return out
	}
	o := outcome(pipeline.Actor{ID: "0a000000-0000-4000-8000-000000000001", Role: pipeline.Manager})
	require.Equal(t, []string{"approved HT-2026-0002 2", "approved PE-2026-0001 2", "planning PE-2026-0004 0"}, refs(o))
	require.Equal(t, map[pipeline.Stage]int{pipeline.Triage: 0, pipeline.ExpertReview: 0, pipeline.Revision: 0, pipeline.Planning: 1,
		pipeline.Validation: 0, pipeline.Approval: 0, pipeline.Approved: 2, pipeline.Rejected: 0, pipeline.Withdrawn: 0}, o.ByStage,
		"every stage, 0 when none")
	require.Equal(t, pipeline.Totals{Actions: 3, BudgetEUR: eur("140500.50"), ActualCostEUR: eur("43800"), Reported: 1,
		ParticipantsWomen: 21, ParticipantsMen: 17, ParticipantsOther: 1}, o.Total)
	require.Equal(t, 1, o.Priorities[1].Delivered())

	o = outcome(pipeline.Actor{ID: "0f000000-0000-4000-8000-000000000001", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	require.Equal(t, []string{"approved PE-2026-0001 2", "planning PE-2026-0004 0"}, refs(o))
	o = outcome(pipeline.Actor{ID: "0b000000-0000-4000-8000-000000000001", Role: pipeline.Implementer, Partner: "fiiapp"})
	require.Equal(t, []string{"approved PE-2026-0001 1"}, refs(o), "only its partner's action of P1, nothing before approval")
	require.Equal(t, eur("45000.50"), o.Total.BudgetEUR)
}
