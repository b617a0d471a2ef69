package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CheckBeforePartners is Check as it judged before plans named each
// action's implementing partner: a submit_plan whose only problems are
// partners not chosen passes. The workflow replays histories of that time
// with it (docs/architecture.md, Changing the workflow).
func CheckBeforePartners(a Actor, p *Priority, version int, act Act) error {
	err := Check(a, p, version, act)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalid || act.Decision != SubmitPlan {
		return err
	}
	rest := slices.DeleteFunc(slices.Clone(e.Problems), func(pr FieldError) bool {
		return pr.Code == Required && strings.HasSuffix(pr.Field, ".partner")
	})
	if len(rest) == 0 {
		return nil
	}
	return Invalid(e.Message, rest)
}

// DeliveryAct is a step of an approved action's delivery.
type DeliveryAct string

// The delivery acts (docs/architecture.md, Delivery).
const (
	// Confirm: the partner confirms the dates and the place.
	Confirm DeliveryAct = "confirm"
	// ReportDelivery: the partner files the delivery report.
	ReportDelivery DeliveryAct = "report"
	// ValidateReport: the assigned expert accepts the report.
	ValidateReport DeliveryAct = "validate"
	// SendBack: the assigned expert returns the report with a comment.
	SendBack DeliveryAct = "send_back"
	// CloseAction: a manager closes a delivered action whose report is validated.
	CloseAction DeliveryAct = "close"
	// Postpone: new dates and a reason, from any open stage.
	Postpone DeliveryAct = "postpone"
	// CancelAction: a manager cancels the action, with a reason.
	CancelAction DeliveryAct = "cancel"
	// ChangePartner: a manager gives the action to another partner, with a reason.
	ChangePartner DeliveryAct = "change_partner"
)

// DeliveryActs lists every delivery act.
var DeliveryActs = []DeliveryAct{Confirm, ReportDelivery, ValidateReport, SendBack, CloseAction, Postpone, CancelAction, ChangePartner}

// Valid reports whether d is one of DeliveryActs.
func (d DeliveryAct) Valid() bool { return slices.Contains(DeliveryActs, d) }

// The rules of delivery beside the pipeline's AnyManager and AssignedExpert.
const (
	// PartnerImplementer is an implementer of the action's partner.
	PartnerImplementer Rule = "partner_implementer"
	// PartnerImplementerOrManager is that implementer or any manager.
	PartnerImplementerOrManager Rule = "partner_implementer_or_manager"
)

// The delivery body fields a delivery transition can require.
const (
	FieldStartDate Field = "start_date"
	FieldEndDate   Field = "end_date"
	FieldPlace     Field = "place"
	FieldReport    Field = "report"
	FieldPartner   Field = "partner"
)

// Condition is what a delivery transition needs of the report beside the
// stage; an act whose condition fails is not possible now (409).
type Condition string

// The conditions.
const (
	// ReportPending: the report is not validated yet.
	ReportPending Condition = "report_pending"
	// ReportAccepted: the report is validated.
	ReportAccepted Condition = "report_validated"
)

// DeliveryTransition is one row of the delivery stage machine: in stage
// From, when If holds, whoever Rule admits may take Act, which moves the
// action To (empty: it stays).
type DeliveryTransition struct {
	From     DeliveryStage
	Act      DeliveryAct
	Rule     Rule
	If       Condition
	To       DeliveryStage
	Requires []Field
}

// DeliveryTable is the delivery stage machine, read like Table by the
// workflow, the API and the web app.
var DeliveryTable = buildDeliveryTable()

