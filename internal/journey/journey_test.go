package journey

import (
	"encoding/json"
	"testing"

	"github.com/puente-dev/puente/pipeline"
)

// The fixtures are what their names say: a submission and a plan that
// every check accepts, also after the round trip through JSON.
func TestFixturesAreComplete(t *testing.T) {
	s := Submission()
	if ps := s.Validate(); len(ps) > 0 {
		t.Errorf("submission: %v", ps)
	}
	p := Plan()
	if ps := p.Validate(true); len(ps) > 0 {
		t.Errorf("plan: %v", ps)
	}
	b, err := json.Marshal(PlanBody())
	if err != nil {
		t.Fatal(err)
	}
	var back pipeline.Plan
	if err := json.Unmarshal(b, &back); err != nil || back.Actions[0].BudgetEUR != pipeline.Euros(45000) {
		t.Errorf("plan body %s: %v", b, err)
	}
	if _, ok := SubmissionBody()["session_id"]; ok {
		t.Error("the submission body names no session")
	}
}

// Every scenario is a walk the transition table allows, ending where it says.
func TestScenariosFollowTheTable(t *testing.T) {
	for _, sc := range Scenarios {
		at := pipeline.Triage
		for _, s := range sc.Steps {
			next := at
			if !s.Plan {
				tr, ok := pipeline.Lookup(at, s.Decision)
				if !ok {
					t.Fatalf("%s: no %s in %s", sc.Name, s.Decision, at)
				}
				next = tr.Next()
			} else if at != pipeline.Planning {
				t.Errorf("%s: the plan put in %s", sc.Name, at)
			}
			if next != s.After {
				t.Errorf("%s: %s in %s leads to %s, the step says %s", sc.Name, s.Event(), at, next, s.After)
			}
			at = next
		}
		if at != sc.Final {
			t.Errorf("%s ends in %s, want %s", sc.Name, at, sc.Final)
		}
	}
}

func TestCastPlaysEveryRole(t *testing.T) {
	fp, other, exp := User{Token: "fp"}, User{Token: "co"}, User{Token: "ex"}
	c := Cast{FocalPoint: fp, Experts: map[string]User{"theme": exp}}
	if c.As(OtherFocalPoint, "") != fp || c.As(Expert, "theme") != exp {
		t.Error("without a focal point of the other country, the first plays both")
	}
	c.OtherFocalPoint = other
	if c.As(OtherFocalPoint, "") != other || c.As(FocalPoint, "") != fp {
		t.Error("the other country's focal point")
	}
}
