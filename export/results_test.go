package export

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// delivered sets r's delivery: stage, confirmed dates, and a report with
// one actual per indicator when actuals is not nil.
func delivered(r *ActionRecord, stage pipeline.DeliveryStage, start, end string, actuals ...pipeline.IndicatorActual) {
	r.Delivery = pipeline.Delivery{Stage: stage, ConfirmedStart: start, ConfirmedEnd: end, Place: "Lima"}
	if actuals != nil {
		r.Delivery.Report = &pipeline.DeliveryReport{
			ParticipantsWomen: 21, ParticipantsMen: 17, ParticipantsOther: 1,
			ActualCostEUR: pipeline.Cents(4312050), Indicators: actuals,
		}
		r.Delivery.ReportValidated = stage == pipeline.Closed
	}
}

// resultsActivity is an approved priority of three actions: the first
// closed with its report (partner FIIAPP, Europol and CEPOL by code), the
// second delivered with its report (partner CIVIPOL), the third cancelled.
func resultsActivity() Activity {
	p := approved("PE-2025-0042", "money_laundering", "PE", "CO")
	p.Plan.Actions = append(p.Plan.Actions,
		pipeline.Action{
			Type: "peer_exchange", Title: "Intercambio con Eurojust", Countries: []string{"CO"},
			StartDate: "2025-05-01", EndDate: "2025-05-31", BudgetEUR: pipeline.Euros(20000), Partner: "civipol",
			Indicators: []pipeline.Indicator{
				{Name: "Casos conjuntos abiertos", Unit: "casos", Baseline: 2, Target: 6},
				{Name: "Fiscales satisfechos", Unit: "%", Baseline: 55.5, Target: 80},
			},
		},
		pipeline.Action{
			Type: "study", Title: "Estudio cancelado", StartDate: "2025-07-01", EndDate: "2025-12-31",
			BudgetEUR: pipeline.Euros(10000), Partner: "iila",
			Indicators: []pipeline.Indicator{{Name: "Estudio publicado", Unit: "documento", Target: 1}},
		},
	)
	p.Plan.Actions[0].Partner = "fiiapp"
	p.Plan.Actions[0].EUAgencies = nil
	recs := supportActions(p)
	recs[0].EUAgencies = []string{"europol", "cepol"}
	closedAt := time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)
	recs[0].ClosedAt = &closedAt
	delivered(&recs[0], pipeline.Closed, "2025-04-07", "2025-04-11",
		pipeline.IndicatorActual{Actual: 38, Note: "Dos analistas & una jueza no asistieron <por licencia>"})
	delivered(&recs[1], pipeline.Delivered, "2025-05-12", "2025-05-16",
		pipeline.IndicatorActual{Actual: 5}, pipeline.IndicatorActual{Actual: 82.5, Note: "Encuesta de salida"})
	recs[2].Delivery = pipeline.Delivery{Stage: pipeline.Cancelled}
	return Activity{Priority: p, Actions: recs, ApprovedAt: approvedAt}
}

type (
	dResultsDoc struct {
		Activities []dResultsActivity `xml:"iati-activity"`
	}
	dResultsActivity struct {
		Orgs []struct {
			Ref       string       `xml:"ref,attr"`
			Type      string       `xml:"type,attr"`
			Role      string       `xml:"role,attr"`
			Narrative []dNarrative `xml:"narrative"`
		} `xml:"participating-org"`
		Status  dCode           `xml:"activity-status"`
		Dates   []dActivityDate `xml:"activity-date"`
		Results []struct {
			Title      []dNarrative `xml:"title>narrative"`
			Indicators []struct {
				Measure  string `xml:"measure,attr"`
				Baseline []struct {
					Value string `xml:"value,attr"`
				} `xml:"baseline"`
				Periods []struct {
					Start   dDate    `xml:"period-start"`
					End     dDate    `xml:"period-end"`
					Targets []dValue `xml:"target"`
					Actuals []dValue `xml:"actual"`
				} `xml:"period"`
			} `xml:"indicator"`
		} `xml:"result"`
	}
	dValue struct {
		Value   string       `xml:"value,attr"`
		Comment []dNarrative `xml:"comment>narrative"`
	}
)

