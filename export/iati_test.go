package export

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

const schema = "testdata/iati/iati-activities-schema.xsd"

var (
	approvedAt  = time.Date(2025, 2, 14, 16, 30, 0, 0, time.UTC)
	generatedAt = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
)

// nastyTitle has everything XML must escape, accents, and a control character
// that XML 1.0 cannot carry at all.
const nastyTitle = `Cooperación "Fiscalía & Policía" <unidad> 'ñandú' ]]> ` + "\x0b" + ` fin`

// approved is an approved priority with a complete plan; edit it to vary.
func approved(ref, theme string, countries ...string) *pipeline.Priority {
	return &pipeline.Priority{
		ID:          "0b6f4f0e-6a55-4bd8-9a55-1d1c8a7f0001",
		Ref:         ref,
		Title:       "Fortalecer la investigación financiera",
		Description: "Solicitud de apoyo técnico para unidades de inteligencia financiera.",
		Theme:       theme,
		Pillar:      "police",
		Countries:   countries,
		Institution: "Unidad de Inteligencia Financiera",
		Urgency:     "high",
		Sensitivity: pipeline.Public,
		Stage:       pipeline.Approved,
		Version:     9,
		CreatedAt:   approvedAt.Add(-60 * 24 * time.Hour),
		UpdatedAt:   approvedAt,
		Plan: &pipeline.Plan{
			Objective:       "Mejorar la capacidad de rastreo de activos.",
			ExpectedOutcome: "Investigaciones patrimoniales paralelas en curso.",
			GenderMarker:    1,
			Actions: []pipeline.Action{{
				Type:          "training",
				Title:         "Curso de investigación patrimonial",
				Description:   "Formación de 40 analistas.",
				Beneficiaries: []string{"Unidad de Inteligencia Financiera", "Fiscalía General"},
				Countries:     countries,
				StartDate:     "2025-04-01",
				EndDate:       "2025-09-30",
				BudgetEUR:     pipeline.Euros(45000),
				EUAgencies:    []string{"cepol"},
				Partner:       "fiiapp",
				Indicators:    []pipeline.Indicator{{Name: "Analistas formados", Unit: "personas", Baseline: 0, Target: 40}},
			}},
		},
	}
}

// supportActions are p's plan actions as the approved support actions,
// scheduled.
func supportActions(p *pipeline.Priority) []ActionRecord {
	out := make([]ActionRecord, len(p.Plan.Actions))
	for i, a := range p.Plan.Actions {
		out[i] = ActionRecord{SupportAction: pipeline.SupportAction{PriorityID: p.ID, PriorityRef: p.Ref, Index: i,
			Theme: p.Theme, ApprovedAt: approvedAt, Action: a, Delivery: pipeline.Delivery{Stage: pipeline.Scheduled}}}
	}
	return out
}

