package pipeline

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The cast of the engine tests. The priority is public, of PE and CO, theme
// cybercrime, triaged by mTriager, assigned to eAssigned, its plan drafted by
// eAssigned and (once, before a reassignment) by mAuthor.
var (
	mTriager  = Actor{ID: "00000000-0000-4000-8000-000000000001", Name: "Triager", Role: Manager}
	mAuthor   = Actor{ID: "00000000-0000-4000-8000-000000000002", Name: "Author", Role: Manager}
	mFree     = Actor{ID: "00000000-0000-4000-8000-000000000003", Name: "Free", Role: Manager}
	eAssigned = Actor{ID: "00000000-0000-4000-8000-000000000004", Name: "Assigned", Role: Expert, Themes: []string{"cybercrime"}}
	eTheme    = Actor{ID: "00000000-0000-4000-8000-000000000005", Name: "Theme", Role: Expert, Themes: []string{"cybercrime"}}
	eOther    = Actor{ID: "00000000-0000-4000-8000-000000000006", Name: "Other", Role: Expert, Themes: []string{"corruption"}}
	fpIn      = Actor{ID: "00000000-0000-4000-8000-000000000007", Name: "Peru", Role: FocalPoint, Countries: []string{"PE"}}
	fpOut     = Actor{ID: "00000000-0000-4000-8000-000000000008", Name: "Mexico", Role: FocalPoint, Countries: []string{"MX"}}
	cast      = []Actor{mTriager, mAuthor, mFree, eAssigned, eTheme, eOther, fpIn, fpOut}
)

// oracle is the stage table of docs/architecture.md, The pipeline, written
// out by hand, independently of Table: in each
// stage, each act, who may take it and where it leads ("" = stays).
// Who: "manager" any manager, "four-eyes" a manager who neither triaged nor
// drafted, "assigned" the assigned expert, "country" a focal point of the
// priority's countries, "viewer" whoever sees the priority. The thread's
// acts (comment, edit one's own comment) exist in every open stage and in
// no closed one.
var oracle = map[Stage]map[Decision]struct {
	who string
	to  Stage
}{
	Triage: {
		Accept: {"manager", ExpertReview}, Reject: {"manager", Rejected},
		Withdraw: {"country", Withdrawn}, Reassign: {"manager", ""},
		PostComment: {"viewer", ""}, EditComment: {"viewer", ""},
	},
	ExpertReview: {
		Approve: {"assigned", Planning}, RequestRevision: {"assigned", Revision}, Reject: {"assigned", Rejected},
		Withdraw: {"country", Withdrawn}, Reassign: {"manager", ""},
		PostComment: {"viewer", ""}, EditComment: {"viewer", ""},
	},
	Revision: {
		Resubmit: {"country", ExpertReview}, Edit: {"country", ""},
		Withdraw: {"country", Withdrawn}, Reassign: {"manager", ""},
		PostComment: {"viewer", ""}, EditComment: {"viewer", ""},
	},
	Planning: {
		DraftPlan: {"assigned", ""}, SubmitPlan: {"assigned", Validation},
		Withdraw: {"country", Withdrawn}, Reassign: {"manager", ""},
		PostComment: {"viewer", ""}, EditComment: {"viewer", ""},
	},
	Validation: {
		Endorse: {"country", Approval}, RequestChanges: {"country", Planning},
		Withdraw: {"country", Withdrawn}, Reassign: {"manager", ""},
		PostComment: {"viewer", ""}, EditComment: {"viewer", ""},
	},
	Approval: {
		Approve: {"four-eyes", Approved}, Return: {"four-eyes", Planning}, Reject: {"four-eyes", Rejected},
		Withdraw: {"country", Withdrawn}, Reassign: {"manager", ""},
		PostComment: {"viewer", ""}, EditComment: {"viewer", ""},
	},
	Approved: {}, Rejected: {}, Withdrawn: {},
}

// documentCells: attaching and removing a document is open, in every open
// stage, to the priority's team and keeps the stage.
func init() {
	for _, s := range []Stage{Triage, ExpertReview, Revision, Planning, Validation, Approval} {
		oracle[s][AttachDocument] = struct {
			who string
			to  Stage
		}{"team", ""}
		oracle[s][RemoveDocument] = struct {
			who string
			to  Stage
		}{"team", ""}
	}
}

