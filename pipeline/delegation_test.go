package pipeline

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The delegates of the delegation tests, beside the cast of the engine tests.
var (
	eCover  = Actor{ID: "00000000-0000-4000-8000-000000000011", Name: "Cover", Role: Expert, Themes: []string{"cybercrime", "corruption"}}
	fpBoth  = Actor{ID: "00000000-0000-4000-8000-000000000012", Name: "Both", Role: FocalPoint, Countries: []string{"PE", "CO"}}
	mFresh  = Actor{ID: "00000000-0000-4000-8000-000000000013", Name: "Fresh", Role: Manager}
	fpOnlyC = Actor{ID: "00000000-0000-4000-8000-000000000014", Name: "Colombia", Role: FocalPoint, Countries: []string{"CO"}}
)

// standIn is one (delegate, absentee) pair of the delegation oracle, with
// what it should come to, written out by hand: whether the delegate sees
// the priority in the absentee's name or its own, and which "who" of the
// engine oracle admit the delegate on the absentee's behalf.
type standIn struct {
	name     string
	delegate Actor
	absentee Actor
	visible  bool
	admits   []string
}

var standIns = []standIn{
	// An expert with the absentee's theme takes the assigned expert's decisions.
	{"expert covers the assigned expert", eCover, eAssigned, true, []string{"assigned"}},
	// Without the absentee's themes, no standing at all (eOther sees nothing of cybercrime).
	{"expert of another theme", eOther, eAssigned, false, nil},
	// A focal point of all the absentee's countries.
	{"focal point covering PE", fpBoth, fpIn, true, []string{"country"}},
	// A focal point missing one of the absentee's countries covers nothing;
	// it sees the priority in its own name (CO) and acts there itself.
	{"focal point of CO only for PE", fpOnlyC, fpIn, true, nil},
	{"focal point of MX for PE", fpOut, fpIn, false, nil},
	// Another role never stands in.
	{"expert for a focal point", eCover, fpIn, true, nil},
	// Nobody stands in for themselves.
	{"the assigned expert for themselves", eAssigned, eAssigned, true, nil},
	// Managers: any manager covers any other, but four-eyes holds through
	// delegation both ways.
	{"triager for a free manager", mTriager, mFree, true, []string{"manager"}},
	{"free manager for the triager", mFresh, mTriager, true, []string{"manager"}},
	{"free manager for the plan's author", mFresh, mAuthor, true, []string{"manager"}},
	{"free manager for a free manager", mFresh, mFree, true, []string{"manager", "four-eyes"}},
	{"author for a free manager", mAuthor, mFree, true, []string{"manager"}},
}

// anyCover are the acts a delegate may take on behalf of whomever they
// cover, whatever the absentee's standing: a comment needs only the
// absentee to see the priority, a document only to be of its team, which
// every covered absentee of standIns is. (Editing a comment stays its
// author's own: never on behalf.)
var anyCover = map[Decision]bool{PostComment: true, AttachDocument: true, RemoveDocument: true}

// TestDelegationCells judges every (stage × pair × act) on the absentee's
// behalf against the oracle of the engine tests and the hand-written
// standing of each pair: 404 unless the pair sees the priority, 409 when
// the act does not exist in the stage, 403 unless the pair admits the
// act's "who", else nil — and Apply records both names.
func TestDelegationCells(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	cells := 0
	for _, stage := range Stages {
		for _, si := range standIns {
			for _, d := range acts {
				cells++
				name := fmt.Sprintf("%s/%s/%s", stage, si.name, d)
				p := testPriority(stage)
				a := si.delegate.For(si.absentee)
				err := Check(a, &p, 0, validAct(d))
				row, exists := oracle[stage][d]
				var want Kind
				switch {
				case !si.visible:
					want = KindNotFound
				case !exists:
					want = KindConflict
				case !slices.Contains(si.admits, row.who) && !(anyCover[d] && len(si.admits) > 0):
					want = KindForbidden
				}
				if got := KindOfError(err); got != want || (want == 0 && err != nil) {
					t.Errorf("%s: %v (kind %v), want kind %v", name, err, got, want)
					continue
				}
				if want != 0 {
					continue
				}
				ev := Apply(a, p, validAct(d), at, DefaultSLAs()).Event
				if ev.Actor.ID != si.delegate.ID || ev.Actor.OnBehalfOf == nil || ev.Actor.OnBehalfOf.ID != si.absentee.ID ||
					ev.Actor.OnBehalfOf.Name != si.absentee.Name {
					t.Errorf("%s: event actor %+v, want %s on behalf of %s", name, ev.Actor, si.delegate.Name, si.absentee.Name)
				}
			}
		}
	}
	if want := len(Stages) * len(standIns) * len(acts); cells != want {
		t.Fatalf("%d cells judged, want %d", cells, want)
	}
}

