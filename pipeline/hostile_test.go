package pipeline

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestTextRefusesWhatTheStoreCannotHoldOrNoPersonMeans(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v               string
		line, multiline bool // accepted as one-line text, as multi-line text
		want            string
	}{
		{"Fiscalía de la Nación", true, true, ""},
		{"tab\there", true, true, ""},
		{"línea 1\nlínea 2", false, true, "control_character char=U+000A"},
		{"línea 1\r\nlínea 2", false, true, "control_character char=U+000D"},
		{"a\x00b", false, false, "control_character char=U+0000"},
		{"bell\x07", false, false, "control_character char=U+0007"},
		{"esc\x1b[31m", false, false, "control_character char=U+001B"},
		{"del\x7f", false, false, "control_character char=U+007F"},
		{"c1\u0085", false, false, "control_character char=U+0085"},
		{"bad\xffutf8", false, false, "invalid_utf8"},
		{"\xed\xa0\x80", false, false, "invalid_utf8"}, // a surrogate encoded as UTF-8
		{"emoji 🌎 and U+FFFD \uFFFD typed on purpose", true, true, ""},
		{" \t\n ", false, false, "required"},
		{"فريق التحقيق المشترك", true, true, ""},
		{"צוות חקירה משותף", true, true, ""},
		{"invoice\u202Efdp.exe", false, true, "bidi_control char=U+202E"},
		{"a\u202Ab", false, true, "bidi_control char=U+202A"},
		{"a\u2066b\u2069", false, true, "bidi_control char=U+2066"},
		{"a\u2069", false, true, "bidi_control char=U+2069"},
		{"a\u200Eb", false, true, "bidi_control char=U+200E"},
		{"a\u200Fb", false, true, "bidi_control char=U+200F"},
		{"a\u061Cb", false, true, "bidi_control char=U+061C"},
	} {
		var line, multi Problems
		line.Text("f", tc.v, true, 100)
		multi.Multiline("f", tc.v, true, 100)
		if (len(line) == 0) != tc.line || (len(multi) == 0) != tc.multiline {
			t.Errorf("%q: one-line %v, multi-line %v; want accepted %v, %v", tc.v, line, multi, tc.line, tc.multiline)
		}
		if !tc.multiline && describe(multi[0]) != tc.want {
			t.Errorf("%q: %s, want %s", tc.v, describe(multi[0]), tc.want)
		}
		if !tc.line && tc.multiline && describe(line[0]) != tc.want {
			t.Errorf("%q: one-line %s, want %s", tc.v, describe(line[0]), tc.want)
		}
	}
}

func TestDatesOutsideTheRangeAreRefused(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{
		"1990-01-01": true, "2100-12-31": true, "2025-06-20": true,
		"1989-12-31": false, "2101-01-01": false, "0000-01-01": false, "0001-01-01": false, "9999-12-31": false,
		"2025-02-30": false, "2025-6-20": false, "+2025-06-20": false, "2025-06-20T00:00:00Z": false, " 2025-06-20": false,
	} {
		var ps Problems
		ps.Date("d", v, true)
		if (len(ps) == 0) != ok {
			t.Errorf("%q: %v, want accepted %v", v, ps, ok)
		}
	}
	s := SessionInput{Title: "Reunión", Kind: "political_dialogue", Date: "0000-01-01", Venue: "Lima", Countries: []string{"PE"}}
	if got := fields(s.Validate()); !slices.Equal(got, []string{"date"}) {
		t.Errorf("session in year 0: %v", got)
	}
}