// A plan whose actions were delivered, closed and cancelled is valid IATI
// 2.03 and says so: its status, its actual dates, its implementing
// partners and agencies, and each indicator's actual beside its target.
func TestIATIResultsChain(t *testing.T) {
	t.Parallel()
	a := resultsActivity()
	raw := writeIATI(t, []Activity{a})
	if out, ok := xmllint(t, raw); !ok {
		t.Fatalf("xmllint rejects the export:\n%s\n%s", out, raw)
	}
	var doc dResultsDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Activities) != 1 {
		t.Fatalf("%d activities", len(doc.Activities))
	}
	act := doc.Activities[0]
	if act.Status.Code != "3" {
		t.Errorf("status %s, want 3 (finalisation): one action delivered, one closed, one cancelled", act.Status.Code)
	}
	// Planned from the plan, actual from the reported actions' confirmed dates.
	want := []dActivityDate{{"1", "2025-04-01"}, {"2", "2025-04-07"}, {"3", "2025-12-31"}, {"4", "2025-05-16"}}
	if len(act.Dates) != len(want) {
		t.Fatalf("dates %+v, want %+v", act.Dates, want)
	}
	for i := range want {
		if act.Dates[i] != want[i] {
			t.Errorf("date %d: %+v, want %+v", i, act.Dates[i], want[i])
		}
	}

	type org struct{ role, typ, name string }
	var implementers []org
	for _, o := range act.Orgs {
		if o.Role == "4" {
			implementers = append(implementers, org{o.Role, o.Type, o.Narrative[0].Text})
		}
		if o.Role == "3" {
			t.Errorf("participating-org %q with role 3 (Extending): the partners implement", o.Narrative[0].Text)
		}
	}
	wantOrgs := []org{
		{"4", "", DefaultProgrammeName},
		{"4", "15", pipeline.Partners[0].Name}, // FIIAPP, a Spanish public-sector foundation
		{"4", "30", "CIVIPOL"},
		{"4", "40", "IILA (Organizzazione Internazionale Italo-Latino Americana)"},
		{"4", "15", "Europol"},
		{"4", "15", "CEPOL"},
	}
	if len(implementers) != len(wantOrgs) {
		t.Fatalf("implementing orgs %+v, want %+v", implementers, wantOrgs)
	}
	for i := range wantOrgs {
		if implementers[i] != wantOrgs[i] {
			t.Errorf("implementing org %d: %+v, want %+v", i, implementers[i], wantOrgs[i])
		}
	}

	if len(act.Results) != 3 {
		t.Fatalf("%d results, want one per action", len(act.Results))
	}
	closed := act.Results[0].Indicators[0]
	if p := closed.Periods; len(p) != 1 || p[0].Start.ISODate != "2025-04-07" || p[0].End.ISODate != "2025-04-11" ||
		len(p[0].Targets) != 1 || p[0].Targets[0].Value != "40" ||
		len(p[0].Actuals) != 1 || p[0].Actuals[0].Value != "38" ||
		len(p[0].Actuals[0].Comment) != 1 || p[0].Actuals[0].Comment[0].Text != "Dos analistas & una jueza no asistieron <por licencia>" ||
		p[0].Actuals[0].Comment[0].Lang != "es" {
		t.Errorf("closed action's period %+v: want the confirmed dates, target 40, actual 38 with the note", p)
	}
	if closed.Measure != "1" || len(closed.Baseline) != 1 || closed.Baseline[0].Value != "0" {
		t.Errorf("closed action's indicator: measure %s baseline %+v", closed.Measure, closed.Baseline)
	}
	pct := act.Results[1].Indicators[1]
	if p := pct.Periods; len(p) != 1 || p[0].Targets[0].Value != "80" || len(p[0].Actuals) != 1 || p[0].Actuals[0].Value != "82.5" ||
		p[0].Actuals[0].Comment[0].Text != "Encuesta de salida" {
		t.Errorf("delivered action's second period %+v: want target 80, actual 82.5", p)
	}
	if p := act.Results[1].Indicators[0].Periods; len(p) != 1 || len(p[0].Actuals) != 1 || p[0].Actuals[0].Value != "5" || len(p[0].Actuals[0].Comment) != 0 {
		t.Errorf("delivered action's first period %+v: want actual 5 without a comment", p)
	}
	if p := act.Results[2].Indicators[0].Periods; len(p) != 1 || p[0].Start.ISODate != "2025-07-01" || len(p[0].Actuals) != 0 {
		t.Errorf("cancelled action's period %+v: want the planned dates and no actual", p)
	}
}

// A report without actuals, or with fewer than the indicators, still
// writes a valid period: an actual only where there is one.
func TestIATIReportWithoutActuals(t *testing.T) {
	t.Parallel()
	a := resultsActivity()
	a.Actions[1].Delivery.Report.Indicators = a.Actions[1].Delivery.Report.Indicators[:1]
	a.Actions[0].Delivery.Report.Indicators = nil
	raw := writeIATI(t, []Activity{a})
	if out, ok := xmllint(t, raw); !ok {
		t.Fatalf("xmllint rejects the export:\n%s\n%s", out, raw)
	}
	if n := strings.Count(string(raw), "<actual "); n != 1 {
		t.Errorf("%d actuals, want the one reported", n)
	}
}