// admitted says, by hand, who each "who" of the oracle admits among the cast.
var admitted = map[string][]string{
	"manager":   {mTriager.ID, mAuthor.ID, mFree.ID},
	"four-eyes": {mFree.ID},
	"assigned":  {eAssigned.ID},
	"country":   {fpIn.ID},
	"viewer":    visible,
	"team":      {mTriager.ID, mAuthor.ID, mFree.ID, eAssigned.ID, fpIn.ID},
}

// attachedDoc is the document testPriority lists already.
const attachedDoc = "00000000-0000-4000-8000-0000000000d1"

// visible: who of the cast sees the public priority (fpOut and eOther do not).
var visible = []string{mTriager.ID, mAuthor.ID, mFree.ID, eAssigned.ID, eTheme.ID, fpIn.ID}

func completePlan() Plan {
	return Plan{Objective: "Fortalecer", ExpectedOutcome: "Un ECI", GenderMarker: 1, Actions: []Action{{
		Type: "training", Title: "Taller", Description: "Formación", Beneficiaries: []string{"Fiscalía"},
		Countries: []string{"PE"}, StartDate: "2027-02-01", EndDate: "2027-02-05", BudgetEUR: Cents(4500000),
		EUAgencies: []string{"eurojust"}, Partner: "fiiapp", Indicators: []Indicator{{Name: "Fiscales", Unit: "people", Target: 40}},
	}}}
}

func testPriority(stage Stage) Priority {
	plan := completePlan()
	due := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	return Priority{
		ID: "p1", Ref: "PE-2026-0001", Title: "ECI", Description: "Lavado", Theme: "cybercrime", Pillar: "justice",
		Countries: []string{"PE", "CO"}, Institution: "Fiscalía", Urgency: "high", Sensitivity: Public,
		Stage: stage, Assignee: eAssigned.ID, TriagedBy: mTriager.ID, PlanAuthors: []string{eAssigned.ID, mAuthor.ID},
		StageEnteredAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), DueAt: &due, Version: 7, EventSeq: 9,
		SubmittedBy: fpIn.ID, Plan: &plan, Thread: thread(),
		Documents: []DocumentRef{{ID: attachedDoc, Name: "Acta.pdf"}},
	}
}

// commentOf is the id of the comment each of the cast wrote on the test
// priority's thread: 10000000-… with the author's last digits.
func commentOf(a Actor) string { return "10000000" + a.ID[8:] }

// thread is the test priority's thread: one comment by each of the cast.
func thread() []ThreadEntry {
	var out []ThreadEntry
	for _, a := range cast {
		out = append(out, ThreadEntry{ID: commentOf(a), Author: a.ID})
	}
	return out
}

// threadActs are the acts that leave the priority's version as it is.
var threadActs = []Decision{PostComment, EditComment}

// validAct is a well-formed act of d: the fields each decision needs, and
// the expert an accept or reassign names, found.
func validAct(d Decision) Act {
	act := Act{DecisionInput: DecisionInput{Decision: d}}
	switch d {
	case Reject, Withdraw:
		act.Reason = "no procede"
	case RequestRevision, RequestChanges, Return:
		act.Comment = "precise"
	case Reassign:
		act.ExpertID, act.Expert = eTheme.ID, &eTheme
	case Accept:
		act.Expert = &eAssigned
	case Edit:
		title := "Nuevo título"
		act.Changes = &Changes{Title: &title}
	case DraftPlan:
		plan := completePlan()
		act.Plan = &plan
	case PostComment:
		act.Remark = &CommentInput{ID: "20000000-0000-4000-8000-000000000001", Text: "¿Pueden precisar el presupuesto?"}
	case EditComment:
		act.Remark = &CommentInput{ID: commentOf(mFree), Text: "¿Pueden precisar el presupuesto 2027?"}
	case AttachDocument:
		act.Document = &Document{ID: "00000000-0000-4000-8000-0000000000d2", Name: "Carta de solicitud.pdf",
			Kind: "request_letter", Target: "priority", MediaType: "application/pdf", Size: 1024,
			SHA256:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Expires: time.Date(2027, 1, 2, 4, 0, 0, 0, time.UTC)}
	case RemoveDocument:
		act.DocumentID = attachedDoc
	}
	return act
}