func TestIndicatorsAndBudgetsMustBeSaneNumbers(t *testing.T) {
	t.Parallel()
	action := func(budget EUR, baseline, target float64) Plan {
		return Plan{Objective: "o", ExpectedOutcome: "e", Actions: []Action{{
			Type: "training", Title: "t", Description: "d", Beneficiaries: []string{"Fiscalía"}, Countries: []string{"PE"},
			StartDate: "2026-01-10", EndDate: "2026-02-05", BudgetEUR: budget, Partner: "iila",
			Indicators: []Indicator{{Name: "people trained", Unit: "people", Baseline: baseline, Target: target}},
		}}}
	}
	for _, tc := range []struct {
		plan     Plan
		complete bool
		want     []string
	}{
		{action(Euros(45000), 0, 40), true, nil},
		{action(EUR{}, 0, 40), false, nil}, // a draft may leave the budget at 0
		{action(EUR{}, 0, 40), true, []string{"actions[0].budget_eur"}},
		{action(Cents(-1), 0, 40), false, []string{"actions[0].budget_eur"}},
		{action(MaxEUR.Add(Cents(1)), 0, 40), false, []string{"actions[0].budget_eur"}},
		{action(Euros(1), -1, 40), false, []string{"actions[0].indicators[0].baseline"}},
		{action(Euros(1), math.Copysign(0, -1), 40), false, []string{"actions[0].indicators[0].baseline"}},
		{action(Euros(1), 1e300, -3), false, []string{"actions[0].indicators[0].baseline", "actions[0].indicators[0].target"}},
		{action(Euros(1), math.NaN(), math.Inf(1)), false, []string{"actions[0].indicators[0].baseline", "actions[0].indicators[0].target"}},
	} {
		if got := fields(tc.plan.Validate(tc.complete)); !slices.Equal(got, tc.want) {
			t.Errorf("budget %v, indicator %v: %v, want %v", tc.plan.Actions[0].BudgetEUR, tc.plan.Actions[0].Indicators, got, tc.want)
		}
	}
}

func TestListsAreBounded(t *testing.T) {
	t.Parallel()
	many := make([]string, 10000)
	s := validSubmission()
	s.Countries = many
	if got := fields(s.Validate()); !slices.Equal(got, []string{"countries"}) {
		t.Errorf("10,000 countries: %v", got)
	}
	p := Plan{Actions: []Action{{Beneficiaries: many, EUAgencies: many, Indicators: make([]Indicator, 51)}}}
	want := []string{"actions[0].beneficiaries", "actions[0].eu_agencies", "actions[0].indicators"}
	if got := fields(p.Validate(false)); !slices.Equal(got, want) {
		t.Errorf("long lists: %v, want %v", got, want)
	}
}

func TestParseEUR(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"0": 0, "-0": 0, "-0.00": 0, "45000": 4500000, "1234.5": 123450, "0.05": 5, "0.10": 10,
		"1.500": 150, "4.5e4": 4500000, "4.5E+4": 4500000, "12345e-2": 12345, "1000000000": 100000000000,
		"-12.34": -1234, "0e999999999": 0, "123456789012.34": 12345678901234,
	} {
		got, err := ParseEUR(in)
		if err != nil || got.Cents() != want {
			t.Errorf("ParseEUR(%q) = %d, %v; want %d", in, got.Cents(), err, want)
		}
	}
	for in, want := range map[string]error{
		"0.005": ErrTooPrecise, "0.001": ErrTooPrecise, "1e-3": ErrTooPrecise, "1.234": ErrTooPrecise,
		"1e-999999": ErrTooPrecise, "1e15": ErrAmountTooHigh, "1e999999999": ErrAmountTooHigh,
		"": ErrNotAmount, "-": ErrNotAmount, "01": ErrNotAmount, ".5": ErrNotAmount, "1.": ErrNotAmount,
		"+1": ErrNotAmount, "1e": ErrNotAmount, `"12"`: ErrNotAmount, "NaN": ErrNotAmount, "Infinity": ErrNotAmount,
		"null": ErrNotAmount, "1 ": ErrNotAmount, "0x10": ErrNotAmount,
	} {
		if _, err := ParseEUR(in); !errors.Is(err, want) {
			t.Errorf("ParseEUR(%q): %v, want %v", in, err, want)
		}
	}
}

