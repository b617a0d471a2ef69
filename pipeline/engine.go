package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind classifies why an act was refused or could not be completed. The
// engine returns the first five; callers add the last two for their own I/O.
// Each protocol maps kinds in one table: the API to HTTP statuses, the
// workflow to Temporal application-error types.
type Kind int

// The kinds, in the order they are checked
// (docs/architecture.md, How a decision is checked).
const (
	// KindNotFound: the priority does not exist for this actor (404).
	KindNotFound Kind = iota + 1
	// KindStale: the actor acted on another version than the current one (412).
	KindStale
	// KindConflict: the act does not exist in the priority's stage (409).
	KindConflict
	// KindForbidden: the act exists, but not for this actor (403).
	KindForbidden
	// KindInvalid: the act's fields are wrong; Problems says which (422).
	KindInvalid
	// KindUnavailable: a dependency is down; nothing was done (503).
	KindUnavailable
	// KindTimeout: the outcome is unknown; the change may still apply (504).
	KindTimeout
)

var kindNames = map[Kind]string{
	KindNotFound: "not found", KindStale: "stale", KindConflict: "conflict", KindForbidden: "forbidden",
	KindInvalid: "invalid", KindUnavailable: "unavailable", KindTimeout: "timeout",
}

func (k Kind) String() string { return kindNames[k] }

