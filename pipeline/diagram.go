package pipeline

import (
	"fmt"
	"strings"
)

// Mermaid draws the stage machine as a Mermaid state diagram.
// docs/architecture.md (The pipeline) embeds its output, and a test fails when
// the two disagree.
func Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s: submit (focal point)\n", Triage)
	for _, t := range Table {
		if t.moves() {
			fmt.Fprintf(&b, "    %s --> %s: %s (%s)\n", t.From, t.Next(), t.Decision, t.Rule)
		}
	}
	fmt.Fprintf(&b, "    note right of %s\n        from every open stage: withdraw (%s) → %s,\n        reassign (%s) keeps the stage\n    end note\n",
		Triage, CountryFocalPoint, Withdrawn, AnyManager)
	for _, s := range []Stage{Approved, Rejected, Withdrawn} {
		fmt.Fprintf(&b, "    %s --> [*]\n", s)
	}
	return b.String()
}

// TaskRules says, for a role, in which stages and under which rule a
// priority waits for someone of that role: the caller's inbox. Withdraw and
// reassign are always possible and so make nothing a task.
func TaskRules(r Role) map[Stage]Rule {
	out := map[Stage]Rule{}
	for _, t := range Table {
		if t.moves() && ruleRole[t.Rule] == r {
			out[t.From] = t.Rule
		}
	}
	return out
}

var ruleRole = map[Rule]Role{
	AnyManager:        Manager,
	FourEyesManager:   Manager,
	AssignedExpert:    Expert,
	CountryFocalPoint: FocalPoint,
}
