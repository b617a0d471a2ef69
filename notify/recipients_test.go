package notify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The cast: a priority of Peru and Colombia submitted by fpPE, triaged by
// mgrTriage, assigned to expert, whose plan expert drafted.
var (
	fpPE      = person("fp-pe", pipeline.FocalPoint, "es", "PE")
	fpCO      = person("fp-co", pipeline.FocalPoint, "es", "CO")
	fpMX      = person("fp-mx", pipeline.FocalPoint, "es", "MX")
	expert    = person("expert", pipeline.Expert, "pt")
	expert2   = person("expert2", pipeline.Expert, "en")
	mgrTriage = person("mgr-triage", pipeline.Manager, "en")
	mgrFree   = person("mgr-free", pipeline.Manager, "en")
	mgrFree2  = person("mgr-free2", pipeline.Manager, "es")
	// People who never get an immediate email, whatever the event.
	gone    = inactive(person("mgr-gone", pipeline.Manager, "en"))
	digest  = prefers(person("mgr-digest", pipeline.Manager, "en"), store.NotifyDigest)
	noEmail = withoutEmail(person("fp-pe-no-email", pipeline.FocalPoint, "es", "PE"))
	// both wants the digest too, and still gets immediate emails.
	both = prefers(person("fp-co-both", pipeline.FocalPoint, "pt", "CO"), store.NotifyBoth)

	// Implementers of two partners.
	implFIIAPP = implementer("impl-fiiapp", "fiiapp")
	implCamoes = implementer("impl-camoes", "camoes")

	everyone = []store.User{fpPE, fpCO, fpMX, expert, expert2, mgrTriage, mgrFree, mgrFree2, gone, digest, noEmail, both, implFIIAPP, implCamoes}
)

func implementer(id, partner string) store.User {
	u := person(id, pipeline.Implementer, "fr")
	u.Partner = partner
	return u
}

func person(id string, role pipeline.Role, lang string, countries ...string) store.User {
	var themes []string
	if role == pipeline.Expert {
		themes = []string{"money_laundering"}
	}
	return store.User{Actor: pipeline.Actor{ID: id, Name: id, Role: role, Countries: countries, Themes: themes},
		Email: id + "@example.org", Language: lang, Notify: store.NotifyImmediate, Active: true}
}

func inactive(u store.User) store.User     { u.Active = false; return u }
func withoutEmail(u store.User) store.User { u.Email = ""; return u }
func prefers(u store.User, mode string) store.User {
	u.Notify = mode
	return u
}

func priorityIn(stage pipeline.Stage) *pipeline.Priority {
	return &pipeline.Priority{ID: "p1", Ref: "PE-2026-0001", Title: "ECI", Theme: "money_laundering",
		Countries: []string{"PE", "CO"}, Stage: stage, Assignee: expert.ID, TriagedBy: mgrTriage.ID,
		PlanAuthors: []string{expert.ID}, SubmittedBy: fpPE.ID, Sensitivity: pipeline.Public}
}

func by(u store.User) pipeline.Ref { return u.Ref() }

var system = pipeline.Ref{ID: "system", Name: "Puente", Role: "system"}

func ids(us []store.User) string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return strings.Join(out, " ")
}

func sorted(us ...store.User) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = u.ID
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

