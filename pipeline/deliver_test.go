package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// The implementers of the delivery tests: iFIIAPP implements action 0 of
// deliveryPriority, iCamoes action 1, iCivipol none.
var (
	iFIIAPP  = Actor{ID: "00000000-0000-4000-8000-000000000011", Name: "FIIAPP", Role: Implementer, Partner: "fiiapp"}
	iCamoes  = Actor{ID: "00000000-0000-4000-8000-000000000012", Name: "Camões", Role: Implementer, Partner: "camoes"}
	iCivipol = Actor{ID: "00000000-0000-4000-8000-000000000013", Name: "CIVIPOL", Role: Implementer, Partner: "civipol"}
	dCast    = append(slices.Clone(cast), iFIIAPP, iCamoes, iCivipol)
)

// deliveryOracle is the delivery table of docs/architecture.md, Delivery,
// written out by hand: in each delivery stage, with the report pending
// ("pending") or validated ("validated"), each act, who may take it and
// where it leads ("" = stays). Who: "partner" an implementer of the
// action's partner, "partner+manager" that implementer or any manager,
// "manager" any manager, "assigned" the assigned expert.
var deliveryOracle = map[DeliveryStage]map[string]map[DeliveryAct]struct {
	who string
	to  DeliveryStage
}{
	Scheduled: {"pending": {
		Confirm: {"partner", InProgress}, Postpone: {"partner+manager", Postponed},
		CancelAction: {"manager", Cancelled}, ChangePartner: {"manager", ""},
	}},
	Postponed: {"pending": {
		Confirm: {"partner", InProgress}, Postpone: {"partner+manager", Postponed},
		CancelAction: {"manager", Cancelled}, ChangePartner: {"manager", ""},
	}},
	InProgress: {"pending": {
		ReportDelivery: {"partner", Delivered}, Postpone: {"partner+manager", Postponed},
		CancelAction: {"manager", Cancelled}, ChangePartner: {"manager", ""},
	}},
	Delivered: {
		"pending": {
			ValidateReport: {"assigned", ""}, SendBack: {"assigned", InProgress},
			Postpone: {"partner+manager", Postponed}, CancelAction: {"manager", Cancelled}, ChangePartner: {"manager", ""},
		},
		"validated": {
			CloseAction: {"manager", Closed},
			Postpone:    {"partner+manager", Postponed}, CancelAction: {"manager", Cancelled}, ChangePartner: {"manager", ""},
		},
	},
	Closed:    {"pending": {}, "validated": {}},
	Cancelled: {"pending": {}},
}

// dAdmitted says, by hand, whom each "who" admits on action 0 (FIIAPP's).
var dAdmitted = map[string][]string{
	"partner":         {iFIIAPP.ID},
	"partner+manager": {iFIIAPP.ID, mTriager.ID, mAuthor.ID, mFree.ID},
	"manager":         {mTriager.ID, mAuthor.ID, mFree.ID},
	"assigned":        {eAssigned.ID},
}

func twoActionPlan() Plan {
	p := completePlan()
	second := p.Actions[0]
	second.Title, second.Partner = "Intercambio", "camoes"
	second.Indicators = []Indicator{{Name: "Casos", Unit: "cases", Target: 3}, {Name: "Fiscales", Unit: "people", Target: 10}}
	p.Actions = append(p.Actions, second)
	return p
}

// deliveryPriority is testPriority approved, its two actions delivering,
// action 0 in stage s with its report validated or not.
func deliveryPriority(s DeliveryStage, validated bool) Priority {
	p := testPriority(Approved)
	plan := twoActionPlan()
	p.Plan = &plan
	p = StartDelivery(p, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)).Priority
	p.Deliveries[0].Stage = s
	if s == Delivered || s == Closed {
		r := validReport(1)
		p.Deliveries[0].Report = &r
	}
	p.Deliveries[0].ReportValidated = validated
	return p
}

func validReport(indicators int) DeliveryReport {
	r := DeliveryReport{ParticipantsWomen: 18, ParticipantsMen: 14, ParticipantsOther: 1,
		Institutions: []InstitutionCount{{Name: "Fiscalía", Participants: 20}, {Name: "Policía", Participants: 13}},
		Countries:    []string{"PE", "CO"}, Summary: "Cinco días de taller", ActualCostEUR: Cents(4213050)}
	for range indicators {
		r.Indicators = append(r.Indicators, IndicatorActual{Actual: 35, Note: "asistieron"})
	}
	return r
}