// TestActingPrefersOwnName: a delegate acts in their own name wherever the
// table admits them, on behalf of an absentee only where it takes the
// absentee's standing, and the triager finds no standing to approve with.
func TestActingPrefersOwnName(t *testing.T) {
	t.Parallel()
	withStandIns := func(a Actor, bs ...Actor) Actor { a.StandsIn = bs; return a }
	restricted := testPriority(ExpertReview)
	restricted.Sensitivity = Restricted
	cases := []struct {
		name   string
		a      Actor
		p      Priority
		d      Decision
		behalf string // "" in own name
		want   Kind
	}{
		{"expert approves the review for the assigned one", withStandIns(eCover, eOther, eAssigned), testPriority(ExpertReview), Approve, eAssigned.ID, 0},
		{"restricted: seen and approved only on behalf", withStandIns(eCover, eAssigned), restricted, Approve, eAssigned.ID, 0},
		{"restricted, no stand-in: not found", eCover, restricted, Approve, "", KindNotFound},
		{"focal point endorses in own name", withStandIns(fpBoth, fpIn), testPriority(Validation), Endorse, "", 0},
		{"manager accepts in own name", withStandIns(mFresh, mTriager), testPriority(Triage), Accept, "", 0},
		{"triager standing in for a free manager may not approve", withStandIns(mTriager, mFree), testPriority(Approval), Approve, "", KindForbidden},
		{"free manager approves in own name", withStandIns(mFresh, mTriager), testPriority(Approval), Approve, "", 0},
		{"a stand-in outside the scope gives nothing", withStandIns(eOther, eAssigned), testPriority(ExpertReview), Approve, "", KindNotFound},
	}
	for _, c := range cases {
		got := Acting(c.a, &c.p, c.d)
		behalf := ""
		if got.OnBehalfOf != nil {
			behalf = got.OnBehalfOf.ID
		}
		if behalf != c.behalf || got.StandsIn != nil || got.ID != c.a.ID {
			t.Errorf("%s: acting %s on behalf of %q (stands in %d), want %q", c.name, got.ID, behalf, len(got.StandsIn), c.behalf)
		}
		if k := KindOfError(Check(got, &c.p, 0, validAct(c.d))); k != c.want {
			t.Errorf("%s: kind %v, want %v", c.name, k, c.want)
		}
	}
	p := testPriority(ExpertReview)
	if got := AllowedDecisions(withStandIns(eCover, eAssigned), &p); !slices.Equal(got, []Decision{Approve, RequestRevision, Reject}) {
		t.Errorf("a delegate's allowed decisions: %v", got)
	}
	if got := AllowedDecisions(eCover, &p); len(got) != 0 {
		t.Errorf("standing in for nobody: %v", got)
	}
	approval := testPriority(Approval)
	if Allowed(withStandIns(mTriager, mFree), &approval, Approve) || !Allowed(withStandIns(mFresh, mTriager), &approval, Approve) {
		t.Error("four-eyes through delegation in Allowed")
	}
}

func TestCovers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		d, a Actor
		want bool
	}{
		{eCover, eAssigned, true},
		{eTheme, eAssigned, true},
		{eAssigned, eCover, false}, // lacks corruption
		{fpBoth, fpIn, true},
		{fpIn, fpBoth, false}, // lacks CO
		{mFree, mTriager, true},
		{mFree, mFree, false},
		{eCover, fpIn, false},
	}
	for _, c := range cases {
		if got := c.d.Covers(c.a); got != c.want {
			t.Errorf("%s covers %s: %v, want %v", c.d.Name, c.a.Name, got, c.want)
		}
	}
}