func TestEURInJSON(t *testing.T) {
	t.Parallel()
	for cents, want := range map[int64]string{0: "0", 4500000: "45000", 123450: "1234.5", 5: "0.05", 10: "0.1", -1234: "-12.34"} {
		b, err := json.Marshal(Cents(cents))
		if err != nil || string(b) != want {
			t.Errorf("marshal %d cents: %s %v, want %s", cents, b, err, want)
		}
		var back EUR
		if err := json.Unmarshal(b, &back); err != nil || back.Cents() != cents {
			t.Errorf("round trip of %s: %d %v", b, back.Cents(), err)
		}
	}
	if got := Cents(-5).String(); got != "-0.05" {
		t.Errorf("String: %s", got)
	}
	// JSON is read as strictly as a request: no rounding to the cent.
	var a struct {
		Budget EUR `json:"budget_eur"`
	}
	for _, in := range []string{"0.005", "12345.675", "1e-300", "1e15", `"12"`} {
		if err := json.Unmarshal([]byte(`{"budget_eur":`+in+`}`), &a); err == nil {
			t.Errorf("%s decoded as %d cents, want an error", in, a.Budget.Cents())
		}
	}
	var sum EUR
	for range 3 {
		sum = sum.Add(Cents(10))
	}
	if sum.String() != "0.30" {
		t.Errorf("0.10 × 3 = %s", sum)
	}
}

// TestEveryActChecksItsText: an edit or a plan draft sent as a decision may
// carry a comment and a reason, which its event stores; they are text like
// any decision's.
func TestEveryActChecksItsText(t *testing.T) {
	t.Parallel()
	fp := Actor{ID: "fp", Role: FocalPoint, Countries: []string{"PE"}}
	exp := Actor{ID: "exp", Role: Expert, Themes: []string{"cybercrime"}}
	p := &Priority{ID: "p", Stage: Revision, Countries: []string{"PE"}, Theme: "cybercrime", Assignee: "exp", Version: 3}
	title := "Nuevo título"
	edit := Act{DecisionInput: DecisionInput{Decision: Edit, Changes: &Changes{Title: &title}, Comment: "a\x00b", Reason: "\x1b[2J"}}
	var e *Error
	if err := Check(fp, p, 3, edit); !errors.As(err, &e) || e.Kind != KindInvalid || !slices.Equal(fields(e.Problems), []string{"comment", "reason"}) {
		t.Errorf("edit with control characters in its comment and reason: %v", err)
	}
	p.Stage = Planning
	draft := Act{DecisionInput: DecisionInput{Decision: DraftPlan, Comment: "\xff"}, Plan: &Plan{Objective: "o"}}
	if err := Check(exp, p, 3, draft); !errors.As(err, &e) || !slices.Equal(fields(e.Problems), []string{"comment"}) {
		t.Errorf("plan draft with an invalid comment: %v", err)
	}
}

// TestNoExpertIsLookedUpByWhatIsNotAnID: an accept or reassign naming its
// expert in a spelling Puente never writes asks the caller to look up no
// one (the store's parser would take some, PostgreSQL's refuse them), and
// Check refuses the field.
func TestNoExpertIsLookedUpByWhatIsNotAnID(t *testing.T) {
	t.Parallel()
	p := &Priority{ID: "3b0f6c7e-1d2a-4c55-9a1e-000000000001", Stage: Triage, Theme: "cybercrime", Version: 1}
	manager := Actor{ID: "0a000000-0000-4000-8000-000000000001", Role: Manager}
	for _, id := range []string{"urn:uuid:3b0f6c7e-1d2a-4c55-9a1e-000000000002", "{3b0f6c7e-1d2a-4c55-9a1e-000000000002}",
		"3B0F6C7E-1D2A-4C55-9A1E-000000000002", "3b0f6c7e1d2a4c559a1e000000000002"} {
		for _, d := range []Decision{Accept, Reassign} {
			act := Act{DecisionInput: DecisionInput{Decision: d, ExpertID: id}}
			if _, _, ok := ExpertWanted(p, act); ok {
				t.Errorf("%s %q: an expert to look up", d, id)
			}
			var e *Error
			if err := Check(manager, p, 1, act); !errors.As(err, &e) || e.Kind != KindInvalid || !slices.Contains(fields(e.Problems), "expert_id") {
				t.Errorf("%s %q: %v, want expert_id refused", d, id, err)
			}
		}
	}
}