// activities are the cases the schema must accept: one country; three
// countries with several actions and indicators and hostile text; seven
// countries; an empty plan; a plan with missing dates and indicators.
func activities() []Activity {
	one := approved("PE-2025-0001", "money_laundering", "PE")

	three := approved("CO-2025-0002", "environmental_crime", "CO", "EC", "PE")
	three.Title = nastyTitle
	three.Description = "Línea 1, con coma\nLínea 2 con \"comillas\" & <etiquetas>"
	three.Institution = "Ministerio Público & Fiscalía <Ambiental>"
	three.Plan.GenderMarker = 2
	three.Plan.Actions = append(three.Plan.Actions,
		pipeline.Action{
			Type: "peer_exchange", Title: "Intercambio con Eurojust & Europol", Description: "Visita de estudio.",
			Beneficiaries: []string{"Policía Nacional", "fiscalía general"}, Countries: []string{"CO"},
			StartDate: "2025-03-15", EndDate: "2025-05-31", BudgetEUR: pipeline.Cents(1234567),
			EUAgencies: []string{"eurojust", "europol", "cepol"}, Partner: "camoes",
			Indicators: []pipeline.Indicator{
				{Name: "Casos conjuntos abiertos", Unit: "casos", Baseline: 2, Target: 6},
				{Name: "Fiscales satisfechos", Unit: "%", Baseline: 55.5, Target: 80},
			},
		},
		pipeline.Action{
			Type: "study", Title: "Estudio regional", Description: "Mapa de rutas del tráfico de madera.",
			Beneficiaries: []string{"Policía Nacional"}, Countries: []string{"EC", "PE"},
			StartDate: "2025-06-01", EndDate: "2026-03-31", BudgetEUR: pipeline.Cents(3000033),
			Indicators: []pipeline.Indicator{{Name: "Estudio publicado", Unit: "documento", Baseline: 0, Target: 1}},
		},
	)

	seven := approved("BR-2025-0003", "drug_trafficking", "BR", "AR", "UY", "PY", "BO", "CL", "PE")
	seven.Plan.GenderMarker = 0

	empty := approved("MX-2025-0004", "cybercrime", "MX", "GT")
	empty.Plan = nil

	gaps := approved("HN-2025-0005", "corruption", "HN")
	gaps.Description = ""
	gaps.Plan.Objective = ""
	gaps.Plan.Actions = []pipeline.Action{
		{Type: "legal_advice", Title: "Asesoría legal", BudgetEUR: pipeline.Euros(5000),
			Indicators: []pipeline.Indicator{{Name: "Dictámenes", Unit: "documentos", Target: 3}}},
		{Type: "study", Title: "", BudgetEUR: pipeline.Euros(1000), StartDate: "2025-05-01"},
	}

	return []Activity{
		{Priority: one, Actions: supportActions(one), ApprovedAt: approvedAt},
		{Priority: three, Actions: supportActions(three), ApprovedAt: approvedAt},
		{Priority: seven, Actions: supportActions(seven), ApprovedAt: approvedAt},
		{Priority: empty, ApprovedAt: approvedAt},
		{Priority: gaps, ApprovedAt: approvedAt},
	}
}

func writeIATI(t *testing.T, acts []Activity) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := IATI(&buf, IATIOptions{GeneratedAt: generatedAt}, acts); err != nil {
		t.Fatalf("IATI: %v", err)
	}
	return buf.Bytes()
}

// xmllint validates doc against the IATI 2.03 activity schema; it returns
// xmllint's output and whether the document is valid. The schema check is
// the point of these tests: without xmllint they fail, never skip.
func xmllint(t *testing.T, doc []byte) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint not found (%v): install libxml2-utils (apt-get install libxml2-utils, or run scripts/deps.sh) to validate the IATI export against its schema", err)
	}
	file := filepath.Join(t.TempDir(), "iati.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", schema, file).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run xmllint: %v: %s", err, out)
	}
	return string(out), err == nil
}

func TestIATIValidAgainstSchema(t *testing.T) {
	t.Parallel()
	acts := activities()
	t.Run("all", func(t *testing.T) {
		t.Parallel()
		doc := writeIATI(t, acts)
		if out, ok := xmllint(t, doc); !ok {
			t.Fatalf("xmllint rejects the export:\n%s\n%s", out, doc)
		}
	})
	for _, a := range acts {
		t.Run(a.Priority.Ref, func(t *testing.T) {
			t.Parallel()
			doc := writeIATI(t, []Activity{a})
			if out, ok := xmllint(t, doc); !ok {
				t.Fatalf("xmllint rejects the export:\n%s\n%s", out, doc)
			}
		})
	}
}

func TestIATIRejectsBrokenDocuments(t *testing.T) {
	t.Parallel()
	doc := string(writeIATI(t, activities()[:1]))
	for _, tc := range []struct {
		name, want string
		mutate     func(string) string
	}{
		{"no iati-identifier", "reporting-org", func(s string) string {
			return cut(t, s, "<iati-identifier>", "</iati-identifier>")
		}},
		{"sector before recipient-country", "recipient-country", func(s string) string {
			sector := between(t, s, "<sector ", "/sector>")
			return strings.Replace(strings.Replace(s, sector, "", 1), "<recipient-country ", sector+"<recipient-country ", 1)
		}},
		{"budget without value", "Expected is ( value )", func(s string) string {
			return cut(t, s, "<value currency=", "</value>")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			broken := tc.mutate(doc)
			if broken == doc {
				t.Fatal("mutation changed nothing")
			}
			out, ok := xmllint(t, []byte(broken))
			if ok {
				t.Fatalf("xmllint accepts a broken document:\n%s", broken)
			}
			if !strings.Contains(out, "fails to validate") || !strings.Contains(out, tc.want) {
				t.Fatalf("xmllint output does not point at %s:\n%s", tc.want, out)
			}
		})
	}
}