func TestCheckAbsence(t *testing.T) {
	t.Parallel()
	today := "2027-03-10"
	good := AbsenceInput{From: "2027-03-15", To: "2027-03-20", DelegateID: eCover.ID}
	booked := []Absence{
		{UserID: eAssigned.ID, DelegateID: eTheme.ID, From: "2027-04-01", To: "2027-04-10"},
		{UserID: eCover.ID, DelegateID: eTheme.ID, From: "2027-05-01", To: "2027-05-03"},
		{UserID: eOther.ID, UserName: "Other", DelegateID: eAssigned.ID, From: "2027-06-01", To: "2027-06-30"},
	}
	with := func(f func(*AbsenceInput)) AbsenceInput { in := good; f(&in); return in }
	cases := []struct {
		name     string
		by       Actor
		in       AbsenceInput
		delegate *Actor
		want     string // "field code", "" for nil, "forbidden"
	}{
		{"good, by the absentee", eAssigned, good, &eCover, ""},
		{"good, by a manager", mFree, good, &eCover, ""},
		{"by another expert", eTheme, good, &eCover, "forbidden"},
		{"from is no date", eAssigned, with(func(in *AbsenceInput) { in.From = "15/03/2027" }), &eCover, "from not_a_date"},
		{"to missing", eAssigned, with(func(in *AbsenceInput) { in.To = "" }), &eCover, "to required"},
		{"to before from", eAssigned, with(func(in *AbsenceInput) { in.To = "2027-03-14" }), &eCover, "to end_before_start"},
		{"to in the past", eAssigned, with(func(in *AbsenceInput) { in.From, in.To = "2027-03-01", "2027-03-09" }), &eCover, "to absence_over"},
		{"out of range", eAssigned, with(func(in *AbsenceInput) { in.To = "2200-01-01" }), &eCover, "to date_out_of_range max=2100-12-31 min=1990-01-01"},
		{"delegate not an id", eAssigned, with(func(in *AbsenceInput) { in.DelegateID = "ana" }), nil, "delegate_id not_an_id"},
		{"unknown delegate", eAssigned, good, nil, "delegate_id unknown_user"},
		{"self-delegation", eAssigned, with(func(in *AbsenceInput) { in.DelegateID = eAssigned.ID }), &eAssigned, "delegate_id self_delegation"},
		{"another role", eAssigned, with(func(in *AbsenceInput) { in.DelegateID = mFree.ID }), &mFree, "delegate_id delegate_role role=expert"},
		{"another scope", eAssigned, with(func(in *AbsenceInput) { in.DelegateID = eOther.ID }), &eOther, "delegate_id delegate_scope"},
		{"overlaps an absence", eAssigned, with(func(in *AbsenceInput) { in.To = "2027-04-01" }), &eCover, "from absence_overlap from=2027-04-01 to=2027-04-10"},
		{"the delegate is absent then", eAssigned, with(func(in *AbsenceInput) { in.From, in.To = "2027-05-03", "2027-05-05" }), &eCover, "delegate_id delegate_absent from=2027-05-01 to=2027-05-03"},
		{"the absentee stands in for someone then", eAssigned, with(func(in *AbsenceInput) { in.From, in.To = "2027-06-30", "2027-07-02" }), &eCover, "to standing_in name=Other"},
		{"right after another absence", eAssigned, with(func(in *AbsenceInput) { in.From, in.To = "2027-04-11", "2027-04-12" }), &eCover, ""},
	}
	for _, c := range cases {
		err := CheckAbsence(c.by, eAssigned, c.in, c.delegate, today, booked)
		got := ""
		var e *Error
		switch {
		case err == nil:
		case KindOfError(err) == KindForbidden:
			got = "forbidden"
		case asError(err, &e) && len(e.Problems) == 1:
			got = e.Problems[0].Field + " " + describe(e.Problems[0])
		default:
			got = fmt.Sprintf("%v %+v", err, e)
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	x := Absence{UserID: eAssigned.ID, UserName: "Assigned", CreatedBy: mFree.ID, From: "2027-03-15", To: "2027-03-20"}
	for _, c := range []struct {
		by Actor
		ok bool
	}{{eAssigned, true}, {mFree, true}, {mTriager, true}, {eTheme, false}} {
		if err := CheckCancelAbsence(c.by, x); (err == nil) != c.ok {
			t.Errorf("cancel by %s: %v", c.by.Name, err)
		}
	}
	if !x.ActiveOn("2027-03-15") || !x.ActiveOn("2027-03-20") || x.ActiveOn("2027-03-21") || x.ActiveOn("2027-03-14") {
		t.Error("ActiveOn does not include both ends, and only them")
	}
}
