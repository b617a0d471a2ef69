package pipeline

import (
	"errors"
	"fmt"
	"slices"
)

// Decision is a human step that moves (or, for reassign, re-routes) a priority.
type Decision string

// The decisions of DESIGN §2.
const (
	Accept          Decision = "accept"
	Reject          Decision = "reject"
	Approve         Decision = "approve"
	RequestRevision Decision = "request_revision"
	Resubmit        Decision = "resubmit"
	SubmitPlan      Decision = "submit_plan"
	Endorse         Decision = "endorse"
	RequestChanges  Decision = "request_changes"
	Return          Decision = "return"
	Withdraw        Decision = "withdraw"
	Reassign        Decision = "reassign"
)

// Decisions lists every decision.
var Decisions = []Decision{Accept, Reject, Approve, RequestRevision, Resubmit, SubmitPlan, Endorse, RequestChanges, Return, Withdraw, Reassign}

// Valid reports whether d is one of Decisions.
func (d Decision) Valid() bool { return slices.Contains(Decisions, d) }

// Rule names who may take a decision.
type Rule string

// The rules of DESIGN §2's "who acts" column.
const (
	// AnyManager is any manager.
	AnyManager Rule = "manager"
	// FourEyesManager is a manager who neither triaged the priority nor drafted its plan.
	FourEyesManager Rule = "manager_four_eyes"
	// AssignedExpert is the expert the priority is assigned to.
	AssignedExpert Rule = "assigned_expert"
	// CountryFocalPoint is a focal point of any of the priority's countries.
	CountryFocalPoint Rule = "country_focal_point"
)

// Field names a part of a decision's body.
type Field string

// The decision body fields a transition can require.
const (
	FieldComment  Field = "comment"
	FieldReason   Field = "reason"
	FieldExpertID Field = "expert_id"
)

// Transition is one row of the stage machine: in stage From, whoever Rule
// admits may take Decision, which moves the priority To (empty: it stays).
type Transition struct {
	From     Stage
	Decision Decision
	Rule     Rule
	To       Stage
	Requires []Field
}

// Table is the stage machine. The workflow applies it, the API derives
// allowed_decisions from it, the UI draws its buttons from it and the README's
// diagram is checked against it.
var Table = buildTable()

func buildTable() []Transition {
	t := []Transition{
		{From: Triage, Decision: Accept, Rule: AnyManager, To: ExpertReview},
		{From: Triage, Decision: Reject, Rule: AnyManager, To: Rejected, Requires: []Field{FieldReason}},
		{From: ExpertReview, Decision: Approve, Rule: AssignedExpert, To: Planning},
		{From: ExpertReview, Decision: RequestRevision, Rule: AssignedExpert, To: Revision, Requires: []Field{FieldComment}},
		{From: ExpertReview, Decision: Reject, Rule: AssignedExpert, To: Rejected, Requires: []Field{FieldReason}},
		{From: Revision, Decision: Resubmit, Rule: CountryFocalPoint, To: ExpertReview},
		{From: Planning, Decision: SubmitPlan, Rule: AssignedExpert, To: Validation},
		{From: Validation, Decision: Endorse, Rule: CountryFocalPoint, To: Approval},
		{From: Validation, Decision: RequestChanges, Rule: CountryFocalPoint, To: Planning, Requires: []Field{FieldComment}},
		{From: Approval, Decision: Approve, Rule: FourEyesManager, To: Approved},
		{From: Approval, Decision: Return, Rule: FourEyesManager, To: Planning, Requires: []Field{FieldComment}},
		{From: Approval, Decision: Reject, Rule: FourEyesManager, To: Rejected, Requires: []Field{FieldReason}},
	}
	for _, s := range OpenStages {
		t = append(t,
			Transition{From: s, Decision: Withdraw, Rule: CountryFocalPoint, To: Withdrawn, Requires: []Field{FieldReason}},
			Transition{From: s, Decision: Reassign, Rule: AnyManager, Requires: []Field{FieldExpertID}},
		)
	}
	return t
}

// Lookup finds the transition for decision d in stage s.
func Lookup(s Stage, d Decision) (Transition, bool) {
	for _, t := range Table {
		if t.From == s && t.Decision == d {
			return t, true
		}
	}
	return Transition{}, false
}

// Next is the stage the priority is in after the transition.
func (t Transition) Next() Stage {
	if t.To == "" {
		return t.From
	}
	return t.To
}

// Admits reports whether the rule lets the actor act on the priority.
func (r Rule) Admits(a Actor, p *Priority) bool {
	switch r {
	case AnyManager:
		return a.Role == Manager
	case FourEyesManager:
		return a.Role == Manager && a.ID != p.TriagedBy && !slices.Contains(p.PlanAuthors, a.ID)
	case AssignedExpert:
		return a.Role == Expert && p.Assignee != "" && a.ID == p.Assignee
	case CountryFocalPoint:
		return a.coversCountries(p.Countries)
	}
	return false
}

// Errors a check returns; the API maps each to its HTTP status in one place.
var (
	// ErrNotInStage: the decision does not exist in the priority's stage (409).
	ErrNotInStage = errors.New("decision not valid in the current stage")
	// ErrForbidden: the decision exists but not for this actor (403).
	ErrForbidden = errors.New("not allowed for this user")
	// ErrStaleVersion: the caller acted on another version than the current one (412).
	ErrStaleVersion = errors.New("version mismatch")
)

// Authorize checks, in DESIGN §4's order after visibility, that the actor may take
// decision d on p now: first that d exists in p's stage, then that the actor is
// the one the table names. Body fields are checked by Decide.Validate.
func Authorize(a Actor, p *Priority, d Decision) (Transition, error) {
	t, ok := Lookup(p.Stage, d)
	if !ok {
		return Transition{}, fmt.Errorf("%w: %q in stage %q", ErrNotInStage, d, p.Stage)
	}
	if !t.Rule.Admits(a, p) {
		return Transition{}, fmt.Errorf("%w: %q in stage %q is for %s", ErrForbidden, d, p.Stage, ruleText[t.Rule])
	}
	return t, nil
}

var ruleText = map[Rule]string{
	AnyManager:        "a manager",
	FourEyesManager:   "a manager who neither triaged this priority nor drafted its plan",
	AssignedExpert:    "the expert assigned to this priority",
	CountryFocalPoint: "a focal point of one of this priority's countries",
}

// AllowedDecisions lists the decisions the actor may take on p now, in table order.
func AllowedDecisions(a Actor, p *Priority) []Decision {
	out := []Decision{}
	for _, t := range Table {
		if t.From == p.Stage && t.Rule.Admits(a, p) {
			out = append(out, t.Decision)
		}
	}
	return out
}

// CanEditPlan reports whether the actor may replace p's plan draft now.
func CanEditPlan(a Actor, p *Priority) bool {
	return p.Stage == Planning && AssignedExpert.Admits(a, p)
}

// CanEdit reports whether the actor may edit p's fields now (PATCH in revision).
func CanEdit(a Actor, p *Priority) bool {
	return p.Stage == Revision && CountryFocalPoint.Admits(a, p)
}
