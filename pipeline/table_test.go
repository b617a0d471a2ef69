package pipeline

import (
	"errors"
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

func TestAuthorize(t *testing.T) {
	t.Parallel()
	manager, manager2, expert, otherExpert, fpPE, fpMX := people()
	base := Priority{Countries: []string{"PE", "CO"}, Theme: "cybercrime", Assignee: "e1", TriagedBy: "m1", PlanAuthors: []string{"e1"}}
	tests := []struct {
		stage   Stage
		actor   Actor
		d       Decision
		wantErr error
		next    Stage
	}{
		{Triage, manager, Accept, nil, ExpertReview},
		{Triage, manager, Reject, nil, Rejected},
		{Triage, expert, Accept, ErrForbidden, ""},
		{Triage, fpPE, Accept, ErrForbidden, ""},
		{Triage, manager, Approve, ErrNotInStage, ""},
		{ExpertReview, expert, Approve, nil, Planning},
		{ExpertReview, otherExpert, Approve, ErrForbidden, ""},
		{ExpertReview, manager, Approve, ErrForbidden, ""},
		{ExpertReview, expert, RequestRevision, nil, Revision},
		{Revision, fpPE, Resubmit, nil, ExpertReview},
		{Revision, fpMX, Resubmit, ErrForbidden, ""},
		{Revision, expert, Resubmit, ErrForbidden, ""},
		{Planning, expert, SubmitPlan, nil, Validation},
		{Planning, fpPE, SubmitPlan, ErrForbidden, ""},
		{Validation, fpPE, Endorse, nil, Approval},
		{Validation, fpPE, RequestChanges, nil, Planning},
		{Validation, expert, Endorse, ErrForbidden, ""},
		// Four-eyes: m1 triaged it, so only m2 may decide in approval.
		{Approval, manager, Approve, ErrForbidden, ""},
		{Approval, manager2, Approve, nil, Approved},
		{Approval, manager2, Return, nil, Planning},
		{Approval, manager2, Reject, nil, Rejected},
		{Approval, fpPE, Withdraw, nil, Withdrawn},
		{Approval, fpMX, Withdraw, ErrForbidden, ""},
		{Planning, manager, Reassign, nil, Planning},
		{Approved, manager, Reassign, ErrNotInStage, ""},
		{Rejected, fpPE, Withdraw, ErrNotInStage, ""},
	}
	for _, tt := range tests {
		p := base
		p.Stage = tt.stage
		tr, err := Authorize(tt.actor, &p, tt.d)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("%s by %s in %s: err %v, want %v", tt.d, tt.actor.ID, tt.stage, err, tt.wantErr)
			continue
		}
		if err == nil && tr.Next() != tt.next {
			t.Errorf("%s in %s: next %s, want %s", tt.d, tt.stage, tr.Next(), tt.next)
		}
	}
}

func TestFourEyesExcludesPlanAuthor(t *testing.T) {
	t.Parallel()
	p := Priority{Stage: Approval, TriagedBy: "m1", PlanAuthors: []string{"m2"}}
	for _, id := range []string{"m1", "m2"} {
		if _, err := Authorize(Actor{ID: id, Role: Manager}, &p, Approve); !errors.Is(err, ErrForbidden) {
			t.Errorf("manager %s: err %v, want ErrForbidden", id, err)
		}
	}
	if _, err := Authorize(Actor{ID: "m3", Role: Manager}, &p, Approve); err != nil {
		t.Errorf("manager m3: %v", err)
	}
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
		if !tr.Decision.Valid() || !tr.Next().Valid() {
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
