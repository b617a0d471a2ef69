package pipeline

import (
	"cmp"
	"slices"
)

// PlannedAction is one approved support action as the annual action plan
// and a session's outcome show it: the action, its delivery, and where it
// came from.
type PlannedAction struct {
	SupportAction
	Pillar string `json:"pillar"`
	// Origin: the dialogue session the priority was raised at (empty when
	// none), the priority's countries and its submitter's countries.
	SessionID          string   `json:"session_id,omitempty"`
	SessionTitle       string   `json:"session_title,omitempty"`
	SessionDate        string   `json:"session_date,omitempty"`
	PriorityTitle      string   `json:"priority_title"`
	PriorityCountries  []string `json:"priority_countries"`
	SubmitterCountries []string `json:"submitter_countries"`
}

// Start is the action's first day: the confirmed one, else the planned one.
func (a PlannedAction) Start() string {
	return cmp.Or(a.Delivery.ConfirmedStart, a.StartDate)
}

// End is the action's last day: the confirmed one, else the planned one.
func (a PlannedAction) End() string {
	return cmp.Or(a.Delivery.ConfirmedEnd, a.EndDate)
}

// Confirmed reports whether the partner confirmed the action's dates.
func (a PlannedAction) Confirmed() bool { return a.Delivery.ConfirmedStart != "" }

// Actual is the reported actual value of indicator i, if there is one.
func (a PlannedAction) Actual(i int) (float64, bool) {
	if r := a.Delivery.Report; r != nil && i < len(r.Indicators) {
		return r.Indicators[i].Actual, true
	}
	return 0, false
}

// Counted reports whether the action counts in the totals: a cancelled
// action is listed, marked, and counted nowhere.
func (a PlannedAction) Counted() bool { return a.Delivery.Stage != Cancelled }

// Totals are the figures of a set of actions: the approved budget, the
// actual cost reported so far, how many actions, and the participants
// reported, by sex.
type Totals struct {
	Actions           int `json:"actions"`
	BudgetEUR         EUR `json:"budget_eur"`
	ActualCostEUR     EUR `json:"actual_cost_eur"`
	Reported          int `json:"reported"`
	ParticipantsWomen int `json:"participants_women"`
	ParticipantsMen   int `json:"participants_men"`
	ParticipantsOther int `json:"participants_other"`
}

// Participants is every participant reported.
func (t Totals) Participants() int {
	return t.ParticipantsWomen + t.ParticipantsMen + t.ParticipantsOther
}

func (t *Totals) add(a PlannedAction) {
	if !a.Counted() {
		return
	}
	t.Actions++
	t.BudgetEUR = t.BudgetEUR.Add(a.BudgetEUR)
	if r := a.Delivery.Report; r != nil {
		t.Reported++
		t.ActualCostEUR = t.ActualCostEUR.Add(r.ActualCostEUR)
		t.ParticipantsWomen += r.ParticipantsWomen
		t.ParticipantsMen += r.ParticipantsMen
		t.ParticipantsOther += r.ParticipantsOther
	}
}

// AnnualPlan is the programme's annual action plan for a year (and
// optionally one dialogue session): the approved actions starting that
// year, by country and pillar, with totals.
//
// An action in several countries is listed under each of them and counted
// in each of their totals; the grand total and the totals by partner and by
// pillar count it once. Country totals may therefore add up to more than
// the grand total.
type AnnualPlan struct {
	Year      int            `json:"year"`
	SessionID string         `json:"session_id,omitempty"`
	Countries []CountryPlan  `json:"countries"`
	ByPartner []PartnerTotal `json:"by_partner"`
	ByPillar  []PillarTotal  `json:"by_pillar"`
	Total     Totals         `json:"total"`
}

// CountryPlan is one country's part of the annual plan.
type CountryPlan struct {
	Country string        `json:"country"`
	Pillars []PillarPlan  `json:"pillars"`
	Total   Totals        `json:"total"`
	actions []*PillarPlan // by pillar, while building
}

// PillarPlan is a country's actions of one pillar, earliest first.
type PillarPlan struct {
	Pillar  string          `json:"pillar"`
	Actions []PlannedAction `json:"actions"`
	Total   Totals          `json:"total"`
}

// PartnerTotal is the totals of one implementing partner's actions.
type PartnerTotal struct {
	Partner string `json:"partner"`
	Totals
}

// PillarTotal is the totals of one pillar's actions.
type PillarTotal struct {
	Pillar string `json:"pillar"`
	Totals
}

