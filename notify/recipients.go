// Package notify tells people by email what waits for them: which events of
// a priority concern whom (a pure rule), the message in each recipient's
// language, an SMTP sender, and the Notifier that sends each (priority,
// event, recipient) once, recorded in PostgreSQL under a deterministic
// Message-ID. The priority workflow runs it through a Temporal activity, so
// a mail server that is down delays mail and never a decision.
package notify

import (
	"slices"
	"strings"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Kind is the message an event becomes, named for what it tells the reader.
type Kind string

// The messages Puente sends.
const (
	TaskAssigned      Kind = "task_assigned"      // accept, reassign → the expert
	RevisionRequested Kind = "revision_requested" // → the country's focal points
	Resubmitted       Kind = "resubmitted"        // → the expert
	PlanSubmitted     Kind = "plan_submitted"     // → the focal points, to validate
	ChangesRequested  Kind = "changes_requested"  // → the expert
	Endorsed          Kind = "endorsed"           // → the managers eligible for four-eyes approval
	Returned          Kind = "returned"           // → the expert
	Approved          Kind = "approved"           // → the submitter and the expert
	Rejected          Kind = "rejected"           // → the submitter and the expert
	Withdrawn         Kind = "withdrawn"          // → the submitter and the expert
	Reminder          Kind = "reminder"           // 80 % of the SLA → whoever must act
	Escalated         Kind = "escalated"          // 100 % → whoever must act and the managers
	Mentioned         Kind = "mentioned"          // a comment's @mention → the people it names who may see the priority
	ReportReminder    Kind = "report_reminder"    // an action ended without its report → its partner's implementers
	ReportEscalated   Kind = "report_escalated"   // its report is overdue → the managers and its partner's implementers
)

// Kinds lists every message.
var Kinds = []Kind{TaskAssigned, RevisionRequested, Resubmitted, PlanSubmitted, ChangesRequested, Endorsed,
	Returned, Approved, Rejected, Withdrawn, Reminder, Escalated, Mentioned, ReportReminder, ReportEscalated}

// kinds are the messages events become; an approval only when it is the
// final one (Approved, not the expert's review).
var kinds = map[pipeline.EventKind]Kind{
	pipeline.EventOf(pipeline.Accept):          TaskAssigned,
	pipeline.EventReassigned:                   TaskAssigned,
	pipeline.EventOf(pipeline.RequestRevision): RevisionRequested,
	pipeline.EventOf(pipeline.Resubmit):        Resubmitted,
	pipeline.EventOf(pipeline.SubmitPlan):      PlanSubmitted,
	pipeline.EventOf(pipeline.RequestChanges):  ChangesRequested,
	pipeline.EventOf(pipeline.Endorse):         Endorsed,
	pipeline.EventOf(pipeline.Return):          Returned,
	pipeline.EventOf(pipeline.Approve):         Approved,
	pipeline.EventOf(pipeline.Reject):          Rejected,
	pipeline.EventOf(pipeline.Withdraw):        Withdrawn,
	pipeline.EventReminder:                     Reminder,
	pipeline.EventEscalated:                    Escalated,
	pipeline.EventCommented:                    Mentioned,
	pipeline.EventCommentEdited:                Mentioned,
	pipeline.EventReportReminder:               ReportReminder,
	pipeline.EventReportEscalated:              ReportEscalated,
}

// KindOf is the message an event becomes, if any: submissions, drafts,
// edits, the expert's own approval of a review and comments that mention
// nobody tell nobody by email.
func KindOf(ev pipeline.Event) (Kind, bool) {
	k, ok := kinds[ev.Kind]
	if k == Approved && ev.ToStage != pipeline.Approved || k == Mentioned && len(pipeline.MentionIDs(ev)) == 0 {
		return "", false
	}
	return k, ok
}

// Recipients is who an event of p tells, by email, among users: a pure
// function of the event, the priority as it stands and the people. Never the
// person who acted, never a deactivated user, a user without an address or
// one who asked for the daily digest only; each at most once, by id.
func Recipients(ev pipeline.Event, p *pipeline.Priority, users []store.User) []store.User {
	kind, ok := KindOf(ev)
	if !ok {
		return nil
	}
	var want func(u store.User) bool
	switch kind {
	case TaskAssigned:
		expert := expertOf(ev, p)
		want = func(u store.User) bool { return u.ID == expert && u.Role == pipeline.Expert }
	case Resubmitted, ChangesRequested, Returned:
		want = func(u store.User) bool { return isAssignee(u, p) }
	case RevisionRequested, PlanSubmitted:
		want = func(u store.User) bool { return pipeline.CountryFocalPoint.Admits(u.Actor, p) }
	case Endorsed:
		want = func(u store.User) bool { return pipeline.FourEyesManager.Admits(u.Actor, p) }
	case Approved, Rejected, Withdrawn:
		want = func(u store.User) bool { return u.ID == p.SubmittedBy || isAssignee(u, p) }
	case Reminder:
		want = mustAct(stageOf(ev, p), p)
	case Escalated:
		acts := mustAct(stageOf(ev, p), p)
		want = func(u store.User) bool { return acts(u) || u.Role == pipeline.Manager }
	case Mentioned:
		// The engine named only people who could see the priority; who
		// can see it now is asked again, as it stands when the mail goes.
		ids := pipeline.MentionIDs(ev)
		want = func(u store.User) bool { return slices.Contains(ids, u.ID) && u.CanSee(p) }
	case ReportReminder:
		want = func(u store.User) bool { return implements(u, ev) }
	case ReportEscalated:
		want = func(u store.User) bool { return implements(u, ev) || u.Role == pipeline.Manager }
	}
	var out []store.User
	for _, u := range users {
		if u.ID == ev.Actor.ID || !u.Active || u.Email == "" || u.Notify == store.NotifyDigest || !want(u) {
			continue
		}
		if !slices.ContainsFunc(out, func(o store.User) bool { return o.ID == u.ID }) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b store.User) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Recipient is one person an event's email goes to: a recipient of the
// event, or the delegate of one who is absent (For), until the absence's
// last day.
type Recipient struct {
	store.User
	For   *store.User
	Until string
}

// Redirect hands the email of each recipient who is absent when the event
// happens to their delegate (covers, by the absentee's id: see
// store.Covers), in the delegate's own language, saying on whose behalf
// (docs/architecture.md, Absences and delegation). A delegate who acted,
// is deactivated, has no address or asked for the digest only gets
// nothing, as a recipient would; each person gets one email, their own
// before one on someone's behalf; sorted by id.
func Redirect(ev pipeline.Event, rs []store.User, covers map[string]store.Cover) []Recipient {
	var out []Recipient
	has := func(id string) bool { return slices.ContainsFunc(out, func(r Recipient) bool { return r.ID == id }) }
	for _, u := range rs {
		if _, away := covers[u.ID]; !away && !has(u.ID) {
			out = append(out, Recipient{User: u})
		}
	}
	for _, u := range rs {
		c, away := covers[u.ID]
		d := c.Delegate
		if !away || d.ID == ev.Actor.ID || !d.Active || d.Email == "" || d.Notify == store.NotifyDigest || has(d.ID) {
			continue
		}
		absent := u
		out = append(out, Recipient{User: d, For: &absent, Until: c.Until})
	}
	slices.SortFunc(out, func(a, b Recipient) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// implements reports whether u is an implementer of the partner that
// delivers the action a delivery event names.
func implements(u store.User, ev pipeline.Event) bool {
	partner, _ := ev.Data["partner"].(string)
	return u.Role == pipeline.Implementer && partner != "" && u.Partner == partner
}

// expertOf is the expert an accept or reassign gave the priority: the one
// its event names, else the priority's assignee.
func expertOf(ev pipeline.Event, p *pipeline.Priority) string {
	for _, key := range []string{"to", "expert_id"} {
		if id, ok := ev.Data[key].(string); ok && id != "" {
			return id
		}
	}
	return p.Assignee
}

func isAssignee(u store.User, p *pipeline.Priority) bool {
	return u.Role == pipeline.Expert && p.Assignee != "" && u.ID == p.Assignee
}

// stageOf is the stage an SLA event is about: the one it records, else the
// priority's.
func stageOf(ev pipeline.Event, p *pipeline.Priority) pipeline.Stage {
	switch s := ev.Data["stage"].(type) {
	case pipeline.Stage:
		return s
	case string:
		return pipeline.Stage(s)
	}
	return p.Stage
}

// mustAct admits whoever the transition table lets move p out of stage:
// managers in triage, the assigned expert in review and planning, the
// country's focal points in revision and validation, the four-eyes managers
// in approval. What is always open (pipeline.Decision.Aside) does not count.
func mustAct(stage pipeline.Stage, p *pipeline.Priority) func(store.User) bool {
	var rules []pipeline.Rule
	for _, t := range pipeline.Table {
		if t.From == stage && !t.Decision.Aside() && !slices.Contains(rules, t.Rule) {
			rules = append(rules, t.Rule)
		}
	}
	return func(u store.User) bool {
		return slices.ContainsFunc(rules, func(r pipeline.Rule) bool { return r.Admits(u.Actor, p) })
	}
}