// between is the first part of s from the start of open to the end of close.
func between(t *testing.T, s, open, close string) string {
	t.Helper()
	i := strings.Index(s, open)
	j := strings.Index(s[max(i, 0):], close)
	if i < 0 || j < 0 {
		t.Fatalf("%q…%q not in document:\n%s", open, close, s)
	}
	return s[i : i+j+len(close)]
}

func cut(t *testing.T, s, open, close string) string {
	t.Helper()
	return strings.Replace(s, between(t, s, open, close), "", 1)
}

// The decoded shape of the parts the tests check.
type (
	dDoc struct {
		XMLName    xml.Name    `xml:"iati-activities"`
		Version    string      `xml:"version,attr"`
		Generated  string      `xml:"generated-datetime,attr"`
		Activities []dActivity `xml:"iati-activity"`
	}
	dNarrative struct {
		Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Text string `xml:",chardata"`
	}
	dActivity struct {
		Lang         string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Currency     string `xml:"default-currency,attr"`
		Identifier   string `xml:"iati-identifier"`
		ReportingOrg struct {
			Ref       string       `xml:"ref,attr"`
			Type      string       `xml:"type,attr"`
			Narrative []dNarrative `xml:"narrative"`
		} `xml:"reporting-org"`
		Title        []dNarrative `xml:"title>narrative"`
		Descriptions []struct {
			Type      string       `xml:"type,attr"`
			Narrative []dNarrative `xml:"narrative"`
		} `xml:"description"`
		Orgs []struct {
			Ref       string       `xml:"ref,attr"`
			Role      string       `xml:"role,attr"`
			Narrative []dNarrative `xml:"narrative"`
		} `xml:"participating-org"`
		Status    dCode           `xml:"activity-status"`
		Dates     []dActivityDate `xml:"activity-date"`
		Scope     dCode           `xml:"activity-scope"`
		Countries []struct {
			Code       string `xml:"code,attr"`
			Percentage string `xml:"percentage,attr"`
		} `xml:"recipient-country"`
		Sectors []dSector `xml:"sector"`
		Tags    []struct {
			Vocabulary string       `xml:"vocabulary,attr"`
			Code       string       `xml:"code,attr"`
			Narrative  []dNarrative `xml:"narrative"`
		} `xml:"tag"`
		PolicyMarkers []struct {
			Vocabulary   string `xml:"vocabulary,attr"`
			Code         string `xml:"code,attr"`
			Significance string `xml:"significance,attr"`
		} `xml:"policy-marker"`
		Budgets []struct {
			Type        string `xml:"type,attr"`
			Status      string `xml:"status,attr"`
			PeriodStart dDate  `xml:"period-start"`
			PeriodEnd   dDate  `xml:"period-end"`
			Value       struct {
				Currency  string `xml:"currency,attr"`
				ValueDate string `xml:"value-date,attr"`
				Amount    string `xml:",chardata"`
			} `xml:"value"`
		} `xml:"budget"`
		Results []struct {
			Type       string       `xml:"type,attr"`
			Title      []dNarrative `xml:"title>narrative"`
			Indicators []struct {
				Measure  string       `xml:"measure,attr"`
				Title    []dNarrative `xml:"title>narrative"`
				Baseline []struct {
					Year  string `xml:"year,attr"`
					Value string `xml:"value,attr"`
				} `xml:"baseline"`
				Periods []struct {
					Start  dDate `xml:"period-start"`
					End    dDate `xml:"period-end"`
					Target []struct {
						Value string `xml:"value,attr"`
					} `xml:"target"`
				} `xml:"period"`
			} `xml:"indicator"`
		} `xml:"result"`
	}
	dActivityDate struct {
		Type    string `xml:"type,attr"`
		ISODate string `xml:"iso-date,attr"`
	}
	dSector struct {
		Vocabulary string `xml:"vocabulary,attr"`
		Code       string `xml:"code,attr"`
		Percentage string `xml:"percentage,attr"`
	}
	dCode struct {
		Code string `xml:"code,attr"`
	}
	dDate struct {
		ISODate string `xml:"iso-date,attr"`
	}
)

func decode(t *testing.T, doc []byte) dDoc {
	t.Helper()
	var d dDoc
	if err := xml.Unmarshal(doc, &d); err != nil {
		t.Fatalf("decode: %v\n%s", err, doc)
	}
	return d
}

