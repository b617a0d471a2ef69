package pipeline

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests of this file pin behaviour that mutation testing (make mutate,
// docs/mutation.md) found no test noticing when it changed.

func TestLookupsFindTheFirstEntryAndOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	first := Lists.Themes[0]
	if th, ok := Lists.ThemeByCode(first.Code); !ok || th.Code != first.Code {
		t.Errorf("ThemeByCode(%q) = %+v, %v; want that theme", first.Code, th, ok)
	}
	last := Lists.Themes[len(Lists.Themes)-1]
	if th, ok := Lists.ThemeByCode(last.Code); !ok || th.Code != last.Code {
		t.Errorf("ThemeByCode(%q) = %+v, %v; want that theme", last.Code, th, ok)
	}
	if _, ok := Lists.ThemeByCode("no-such-theme"); ok {
		t.Error("ThemeByCode found a theme that does not exist")
	}
	c := Lists.Countries[0]
	if got, ok := Lists.CountryByCode(c.Code); !ok || got != c {
		t.Errorf("CountryByCode(%q) = %+v, %v; want %+v", c.Code, got, ok, c)
	}
	if _, ok := Lists.CountryByCode("ZZ"); ok {
		t.Error("CountryByCode found a country that does not exist")
	}
}

func TestEurosAreHundredsOfCents(t *testing.T) {
	t.Parallel()
	if got := Euros(45).Cents(); got != 4500 {
		t.Errorf("Euros(45) = %d cents, want 4500", got)
	}
}

// An accept with a theme that is not one still judges the expert it names:
// the caller hears about both fields at once.
func TestAcceptWithABadThemeStillJudgesTheExpert(t *testing.T) {
	t.Parallel()
	p := testPriority(Triage)
	act := validAct(Accept)
	act.Theme, act.ExpertID, act.Expert = "no-such-theme", "00000000-0000-4000-8000-0000000000ff", nil
	var e *Error
	if err := Check(mTriager, &p, 0, act); !errors.As(err, &e) || !e.Problems.Has("theme") || !e.Problems.Has("expert_id") {
		t.Fatalf("Check = %v; want problems with theme and expert_id", err)
	}
	// Without an expert named, a bad theme is the only problem: no
	// expert is looked for in a theme that does not exist.
	act.ExpertID = ""
	p.Assignee = ""
	if err := Check(mTriager, &p, 0, act); !errors.As(err, &e) || !e.Problems.Has("theme") || e.Problems.Has("expert_id") {
		t.Fatalf("Check = %v; want a problem with theme only", err)
	}
}

// A stage without an SLA has no due date; an act with nothing to record
// records no data.
func TestNoSLANoDueDateAndNoDataNoneRecorded(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	out := Apply(eAssigned, testPriority(ExpertReview), validAct(Approve), at, SLAs{})
	if out.Priority.Stage != Planning || out.Priority.DueAt != nil {
		t.Errorf("approved into %s due %v; want planning, no due date", out.Priority.Stage, out.Priority.DueAt)
	}
	if out.Event.Data != nil {
		t.Errorf("event data %v; want none", out.Event.Data)
	}
}

// Apply leaves the priority it is given as it was, due date and plan
// included, and takes one without either.
func TestApplyCopiesDueDateAndPlan(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	p := testPriority(Planning)
	due, objective := *p.DueAt, p.Plan.Objective
	out := Apply(eAssigned, p, validAct(SubmitPlan), at, DefaultSLAs())
	*out.Priority.DueAt = at
	out.Priority.Plan.Objective = "changed"
	if !p.DueAt.Equal(due) || p.Plan.Objective != objective {
		t.Errorf("Apply changed its input: due %v, objective %q", p.DueAt, p.Plan.Objective)
	}
	bare := testPriority(Triage)
	bare.DueAt, bare.Plan = nil, nil
	if out := Apply(mTriager, bare, validAct(Accept), at, DefaultSLAs()); out.Priority.Stage != ExpertReview {
		t.Errorf("accepted into %s, want expert review", out.Priority.Stage)
	}
}

// An amount has at most 15 digits of cents: 15 are read, 16 are too many.
func TestAmountsOfFifteenDigitsOfCents(t *testing.T) {
	t.Parallel()
	if e, err := ParseEUR("9999999999999.99"); err != nil || e.Cents() != 999999999999999 {
		t.Errorf("ParseEUR(15 digits of cents) = %d, %v", e.Cents(), err)
	}
	if _, err := ParseEUR("99999999999999.99"); !errors.Is(err, ErrAmountTooHigh) {
		t.Errorf("ParseEUR(16 digits of cents) = %v, want ErrAmountTooHigh", err)
	}
}