// Error is a refusal with its kind: the only error the engine returns.
type Error struct {
	Kind     Kind
	Message  string
	Problems Problems
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an Error of kind k.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a KindInvalid error listing the fields at fault.
func Invalid(msg string, ps Problems) *Error {
	return &Error{Kind: KindInvalid, Message: msg, Problems: ps}
}

// KindOfError is the kind of err, or 0 when err is not an *Error.
func KindOfError(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Act is one thing an actor asks of a priority: a decision of the table,
// an edit of its fields (Edit, with Changes) or a new plan draft (DraftPlan,
// with Plan).
type Act struct {
	DecisionInput
	Plan *Plan `json:"plan,omitempty"`
	// Expert is the user an accept or reassign assigns, as the caller found
	// it (see ExpertWanted); nil when none was found or none is needed.
	Expert *Actor `json:"expert,omitempty"`
	// Remark is the comment a thread act posts or edits.
	Remark *CommentInput `json:"remark,omitempty"`
	// Mentioned are the people the remark's @mentions name, as the caller
	// found them (see Handles); Apply tells only those who may see the priority.
	Mentioned []Actor `json:"mentioned,omitempty"`
	// Document is the file an attach lists (AttachDocument).
	Document *Document `json:"document,omitempty"`
	// DocumentID names the file a removal takes off (RemoveDocument).
	DocumentID string `json:"document_id,omitempty"`
}

// Outcome is what an applied act does: the priority's next state and the
// event that records it. (Recording an approved priority approves its
// plan's actions: the store does it.)
type Outcome struct {
	Priority Priority
	Event    Event
}

// Authorize runs the checks that come before the body, in order
// (docs/architecture.md, How a decision is checked): the actor may
// see the priority (404), version is the current one or 0 for any (412), d
// exists in the priority's stage (409), the table's rule admits the actor (403).
func Authorize(a Actor, p *Priority, version int, d Decision) (Transition, error) {
	if p == nil || !a.CanSee(p) {
		return Transition{}, Errorf(KindNotFound, "no such priority")
	}
	if version != 0 && version != p.Version {
		return Transition{}, Errorf(KindStale, "the priority is at version %d, not %d: reload it and try again", p.Version, version)
	}
	if !d.Valid() && !d.Edit() {
		return Transition{}, Invalid("the decision is not valid", Problems{Problem("decision", NotOneOf, "allowed", join(Decisions, "", ", "))})
	}
	t, ok := Lookup(p.Stage, d)
	if !ok {
		return Transition{}, Errorf(KindConflict, "%s is not possible in stage %s", actText(d), p.Stage)
	}
	if !t.Rule.Admits(a, p) {
		return Transition{}, Errorf(KindForbidden, "%s in stage %s is for %s", actText(d), p.Stage, ruleText[t.Rule])
	}
	return t, nil
}

// Check judges act for actor a on p at version (0: any): nil, or the first
// failing check's *Error, in order
// (docs/architecture.md, How a decision is checked). The API calls it as a
// dry run, the workflow's update validator calls it again on its own state.
func Check(a Actor, p *Priority, version int, act Act) error {
	t, err := Authorize(a, p, version, act.Decision)
	if err != nil {
		return err
	}
	if act.Decision.Thread() {
		return checkThread(a, p, act)
	}
	if act.Decision == RemoveDocument && !p.HasDocument(act.DocumentID) {
		return Errorf(KindNotFound, "no such document")
	}
	if ps := actProblems(p, t, act); len(ps) > 0 {
		return Invalid(invalidText(act.Decision), ps)
	}
	return nil
}

// editTexts name the edits in refusals: the act, and its invalid body.
var editTexts = map[Decision][2]string{
	Edit:        {"editing the priority's fields", "the changes are not valid"},
	DraftPlan:   {"drafting the plan", "the plan is not valid"},
	PostComment: {"commenting", "the comment is not valid"},
	EditComment: {"editing a comment", "the comment is not valid"},
}

func actText(d Decision) string {
	if d == AttachDocument || d == RemoveDocument {
		return documentText(d)
	}
	if t, ok := editTexts[d]; ok {
		return t[0]
	}
	return string(d)
}

func invalidText(d Decision) string {
	if d == AttachDocument || d == RemoveDocument {
		return "the document is not valid"
	}
	if t, ok := editTexts[d]; ok {
		return t[1]
	}
	return "the decision is not valid"
}

// join lists xs in a message, each with suffix, separated by sep.
func join[S ~string](xs []S, suffix, sep string) string {
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = string(x) + suffix
	}
	return strings.Join(names, sep)
}

// actProblems lists what is wrong with the act's fields for transition t.
func actProblems(p *Priority, t Transition, act Act) Problems {
	switch act.Decision {
	case Edit:
		if act.Changes.Empty() {
			return Problems{Problem("(body)", NoChanges)}
		}
		return append(act.Changes.Validate(""), act.TextProblems()...)
	case DraftPlan:
		if act.Plan == nil {
			return Problems{Problem("(body)", Required)}
		}
		return append(act.Plan.Validate(false), act.TextProblems()...)
	case AttachDocument, RemoveDocument:
		return append(documentProblems(p, act), act.TextProblems()...)
	}
	ps := act.DecisionInput.Validate(t)
	if act.Decision == SubmitPlan {
		if p.Plan == nil {
			ps.Add("plan", NoPlan)
		} else {
			for _, pr := range p.Plan.Validate(true) {
				pr.Field = "plan." + pr.Field
				ps = append(ps, pr)
			}
		}
	}
	if id, theme, ok := ExpertWanted(p, act); ok && !ps.Has("expert_id") && (id != "" || !ps.Has("theme")) {
		if ps.Has("theme") {
			theme = "" // not a theme: who the expert is can still be judged
		}
		judgeExpert(&ps, act.Expert, id, theme)
	}
	return ps
}

// ExpertWanted says which expert act needs the caller to look up before
// Check: the user id names, or, when id is empty, the least-loaded expert of
// theme. An accept keeps the expert a reassign already named in triage,
// unless it names another; a reassign names one. ok is false when act needs
// no expert, or names one by what is not an identifier (IsID): there is no
// one to look up, and Check refuses the field.
func ExpertWanted(p *Priority, act Act) (id, theme string, ok bool) {
	if act.ExpertID != "" && !IsID(act.ExpertID) {
		return "", "", false
	}
	switch act.Decision {
	case Reassign:
		if act.ExpertID == "" {
			return "", "", false
		}
		return act.ExpertID, p.Theme, true
	case Accept:
		theme = p.Theme
		if act.Theme != "" {
			theme = act.Theme
		}
		switch {
		case act.ExpertID != "":
			return act.ExpertID, theme, true
		case p.Assignee != "":
			return p.Assignee, theme, true
		}
		return "", theme, true
	}
	return "", "", false
}

// judgeExpert checks the expert the caller found for id (or theme).
func judgeExpert(ps *Problems, e *Actor, id, theme string) {
	switch {
	case e == nil && id == "":
		ps.Add("expert_id", NoExpert, "theme", theme)
	case e == nil || e.ID != id && id != "":
		ps.Add("expert_id", UnknownUser)
	case e.Role != Expert:
		ps.Add("expert_id", NotAnExpert)
	case theme != "" && !slices.Contains(e.Themes, theme):
		ps.Add("expert_id", NotThemeExpert, "theme", theme)
	}
}

// Apply performs an act that Check admitted, at the instant at, and returns
// its outcome; p itself is left unchanged. slas date the stage it enters.
func Apply(a Actor, p Priority, act Act, at time.Time, slas SLAs) Outcome {
	p = clone(p)
	t, _ := Lookup(p.Stage, act.Decision)
	from, data := p.Stage, map[string]any{}
	switch act.Decision {
	case Accept:
		if act.Theme != "" && act.Theme != p.Theme {
			data["theme"] = map[string]string{"from": p.Theme, "to": act.Theme}
			p.Theme = act.Theme
		}
		if act.Expert != nil {
			p.Assignee = act.Expert.ID
		}
		data["expert_id"] = p.Assignee
		p.TriagedBy = a.ID
	case Reassign:
		data["from"], data["to"], data["expert_name"] = p.Assignee, act.Expert.ID, act.Expert.Name
		p.Assignee = act.Expert.ID
	case Resubmit, Edit:
		if !act.Changes.Empty() {
			data["changes"] = act.Changes
			act.Changes.Apply(&p)
		}
	case DraftPlan:
		plan := clonePlan(*act.Plan)
		p.Plan = &plan
		if !slices.Contains(p.PlanAuthors, a.ID) {
			p.PlanAuthors = append(p.PlanAuthors, a.ID)
		}
		var budget EUR
		for _, x := range plan.Actions {
			budget = budget.Add(x.BudgetEUR)
		}
		data["actions"], data["budget_eur"] = len(plan.Actions), budget
	case PostComment, EditComment:
		data = applyThread(a, &p, act)
	case AttachDocument, RemoveDocument:
		documentEvent(&p, act, data)
	}
	if next := t.Next(); next != from {
		enter(&p, next, at, slas)
	}
	if !act.Decision.Thread() {
		touch(&p, at) // a comment is no change of the priority: its version stays
	}
	ev := next(&p, a.Ref(), EventOf(act.Decision), at)
	ev.FromStage, ev.ToStage = from, p.Stage
	ev.Comment = act.Comment
	if act.Remark != nil {
		ev.Comment = strings.TrimSpace(act.Remark.Text)
	}
	if act.Reason != "" {
		ev.Comment = act.Reason
	}
	if len(data) > 0 {
		ev.Data = data
	}
	return Outcome{Priority: p, Event: ev}
}

// CheckSubmit judges a submission by actor a, in this order
// (docs/architecture.md, How a decision is checked): only a focal point
// submits (403), the body (422), for its own countries (403).
func CheckSubmit(a Actor, s Submission) error {
	if err := a.Demand(SubmitPriorities); err != nil {
		return err
	}
	if ps := s.Validate(); len(ps) > 0 {
		return Invalid("the submission is not valid", ps)
	}
	if !a.inCountries(s.Countries) {
		return Errorf(KindForbidden, "a focal point submits priorities for its own countries: %s", strings.Join(a.Countries, ", "))
	}
	return nil
}

// Submitted is a submission CheckSubmit admitted, with what the caller assigned:
// the priority's id and human reference, the fingerprint of the request and
// the instant it was submitted.
type Submitted struct {
	Actor       Actor      `json:"actor"`
	Submission  Submission `json:"submission"`
	ID          string     `json:"id"`
	Ref         string     `json:"ref"`
	RequestHash string     `json:"request_hash"`
	At          time.Time  `json:"at"`
}

// Submit is the priority a submission creates, in triage, and its first event.
func Submit(s Submitted, slas SLAs) Outcome {
	in := s.Submission
	in.Normalize()
	p := Priority{
		ID: s.ID, Ref: s.Ref, SessionID: in.SessionID, Title: in.Title, Description: in.Description,
		Theme: in.Theme, Pillar: in.Pillar, Countries: slices.Clone(in.Countries), Institution: in.Institution,
		Urgency: in.Urgency, Sensitivity: in.Sensitivity, SubmittedBy: s.Actor.ID,
		CreatedAt: s.At, RequestHash: s.RequestHash,
	}
	enter(&p, Triage, s.At, slas)
	p.Version, p.UpdatedAt = 1, s.At
	ev := next(&p, s.Actor.Ref(), EventSubmitted, s.At)
	ev.ToStage = Triage
	return Outcome{Priority: p, Event: ev}
}

// System is the actor of the events nobody decided: reminders and escalations.
var System = Ref{ID: "system", Name: "Puente", Role: "system"}

// Due is the next SLA event of p's stage and when it falls due: a reminder at
// ReminderFraction of the stage's SLA unless reminded, then an escalation at
// 100 %. Kind is empty once p is overdue or when its stage has no SLA.
func Due(p *Priority, slas SLAs, reminded bool) (time.Time, EventKind) {
	sla := slas[p.Stage]
	switch {
	case sla <= 0 || p.Overdue || !p.Stage.Open():
		return time.Time{}, ""
	case !reminded:
		return p.StageEnteredAt.Add(time.Duration(float64(sla) * ReminderFraction)), EventReminder
	default:
		return p.StageEnteredAt.Add(sla), EventEscalated
	}
}

// Lapse records an SLA event that fell due at the instant at: a reminder
// changes nothing but the audit trail; an escalation marks p overdue.
func Lapse(p Priority, kind EventKind, at time.Time) Outcome {
	p = clone(p)
	if kind == EventEscalated {
		p.Overdue = true
		touch(&p, at)
	}
	ev := next(&p, System, kind, at)
	ev.Data = map[string]any{"stage": p.Stage, "due_at": p.DueAt}
	return Outcome{Priority: p, Event: ev}
}

// enter moves p into stage s at the instant at and restarts its SLA clock.
func enter(p *Priority, s Stage, at time.Time, slas SLAs) {
	p.Stage, p.StageEnteredAt, p.Overdue, p.DueAt = s, at, false, nil
	if sla := slas[s]; s.Open() && sla > 0 {
		due := at.Add(sla)
		p.DueAt = &due
	}
}

// touch marks a change of p: a new version.
func touch(p *Priority, at time.Time) {
	p.Version++
	p.UpdatedAt = at
}

// next starts p's next audit-trail entry.
func next(p *Priority, actor Ref, kind EventKind, at time.Time) Event {
	p.EventSeq++
	return Event{PriorityID: p.ID, Seq: p.EventSeq, At: at, Actor: actor, Kind: kind}
}

func clone(p Priority) Priority {
	p.Countries = slices.Clone(p.Countries)
	p.PlanAuthors = slices.Clone(p.PlanAuthors)
	p.Thread = slices.Clone(p.Thread)
	for i, e := range p.Thread {
		p.Thread[i].Mentioned = slices.Clone(e.Mentioned)
	}
	p.Documents = slices.Clone(p.Documents)
	if p.DueAt != nil {
		d := *p.DueAt
		p.DueAt = &d
	}
	if p.Plan != nil {
		plan := clonePlan(*p.Plan)
		p.Plan = &plan
	}
	p.Deliveries = cloneDeliveries(p.Deliveries)
	return p
}

func clonePlan(pl Plan) Plan {
	pl.Actions = slices.Clone(pl.Actions)
	for i, a := range pl.Actions {
		a.Beneficiaries = slices.Clone(a.Beneficiaries)
		a.Countries = slices.Clone(a.Countries)
		a.EUAgencies = slices.Clone(a.EUAgencies)
		a.Indicators = slices.Clone(a.Indicators)
		pl.Actions[i] = a
	}
	return pl
}