// hundredths parses a non-negative decimal with at most two decimals exactly.
func hundredths(t *testing.T, s string) int {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		t.Fatalf("%q has more than two decimals", s)
	}
	w, err1 := strconv.Atoi(whole)
	f, err2 := strconv.Atoi((frac + "00")[:2])
	if err1 != nil || err2 != nil {
		t.Fatalf("%q is not a decimal", s)
	}
	return w*100 + f
}

func TestIATIValues(t *testing.T) {
	t.Parallel()
	acts := activities()
	doc := decode(t, writeIATI(t, acts))
	if doc.Version != "2.03" || doc.Generated != "2025-03-01T08:00:00Z" {
		t.Errorf("root: version %q generated %q", doc.Version, doc.Generated)
	}
	if len(doc.Activities) != len(acts) {
		t.Fatalf("%d activities, want %d", len(doc.Activities), len(acts))
	}
	byRef := map[string]dActivity{}
	for i, a := range doc.Activities {
		ref := acts[i].Priority.Ref
		byRef[ref] = a
		if want := DefaultReportingOrgRef + "-" + ref; a.Identifier != want {
			t.Errorf("identifier %q, want %q", a.Identifier, want)
		}
		if a.ReportingOrg.Ref != DefaultReportingOrgRef || a.ReportingOrg.Type != "15" {
			t.Errorf("%s: reporting-org %+v", ref, a.ReportingOrg)
		}
		if a.Lang != "en" || a.Currency != "EUR" || a.Status.Code != "2" {
			t.Errorf("%s: lang %q currency %q status %q", ref, a.Lang, a.Currency, a.Status.Code)
		}
		if len(a.Title) != 1 || a.Title[0].Lang != "es" {
			t.Errorf("%s: title %+v, want one narrative in es", ref, a.Title)
		}

		theme, _ := pipeline.Lists.ThemeByCode(acts[i].Priority.Theme)
		if len(a.Sectors) != 1 || a.Sectors[0] != (dSector{"1", theme.IATISector, "100"}) {
			t.Errorf("%s: sectors %+v, want DAC %s at 100", ref, a.Sectors, theme.IATISector)
		}

		if len(a.Tags) != 1 || a.Tags[0].Vocabulary != "3" || a.Tags[0].Code != "16.4" ||
			len(a.Tags[0].Narrative) != 1 || !strings.Contains(a.Tags[0].Narrative[0].Text, "combat all forms of organized crime") {
			t.Errorf("%s: tags %+v, want SDG target 16.4", ref, a.Tags)
		}

		total := 0
		for _, c := range a.Countries {
			total += hundredths(t, c.Percentage)
		}
		if len(a.Countries) != len(acts[i].Priority.Countries) || total != 10000 {
			t.Errorf("%s: recipient countries %+v add up to %d/100 %%", ref, a.Countries, total)
		}

		var approved bool
		for _, d := range a.Dates {
			approved = approved || d == dActivityDate{"2", "2025-02-14"}
		}
		if !approved {
			t.Errorf("%s: dates %+v lack the actual start on approval", ref, a.Dates)
		}
	}

	three := byRef["CO-2025-0002"]
	if got := three.Title[0].Text; got != strings.Replace(nastyTitle, "\x0b", "\uFFFD", 1) {
		t.Errorf("title %q does not round-trip", got)
	}
	wantPct := []string{"33.34", "33.33", "33.33"}
	for i, c := range three.Countries {
		if c.Percentage != wantPct[i] {
			t.Errorf("country %d: %s %%, want %s", i, c.Percentage, wantPct[i])
		}
	}
	if three.Scope.Code != "3" || byRef["PE-2025-0001"].Scope.Code != "4" {
		t.Errorf("scopes %q and %q, want 3 (multi-national) and 4 (national)", three.Scope.Code, byRef["PE-2025-0001"].Scope.Code)
	}
	if pm := three.PolicyMarkers; len(pm) != 1 || pm[0].Vocabulary != "1" || pm[0].Code != "1" || pm[0].Significance != "2" {
		t.Errorf("policy markers %+v, want gender equality with significance 2", pm)
	}
	if pm := byRef["BR-2025-0003"].PolicyMarkers; len(pm) != 1 || pm[0].Significance != "0" {
		t.Errorf("policy markers %+v, want significance 0", pm)
	}
	if len(three.Budgets) != 1 {
		t.Fatalf("budgets %+v, want one", three.Budgets)
	}
	b := three.Budgets[0]
	// 45000 + 12345.67 + 30000.33
	if b.Value.Amount != "87346.00" || b.Value.Currency != "EUR" || b.Type != "1" || b.Status != "1" {
		t.Errorf("budget %+v, want 87346.00 EUR original indicative", b)
	}
	if b.PeriodStart.ISODate != "2025-03-15" || b.PeriodEnd.ISODate != "2026-03-31" || b.Value.ValueDate != "2025-03-15" {
		t.Errorf("budget period %+v", b)
	}
	wantDates := []dActivityDate{{"1", "2025-03-15"}, {"2", "2025-02-14"}, {"3", "2026-03-31"}}
	if len(three.Dates) != 3 || three.Dates[0] != wantDates[0] || three.Dates[1] != wantDates[1] || three.Dates[2] != wantDates[2] {
		t.Errorf("dates %+v, want %+v", three.Dates, wantDates)
	}
	roles := map[string][]string{}
	for _, o := range three.Orgs {
		roles[o.Role] = append(roles[o.Role], o.Narrative[0].Text)
	}
	wantRoles := map[string][]string{
		"1": {DefaultReportingOrgName},
		"2": {"Ministerio Público & Fiscalía <Ambiental>", "Unidad de Inteligencia Financiera", "Fiscalía General", "Policía Nacional"},
		"4": {DefaultProgrammeName, "FIIAPP (Fundación Internacional y para Iberoamérica de Administración y Políticas Públicas)",
			"Camões, I.P. (Instituto da Cooperação e da Língua)", "CEPOL", "Eurojust", "Europol"},
	}
	for role, want := range wantRoles {
		if strings.Join(roles[role], "|") != strings.Join(want, "|") {
			t.Errorf("role %s: %q, want %q", role, roles[role], want)
		}
	}
	if len(three.Results) != 3 {
		t.Fatalf("%d results, want one per action", len(three.Results))
	}
	r := three.Results[1]
	if r.Type != "1" || r.Title[0].Text != "Intercambio con Eurojust & Europol" || len(r.Indicators) != 2 {
		t.Fatalf("result %+v", r)
	}
	in := r.Indicators[1]
	if in.Measure != "2" || in.Title[0].Text != "Fiscales satisfechos" ||
		len(in.Baseline) != 1 || in.Baseline[0].Year != "2025" || in.Baseline[0].Value != "55.5" ||
		len(in.Periods) != 1 || in.Periods[0].Start.ISODate != "2025-03-15" || in.Periods[0].End.ISODate != "2025-05-31" ||
		len(in.Periods[0].Target) != 1 || in.Periods[0].Target[0].Value != "80" {
		t.Errorf("indicator %+v", in)
	}
	if r.Indicators[0].Measure != "1" {
		t.Errorf("indicator in cases has measure %s, want 1 (unit)", r.Indicators[0].Measure)
	}

	seven := byRef["BR-2025-0003"]
	total := 0
	for _, c := range seven.Countries {
		total += hundredths(t, c.Percentage)
	}
	if total != 10000 || seven.Countries[0].Percentage != "14.29" || seven.Countries[6].Percentage != "14.28" {
		t.Errorf("seven countries: %+v", seven.Countries)
	}

	empty := byRef["MX-2025-0004"]
	if len(empty.Budgets) != 0 || len(empty.Results) != 0 || len(empty.PolicyMarkers) != 0 || len(empty.Dates) != 1 {
		t.Errorf("empty plan: budgets %+v results %+v markers %+v dates %+v", empty.Budgets, empty.Results, empty.PolicyMarkers, empty.Dates)
	}

	gaps := byRef["HN-2025-0005"]
	if len(gaps.Budgets) != 0 {
		t.Errorf("budget %+v without an end date", gaps.Budgets)
	}
	if len(gaps.Results) != 1 || len(gaps.Results[0].Indicators[0].Periods) != 0 {
		t.Errorf("results %+v: want the one action with an indicator, without a target period", gaps.Results)
	}
	if len(gaps.Descriptions) != 1 || gaps.Descriptions[0].Type != "2" ||
		gaps.Descriptions[0].Narrative[0].Text != "Investigaciones patrimoniales paralelas en curso." {
		t.Errorf("descriptions %+v", gaps.Descriptions)
	}
}