// activityStatus against an oracle written from the IATI ActivityStatus
// codelist: each case names its stages and the code a reader expects.
func TestActivityStatus(t *testing.T) {
	t.Parallel()
	const (
		sch, inp, del, clo, pos, can = pipeline.Scheduled, pipeline.InProgress, pipeline.Delivered, pipeline.Closed, pipeline.Postponed, pipeline.Cancelled
	)
	cases := []struct {
		stages []pipeline.DeliveryStage
		want   string
	}{
		{nil, "2"},
		{[]pipeline.DeliveryStage{sch}, "2"},
		{[]pipeline.DeliveryStage{inp}, "2"},
		{[]pipeline.DeliveryStage{pos}, "2"},
		{[]pipeline.DeliveryStage{""}, "2"},
		{[]pipeline.DeliveryStage{del}, "3"},
		{[]pipeline.DeliveryStage{clo}, "4"},
		{[]pipeline.DeliveryStage{can}, "5"},
		{[]pipeline.DeliveryStage{clo, sch}, "2"},
		{[]pipeline.DeliveryStage{del, pos}, "2"},
		{[]pipeline.DeliveryStage{clo, del}, "3"},
		{[]pipeline.DeliveryStage{clo, can}, "4"},
		{[]pipeline.DeliveryStage{del, can}, "3"},
		{[]pipeline.DeliveryStage{can, can}, "5"},
		{[]pipeline.DeliveryStage{can, inp}, "2"},
	}
	for _, tc := range cases {
		recs := make([]ActionRecord, len(tc.stages))
		for i, s := range tc.stages {
			recs[i].Delivery.Stage = s
		}
		if got := activityStatus(recs); got != tc.want {
			t.Errorf("activityStatus(%v) = %s, want %s", tc.stages, got, tc.want)
		}
	}
}

// The actual end waits until no action is open; cancelled ones do not hold
// it back, and unreported ones give no actual date.
func TestActualSpan(t *testing.T) {
	t.Parallel()
	a := resultsActivity()
	start, end := actualSpan(a.Actions)
	if date(start) != "2025-04-07" || date(end) != "2025-05-16" {
		t.Errorf("span %s–%s, want 2025-04-07–2025-05-16", date(start), date(end))
	}
	a.Actions[1].Delivery.Stage = pipeline.InProgress
	if start, end := actualSpan(a.Actions); date(start) != "2025-04-07" || !end.IsZero() {
		t.Errorf("with an action in progress: %v–%v, want a start and no end", start, end)
	}
	a.Actions[0].Delivery.Report = nil
	if start, end := actualSpan(a.Actions); !start.IsZero() || !end.IsZero() {
		t.Errorf("with no report: %v–%v, want none", start, end)
	}
}

// Every implementing partner of the codelist has an OrganisationType.
func TestEveryPartnerHasAnOrgType(t *testing.T) {
	t.Parallel()
	for _, p := range pipeline.Partners {
		if partnerOrgTypes[p.Code] == "" {
			t.Errorf("partner %s has no IATI OrganisationType in partnerOrgTypes", p.Code)
		}
	}
	if len(partnerOrgTypes) != len(pipeline.Partners) {
		t.Errorf("partnerOrgTypes has %d entries, the codelist %d partners", len(partnerOrgTypes), len(pipeline.Partners))
	}
}

// The CSV's delivery columns: per action in plan order where a value is an
// action's, sums of the reported figures, agencies once each.
func TestCSVDeliveryColumns(t *testing.T) {
	t.Parallel()
	a := resultsActivity()
	a.Actions[1].Delivery.Place = "Bogotá; sede de la Fiscalía"
	a.Actions[1].EUAgencies = []string{"eurojust", "europol"}
	slices.Reverse(a.Actions) // given out of order, written in plan order
	var buf bytes.Buffer
	c := NewCSV(&buf)
	pending := approved("CO-2025-0100", "cybercrime", "CO")
	pending.Stage = pipeline.Planning
	if err := c.Header(); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(a.Priority, a.Actions...); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(pending); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %q, %v", rows, err)
	}
	want := map[string]string{
		"partner":            "fiiapp;civipol;iila",
		"eu_agencies":        "europol;cepol;eurojust",
		"delivery_stage":     "closed;delivered;cancelled",
		"confirmed_start":    "2025-04-07;2025-05-12;",
		"confirmed_end":      "2025-04-11;2025-05-16;",
		"place":              "Lima;Bogotá, sede de la Fiscalía;",
		"actual_cost_eur":    "86241.00", // 43120.50 twice
		"participants_women": "42",
		"participants_men":   "34",
		"participants_other": "2",
		"report_validated":   "true;false;false",
		"closed_at":          "2025-11-03T10:00:00Z;;",
		"plan_actions":       "3",
		"ref":                "PE-2025-0042",
	}
	for name, v := range want {
		if got := column(t, rows[1], name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	for _, name := range csvColumns[21:] {
		if got := column(t, rows[2], name); got != "" {
			t.Errorf("a priority in planning has %s = %q, want empty", name, got)
		}
	}
}

// A place typed as a formula is neutralised like every user's text.
func TestCSVDeliveryNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	a := resultsActivity()
	a.Actions[0].Delivery.Place = "=HYPERLINK(\"http://evil\")"
	var buf bytes.Buffer
	c := NewCSV(&buf)
	if err := c.Write(a.Priority, a.Actions...); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, rows[0], "place"); !strings.HasPrefix(got, "'=") {
		t.Errorf("place %q is not neutralised", got)
	}
}