// NewAnnualPlan builds the annual plan of year from its actions, in any
// order: countries by code, pillars and partners in codelist order, actions
// by start date (confirmed, else planned), priority and index.
func NewAnnualPlan(year int, sessionID string, actions []PlannedAction) AnnualPlan {
	p := AnnualPlan{Year: year, SessionID: sessionID, Countries: []CountryPlan{}}
	slices.SortStableFunc(actions, func(a, b PlannedAction) int {
		return cmp.Or(cmp.Compare(a.Start(), b.Start()), cmp.Compare(a.PriorityRef, b.PriorityRef), cmp.Compare(a.Index, b.Index))
	})
	countries := map[string]*CountryPlan{}
	partners := map[string]*Totals{}
	pillars := map[string]*Totals{}
	for _, a := range actions {
		p.Total.add(a)
		totalOf(partners, a.Partner).add(a)
		totalOf(pillars, a.Pillar).add(a)
		for _, c := range actionCountries(a) {
			cp := countries[c]
			if cp == nil {
				cp = &CountryPlan{Country: c}
				countries[c] = cp
			}
			cp.Total.add(a)
			pp := pillarOf(cp, a.Pillar)
			pp.Actions = append(pp.Actions, a)
			pp.Total.add(a)
		}
	}
	for _, c := range sortedKeys(countries) {
		cp := countries[c]
		for _, pl := range Lists.Pillars {
			if i := slices.IndexFunc(cp.actions, func(pp *PillarPlan) bool { return pp.Pillar == pl }); i >= 0 {
				cp.Pillars = append(cp.Pillars, *cp.actions[i])
			}
		}
		cp.actions = nil
		p.Countries = append(p.Countries, *cp)
	}
	p.ByPartner = []PartnerTotal{}
	for _, pa := range partnerOrder(partners) {
		p.ByPartner = append(p.ByPartner, PartnerTotal{Partner: pa, Totals: *partners[pa]})
	}
	p.ByPillar = []PillarTotal{}
	for _, pl := range Lists.Pillars {
		if t := pillars[pl]; t != nil {
			p.ByPillar = append(p.ByPillar, PillarTotal{Pillar: pl, Totals: *t})
		}
	}
	return p
}

// actionCountries are the countries an action is listed under: its own,
// else its priority's.
func actionCountries(a PlannedAction) []string {
	if len(a.Countries) > 0 {
		return slices.Compact(slices.Sorted(slices.Values(a.Countries)))
	}
	return slices.Compact(slices.Sorted(slices.Values(a.PriorityCountries)))
}

func pillarOf(cp *CountryPlan, pillar string) *PillarPlan {
	for _, pp := range cp.actions {
		if pp.Pillar == pillar {
			return pp
		}
	}
	pp := &PillarPlan{Pillar: pillar}
	cp.actions = append(cp.actions, pp)
	return pp
}

func totalOf(m map[string]*Totals, k string) *Totals {
	t := m[k]
	if t == nil {
		t = &Totals{}
		m[k] = t
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// partnerOrder lists the partners of m in codelist order, then any other
// (an action approved without a partner: "") after them.
func partnerOrder(m map[string]*Totals) []string {
	var out []string
	for _, pa := range Partners {
		if m[pa.Code] != nil {
			out = append(out, pa.Code)
		}
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// SessionOutcome is what became of every priority raised at one dialogue
// session: the brief for the next summit.
type SessionOutcome struct {
	Session    Session           `json:"session"`
	Priorities []PriorityOutcome `json:"priorities"`
	// ByStage counts the priorities in each stage, 0 when none.
	ByStage map[Stage]int `json:"by_stage"`
	Total   Totals        `json:"total"`
}

// NewSessionOutcome builds a session's outcome from its priorities (in
// the order given, without actions) and the actions of those approved.
func NewSessionOutcome(s Session, priorities []PriorityOutcome, actions []PlannedAction) SessionOutcome {
	o := SessionOutcome{Session: s, Priorities: priorities, ByStage: map[Stage]int{}}
	for _, st := range Stages {
		o.ByStage[st] = 0
	}
	byID := make(map[string]int, len(priorities))
	for i := range o.Priorities {
		byID[o.Priorities[i].ID] = i
		o.Priorities[i].Actions = []PlannedAction{}
		o.ByStage[o.Priorities[i].Stage]++
	}
	slices.SortStableFunc(actions, func(a, b PlannedAction) int {
		return cmp.Or(cmp.Compare(a.PriorityRef, b.PriorityRef), cmp.Compare(a.Index, b.Index))
	})
	for _, a := range actions {
		i, ok := byID[a.PriorityID]
		if !ok {
			continue
		}
		po := &o.Priorities[i]
		po.Actions = append(po.Actions, a)
		po.Total.add(a)
		o.Total.add(a)
	}
	return o
}

// PriorityOutcome is one priority of a session and, once approved, its
// actions and their delivery.
type PriorityOutcome struct {
	ID          string          `json:"id"`
	Ref         string          `json:"ref"`
	Title       string          `json:"title"`
	Theme       string          `json:"theme"`
	Pillar      string          `json:"pillar"`
	Countries   []string        `json:"countries"`
	Stage       Stage           `json:"stage"`
	Sensitivity string          `json:"sensitivity"`
	Actions     []PlannedAction `json:"actions"`
	Total       Totals          `json:"total"`
}

// Delivered counts the actions delivered or closed.
func (p PriorityOutcome) Delivered() int {
	n := 0
	for _, a := range p.Actions {
		if a.Delivery.Stage == Delivered || a.Delivery.Stage == Closed {
			n++
		}
	}
	return n
}