// validActBy is validAct(d) as a taken it: an edit is of a's own comment.
func validActBy(a Actor, d Decision) Act {
	act := validAct(d)
	if d == EditComment {
		act.Remark.ID = commentOf(a)
	}
	return act
}

var acts = append(slices.Clone(Decisions), Edit, DraftPlan, PostComment, EditComment, AttachDocument, RemoveDocument)

// TestEveryCell judges every (stage × actor × act) against the oracle: 404
// for whoever may not see the priority, else 409 when the act does not exist
// in the stage, else 403 unless the oracle admits the actor, else nil — and
// then Apply moves the priority where the oracle says.
func TestEveryCell(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	cells := 0
	for _, stage := range Stages {
		for _, a := range cast {
			for _, d := range acts {
				cells++
				name := fmt.Sprintf("%s/%s/%s", stage, a.ID, d)
				p := testPriority(stage)
				err := Check(a, &p, 0, validActBy(a, d))
				row, exists := oracle[stage][d]
				var want Kind
				switch {
				case !slices.Contains(visible, a.ID):
					want = KindNotFound
				case !exists:
					want = KindConflict
				case !slices.Contains(admitted[row.who], a.ID):
					want = KindForbidden
				}
				if got := KindOfError(err); got != want || (want == 0 && err != nil) {
					t.Errorf("%s: %v (kind %v), want kind %v", name, err, got, want)
					continue
				}
				if want != 0 {
					continue
				}
				out := Apply(a, p, validActBy(a, d), at, DefaultSLAs())
				to := row.to
				if to == "" {
					to = stage
				}
				if out.Priority.Stage != to {
					t.Errorf("%s: moved to %s, want %s", name, out.Priority.Stage, to)
				}
				version := p.Version + 1
				if slices.Contains(threadActs, d) {
					version = p.Version
				}
				if out.Priority.Version != version || out.Priority.EventSeq != p.EventSeq+1 || out.Event.Seq != p.EventSeq+1 {
					t.Errorf("%s: version %d seq %d event %d, want %d, %d", name, out.Priority.Version,
						out.Priority.EventSeq, out.Event.Seq, version, p.EventSeq+1)
				}
				if out.Event.Kind != EventOf(d) || out.Event.FromStage != stage || out.Event.ToStage != to || out.Event.Actor.ID != a.ID || !out.Event.At.Equal(at) {
					t.Errorf("%s: event %+v", name, out.Event)
				}
				if to != stage && (!out.Priority.StageEnteredAt.Equal(at) || out.Priority.Overdue) {
					t.Errorf("%s: entered %s at %v overdue %v", name, to, out.Priority.StageEnteredAt, out.Priority.Overdue)
				}
			}
		}
	}
	if want := len(Stages) * len(cast) * len(acts); cells != want {
		t.Fatalf("%d cells judged, want %d", cells, want)
	}
}

// TestTableAgreesWithOracle: the table has exactly the oracle's rows.
func TestTableAgreesWithOracle(t *testing.T) {
	t.Parallel()
	n := 0
	for _, m := range oracle {
		n += len(m)
	}
	if len(Table) != n {
		t.Errorf("table has %d rows, the oracle %d", len(Table), n)
	}
	for _, tr := range Table {
		row, ok := oracle[tr.From][tr.Decision]
		if !ok || row.to != tr.To {
			t.Errorf("row %+v: oracle says %+v (exists %v)", tr, row, ok)
		}
	}
}

func TestCheckOrder(t *testing.T) {
	t.Parallel()
	p := testPriority(Approval)
	bad := Act{DecisionInput: DecisionInput{Decision: Approve, Reason: "not used by approve"}}
	cases := []struct {
		name    string
		a       Actor
		version int
		act     Act
		want    Kind
	}{
		{"unseen beats stale", fpOut, 3, bad, KindNotFound},
		{"stale beats conflict", mFree, 3, validAct(Endorse), KindStale},
		{"conflict beats forbidden", eTheme, 7, validAct(Endorse), KindConflict},
		{"forbidden beats invalid", mTriager, 7, bad, KindForbidden},
		{"invalid last", mFree, 7, bad, KindInvalid},
		{"current version passes", mFree, 7, validAct(Approve), 0},
		{"unknown decision is invalid", mFree, 0, Act{DecisionInput: DecisionInput{Decision: "dance"}}, KindInvalid},
	}
	for _, c := range cases {
		if got := KindOfError(Check(c.a, &p, c.version, c.act)); got != c.want {
			t.Errorf("%s: kind %v, want %v", c.name, got, c.want)
		}
	}
	var nilPriority *Priority
	if got := KindOfError(Check(mFree, nilPriority, 0, validAct(Approve))); got != KindNotFound {
		t.Errorf("missing priority: kind %v", got)
	}
}