func TestOpenAndValidStages(t *testing.T) {
	t.Parallel()
	for _, s := range Stages {
		if !s.Valid() {
			t.Errorf("%s is not valid", s)
		}
		if want := s != Approved && s != Rejected && s != Withdrawn; s.Open() != want {
			t.Errorf("%s.Open() = %v, want %v", s, s.Open(), want)
		}
	}
	if Stage("archived").Valid() || Stage("archived").Open() {
		t.Error("a stage that does not exist is valid or open")
	}
}

// The default SLAs are the README's: PUENTE_SLAS' default.
func TestDefaultSLAsAreTheREADMEs(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	want := SLAs{Triage: 5 * day, ExpertReview: 10 * day, Revision: 15 * day, Planning: 20 * day, Validation: 10 * day, Approval: 5 * day}
	got := DefaultSLAs()
	if len(got) != len(want) {
		t.Fatalf("DefaultSLAs() = %v, want %v", got, want)
	}
	for s, d := range want {
		if got[s] != d {
			t.Errorf("default SLA of %s = %s, want %s", s, got[s], d)
		}
	}
}

func TestEveryCELACCountryAtOnceIsAList(t *testing.T) {
	t.Parallel()
	var all []string
	for _, c := range Lists.Countries {
		all = append(all, c.Code)
	}
	var ps Problems
	if ps.Countries("countries", all, 1); len(ps) != 0 {
		t.Errorf("every country once: %v", ps)
	}
}

func TestQuoteShortKeepsFortyCharacters(t *testing.T) {
	t.Parallel()
	forty := strings.Repeat("ñ", 40)
	if got := QuoteShort(forty); got != strconv.Quote(forty) {
		t.Errorf("QuoteShort(40 characters) = %s, want them all", got)
	}
	if got := QuoteShort(forty + "x"); got != strconv.Quote(forty+"…") {
		t.Errorf("QuoteShort(41 characters) = %s, want 40 and an ellipsis", got)
	}
}

func TestChangesOfOneFieldAreNotEmpty(t *testing.T) {
	t.Parallel()
	v := "x"
	for name, c := range map[string]*Changes{
		"title": {Title: &v}, "description": {Description: &v}, "pillar": {Pillar: &v},
		"institution": {Institution: &v}, "urgency": {Urgency: &v}, "sensitivity": {Sensitivity: &v},
	} {
		if c.Empty() {
			t.Errorf("a change of %s alone is empty", name)
		}
	}
	if !(&Changes{}).Empty() || !(*Changes)(nil).Empty() {
		t.Error("no changes are not empty")
	}
}

// A plan's limits are inclusive: gender marker 2, MaxActions actions.
func TestPlanLimitsAreInclusive(t *testing.T) {
	t.Parallel()
	p := completePlan()
	p.GenderMarker = 2
	if ps := p.Validate(true); len(ps) != 0 {
		t.Errorf("gender marker 2: %v", ps)
	}
	p.GenderMarker = 3
	if ps := p.Validate(true); !ps.Has("gender_marker") {
		t.Errorf("gender marker 3: %v, want a problem with gender_marker", ps)
	}
	p = completePlan()
	for len(p.Actions) < MaxActions {
		p.Actions = append(p.Actions, p.Actions[0])
	}
	if ps := p.Validate(true); len(ps) != 0 {
		t.Errorf("%d actions: %v", MaxActions, ps)
	}
	p.Actions = append(p.Actions, p.Actions[0])
	if ps := p.Validate(true); !ps.Has("actions") {
		t.Errorf("%d actions: %v, want a problem with actions", MaxActions+1, ps)
	}
	p = completePlan()
	a := &p.Actions[0]
	for len(a.Indicators) < MaxItems {
		a.Indicators = append(a.Indicators, a.Indicators[0])
		a.Beneficiaries = append(a.Beneficiaries, a.Beneficiaries[0])
	}
	a.EUAgencies = EUAgencyCodes()
	if ps := p.Validate(true); len(ps) != 0 {
		t.Errorf("%d indicators, beneficiaries and partners: %v", MaxItems, ps)
	}
	a.Indicators = append(a.Indicators, a.Indicators[0])
	a.Beneficiaries = append(a.Beneficiaries, a.Beneficiaries[0])
	if ps := p.Validate(true); !ps.Has("actions[0].indicators") || !ps.Has("actions[0].beneficiaries") {
		t.Errorf("%d indicators and beneficiaries: %v, want problems with both", MaxItems+1, ps)
	}
}
