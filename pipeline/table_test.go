package pipeline

import (
	"slices"
	"testing"
)

func people() (manager, manager2, expert, otherExpert, fpPE, fpMX Actor) {
	manager = Actor{ID: "m1", Role: Manager}
	manager2 = Actor{ID: "m2", Role: Manager}
	expert = Actor{ID: "e1", Role: Expert, Themes: []string{"cybercrime"}}
	otherExpert = Actor{ID: "e2", Role: Expert, Themes: []string{"cybercrime"}}
	fpPE = Actor{ID: "f1", Role: FocalPoint, Countries: []string{"PE"}}
	fpMX = Actor{ID: "f2", Role: FocalPoint, Countries: []string{"MX"}}
	return
}

func TestAllowedDecisions(t *testing.T) {
	t.Parallel()
	manager, _, expert, _, fpPE, _ := people()
	p := Priority{Stage: ExpertReview, Countries: []string{"PE"}, Assignee: "e1"}
	cases := map[string]struct {
		a    Actor
		want []Decision
	}{
		"expert":      {expert, []Decision{Approve, RequestRevision, Reject}},
		"focal point": {fpPE, []Decision{Withdraw}},
		"manager":     {manager, []Decision{Reassign}},
	}
	for name, c := range cases {
		if got := AllowedDecisions(c.a, &p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestEveryOpenStageLeadsSomewhere(t *testing.T) {
	t.Parallel()
	for _, s := range OpenStages {
		moves := 0
		for _, tr := range Table {
			if tr.From == s && tr.Next() != s {
				moves++
			}
		}
		if moves < 2 { // withdraw plus at least one stage decision
			t.Errorf("stage %s has %d moving transitions", s, moves)
		}
	}
	for _, tr := range Table {
		if !tr.From.Open() {
			t.Errorf("transition out of terminal stage %s", tr.From)
		}
		if !(tr.Decision.Valid() || tr.Decision.Edit()) || !tr.Next().Valid() {
			t.Errorf("bad transition %+v", tr)
		}
	}
}

func TestCanSee(t *testing.T) {
	t.Parallel()
	manager, _, expert, otherExpert, fpPE, fpMX := people()
	public := Priority{Countries: []string{"PE"}, Theme: "cybercrime", Sensitivity: Public}
	restricted := public
	restricted.Sensitivity = Restricted
	restricted.Assignee = "e1"
	cases := []struct {
		name string
		a    Actor
		p    Priority
		want bool
	}{
		{"manager sees restricted", manager, restricted, true},
		{"country focal point sees restricted", fpPE, restricted, true},
		{"other focal point", fpMX, public, false},
		{"theme expert sees public", otherExpert, public, true},
		{"theme expert does not see restricted", otherExpert, restricted, false},
		{"assigned expert sees restricted", expert, restricted, true},
		{"expert of another theme", Actor{ID: "e3", Role: Expert, Themes: []string{"corruption"}}, public, false},
	}
	for _, c := range cases {
		if got := c.a.CanSee(&c.p); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