// validDeliveryInput is a body the act accepts on action 0.
func validDeliveryInput(act DeliveryAct) DeliveryInput {
	in := DeliveryInput{Act: act}
	switch act {
	case Confirm:
		in.StartDate, in.EndDate, in.Place = "2027-02-01", "2027-02-05", "Lima"
	case ReportDelivery:
		r := validReport(1)
		in.Report = &r
	case SendBack:
		in.Comment = "Faltan las notas"
	case Postpone:
		in.StartDate, in.EndDate, in.Reason = "2027-05-01", "2027-05-05", "Elecciones"
	case CancelAction:
		in.Reason = "Sin contraparte"
	case ChangePartner:
		in.Partner, in.Reason = "iila", "FIIAPP sin capacidad"
	}
	return in
}

func TestDeliveryTableAgreesWithOracle(t *testing.T) {
	t.Parallel()
	for _, tr := range DeliveryTable {
		conds := []string{"pending", "validated"}
		switch tr.If {
		case ReportPending:
			conds = []string{"pending"}
		case ReportAccepted:
			conds = []string{"validated"}
		}
		for _, c := range conds {
			acts, has := deliveryOracle[tr.From][c]
			if !has {
				continue
			}
			want, ok := acts[tr.Act]
			switch {
			case !ok:
				t.Errorf("table has %s in %s (%s); the oracle does not", tr.Act, tr.From, c)
			case tr.To != want.to:
				t.Errorf("%s in %s leads to %q, oracle %q", tr.Act, tr.From, tr.To, want.to)
			}
		}
	}
	for s, byCond := range deliveryOracle {
		for c, acts := range byCond {
			for act := range acts {
				tr, ok := LookupDelivery(s, act)
				if !ok || !tr.Holds(Delivery{ReportValidated: c == "validated"}) {
					t.Errorf("oracle has %s in %s (%s); the table does not", act, s, c)
				}
			}
		}
	}
}

