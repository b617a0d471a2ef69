package pipeline

import "slices"

// Decision is a human step that moves (or, for reassign, re-routes) a priority.
type Decision string

// The decisions (docs/architecture.md, The pipeline).
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

// The edits: rows of the table like the decisions, but taken through their
// own routes (PATCH the priority, PUT its plan), never listed as decisions.
const (
	// Edit changes a priority's fields while it is in revision.
	Edit Decision = "edit"
	// DraftPlan replaces the plan draft while the priority is in planning.
	DraftPlan Decision = "draft_plan"
)

// Decisions lists every decision.
var Decisions = []Decision{Accept, Reject, Approve, RequestRevision, Resubmit, SubmitPlan, Endorse, RequestChanges, Return, Withdraw, Reassign}

// Valid reports whether d is one of Decisions.
func (d Decision) Valid() bool { return slices.Contains(Decisions, d) }

// Edit reports whether d is one of the edits, the thread's acts or the
// documents' rather than a decision.
func (d Decision) Edit() bool {
	return d == Edit || d == DraftPlan || d.Thread() || d == AttachDocument || d == RemoveDocument
}

// Aside reports whether d is open to its rule at any time, beside the
// stage's work: a withdrawal, a reassignment, the thread's acts and the
// documents'. Nobody is waited for to take them.
func (d Decision) Aside() bool {
	return d == Withdraw || d == Reassign || d.Thread() || d == AttachDocument || d == RemoveDocument
}

// moves reports whether t is a step a priority waits for: not an edit, a
// withdrawal or a reassignment, which are possible at any time.
func (t Transition) moves() bool {
	return !t.Decision.Edit() && t.Decision != Withdraw && t.Decision != Reassign
}

// Rule names who may take a decision.
type Rule string

// The rules of the "who acts" column (docs/architecture.md, The pipeline).
const (
	// AnyManager is any manager.
	AnyManager Rule = "manager"
	// FourEyesManager is a manager who neither triaged the priority nor drafted its plan.
	FourEyesManager Rule = "manager_four_eyes"
	// AssignedExpert is the expert the priority is assigned to.
	AssignedExpert Rule = "assigned_expert"
	// CountryFocalPoint is a focal point of any of the priority's countries.
	CountryFocalPoint Rule = "country_focal_point"
	// PriorityTeam is whoever works on the priority: any manager, its
	// assigned expert and the focal points of its countries.
	PriorityTeam Rule = "priority_team"
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
// allowed_decisions from it, the UI draws its buttons from it and the stage
// diagram of docs/architecture.md (The pipeline) is checked against it.
var Table = buildTable()

func buildTable() []Transition {
	t := []Transition{
		{From: Triage, Decision: Accept, Rule: AnyManager, To: ExpertReview},
		{From: Triage, Decision: Reject, Rule: AnyManager, To: Rejected, Requires: []Field{FieldReason}},
		{From: ExpertReview, Decision: Approve, Rule: AssignedExpert, To: Planning},
		{From: ExpertReview, Decision: RequestRevision, Rule: AssignedExpert, To: Revision, Requires: []Field{FieldComment}},
		{From: ExpertReview, Decision: Reject, Rule: AssignedExpert, To: Rejected, Requires: []Field{FieldReason}},
		{From: Revision, Decision: Resubmit, Rule: CountryFocalPoint, To: ExpertReview},
		{From: Revision, Decision: Edit, Rule: CountryFocalPoint},
		{From: Planning, Decision: DraftPlan, Rule: AssignedExpert},
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
			Transition{From: s, Decision: PostComment, Rule: Viewer},
			Transition{From: s, Decision: EditComment, Rule: Viewer},
			Transition{From: s, Decision: AttachDocument, Rule: PriorityTeam},
			Transition{From: s, Decision: RemoveDocument, Rule: PriorityTeam},
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

// Admits reports whether the rule lets the actor act on the priority. On
// someone's behalf, it admits a delegate who covers the absentee when it
// admits the absentee — and four-eyes holds through it: a delegate who
// triaged the priority or drafted its plan is refused in anyone's name
// (docs/architecture.md, Absences and delegation).
func (r Rule) Admits(a Actor, p *Priority) bool {
	b := a.OnBehalfOf
	if b == nil {
		return r.admits(a, p)
	}
	absentee := *b
	absentee.OnBehalfOf = nil
	if !a.Covers(absentee) || !r.admits(absentee, p) {
		return false
	}
	return r != FourEyesManager || r.admits(Actor{ID: a.ID, Role: a.Role}, p)
}

// admits is Admits for an actor in their own name.
func (r Rule) admits(a Actor, p *Priority) bool {
	switch r {
	case AnyManager:
		return a.Role == Manager
	case FourEyesManager:
		return a.Role == Manager && a.ID != p.TriagedBy && !slices.Contains(p.PlanAuthors, a.ID)
	case AssignedExpert:
		return a.Role == Expert && p.Assignee != "" && a.ID == p.Assignee
	case CountryFocalPoint:
		return a.coversCountries(p.Countries)
	case Viewer:
		return a.CanSee(p)
	case PriorityTeam:
		return AnyManager.admits(a, p) || AssignedExpert.admits(a, p) || CountryFocalPoint.admits(a, p)
	}
	return false
}

var ruleText = map[Rule]string{
	AnyManager:        "a manager",
	FourEyesManager:   "a manager who neither triaged this priority nor drafted its plan",
	AssignedExpert:    "the expert assigned to this priority",
	CountryFocalPoint: "a focal point of one of this priority's countries",
	Viewer:            "whoever may see this priority",
	PriorityTeam:      "a manager, the expert assigned to this priority or a focal point of one of its countries",
}

// AllowedDecisions lists the decisions the actor may take on p now, in
// their own name or for someone they stand in for, in table order.
func AllowedDecisions(a Actor, p *Priority) []Decision {
	out := []Decision{}
	for _, t := range Table {
		if t.From == p.Stage && !t.Decision.Edit() && Allowed(a, p, t.Decision) {
			out = append(out, t.Decision)
		}
	}
	return out
}

// Allowed reports whether the table lets the actor take d on p now, in
// their own name or for someone they stand in for (see Acting).
func Allowed(a Actor, p *Priority, d Decision) bool {
	return allowed(Acting(a, p, d), p, d)
}

// allowed is Allowed for the actor as they are, standing in for nobody
// else than a.OnBehalfOf.
func allowed(a Actor, p *Priority, d Decision) bool {
	t, ok := Lookup(p.Stage, d)
	return ok && t.Rule.Admits(a, p)
}