func TestIATIOptions(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	opts := IATIOptions{
		ReportingOrgRef: "XM-DAC-41301", ReportingOrgName: "Programa", ReportingOrgType: "40",
		IdentifierPrefix: "XM-DAC-41301-PUENTE", ProgrammeRef: "XI-IATI-PUENTE", GeneratedAt: generatedAt, Lang: "es",
	}
	if err := IATI(&buf, opts, activities()[:1]); err != nil {
		t.Fatal(err)
	}
	if out, ok := xmllint(t, buf.Bytes()); !ok {
		t.Fatalf("xmllint:\n%s\n%s", out, buf.String())
	}
	a := decode(t, buf.Bytes()).Activities[0]
	if a.Identifier != "XM-DAC-41301-PUENTE-PE-2025-0001" || a.ReportingOrg.Type != "40" || a.Lang != "es" {
		t.Errorf("activity %+v", a)
	}
	if a.Title[0].Lang != "" || a.Tags[0].Narrative[0].Lang != "en" {
		t.Errorf("lang of title %q and tag %q: want default (omitted) and en", a.Title[0].Lang, a.Tags[0].Narrative[0].Lang)
	}
	var programme bool
	for _, o := range a.Orgs {
		programme = programme || (o.Role == "4" && o.Ref == "XI-IATI-PUENTE")
	}
	if !programme {
		t.Errorf("no implementing programme with its ref in %+v", a.Orgs)
	}
}