func buildDeliveryTable() []DeliveryTransition {
	dates := []Field{FieldStartDate, FieldEndDate}
	t := []DeliveryTransition{
		{From: Scheduled, Act: Confirm, Rule: PartnerImplementer, To: InProgress, Requires: append(dates, FieldPlace)},
		{From: Postponed, Act: Confirm, Rule: PartnerImplementer, To: InProgress, Requires: append(dates, FieldPlace)},
		{From: InProgress, Act: ReportDelivery, Rule: PartnerImplementer, To: Delivered, Requires: []Field{FieldReport}},
		{From: Delivered, Act: ValidateReport, Rule: AssignedExpert, If: ReportPending},
		{From: Delivered, Act: SendBack, Rule: AssignedExpert, If: ReportPending, To: InProgress, Requires: []Field{FieldComment}},
		{From: Delivered, Act: CloseAction, Rule: AnyManager, If: ReportAccepted, To: Closed},
	}
	for _, s := range DeliveryStages {
		if !s.Open() {
			continue
		}
		t = append(t,
			DeliveryTransition{From: s, Act: Postpone, Rule: PartnerImplementerOrManager, To: Postponed,
				Requires: append(slices.Clone(dates), FieldReason)},
			DeliveryTransition{From: s, Act: CancelAction, Rule: AnyManager, To: Cancelled, Requires: []Field{FieldReason}},
			DeliveryTransition{From: s, Act: ChangePartner, Rule: AnyManager, Requires: []Field{FieldPartner, FieldReason}},
		)
	}
	return t
}

// LookupDelivery finds the transition for act in stage s.
func LookupDelivery(s DeliveryStage, act DeliveryAct) (DeliveryTransition, bool) {
	for _, t := range DeliveryTable {
		if t.From == s && t.Act == act {
			return t, true
		}
	}
	return DeliveryTransition{}, false
}

// Next is the stage the action is in after the transition.
func (t DeliveryTransition) Next() DeliveryStage {
	if t.To == "" {
		return t.From
	}
	return t.To
}

// Holds reports whether the transition's condition holds for d.
func (t DeliveryTransition) Holds(d Delivery) bool {
	switch t.If {
	case ReportPending:
		return !d.ReportValidated
	case ReportAccepted:
		return d.ReportValidated
	}
	return true
}

// AdmitsOn reports whether the rule lets the actor act on action i of p.
func (r Rule) AdmitsOn(a Actor, p *Priority, i int) bool {
	switch r {
	case PartnerImplementer:
		return a.implements(p, i)
	case PartnerImplementerOrManager:
		return a.Role == Manager || a.implements(p, i)
	}
	return r.Admits(a, p)
}

// implements reports whether the actor is an implementer of action i's partner.
func (a Actor) implements(p *Priority, i int) bool {
	return a.Role == Implementer && a.Partner != "" && p.Plan != nil && i >= 0 && i < len(p.Plan.Actions) &&
		p.Plan.Actions[i].Partner == a.Partner
}

// CanSeeAction reports whether the actor may see action i of p: whoever
// sees the priority sees its actions, but an implementer only their
// partner's.
func (a Actor) CanSeeAction(p *Priority, i int) bool {
	if p == nil || p.Plan == nil || i < 0 || i >= len(p.Plan.Actions) || !a.CanSee(p) {
		return false
	}
	return a.Role != Implementer || p.Plan.Actions[i].Partner == a.Partner
}

// Delivering reports whether p's actions are being delivered: it is
// approved and its workflow gave each action a Delivery.
func (p *Priority) Delivering() bool {
	return p.Stage == Approved && p.Plan != nil && len(p.Deliveries) == len(p.Plan.Actions) && len(p.Deliveries) > 0
}

// DeliveryOpen reports whether any action of p is still being delivered.
func (p *Priority) DeliveryOpen() bool {
	return p.Delivering() && slices.ContainsFunc(p.Deliveries, func(d Delivery) bool { return d.Stage.Open() })
}