func TestRestrictedVisibility(t *testing.T) {
	t.Parallel()
	p := testPriority(ExpertReview)
	p.Sensitivity = Restricted
	if KindOfError(Check(eTheme, &p, 0, validAct(Approve))) != KindNotFound {
		t.Error("an unassigned expert of the theme sees a restricted priority")
	}
	if err := Check(eAssigned, &p, 0, validAct(Approve)); err != nil {
		t.Errorf("assigned expert: %v", err)
	}
}

func TestBodyProblems(t *testing.T) {
	t.Parallel()
	empty := ""
	noPlan := testPriority(Planning)
	noPlan.Plan = nil
	incomplete := testPriority(Planning)
	incomplete.Plan = &Plan{Objective: "x"}
	cases := []struct {
		name  string
		p     Priority
		a     Actor
		act   Act
		field string
	}{
		{"reject needs a reason", testPriority(Triage), mFree, Act{DecisionInput: DecisionInput{Decision: Reject}}, "reason"},
		{"request_revision needs a comment", testPriority(ExpertReview), eAssigned, Act{DecisionInput: DecisionInput{Decision: RequestRevision}}, "comment"},
		{"submit_plan without a plan", noPlan, eAssigned, validAct(SubmitPlan), "plan"},
		{"submit_plan with an incomplete plan", incomplete, eAssigned, validAct(SubmitPlan), "plan.expected_outcome"},
		{"edit with nothing", testPriority(Revision), fpIn, Act{DecisionInput: DecisionInput{Decision: Edit}}, "(body)"},
		{"edit with an empty title", testPriority(Revision), fpIn, Act{DecisionInput: DecisionInput{Decision: Edit, Changes: &Changes{Title: &empty}}}, "title"},
		{"draft without a plan", testPriority(Planning), eAssigned, Act{DecisionInput: DecisionInput{Decision: DraftPlan}}, "(body)"},
		{"draft with a bad gender marker", testPriority(Planning), eAssigned, Act{DecisionInput: DecisionInput{Decision: DraftPlan}, Plan: &Plan{GenderMarker: 5}}, "gender_marker"},
		{"resubmit with a bad change", testPriority(Revision), fpIn, Act{DecisionInput: DecisionInput{Decision: Resubmit, Changes: &Changes{Title: &empty}}}, "changes.title"},
	}
	for _, c := range cases {
		err := Check(c.a, &c.p, 0, c.act)
		var e *Error
		if KindOfError(err) != KindInvalid || !asError(err, &e) || !e.Problems.Has(c.field) {
			t.Errorf("%s: %v, want invalid on %s", c.name, err, c.field)
		}
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

func TestExpertJudgement(t *testing.T) {
	t.Parallel()
	triage := testPriority(Triage)
	triage.Assignee = ""
	stranger := Actor{ID: "00000000-0000-4000-8000-000000000009", Role: FocalPoint, Countries: []string{"PE"}}
	cases := []struct {
		name string
		act  Act
		msg  string
	}{
		{"accept, nobody covers the theme", Act{DecisionInput: DecisionInput{Decision: Accept}}, "no_expert theme=cybercrime"},
		{"accept names an unknown user", Act{DecisionInput: DecisionInput{Decision: Accept, ExpertID: "00000000-0000-4000-8000-00000000000a"}}, "unknown_user"},
		{"accept names a focal point", Act{DecisionInput: DecisionInput{Decision: Accept, ExpertID: "00000000-0000-4000-8000-000000000009"}, Expert: &stranger}, "not_an_expert"},
		{"accept names an expert of another theme", Act{DecisionInput: DecisionInput{Decision: Accept, ExpertID: eOther.ID}, Expert: &eOther}, "not_theme_expert theme=cybercrime"},
		{"accept moves the theme away from the expert", Act{DecisionInput: DecisionInput{Decision: Accept, Theme: "money_laundering", ExpertID: eTheme.ID}, Expert: &eTheme}, "not_theme_expert theme=money_laundering"},
		{"reassign to an expert of another theme", Act{DecisionInput: DecisionInput{Decision: Reassign, ExpertID: eOther.ID}, Expert: &eOther}, "not_theme_expert theme=cybercrime"},
		{"the caller found someone else", Act{DecisionInput: DecisionInput{Decision: Reassign, ExpertID: eOther.ID}, Expert: &eTheme}, "unknown_user"},
	}
	for _, c := range cases {
		err := Check(mFree, &triage, 0, c.act)
		var e *Error
		if !asError(err, &e) || e.Kind != KindInvalid || len(e.Problems) != 1 || e.Problems[0].Field != "expert_id" || describe(e.Problems[0]) != c.msg {
			t.Errorf("%s: %v %+v, want expert_id: %s", c.name, err, e, c.msg)
		}
	}
	ok := Act{DecisionInput: DecisionInput{Decision: Accept, Theme: "corruption"}, Expert: &eOther}
	if err := Check(mFree, &triage, 0, ok); err != nil {
		t.Errorf("accept to the least-loaded expert of the new theme: %v", err)
	}
	out := Apply(mFree, triage, ok, time.Now(), DefaultSLAs())
	if out.Priority.Theme != "corruption" || out.Priority.Assignee != eOther.ID || out.Priority.TriagedBy != mFree.ID {
		t.Errorf("accept applied: %+v", out.Priority)
	}
}

func TestExpertWanted(t *testing.T) {
	t.Parallel()
	fresh := testPriority(Triage)
	fresh.Assignee = ""
	named := testPriority(Triage) // a reassign in triage named eAssigned
	cases := []struct {
		name      string
		p         Priority
		act       Act
		id, theme string
		ok        bool
	}{
		{"accept, no expert yet: least-loaded", fresh, Act{DecisionInput: DecisionInput{Decision: Accept}}, "", "cybercrime", true},
		{"accept, new theme", fresh, Act{DecisionInput: DecisionInput{Decision: Accept, Theme: "corruption"}}, "", "corruption", true},
		{"accept keeps the named expert", named, Act{DecisionInput: DecisionInput{Decision: Accept}}, eAssigned.ID, "cybercrime", true},
		{"accept names one", fresh, Act{DecisionInput: DecisionInput{Decision: Accept, ExpertID: "00000000-0000-4000-8000-00000000000b"}}, "00000000-0000-4000-8000-00000000000b", "cybercrime", true},
		{"reassign names one", named, Act{DecisionInput: DecisionInput{Decision: Reassign, ExpertID: "00000000-0000-4000-8000-00000000000c"}}, "00000000-0000-4000-8000-00000000000c", "cybercrime", true},
		{"reassign without a name: the body is wrong, nothing to look up", named, Act{DecisionInput: DecisionInput{Decision: Reassign}}, "", "", false},
		{"approve needs nobody", named, Act{DecisionInput: DecisionInput{Decision: Approve}}, "", "", false},
	}
	for _, c := range cases {
		id, theme, ok := ExpertWanted(&c.p, c.act)
		if id != c.id || theme != c.theme || ok != c.ok {
			t.Errorf("%s: (%q, %q, %v), want (%q, %q, %v)", c.name, id, theme, ok, c.id, c.theme, c.ok)
		}
	}
}

func TestApplyEffects(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	p := testPriority(Planning)
	p.PlanAuthors = nil
	orig := clone(p)
	out := Apply(eAssigned, p, validAct(DraftPlan), at, DefaultSLAs())
	if !slices.Equal(out.Priority.PlanAuthors, []string{eAssigned.ID}) || out.Event.Data["actions"] != 1 || out.Event.Data["budget_eur"] != Cents(4500000) {
		t.Errorf("draft: authors %v data %v", out.Priority.PlanAuthors, out.Event.Data)
	}
	out.Priority.Plan.Actions[0].Countries[0] = "XX"
	if p.Plan.Actions[0].Countries[0] != "PE" || p.Version != orig.Version || p.PlanAuthors != nil {
		t.Error("Apply changed its input")
	}
	rev := testPriority(Revision)
	title := "  Nuevo  "
	out = Apply(fpIn, rev, Act{DecisionInput: DecisionInput{Decision: Resubmit, Changes: &Changes{Title: &title}}}, at, DefaultSLAs())
	if out.Priority.Title != "Nuevo" || out.Priority.Stage != ExpertReview || out.Event.Data["changes"] == nil {
		t.Errorf("resubmit: %+v", out)
	}
	if want := at.Add(DefaultSLAs()[ExpertReview]); out.Priority.DueAt == nil || !out.Priority.DueAt.Equal(want) {
		t.Errorf("resubmit: due %v, want %v", out.Priority.DueAt, want)
	}
	re := Apply(mFree, testPriority(Validation), Act{DecisionInput: DecisionInput{Decision: Reassign, ExpertID: eTheme.ID}, Expert: &eTheme}, at, DefaultSLAs())
	if re.Priority.Assignee != eTheme.ID || re.Event.Kind != EventReassigned || re.Event.Data["from"] != eAssigned.ID || !re.Priority.StageEnteredAt.Equal(testPriority(Validation).StageEnteredAt) {
		t.Errorf("reassign: %+v", re)
	}
	rej := Apply(mFree, testPriority(Approval), validAct(Reject), at, DefaultSLAs())
	if rej.Event.Comment != "no procede" || rej.Priority.DueAt != nil {
		t.Errorf("reject: %+v", rej)
	}
}

func TestSubmit(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	s := Submission{Title: " ECI ", Description: "d", Theme: "cybercrime", Pillar: "justice", Countries: []string{"PE"}, Institution: "F", Urgency: "low"}
	if err := CheckSubmit(eAssigned, s); KindOfError(err) != KindForbidden {
		t.Errorf("an expert submits: %v", err)
	}
	if err := CheckSubmit(fpOut, s); KindOfError(err) != KindForbidden {
		t.Errorf("a focal point of another country submits: %v", err)
	}
	if err := CheckSubmit(fpIn, Submission{}); KindOfError(err) != KindInvalid {
		t.Errorf("an empty submission: %v", err)
	}
	if err := CheckSubmit(fpIn, s); err != nil {
		t.Fatalf("a good submission: %v", err)
	}
	out := Submit(Submitted{Actor: fpIn, Submission: s, ID: "p9", Ref: "PE-2027-0001", RequestHash: "h", At: at}, DefaultSLAs())
	p := out.Priority
	if p.Stage != Triage || p.Version != 1 || p.EventSeq != 1 || p.Title != "ECI" || p.Sensitivity != Public ||
		!p.CreatedAt.Equal(at) || p.DueAt == nil || !p.DueAt.Equal(at.Add(5*24*time.Hour)) || p.SubmittedBy != fpIn.ID || p.Ref != "PE-2027-0001" {
		t.Errorf("submitted: %+v", p)
	}
	if out.Event.Kind != EventSubmitted || out.Event.Seq != 1 || out.Event.ToStage != Triage || out.Event.Actor.ID != fpIn.ID {
		t.Errorf("event: %+v", out.Event)
	}
}

func TestDueAndLapse(t *testing.T) {
	t.Parallel()
	slas := SLAs{Planning: 10 * 24 * time.Hour}
	p := testPriority(Planning)
	at, kind := Due(&p, slas, false)
	if kind != EventReminder || !at.Equal(p.StageEnteredAt.Add(8*24*time.Hour)) {
		t.Errorf("reminder due %v %s", at, kind)
	}
	r := Lapse(p, EventReminder, at)
	if r.Priority.Version != p.Version || r.Priority.EventSeq != p.EventSeq+1 || r.Event.Actor != System || r.Priority.Overdue {
		t.Errorf("reminder: %+v", r)
	}
	at, kind = Due(&r.Priority, slas, true)
	if kind != EventEscalated || !at.Equal(p.StageEnteredAt.Add(10*24*time.Hour)) {
		t.Errorf("escalation due %v %s", at, kind)
	}
	e := Lapse(r.Priority, EventEscalated, at)
	if !e.Priority.Overdue || e.Priority.Version != p.Version+1 || e.Event.Seq != p.EventSeq+2 {
		t.Errorf("escalation: %+v", e)
	}
	if _, kind := Due(&e.Priority, slas, true); kind != "" {
		t.Errorf("overdue priority still has %s due", kind)
	}
	if _, kind := Due(&p, SLAs{}, false); kind != "" {
		t.Errorf("stage without SLA has %s due", kind)
	}
	done := testPriority(Approved)
	if _, kind := Due(&done, slas, false); kind != "" {
		t.Errorf("terminal stage has %s due", kind)
	}
}
