package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

func fields(ps Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Field
	}
	return out
}

func validSubmission() Submission {
	return Submission{Title: "Equipos conjuntos de investigación", Description: "ECI con Colombia",
		Theme: "joint_investigation_teams", Pillar: "justice", Countries: []string{"PE", "CO"},
		Institution: "Fiscalía de la Nación", Urgency: "high"}
}

func TestSubmissionValidate(t *testing.T) {
	t.Parallel()
	s := validSubmission()
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("valid submission: %v", ps)
	}
	bad := Submission{Theme: "nope", Pillar: "army", Countries: []string{"PE", "XX", "PE"}, Urgency: "now",
		Sensitivity: "secret", SessionID: "123"}
	want := []string{"session_id", "title", "description", "theme", "pillar", "countries[1]", "countries[2]",
		"institution", "urgency", "sensitivity"}
	if got := fields(bad.Validate()); !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	empty := Submission{}
	if got := fields(empty.Validate()); !slices.Contains(got, "countries") {
		t.Errorf("no countries not reported: %v", got)
	}
}

func TestPlanValidate(t *testing.T) {
	t.Parallel()
	draft := Plan{Objective: "o", Actions: []Action{{Type: "training"}}}
	if ps := draft.Validate(false); len(ps) != 0 {
		t.Errorf("a draft may be unfinished: %v", ps)
	}
	got := fields(draft.Validate(true))
	for _, f := range []string{"expected_outcome", "actions[0].title", "actions[0].countries", "actions[0].start_date", "actions[0].budget_eur", "actions[0].indicators"} {
		if !slices.Contains(got, f) {
			t.Errorf("complete check misses %s: %v", f, got)
		}
	}
	full := Plan{Objective: "o", ExpectedOutcome: "e", GenderMarker: 1, Actions: []Action{{
		Type: "training", Title: "t", Description: "d", Beneficiaries: []string{"Fiscalía"}, Countries: []string{"PE"},
		StartDate: "2026-01-10", EndDate: "2026-01-05", BudgetEUR: Euros(1000), Partner: "civipol",
		Indicators: []Indicator{{Name: "people trained", Unit: "people", Target: 30}},
	}}}
	if got := fields(full.Validate(true)); !slices.Equal(got, []string{"actions[0].end_date"}) {
		t.Errorf("end before start: %v", got)
	}
	full.Actions[0].EndDate = "2026-03-01"
	full.GenderMarker = 3
	if got := fields(full.Validate(true)); !slices.Equal(got, []string{"gender_marker"}) {
		t.Errorf("gender marker: %v", got)
	}
}

func TestPlanPartnerAndEUAgencies(t *testing.T) {
	t.Parallel()
	action := func(partner string, agencies ...string) Plan {
		return Plan{Objective: "o", ExpectedOutcome: "e", Actions: []Action{{
			Type: "training", Title: "t", Description: "d", Beneficiaries: []string{"Fiscalía"}, Countries: []string{"PE"},
			StartDate: "2026-01-10", EndDate: "2026-02-05", BudgetEUR: Euros(10), Partner: partner, EUAgencies: agencies,
			Indicators: []Indicator{{Name: "people trained", Unit: "people", Target: 30}},
		}}}
	}
	for _, tc := range []struct {
		plan     Plan
		complete bool
		want     map[string]Code
	}{
		{action("fiiapp", "europol", "eu_lisa"), true, map[string]Code{}},
		{action("nl_jenv"), true, map[string]Code{}},
		{action(""), false, map[string]Code{}},
		{action(""), true, map[string]Code{"actions[0].partner": Required}},
		{action("FIIAPP"), false, map[string]Code{"actions[0].partner": NotOneOf}},
		{action("unodc"), true, map[string]Code{"actions[0].partner": NotOneOf}},
		{action("camoes", "Europol"), true, map[string]Code{"actions[0].eu_agencies[0]": NotOneOf}},
		{action("camoes", "cepol", "", "cepol"), true, map[string]Code{"actions[0].eu_agencies[1]": NotOneOf, "actions[0].eu_agencies[2]": Duplicate}},
		{action("camoes", append(EUAgencyCodes(), "europol")...), true, map[string]Code{"actions[0].eu_agencies": TooMany}},
	} {
		got := map[string]Code{}
		for _, p := range tc.plan.Validate(tc.complete) {
			got[p.Field] = p.Code
		}
		if !maps.Equal(got, tc.want) {
			a := tc.plan.Actions[0]
			t.Errorf("partner %q, agencies %q, complete %v: %v, want %v", a.Partner, a.EUAgencies, tc.complete, got, tc.want)
		}
	}
}

func TestDecisionValidate(t *testing.T) {
	t.Parallel()
	reject, _ := Lookup(Triage, Reject)
	d := DecisionInput{Decision: Reject}
	if got := fields(d.Validate(reject)); !slices.Equal(got, []string{"reason"}) {
		t.Errorf("reject without reason: %v", got)
	}
	accept, _ := Lookup(Triage, Accept)
	d = DecisionInput{Decision: Accept, Theme: "bogus", ExpertID: "x", Reason: "r"}
	if got := fields(d.Validate(accept)); !slices.Equal(got, []string{"reason", "theme", "expert_id"}) {
		t.Errorf("accept with bad fields: %v", got)
	}
	approve, _ := Lookup(ExpertReview, Approve)
	d = DecisionInput{Decision: Approve, Theme: "cybercrime", Changes: &Changes{}}
	if got := fields(d.Validate(approve)); !slices.Equal(got, []string{"theme", "changes"}) {
		t.Errorf("approve with foreign fields: %v", got)
	}
}

func TestMergeKeepsFirstProblemPerField(t *testing.T) {
	t.Parallel()
	a := Problems{Problem("urgency", NotAString)}
	b := Problems{Problem("urgency", Required), Problem("title", Required)}
	if got := fields(a.Merge(b)); !slices.Equal(got, []string{"urgency", "title"}) {
		t.Errorf("merge: %v", got)
	}
}

func TestCodelists(t *testing.T) {
	t.Parallel()
	if n := len(Lists.Countries); n != 33 {
		t.Errorf("%d CELAC countries, want 33", n)
	}
	for _, code := range []string{"gender_mainstreaming", "joint_investigation_teams", "information_exchange", "innovation",
		"drug_trafficking", "money_laundering", "cybercrime", "corruption", "trafficking_in_persons",
		"migrant_smuggling", "firearms_trafficking", "environmental_crime", "penitentiary_systems"} {
		th, ok := Lists.ThemeByCode(code)
		if !ok || len(th.IATISector) != 5 {
			t.Errorf("theme %s: %+v %v", code, th, ok)
		}
	}
	if !slices.Equal(Lists.SupportTypes, []string{"training", "technical_assistance", "peer_exchange", "legal_advice",
		"regional_workshop", "study", "tool_development", "jit_support"}) {
		t.Errorf("support types %v", Lists.SupportTypes)
	}
}

// describe writes a problem as its code and params, in the params' order.
func describe(fe FieldError) string {
	s := string(fe.Code)
	keys := slices.Sorted(maps.Keys(fe.Params))
	for _, k := range keys {
		s += fmt.Sprintf(" %s=%v", k, fe.Params[k])
	}
	return s
}