func TestRecipients(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		ev    pipeline.Event
		stage pipeline.Stage // the priority's stage after the event
		want  string
		// unassigned: the priority has no expert (triage without a named one).
		unassigned bool
	}
	ev := func(kind pipeline.EventKind, actor pipeline.Ref, from, to pipeline.Stage, data map[string]any) pipeline.Event {
		return pipeline.Event{Seq: 7, Kind: kind, Actor: actor, FromStage: from, ToStage: to, Data: data}
	}
	d := pipeline.EventOf
	T, ER, RV, PL, VA, AP := pipeline.Triage, pipeline.ExpertReview, pipeline.Revision, pipeline.Planning, pipeline.Validation, pipeline.Approval
	cases := []tc{
		// Events that tell nobody by email.
		{"submitted", ev(pipeline.EventSubmitted, by(fpPE), "", T, nil), T, "", false},
		{"plan drafted", ev(pipeline.EventPlanUpdated, by(expert), PL, PL, nil), PL, "", false},
		{"fields edited", ev(pipeline.EventEdited, by(fpPE), RV, RV, nil), RV, "", false},
		{"review approved (to planning)", ev(d(pipeline.Approve), by(expert), ER, PL, nil), PL, "", false},

		// Task assigned → the expert only.
		{"accept", ev(d(pipeline.Accept), by(mgrTriage), T, ER, map[string]any{"expert_id": expert.ID}), ER, sorted(expert), false},
		{"accept, expert from the priority", ev(d(pipeline.Accept), by(mgrTriage), T, ER, nil), ER, sorted(expert), false},
		{"reassign → the new expert", ev(pipeline.EventReassigned, by(mgrFree), PL, PL,
			map[string]any{"from": expert.ID, "to": expert2.ID}), PL, sorted(expert2), false},
		{"reassign to a focal point's id is nobody", ev(pipeline.EventReassigned, by(mgrFree), PL, PL,
			map[string]any{"to": fpPE.ID}), PL, "", false},

		// The country's focal points (not Mexico's, not those without address).
		{"revision requested", ev(d(pipeline.RequestRevision), by(expert), ER, RV, nil), RV, sorted(fpPE, fpCO, both), false},
		{"plan submitted", ev(d(pipeline.SubmitPlan), by(expert), PL, VA, nil), VA, sorted(fpPE, fpCO, both), false},

		// Back to the expert.
		{"resubmitted", ev(d(pipeline.Resubmit), by(fpPE), RV, ER, nil), ER, sorted(expert), false},
		{"changes requested", ev(d(pipeline.RequestChanges), by(fpCO), VA, PL, nil), PL, sorted(expert), false},
		{"returned", ev(d(pipeline.Return), by(mgrFree), AP, PL, nil), PL, sorted(expert), false},

		// Endorsed → managers who neither triaged nor drafted it.
		{"endorsed", ev(d(pipeline.Endorse), by(fpCO), VA, AP, nil), AP, sorted(mgrFree, mgrFree2), false},

		// Ends → the submitter and the expert, never the actor.
		{"approved", ev(d(pipeline.Approve), by(mgrFree), AP, pipeline.Approved, nil), pipeline.Approved, sorted(fpPE, expert), false},
		{"rejected in triage", ev(d(pipeline.Reject), by(mgrTriage), T, pipeline.Rejected, nil), pipeline.Rejected, sorted(fpPE), true},
		{"rejected in triage, an expert already named", ev(d(pipeline.Reject), by(mgrTriage), T, pipeline.Rejected, nil), pipeline.Rejected, sorted(fpPE, expert), false},
		{"withdrawn in triage", ev(d(pipeline.Withdraw), by(fpCO), T, pipeline.Withdrawn, nil), pipeline.Withdrawn, sorted(fpPE), true},
		{"rejected by the expert", ev(d(pipeline.Reject), by(expert), ER, pipeline.Rejected, nil), pipeline.Rejected, sorted(fpPE), false},
		{"withdrawn by the submitter", ev(d(pipeline.Withdraw), by(fpPE), PL, pipeline.Withdrawn, nil), pipeline.Withdrawn, sorted(expert), false},
		{"withdrawn by a colleague", ev(d(pipeline.Withdraw), by(fpCO), PL, pipeline.Withdrawn, nil), pipeline.Withdrawn, sorted(fpPE, expert), false},

		// Reminders → whoever must act in the stage.
		{"reminder in triage", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": "triage"}), T, sorted(mgrTriage, mgrFree, mgrFree2), true},
		{"reminder in expert review", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": "expert_review"}), ER, sorted(expert), false},
		{"reminder in revision", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": "revision"}), RV, sorted(fpPE, fpCO, both), false},
		{"reminder in planning", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": "planning"}), PL, sorted(expert), false},
		{"reminder in validation", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": "validation"}), VA, sorted(fpPE, fpCO, both), false},
		{"reminder in approval", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": "approval"}), AP, sorted(mgrFree, mgrFree2), false},
		{"reminder of a stage since left", ev(pipeline.EventReminder, system, "", "", map[string]any{"stage": pipeline.Planning}), VA, sorted(expert), false},

		// A comment → the people it mentions who may see the priority
		// (read back from JSON), never its author; no mention, nobody.
		{"comment mentioning nobody", ev(pipeline.EventCommented, by(fpPE), PL, PL, map[string]any{"comment_id": "c1"}), PL, "", false},
		{"comment mentioning people", ev(pipeline.EventCommented, by(fpPE), PL, PL, map[string]any{"comment_id": "c1",
			"mentions": mentions(expert2, fpMX, fpPE, digest, gone, mgrFree)}), PL, sorted(expert2, mgrFree), false},
		{"comment edited to mention someone new", ev(pipeline.EventCommentEdited, by(expert), VA, VA, map[string]any{"comment_id": "c1",
			"mentions": mentions(both)}), VA, sorted(both), false},
		// A late report → the implementers of the action's partner; overdue → and every manager.
		{"report reminder", ev(pipeline.EventReportReminder, system, "", "", map[string]any{"action": 0, "partner": "fiiapp"}),
			pipeline.Approved, sorted(implFIIAPP), false},
		{"report escalated", ev(pipeline.EventReportEscalated, system, "", "", map[string]any{"action": 1, "partner": "camoes"}),
			pipeline.Approved, sorted(implCamoes, mgrTriage, mgrFree, mgrFree2), false},
		{"a delivery step", ev(pipeline.EventConfirmed, by(implFIIAPP), "", "", map[string]any{"action": 0}), pipeline.Approved, "", false},

		// Escalations → whoever must act, and every manager.
		{"escalated in triage", ev(pipeline.EventEscalated, system, "", "", map[string]any{"stage": "triage"}), T, sorted(mgrTriage, mgrFree, mgrFree2), true},
		{"accept, with nobody to assign", ev(d(pipeline.Accept), by(mgrTriage), T, ER, nil), ER, "", true},
		{"escalated in expert review", ev(pipeline.EventEscalated, system, "", "", map[string]any{"stage": "expert_review"}), ER, sorted(expert, mgrTriage, mgrFree, mgrFree2), false},
		{"escalated in revision", ev(pipeline.EventEscalated, system, "", "", map[string]any{"stage": "revision"}), RV, sorted(fpPE, fpCO, both, mgrTriage, mgrFree, mgrFree2), false},
		{"escalated in planning", ev(pipeline.EventEscalated, system, "", "", map[string]any{"stage": "planning"}), PL, sorted(expert, mgrTriage, mgrFree, mgrFree2), false},
		{"escalated in validation", ev(pipeline.EventEscalated, system, "", "", map[string]any{"stage": "validation"}), VA, sorted(fpPE, fpCO, both, mgrTriage, mgrFree, mgrFree2), false},
		{"escalated in approval", ev(pipeline.EventEscalated, system, "", "", map[string]any{"stage": "approval"}), AP, sorted(mgrTriage, mgrFree, mgrFree2), false},
	}
	covered := map[pipeline.EventKind]bool{}
	for _, c := range cases {
		covered[c.ev.Kind] = true
		p := priorityIn(c.stage)
		if c.unassigned {
			p.Assignee, p.TriagedBy, p.PlanAuthors = "", "", nil
		}
		got := notify.Recipients(c.ev, p, everyone)
		if ids(got) != c.want {
			t.Errorf("%s: recipients [%s], want [%s]", c.name, ids(got), c.want)
		}
		for _, u := range got {
			if u.ID == c.ev.Actor.ID {
				t.Errorf("%s: the actor %s is told of their own act", c.name, u.ID)
			}
		}
		// Shuffling the people changes nothing.
		rev := slices.Clone(everyone)
		slices.Reverse(rev)
		if again := notify.Recipients(c.ev, p, append(rev, rev...)); ids(again) != ids(got) {
			t.Errorf("%s: with the people reversed and twice: [%s], want [%s]", c.name, ids(again), ids(got))
		}
	}
	// Every kind of event the workflow records has a case.
	for _, d := range pipeline.Decisions {
		if !covered[pipeline.EventOf(d)] {
			t.Errorf("no case for the event of decision %s", d)
		}
	}
	for _, k := range []pipeline.EventKind{pipeline.EventSubmitted, pipeline.EventPlanUpdated, pipeline.EventEdited,
		pipeline.EventReminder, pipeline.EventEscalated, pipeline.EventReassigned, pipeline.EventCommented, pipeline.EventCommentEdited} {
		if !covered[k] {
			t.Errorf("no case for event %s", k)
		}
	}
	// And every message has a case that sends it.
	for _, k := range notify.Kinds {
		found := false
		for _, c := range cases {
			if kind, ok := notify.KindOf(c.ev); ok && kind == k && c.want != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("no case sends %s", k)
		}
	}
}

// TestRecipientsOfARestrictedPriority: restriction narrows what people see,
// not who acts on it; the rule follows the transition table.
func TestRecipientsOfARestrictedPriority(t *testing.T) {
	t.Parallel()
	p := priorityIn(pipeline.Validation)
	p.Sensitivity = pipeline.Restricted
	ev := pipeline.Event{Seq: 3, Kind: pipeline.EventOf(pipeline.SubmitPlan), Actor: expert.Ref(), FromStage: pipeline.Planning, ToStage: pipeline.Validation}
	for _, u := range notify.Recipients(ev, p, everyone) {
		if !u.CanSee(p) {
			t.Errorf("%s is told of a priority they may not see", u.ID)
		}
	}
	// A mention of someone who may not see it — even one the event names,
	// as an event recorded before the priority was restricted would — tells
	// only those who may see it now.
	mention := pipeline.Event{Seq: 4, Kind: pipeline.EventCommented, Actor: fpPE.Ref(), FromStage: pipeline.Validation,
		ToStage: pipeline.Validation, Data: map[string]any{"comment_id": "c1", "mentions": mentions(expert2, fpMX, expert, mgrFree)}}
	if got, want := ids(notify.Recipients(mention, p, everyone)), sorted(expert, mgrFree); got != want {
		t.Errorf("mention on a restricted priority tells [%s], want [%s]", got, want)
	}
}

// mentions is the data an event's mentions read back as from JSON.
func mentions(us ...store.User) []any {
	out := []any{}
	for _, u := range us {
		out = append(out, map[string]any{"id": u.ID, "name": u.Name, "role": string(u.Role)})
	}
	return out
}

// TestRedirect: each absent recipient's email goes to their delegate, said
// to be on their behalf — unless the delegate acted, is deactivated, has no
// address, asked for the digest only, or is a recipient in their own name.
func TestRedirect(t *testing.T) {
	t.Parallel()
	user := func(id, name string, f ...func(*store.User)) store.User {
		u := store.User{Actor: pipeline.Actor{ID: id, Name: name, Role: pipeline.Expert}, Email: name + "@example.org", Active: true,
			Notify: store.NotifyImmediate}
		for _, o := range f {
			o(&u)
		}
		return u
	}
	ana, jean, lena := user("a", "ana"), user("j", "jean"), user("l", "lena")
	off := user("o", "off", func(u *store.User) { u.Active = false })
	digest := user("d", "digest", func(u *store.User) { u.Notify = store.NotifyDigest })
	mute := user("m", "mute", func(u *store.User) { u.Email = "" })
	ev := pipeline.Event{Actor: pipeline.Ref{ID: "f"}}
	cover := func(d store.User) store.Cover { return store.Cover{Delegate: d, Until: "2027-05-01"} }
	show := func(rs []notify.Recipient) string {
		var out []string
		for _, r := range rs {
			s := r.ID
			if r.For != nil {
				s += " for " + r.For.ID + " until " + r.Until
			}
			out = append(out, s)
		}
		return strings.Join(out, ", ")
	}
	cases := []struct {
		name   string
		ev     pipeline.Event
		rs     []store.User
		covers map[string]store.Cover
		want   string
	}{
		{"nobody away", ev, []store.User{jean, ana}, nil, "a, j"},
		{"ana away, lena covers", ev, []store.User{ana, jean}, map[string]store.Cover{"a": cover(lena)}, "j, l for a until 2027-05-01"},
		{"the delegate is a recipient already", ev, []store.User{ana, jean}, map[string]store.Cover{"a": cover(jean)}, "j"},
		{"the delegate acted", pipeline.Event{Actor: pipeline.Ref{ID: "l"}}, []store.User{ana}, map[string]store.Cover{"a": cover(lena)}, ""},
		{"a deactivated delegate", ev, []store.User{ana}, map[string]store.Cover{"a": cover(off)}, ""},
		{"a delegate on the digest", ev, []store.User{ana}, map[string]store.Cover{"a": cover(digest)}, ""},
		{"a delegate without address", ev, []store.User{ana}, map[string]store.Cover{"a": cover(mute)}, ""},
		{"one delegate for two", ev, []store.User{ana, jean}, map[string]store.Cover{"a": cover(lena), "j": cover(lena)}, "l for a until 2027-05-01"},
	}
	for _, c := range cases {
		if got := show(notify.Redirect(c.ev, c.rs, c.covers)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