// DeliveryInput is the body of a delivery act: the act and the fields its
// transition requires (and no others).
type DeliveryInput struct {
	Act       DeliveryAct     `json:"act"`
	Comment   string          `json:"comment,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	StartDate string          `json:"start_date,omitempty"`
	EndDate   string          `json:"end_date,omitempty"`
	Place     string          `json:"place,omitempty"`
	Partner   string          `json:"partner,omitempty"`
	Report    *DeliveryReport `json:"report,omitempty"`
}

// AllowedDeliveryActs lists the acts the actor may take on action i of p
// now, in table order.
func AllowedDeliveryActs(a Actor, p *Priority, i int) []DeliveryAct {
	out := []DeliveryAct{}
	if !p.Delivering() || !a.CanSeeAction(p, i) {
		return out
	}
	d := p.Deliveries[i]
	for _, t := range DeliveryTable {
		if t.From == d.Stage && t.Holds(d) && t.Rule.AdmitsOn(a, p, i) {
			out = append(out, t.Act)
		}
	}
	return out
}

// CheckDelivery judges a delivery act of actor a on action i of p at
// version (0: any), in the pipeline's order (docs/architecture.md, How a
// decision is checked): the actor may see the action (404), version is the
// current one (412), the act exists in the action's stage and its
// condition holds (409), the rule admits the actor (403), the body (422).
func CheckDelivery(a Actor, p *Priority, version, i int, in DeliveryInput) error {
	if !a.CanSeeAction(p, i) {
		return Errorf(KindNotFound, "no such action")
	}
	if version != 0 && version != p.Version {
		return Errorf(KindStale, "the priority is at version %d, not %d: reload it and try again", p.Version, version)
	}
	if !in.Act.Valid() {
		return Invalid("the act is not valid", Problems{Problem("act", NotOneOf, "allowed", join(DeliveryActs, "", ", "))})
	}
	if !p.Delivering() {
		return Errorf(KindConflict, "%s is not possible: the action's delivery has not started", in.Act)
	}
	d := p.Deliveries[i]
	t, ok := LookupDelivery(d.Stage, in.Act)
	if !ok || !t.Holds(d) {
		return Errorf(KindConflict, "%s is not possible in delivery stage %s", in.Act, d.Stage)
	}
	if !t.Rule.AdmitsOn(a, p, i) {
		return Errorf(KindForbidden, "%s in delivery stage %s is for %s", in.Act, d.Stage, deliveryRuleText[t.Rule])
	}
	if ps := in.Validate(t, p.Plan.Actions[i]); len(ps) > 0 {
		return Invalid("the delivery step is not valid", ps)
	}
	return nil
}

var deliveryRuleText = map[Rule]string{
	AnyManager:                  "a manager",
	AssignedExpert:              "the expert assigned to this priority",
	PartnerImplementer:          "an implementer of the action's partner",
	PartnerImplementerOrManager: "an implementer of the action's partner or a manager",
}

// Validate lists every problem of the body for transition t on action x:
// each required field present and valid, no field the act does not use.
func (in *DeliveryInput) Validate(t DeliveryTransition, x Action) Problems {
	var ps Problems
	requires := func(f Field) bool { return slices.Contains(t.Requires, f) }
	notUsed := func(f Field, set bool) bool {
		if set && !requires(f) {
			ps.Add(string(f), NotUsed, "decision", string(in.Act))
			return true
		}
		return false
	}
	if !notUsed(FieldComment, in.Comment != "") {
		ps.Multiline("comment", in.Comment, requires(FieldComment), MaxComment)
	}
	if !notUsed(FieldReason, in.Reason != "") {
		ps.Multiline("reason", in.Reason, requires(FieldReason), MaxComment)
	}
	startSet, endSet := !notUsed(FieldStartDate, in.StartDate != ""), !notUsed(FieldEndDate, in.EndDate != "")
	if startSet && endSet {
		start, okStart := ps.Date("start_date", in.StartDate, requires(FieldStartDate))
		end, okEnd := ps.Date("end_date", in.EndDate, requires(FieldEndDate))
		if okStart && okEnd && end.Before(start) {
			ps.Add("end_date", EndBeforeStart)
		}
	}
	if !notUsed(FieldPlace, in.Place != "") {
		ps.Text("place", in.Place, requires(FieldPlace), MaxName)
	}
	if !notUsed(FieldPartner, in.Partner != "") {
		ps.OneOf("partner", in.Partner, requires(FieldPartner), PartnerCodes())
		if in.Partner != "" && in.Partner == x.Partner {
			ps.Add("partner", NoChanges)
		}
	}
	switch {
	case notUsed(FieldReport, in.Report != nil):
	case in.Report == nil && requires(FieldReport):
		ps.Add("report", Required)
	case in.Report != nil:
		ps = append(ps, in.Report.Validate(len(x.Indicators))...)
	}
	return ps
}

// MaxParticipants bounds each participant count of a report.
const MaxParticipants = 1000000

// Validate lists every problem of a delivery report for an action with
// indicators indicators: counts whole and within bounds, institutions named
// once each, countries of the codelist, a summary, the actual cost in EUR
// (zero allowed: an action a partner hosted at no cost), one actual per
// indicator.
func (r *DeliveryReport) Validate(indicators int) Problems {
	var ps Problems
	count := func(field string, n int) {
		if n < 0 || n > MaxParticipants {
			ps.Add(field, OutOfRange, "min", 0, "max", MaxParticipants)
		}
	}
	count("report.participants_women", r.ParticipantsWomen)
	count("report.participants_men", r.ParticipantsMen)
	count("report.participants_other", r.ParticipantsOther)
	if len(r.Institutions) > MaxItems {
		ps.Add("report.institutions", TooMany, "count", MaxItems)
	} else {
		for i, in := range r.Institutions {
			f := fmt.Sprintf("report.institutions[%d].", i)
			ps.Text(f+"name", in.Name, true, MaxName)
			count(f+"participants", in.Participants)
			if slices.IndexFunc(r.Institutions, func(o InstitutionCount) bool { return o.Name == in.Name }) != i && in.Name != "" {
				ps.Add(f+"name", Duplicate, "value", QuoteShort(in.Name))
			}
		}
	}
	ps.Countries("report.countries", r.Countries, 1)
	ps.Multiline("report.summary", r.Summary, true, MaxText)
	switch c := r.ActualCostEUR.Cents(); {
	case c < 0:
		ps.Add("report.actual_cost_eur", Negative)
	case c > MaxEUR.Cents():
		ps.Add("report.actual_cost_eur", TooLarge, "max", MaxEUR.String())
	}
	if len(r.Indicators) != indicators {
		ps.Add("report.indicators", ActualsMismatch, "count", indicators)
		return ps
	}
	for i, in := range r.Indicators {
		f := fmt.Sprintf("report.indicators[%d].", i)
		ps.Quantity(f+"actual", in.Actual)
		ps.Text(f+"note", in.Note, false, MaxName)
	}
	return ps
}

// ReportSLA is how long after an action's end date its report is due.
const ReportSLA = 30 * 24 * time.Hour

// The delivery events: each act is recorded under its own kind, the SLA
// events under theirs.
const (
	EventDeliveryScheduled EventKind = "delivery_scheduled"
	EventConfirmed         EventKind = "confirmed"
	EventReported          EventKind = "reported"
	EventReportValidated   EventKind = "report_validated"
	EventSentBack          EventKind = "sent_back"
	EventClosed            EventKind = "closed"
	EventPostponed         EventKind = "postponed"
	EventCancelled         EventKind = "cancelled"
	EventPartnerChanged    EventKind = "partner_changed"
	EventReportReminder    EventKind = "report_reminder"
	EventReportEscalated   EventKind = "report_escalated"
)

var deliveryEvents = map[DeliveryAct]EventKind{
	Confirm: EventConfirmed, ReportDelivery: EventReported, ValidateReport: EventReportValidated, SendBack: EventSentBack,
	CloseAction: EventClosed, Postpone: EventPostponed, CancelAction: EventCancelled, ChangePartner: EventPartnerChanged,
}

// DeliveryEventOf is the event kind a delivery act is recorded as.
func DeliveryEventOf(act DeliveryAct) EventKind { return deliveryEvents[act] }

// DeliveryEventKinds lists the event kinds of delivery.
var DeliveryEventKinds = []EventKind{EventDeliveryScheduled, EventConfirmed, EventReported, EventReportValidated,
	EventSentBack, EventClosed, EventPostponed, EventCancelled, EventPartnerChanged, EventReportReminder, EventReportEscalated}

// StartDelivery gives each action of an approved p its Delivery, scheduled
// at the instant at with its report due ReportSLA after its end date, and
// records it.
func StartDelivery(p Priority, at time.Time) Outcome {
	p = clone(p)
	p.Deliveries = make([]Delivery, len(p.Plan.Actions))
	for i, x := range p.Plan.Actions {
		p.Deliveries[i] = Delivery{Stage: Scheduled, StageEnteredAt: at, DueAt: reportDue(x.EndDate)}
	}
	touch(&p, at)
	ev := next(&p, System, EventDeliveryScheduled, at)
	ev.Data = map[string]any{"actions": len(p.Deliveries)}
	return Outcome{Priority: p, Event: ev}
}

// reportDue is when the report of an action ending on end (YYYY-MM-DD) is
// due: ReportSLA after the end of that day; nil for no date.
func reportDue(end string) *time.Time {
	day, err := time.Parse(time.DateOnly, end)
	if err != nil {
		return nil
	}
	due := day.AddDate(0, 0, 1).Add(ReportSLA)
	return &due
}

// ReportEnd is when action i of p ended, so its report became expected: the
// end of its confirmed end date, else of its planned one.
func ReportEnd(p *Priority, i int) (time.Time, bool) {
	end := p.Plan.Actions[i].EndDate
	if d := p.Deliveries[i]; d.ConfirmedEnd != "" {
		end = d.ConfirmedEnd
	}
	day, err := time.Parse(time.DateOnly, end)
	return day.AddDate(0, 0, 1), err == nil
}

// ApplyDelivery performs a delivery act CheckDelivery admitted on action i
// of p at the instant at, and returns its outcome; p is left unchanged.
func ApplyDelivery(a Actor, p Priority, i int, in DeliveryInput, at time.Time) Outcome {
	p = clone(p)
	d := &p.Deliveries[i]
	t, _ := LookupDelivery(d.Stage, in.Act)
	from := d.Stage
	data := map[string]any{"action": i, "from": from}
	switch in.Act {
	case Confirm:
		d.ConfirmedStart, d.ConfirmedEnd, d.Place = in.StartDate, in.EndDate, in.Place
		d.DueAt, d.Overdue = reportDue(in.EndDate), false
		data["start_date"], data["end_date"], data["place"] = in.StartDate, in.EndDate, in.Place
	case Postpone:
		d.ConfirmedStart, d.ConfirmedEnd = in.StartDate, in.EndDate
		d.DueAt, d.Overdue = reportDue(in.EndDate), false
		data["start_date"], data["end_date"] = in.StartDate, in.EndDate
	case ReportDelivery:
		r := cloneReport(*in.Report)
		d.Report, d.ReportValidated, d.Overdue = &r, false, false
		data["participants"], data["actual_cost_eur"] = r.Participants(), r.ActualCostEUR
	case ValidateReport:
		d.ReportValidated = true
	case ChangePartner:
		data["partner"] = map[string]string{"from": p.Plan.Actions[i].Partner, "to": in.Partner}
		p.Plan.Actions[i].Partner = in.Partner
	}
	if next := t.Next(); next != from {
		d.Stage, d.StageEnteredAt = next, at
	}
	data["to"] = d.Stage
	touch(&p, at)
	ev := next(&p, a.Ref(), DeliveryEventOf(in.Act), at)
	ev.Comment = in.Comment
	if in.Reason != "" {
		ev.Comment = in.Reason
	}
	ev.Data = data
	return Outcome{Priority: p, Event: ev}
}

// DeliveryDue is the next SLA event of p's delivery and when it falls due:
// for the first action (in plan order) still waiting for its report whose
// next event is earliest, a reminder to its partner once its end date has
// passed (unless reminded[i]), then an escalation to managers when its
// report is due. Kind is empty when no action waits for a report.
func DeliveryDue(p *Priority, reminded []bool) (at time.Time, i int, kind EventKind) {
	if !p.Delivering() {
		return time.Time{}, -1, ""
	}
	i = -1
	for j, d := range p.Deliveries {
		if !awaitsReport(d.Stage) || d.Overdue {
			continue
		}
		var due time.Time
		var k EventKind
		end, ok := ReportEnd(p, j)
		switch {
		case !ok:
			continue
		case j >= len(reminded) || !reminded[j]:
			due, k = end, EventReportReminder
		case d.DueAt != nil:
			due, k = *d.DueAt, EventReportEscalated
		default:
			continue
		}
		if kind == "" || due.Before(at) {
			at, i, kind = due, j, k
		}
	}
	return at, i, kind
}

// awaitsReport reports whether an action in stage s still owes its report.
func awaitsReport(s DeliveryStage) bool { return s == Scheduled || s == InProgress || s == Postponed }

// LapseDelivery records a delivery SLA event of action i that fell due at
// the instant at: a reminder changes nothing but the audit trail; an
// escalation marks the action overdue.
func LapseDelivery(p Priority, i int, kind EventKind, at time.Time) Outcome {
	p = clone(p)
	d := &p.Deliveries[i]
	if kind == EventReportEscalated {
		d.Overdue = true
		touch(&p, at)
	}
	ev := next(&p, System, kind, at)
	ev.Data = map[string]any{"action": i, "delivery_stage": d.Stage, "due_at": d.DueAt, "partner": p.Plan.Actions[i].Partner}
	return Outcome{Priority: p, Event: ev}
}

// Progress is how far a priority's delivery went: Delivered of Total actions.
type Progress struct{ Delivered, Total int }

// DeliveryProgress is p's DeliveryCount as one value, for templates.
func (p *Priority) DeliveryProgress() Progress {
	d, t := p.DeliveryCount()
	return Progress{d, t}
}

// DeliveryCount is how many of p's actions are delivered (delivered or
// closed) out of those not cancelled: "2 of 3 actions delivered".
func (p *Priority) DeliveryCount() (delivered, total int) {
	for _, d := range p.Deliveries {
		switch d.Stage {
		case Cancelled:
			continue
		case Delivered, Closed:
			delivered++
		}
		total++
	}
	return delivered, total
}

func cloneReport(r DeliveryReport) DeliveryReport {
	r.Institutions = slices.Clone(r.Institutions)
	r.Countries = slices.Clone(r.Countries)
	r.Indicators = slices.Clone(r.Indicators)
	return r
}

func cloneDeliveries(ds []Delivery) []Delivery {
	ds = slices.Clone(ds)
	for i, d := range ds {
		if d.Report != nil {
			r := cloneReport(*d.Report)
			ds[i].Report = &r
		}
		if d.DueAt != nil {
			due := *d.DueAt
			ds[i].DueAt = &due
		}
	}
	return ds
}

// Redact is p as the actor may read it. An implementer reads only their
// partner's actions: the others keep their place in the plan (indexes name
// actions) but show nothing beyond their type and partner.
func (a Actor) Redact(p *Priority) *Priority {
	if a.Role != Implementer || p.Plan == nil {
		return p
	}
	q := clone(*p)
	for i, x := range q.Plan.Actions {
		if x.Partner != a.Partner {
			q.Plan.Actions[i] = Action{Type: x.Type, Partner: x.Partner, Beneficiaries: []string{}, Countries: []string{},
				EUAgencies: []string{}, Indicators: []Indicator{}}
			if i < len(q.Deliveries) {
				q.Deliveries[i] = Delivery{Stage: q.Deliveries[i].Stage, StageEnteredAt: q.Deliveries[i].StageEnteredAt}
			}
		}
	}
	return &q
}

// CanSeeEvent reports whether the actor may read ev of p's audit trail.
// Whoever sees p reads all of it, but an implementer reads nothing of the
// pipeline before approval: the approval itself, the delivery's start and
// the events of their partner's actions.
func (a Actor) CanSeeEvent(p *Priority, ev Event) bool {
	if a.Role != Implementer {
		return a.CanSee(p)
	}
	switch {
	case ev.Kind == EventKind(Approve) && ev.ToStage == Approved, ev.Kind == EventDeliveryScheduled:
		return a.CanSee(p)
	case !slices.Contains(DeliveryEventKinds, ev.Kind):
		return false
	}
	i, ok := EventAction(ev)
	return ok && a.CanSeeAction(p, i)
}

// EventAction is the index of the action a delivery event concerns.
func EventAction(ev Event) (int, bool) {
	switch v := ev.Data["action"].(type) {
	case int:
		return v, true
	case float64:
		return int(v), v == float64(int(v))
	}
	return 0, false
}