func TestIATIStreaming(t *testing.T) {
	t.Parallel()
	acts := activities()
	var streamed bytes.Buffer
	x := NewIATI(&streamed, IATIOptions{GeneratedAt: generatedAt})
	for _, a := range acts {
		if err := x.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(streamed.Bytes(), writeIATI(t, acts)) {
		t.Error("streamed output differs from IATI")
	}
	if !bytes.HasPrefix(streamed.Bytes(), []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60s", streamed.String())
	}
	if err := x.Write(acts[0]); err == nil {
		t.Error("Write after Close succeeded")
	}
}

func TestIATIRefusals(t *testing.T) {
	t.Parallel()
	t.Run("no activities", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		if err := IATI(&buf, IATIOptions{}, nil); !errors.Is(err, ErrNoActivities) {
			t.Fatalf("err %v, want ErrNoActivities", err)
		}
		if d := decode(t, buf.Bytes()); d.Version != "2.03" || len(d.Activities) != 0 {
			t.Errorf("document %+v", d)
		}
	})
	for name, edit := range map[string]func(*Activity){
		"not approved":     func(a *Activity) { a.Priority.Stage = pipeline.Approval },
		"no ref":           func(a *Activity) { a.Priority.Ref = " " },
		"no priority":      func(a *Activity) { a.Priority = nil },
		"no approval date": func(a *Activity) { a.ApprovedAt, a.Actions = time.Time{}, nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := activities()[0]
			edit(&a)
			var buf bytes.Buffer
			x := NewIATI(&buf, IATIOptions{})
			if err := x.Write(a); err == nil {
				t.Fatal("Write succeeded")
			}
			if buf.Len() != 0 {
				t.Errorf("a refused activity wrote %q", buf.String())
			}
		})
	}
}

func TestApprovalTimeFallbacks(t *testing.T) {
	t.Parallel()
	a := activities()[0]
	a.ApprovedAt = time.Time{}
	if got := approvalTime(a); !got.Equal(approvedAt) {
		t.Errorf("from support actions: %v", got)
	}
	a.Actions = nil
	a.Priority.StageEnteredAt = approvedAt.Add(time.Hour)
	if got := approvalTime(a); !got.Equal(approvedAt.Add(time.Hour)) {
		t.Errorf("from stage entry: %v", got)
	}
}

func TestSplitPercent(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 33; n++ {
		total := 0
		for _, p := range splitPercent(n) {
			total += hundredths(t, p)
		}
		if total != 10000 {
			t.Errorf("%d shares add up to %d hundredths", n, total)
		}
	}
	if got := strings.Join(splitPercent(8), " "); got != "12.5 12.5 12.5 12.5 12.5 12.5 12.5 12.5" {
		t.Errorf("8 shares: %s", got)
	}
	if got := strings.Join(splitPercent(1), " "); got != "100" {
		t.Errorf("1 share: %s", got)
	}
}