// TestEveryDeliveryCell judges every act in every stage and report state
// for every member of the cast on action 0, and checks the outcome against
// the oracle: the refusal kind, or the stage it leads to.
func TestEveryDeliveryCell(t *testing.T) {
	t.Parallel()
	for _, s := range DeliveryStages {
		for _, validated := range []bool{false, true} {
			cond := map[bool]string{false: "pending", true: "validated"}[validated]
			acts, inOracle := deliveryOracle[s][cond]
			if !inOracle {
				continue
			}
			for _, act := range DeliveryActs {
				for _, a := range dCast {
					p := deliveryPriority(s, validated)
					name := fmt.Sprintf("%s/%s/%s/%s", s, cond, act, a.Name)
					err := CheckDelivery(a, &p, p.Version, 0, validDeliveryInput(act))
					cell, exists := acts[act]
					seen := slices.Contains(visible, a.ID) || a.ID == iFIIAPP.ID
					switch {
					case !seen:
						wantKind(t, name, err, KindNotFound)
					case !exists:
						wantKind(t, name, err, KindConflict)
					case !slices.Contains(dAdmitted[cell.who], a.ID):
						wantKind(t, name, err, KindForbidden)
					default:
						if err != nil {
							t.Errorf("%s: refused: %v", name, err)
							continue
						}
						out := ApplyDelivery(a, p, 0, validDeliveryInput(act), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
						to := cell.to
						if to == "" {
							to = s
						}
						if got := out.Priority.Deliveries[0].Stage; got != to {
							t.Errorf("%s: stage %s, want %s", name, got, to)
						}
						if out.Event.Seq != p.EventSeq+1 || out.Event.Kind != DeliveryEventOf(act) || out.Priority.Version != p.Version+1 {
							t.Errorf("%s: event %d %s, version %d", name, out.Event.Seq, out.Event.Kind, out.Priority.Version)
						}
						if out.Priority.Deliveries[1].Stage != Scheduled || p.Deliveries[0].Stage != s {
							t.Errorf("%s: touched another action or the input", name)
						}
					}
				}
			}
		}
	}
}

func wantKind(t *testing.T, name string, err error, k Kind) {
	t.Helper()
	if got := KindOfError(err); got != k {
		t.Errorf("%s: kind %v (%v), want %v", name, got, err, k)
	}
}

func TestDeliveryVisibility(t *testing.T) {
	t.Parallel()
	p := deliveryPriority(Scheduled, false)
	for _, tc := range []struct {
		a      Actor
		action int
		want   bool
	}{
		{iFIIAPP, 0, true}, {iFIIAPP, 1, false}, {iCamoes, 1, true}, {iCamoes, 0, false},
		{iCivipol, 0, false}, {iCivipol, 1, false}, {mFree, 1, true}, {fpIn, 1, true}, {fpOut, 0, false},
		{iFIIAPP, 2, false}, {mFree, -1, false},
	} {
		if got := tc.a.CanSeeAction(&p, tc.action); got != tc.want {
			t.Errorf("%s on action %d: %v, want %v", tc.a.Name, tc.action, got, tc.want)
		}
	}
	before := testPriority(Approval)
	before.Plan = p.Plan
	if iFIIAPP.CanSee(&before) || iFIIAPP.CanSeeAction(&before, 0) {
		t.Error("an implementer sees a priority before its approval")
	}
	restricted := p
	restricted.Sensitivity = Restricted
	if !iFIIAPP.CanSeeAction(&restricted, 0) || iFIIAPP.CanSeeAction(&restricted, 1) || eTheme.CanSee(&restricted) {
		t.Error("restricted: the partner's implementer sees its action only, the theme's expert nothing")
	}
	if got := AllowedDeliveryActs(iCamoes, &p, 0); len(got) != 0 {
		t.Errorf("Camões on FIIAPP's action: %v", got)
	}
	if got := AllowedDeliveryActs(iCamoes, &p, 1); !slices.Equal(got, []DeliveryAct{Confirm, Postpone}) {
		t.Errorf("Camões on its action: %v", got)
	}
}

func TestDeliveryCheckOrder(t *testing.T) {
	t.Parallel()
	p := deliveryPriority(Scheduled, false)
	bad := DeliveryInput{Act: ReportDelivery}
	wantKind(t, "other partner, stale, wrong stage", CheckDelivery(iCamoes, &p, 1, 0, bad), KindNotFound)
	wantKind(t, "stale, wrong stage", CheckDelivery(iFIIAPP, &p, 1, 0, bad), KindStale)
	wantKind(t, "wrong stage, not the expert", CheckDelivery(eTheme, &p, 0, 0, DeliveryInput{Act: ValidateReport}), KindConflict)
	wantKind(t, "right stage, not the partner, bad body", CheckDelivery(mFree, &p, 0, 0, DeliveryInput{Act: Confirm}), KindForbidden)
	wantKind(t, "bad body", CheckDelivery(iFIIAPP, &p, 0, 0, DeliveryInput{Act: Confirm}), KindInvalid)
	wantKind(t, "unknown act", CheckDelivery(iFIIAPP, &p, 0, 0, DeliveryInput{Act: "party"}), KindInvalid)
	notYet := testPriority(Approved)
	wantKind(t, "delivery not started", CheckDelivery(mFree, &notYet, 0, 0, validDeliveryInput(CancelAction)), KindConflict)
}

func TestDeliveryBodyProblems(t *testing.T) {
	t.Parallel()
	report := func(edit func(r *DeliveryReport)) *DeliveryReport {
		r := validReport(2)
		edit(&r)
		return &r
	}
	for _, tc := range []struct {
		name string
		in   DeliveryInput
		want map[string]Code
	}{
		{"confirm without fields", DeliveryInput{Act: Confirm},
			map[string]Code{"start_date": Required, "end_date": Required, "place": Required}},
		{"confirm backwards", DeliveryInput{Act: Confirm, StartDate: "2027-02-05", EndDate: "2027-02-01", Place: "Lima"},
			map[string]Code{"end_date": EndBeforeStart}},
		{"confirm in 2200", DeliveryInput{Act: Confirm, StartDate: "2027-02-05", EndDate: "2200-02-01", Place: "Lima\x00"},
			map[string]Code{"end_date": DateOutOfRange, "place": ControlCharacter}},
		{"confirm with a comment and a report", DeliveryInput{Act: Confirm, StartDate: "2027-02-01", EndDate: "2027-02-05",
			Place: "Lima", Comment: "hola", Report: report(func(*DeliveryReport) {})},
			map[string]Code{"comment": NotUsed, "report": NotUsed}},
		{"report missing", DeliveryInput{Act: ReportDelivery}, map[string]Code{"report": Required}},
		{"report fine", DeliveryInput{Act: ReportDelivery, Report: report(func(*DeliveryReport) {})}, map[string]Code{}},
		{"report at no cost", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) { r.ActualCostEUR = EUR{} })},
			map[string]Code{}},
		{"report negative counts", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) {
			r.ParticipantsWomen, r.ParticipantsOther, r.Institutions[1].Participants = -1, MaxParticipants+1, -3
		})}, map[string]Code{"report.participants_women": OutOfRange, "report.participants_other": OutOfRange,
			"report.institutions[1].participants": OutOfRange}},
		{"report bad countries and names", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) {
			r.Countries = []string{"PE", "ES", "PE"}
			r.Institutions[1].Name = "Fiscalía"
			r.Summary = ""
		})}, map[string]Code{"report.countries[1]": UnknownCountry, "report.countries[2]": Duplicate,
			"report.institutions[1].name": Duplicate, "report.summary": Required}},
		{"report no countries", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) { r.Countries = nil })},
			map[string]Code{"report.countries": TooFewCountries}},
		{"report bad cost", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) { r.ActualCostEUR = Cents(-1) })},
			map[string]Code{"report.actual_cost_eur": Negative}},
		{"report huge cost", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) {
			r.ActualCostEUR = MaxEUR.Add(Cents(1))
		})}, map[string]Code{"report.actual_cost_eur": TooLarge}},
		{"report one actual short", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) {
			r.Indicators = r.Indicators[:1]
		})}, map[string]Code{"report.indicators": ActualsMismatch}},
		{"report bad actual", DeliveryInput{Act: ReportDelivery, Report: report(func(r *DeliveryReport) {
			r.Indicators[1] = IndicatorActual{Actual: -2, Note: "\u202e"}
		})}, map[string]Code{"report.indicators[1].actual": Negative, "report.indicators[1].note": BidiControl}},
		{"send back without comment", DeliveryInput{Act: SendBack}, map[string]Code{"comment": Required}},
		{"postpone without reason", DeliveryInput{Act: Postpone, StartDate: "2027-05-01", EndDate: "2027-05-05"},
			map[string]Code{"reason": Required}},
		{"postpone with a place", DeliveryInput{Act: Postpone, StartDate: "2027-05-01", EndDate: "2027-05-05", Reason: "r", Place: "Lima"},
			map[string]Code{"place": NotUsed}},
		{"cancel without reason", DeliveryInput{Act: CancelAction}, map[string]Code{"reason": Required}},
		{"change partner to the same", DeliveryInput{Act: ChangePartner, Partner: "camoes", Reason: "r"},
			map[string]Code{"partner": NoChanges}},
		{"change partner to none", DeliveryInput{Act: ChangePartner, Partner: "unodc"}, map[string]Code{"partner": NotOneOf, "reason": Required}},
	} {
		tr := DeliveryTable[slices.IndexFunc(DeliveryTable, func(x DeliveryTransition) bool { return x.Act == tc.in.Act })]
		got := map[string]Code{}
		for _, p := range tc.in.Validate(tr, twoActionPlan().Actions[1]) {
			got[p.Field] = p.Code
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestApplyDeliveryEffects(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	p := deliveryPriority(Scheduled, false)
	if d := p.Deliveries[0]; d.DueAt == nil || !d.DueAt.Equal(time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("report due %v, want 30 days after the end of 2027-02-05", d.DueAt)
	}
	out := ApplyDelivery(iFIIAPP, p, 0, validDeliveryInput(Confirm), at)
	d := out.Priority.Deliveries[0]
	if d.ConfirmedStart != "2027-02-01" || d.ConfirmedEnd != "2027-02-05" || d.Place != "Lima" || !d.StageEnteredAt.Equal(at) {
		t.Errorf("confirm: %+v", d)
	}
	out = ApplyDelivery(iFIIAPP, out.Priority, 0, validDeliveryInput(ReportDelivery), at)
	if r := out.Priority.Deliveries[0].Report; r == nil || r.Participants() != 33 || out.Event.Data["participants"] != 33 {
		t.Errorf("report: %+v, event %v", r, out.Event.Data)
	}
	out = ApplyDelivery(eAssigned, out.Priority, 0, DeliveryInput{Act: SendBack, Comment: "notas"}, at)
	if d := out.Priority.Deliveries[0]; d.Stage != InProgress || d.ReportValidated || out.Event.Comment != "notas" {
		t.Errorf("send back: %+v %q", d, out.Event.Comment)
	}
	out = ApplyDelivery(iFIIAPP, out.Priority, 0, validDeliveryInput(ReportDelivery), at)
	out = ApplyDelivery(eAssigned, out.Priority, 0, DeliveryInput{Act: ValidateReport}, at)
	if !out.Priority.Deliveries[0].ReportValidated || out.Priority.Deliveries[0].Stage != Delivered {
		t.Errorf("validate: %+v", out.Priority.Deliveries[0])
	}
	out = ApplyDelivery(mFree, out.Priority, 0, DeliveryInput{Act: CloseAction}, at)
	if out.Priority.Deliveries[0].Stage != Closed || !out.Priority.DeliveryOpen() {
		t.Errorf("close: %+v; the other action is still open", out.Priority.Deliveries[0])
	}
	if del, total := out.Priority.DeliveryCount(); del != 1 || total != 2 {
		t.Errorf("count %d of %d", del, total)
	}
	out = ApplyDelivery(mFree, out.Priority, 1, validDeliveryInput(ChangePartner), at)
	if out.Priority.Plan.Actions[1].Partner != "iila" || p.Plan.Actions[1].Partner != "camoes" {
		t.Errorf("change partner: %q (input %q)", out.Priority.Plan.Actions[1].Partner, p.Plan.Actions[1].Partner)
	}
	out = ApplyDelivery(mFree, out.Priority, 1, validDeliveryInput(CancelAction), at)
	if out.Priority.DeliveryOpen() || out.Event.Comment != "Sin contraparte" {
		t.Errorf("cancelled: still open, or comment %q", out.Event.Comment)
	}
	if del, total := out.Priority.DeliveryCount(); del != 1 || total != 1 {
		t.Errorf("count %d of %d: a cancelled action does not count", del, total)
	}
	if out.Priority.EventSeq != p.EventSeq+8 || out.Priority.Version != p.Version+8 {
		t.Errorf("seq %d version %d after 8 acts from %d/%d", out.Priority.EventSeq, out.Priority.Version, p.EventSeq, p.Version)
	}
}

func TestDeliveryDueAndLapse(t *testing.T) {
	t.Parallel()
	p := deliveryPriority(Scheduled, false)
	p.Plan.Actions[1].EndDate = "2027-01-20"
	p.Deliveries[1].DueAt = reportDue("2027-01-20")
	at, i, kind := DeliveryDue(&p, nil)
	if i != 1 || kind != EventReportReminder || !at.Equal(time.Date(2027, 1, 21, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("first due: %v action %d %s", at, i, kind)
	}
	at, i, kind = DeliveryDue(&p, []bool{false, true})
	if i != 0 || kind != EventReportReminder || !at.Equal(time.Date(2027, 2, 6, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("after reminding action 1: %v action %d %s", at, i, kind)
	}
	at, i, kind = DeliveryDue(&p, []bool{true, true})
	if i != 1 || kind != EventReportEscalated || !at.Equal(time.Date(2027, 2, 20, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("escalation: %v action %d %s", at, i, kind)
	}
	out := LapseDelivery(p, 1, EventReportEscalated, at)
	if !out.Priority.Deliveries[1].Overdue || out.Event.Kind != EventReportEscalated || out.Event.Data["partner"] != "camoes" {
		t.Errorf("escalated: %+v %v", out.Priority.Deliveries[1], out.Event.Data)
	}
	at, i, _ = DeliveryDue(&out.Priority, []bool{true, true})
	if i != 0 || !at.Equal(time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("an overdue action waits no more: next %v action %d", at, i)
	}
	r := validReport(1)
	out.Priority.Deliveries[0].Stage, out.Priority.Deliveries[0].Report = Delivered, &r
	if _, _, kind := DeliveryDue(&out.Priority, []bool{true, true}); kind != "" {
		t.Errorf("nothing waits for a report, yet %s", kind)
	}
}

func TestCheckBeforePartners(t *testing.T) {
	t.Parallel()
	p := testPriority(Planning)
	p.Plan.Actions[0].Partner = ""
	submit := validAct(SubmitPlan)
	wantKind(t, "today: a partner is required", Check(eAssigned, &p, 0, submit), KindInvalid)
	if err := CheckBeforePartners(eAssigned, &p, 0, submit); err != nil {
		t.Errorf("before partners: %v", err)
	}
	p.Plan.Actions[0].Title = ""
	var e *Error
	if err := CheckBeforePartners(eAssigned, &p, 0, submit); !asError(err, &e) || len(e.Problems) != 1 ||
		e.Problems[0].Field != "plan.actions[0].title" {
		t.Errorf("before partners, other problems still count: %v", err)
	}
	p.Plan.Actions[0].Title, p.Plan.Actions[0].Partner = "t", "unodc"
	wantKind(t, "before partners, an unknown one is refused", CheckBeforePartners(eAssigned, &p, 0, submit), KindInvalid)
	wantKind(t, "another decision", CheckBeforePartners(fpOut, &p, 0, submit), KindNotFound)
}

func TestImplementerReadsOnlyTheirPartnersActions(t *testing.T) {
	t.Parallel()
	p := deliveryPriority(Scheduled, false)
	r := iCamoes.Redact(&p)
	if r.Plan.Actions[1].Title != "Intercambio" || r.Plan.Actions[0].Title != "" || r.Plan.Actions[0].BudgetEUR.Cents() != 0 ||
		r.Plan.Actions[0].Partner != "fiiapp" || p.Plan.Actions[0].Title != "Taller" {
		t.Errorf("redacted for Camões: %+v (original %q)", r.Plan.Actions, p.Plan.Actions[0].Title)
	}
	if got := mFree.Redact(&p); got != &p {
		t.Error("a manager's view is redacted")
	}
	events := []struct {
		ev   Event
		want bool
	}{
		{Event{Kind: EventSubmitted}, false},
		{Event{Kind: EventKind(RequestRevision), Comment: "secret"}, false},
		{Event{Kind: EventKind(Approve), ToStage: Planning}, false},
		{Event{Kind: EventKind(Approve), ToStage: Approved}, true},
		{Event{Kind: EventDeliveryScheduled}, true},
		{Event{Kind: EventConfirmed, Data: map[string]any{"action": float64(1)}}, true},
		{Event{Kind: EventConfirmed, Data: map[string]any{"action": 0}}, false},
		{Event{Kind: EventReportReminder, Data: map[string]any{"action": 1}}, true},
		{Event{Kind: EventConfirmed}, false},
	}
	for _, tc := range events {
		if got := iCamoes.CanSeeEvent(&p, tc.ev); got != tc.want {
			t.Errorf("Camões reads %s %v: %v, want %v", tc.ev.Kind, tc.ev.Data, got, tc.want)
		}
		if !mFree.CanSeeEvent(&p, tc.ev) || fpOut.CanSeeEvent(&p, tc.ev) {
			t.Errorf("%s: a manager reads every event, a focal point of another country none", tc.ev.Kind)
		}
	}
}

func TestDeliveryCodelists(t *testing.T) {
	t.Parallel()
	if len(Lists.Partners) != 7 || Lists.Partners[0].Code != "fiiapp" || !Lists.Partners[0].Lead ||
		len(Lists.EUAgencies) != 7 || !slices.Equal(EUAgencyCodes(), []string{"europol", "eurojust", "cepol", "euda", "frontex", "eppo", "eu_lisa"}) ||
		len(Lists.DeliveryStages) != 6 || len(Lists.DeliveryActs) != 8 {
		t.Errorf("codelists: %d partners, %d agencies %v, %v, %v", len(Lists.Partners), len(Lists.EUAgencies), EUAgencyCodes(),
			Lists.DeliveryStages, Lists.DeliveryActs)
	}
}
