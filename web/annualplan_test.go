package web

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// planActions are the fake's approved actions: three countries, one
// action in two of them, one reported, one cancelled.
func (f *fakeService) planActions() []pipeline.PlannedAction {
	at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	act := func(ref string, idx int, pillar, partner string, countries []string, start, end string, cents int64) pipeline.PlannedAction {
		return pipeline.PlannedAction{
			SupportAction: pipeline.SupportAction{PriorityID: f.p.ID, PriorityRef: ref, Index: idx, Theme: "joint_investigation_teams",
				ApprovedAt: at, Action: pipeline.Action{Type: "training", Title: "Taller de equipos conjuntos de investigación " + ref,
					Countries: countries, StartDate: start, EndDate: end, BudgetEUR: pipeline.Cents(cents), Partner: partner,
					Indicators: []pipeline.Indicator{{Name: "Fiscales formados", Unit: "personas", Target: 40}}},
				Delivery: pipeline.Delivery{Stage: pipeline.Scheduled, StageEnteredAt: at}},
			Pillar: pillar, SessionID: f.p.SessionID, SessionTitle: "Reunión Anual 2026", SessionDate: "2026-06-20",
			PriorityTitle: "Equipos conjuntos de investigación", PriorityCountries: countries, SubmitterCountries: countries[:1],
		}
	}
	reported := act("PE-2026-0001", 0, "justice", "fiiapp", []string{"PE", "CO"}, "2027-02-01", "2027-02-05", 4500050)
	reported.Delivery = pipeline.Delivery{Stage: pipeline.Delivered, ConfirmedStart: "2027-02-02", ConfirmedEnd: "2027-02-06", Place: "Lima",
		ReportValidated: true, Report: &pipeline.DeliveryReport{ParticipantsWomen: 21, ParticipantsMen: 17, ParticipantsOther: 1,
			ActualCostEUR: pipeline.Cents(4380000), Indicators: []pipeline.IndicatorActual{{Actual: 39}}}}
	cancelled := act("HT-2026-0003", 0, "police", "expertise_france", []string{"HT"}, "2027-05-10", "2027-05-12", 1200000)
	cancelled.Delivery.Stage = pipeline.Cancelled
	return []pipeline.PlannedAction{
		reported,
		act("CO-2026-0002", 1, "police", "civipol", []string{"CO"}, "2027-03-15", "2027-03-19", 2000000),
		act("HT-2026-0003", 1, "penitentiary", "expertise_france", []string{"HT"}, "2027-09-01", "2027-09-30", 7550000),
		cancelled,
		act("SR-2026-0004", 0, "cross_cutting", "nl_jenv", []string{"SR"}, "2027-04-01", "2027-04-03", 3100000),
	}
}

func (f *fakeService) AnnualPlan(_ context.Context, _ pipeline.Actor, q service.AnnualPlanQuery) (*pipeline.AnnualPlan, error) {
	if q.SessionID != "" && q.SessionID != f.p.SessionID {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no session")
	}
	p := pipeline.NewAnnualPlan(q.Year, q.SessionID, nil)
	if q.Year == 2027 {
		p = pipeline.NewAnnualPlan(q.Year, q.SessionID, f.planActions())
	}
	return &p, nil
}

func (f *fakeService) AnnualPlanXLSX(ctx context.Context, a pipeline.Actor, q service.AnnualPlanQuery, l *i18n.Locale, w http.ResponseWriter) error {
	p, err := f.AnnualPlan(ctx, a, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", service.XLSXType)
	return export.AnnualPlanXLSX(w, *p, l)
}

func (f *fakeService) SessionOutcome(ctx context.Context, _ pipeline.Actor, id string) (*pipeline.SessionOutcome, error) {
	sv, err := f.Session(ctx, pipeline.Actor{}, id)
	if err != nil {
		return nil, err
	}
	ps := []pipeline.PriorityOutcome{
		{ID: f.p.ID, Ref: "PE-2026-0001", Title: "Equipos conjuntos de investigación", Theme: "joint_investigation_teams", Pillar: "justice",
			Countries: []string{"PE", "CO"}, Stage: pipeline.Approved, Sensitivity: "public"},
		{ID: "3b0f6c7e-1d2a-4c55-9a1e-000000000002", Ref: "CO-2026-0005", Title: "Seguir el dinero", Theme: "money_laundering",
			Pillar: "police", Countries: []string{"CO"}, Stage: pipeline.Planning, Sensitivity: "public"},
	}
	o := pipeline.NewSessionOutcome(sv.Session, ps, f.planActions()[:1])
	return &o, nil
}

func (f *fakeService) SessionOutcomeXLSX(ctx context.Context, a pipeline.Actor, id string, l *i18n.Locale, w http.ResponseWriter) error {
	o, err := f.SessionOutcome(ctx, a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", service.XLSXType)
	return export.SessionOutcomeXLSX(w, *o, l)
}

// TestAnnualPlanPageInEachLanguage renders the annual plan and a session's
// outcome in every language: each country under its name, amounts and
// totals written as the language writes money, the multi-country action
// under both its countries; a bad year is a 422 naming the field in the
// page's language, and a session nobody has is a 404.
func TestAnnualPlanPageInEachLanguage(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		c := b.client(t, b.users[pipeline.Manager], lang)
		status, body, _ := get(t, c, b.srv.URL+"/annual-plan?year=2027")
		require.Equal(t, http.StatusOK, status, lang)
		for _, want := range []string{l.T("annual.title_year", "Year", 2027), l.Country("PE"), l.Country("HT"), l.Country("SR"),
			l.Money(pipeline.Cents(4500050)), l.Money(pipeline.Cents(4380000)),
			// Grand total: the cancelled action left out, the two-country one once.
			l.Money(pipeline.Cents(4500050 + 2000000 + 7550000 + 3100000)),
			// Colombia's total: its own action and the one it shares with Peru.
			l.Money(pipeline.Cents(4500050 + 2000000)),
			l.Partner("fiiapp"), l.T("annual.delivery.delivered"), l.T("annual.delivery.cancelled")} {
			require.Contains(t, body, htmlText(want), lang)
		}
		require.Equal(t, 2, strings.Count(body, ">PE-2026-0001</a>"), "%s: the action of PE and CO is listed under each", lang)
		require.Contains(t, body, `name="year" min="1990" max="2100" step="1" inputmode="numeric"
  value="2027" required`, lang)
		require.NotContains(t, body, "}}", lang)

		status, body, _ = get(t, c, b.srv.URL+"/annual-plan?year=nineteen")
		require.Equal(t, http.StatusUnprocessableEntity, status, lang)
		require.Contains(t, body, htmlText(l.Problem(pipeline.Problem("year", pipeline.NotAnInteger))), lang)
		require.Contains(t, body, `aria-invalid="true"`, lang)

		status, body, _ = get(t, c, b.srv.URL+"/sessions/"+b.fake.p.SessionID+"/outcome")
		require.Equal(t, http.StatusOK, status, lang)
		require.Contains(t, body, htmlText(l.T("annual.outcome.delivered", "Done", 1, "Total", 1)), lang)
		require.Contains(t, body, htmlText(l.Stage(pipeline.Planning)), lang)
		require.NotContains(t, body, "}}", lang)
	}
	c := b.client(t, b.users[pipeline.FocalPoint], "es")
	for _, u := range []string{"/annual-plan?year=1989", "/annual-plan?year=2027&session=x", "/annual-plan.xlsx?year=", "/annual-plan.xlsx?year=%00"} {
		status, _, _ := get(t, c, b.srv.URL+u)
		require.Equal(t, http.StatusUnprocessableEntity, status, u)
	}
	for _, u := range []string{"/annual-plan?year=2027&session=3b0f6c7e-1d2a-4c55-9a1e-0000000000ff", "/sessions/nope/outcome",
		"/sessions/3b0f6c7e-1d2a-4c55-9a1e-0000000000ff/outcome.xlsx"} {
		status, _, _ := get(t, c, b.srv.URL+u)
		require.Equal(t, http.StatusNotFound, status, u)
	}
	status, body, h := get(t, c, b.srv.URL+"/annual-plan.xlsx?year=2027")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, service.XLSXType, h.Get("Content-Type"))
	require.True(t, strings.HasPrefix(body, "PK"), "an XLSX is a zip")
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// mediaBox is a PDF page's size in points.
var mediaBox = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)

// TestAnnualPlanPrints opens the annual plan and a session's outcome in a
// real Chromium in Spanish, Portuguese and English (axe-core on each: no
// serious or critical violation) and prints the plan to PDF as a person
// would from the browser: A4 landscape pages, the totals on the first and
// each country starting a page of its own, no navigation. It keeps the
// PDF and a picture of the print layout in the artifacts, and the French
// and Dutch pages in docs/screenshots when PUENTE_UPDATE_SCREENSHOTS=1.
func TestAnnualPlanPrints(t *testing.T) {
	b := setupRender(t)
	dir := browser.Artifacts(t, "web-annual-plan")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)
	signIn := func(tab *browser.Tab, u pipeline.Actor) {
		tab.Go(b.srv.URL + "/signin")
		tab.Fill("#f-token", "token-"+u.ID)
		tab.Submit("form[action='/signin'] button")
	}
	plan, outcome := b.srv.URL+"/annual-plan?year=2027", b.srv.URL+"/sessions/"+b.fake.p.SessionID+"/outcome"
	for _, lang := range []string{"es", "pt", "en", "fr", "nl"} {
		tab := br.NewTab(t, "manager "+lang, lang)
		signIn(tab, b.users[pipeline.Manager])
		tab.Go(plan)
		tab.Check(lang + "-annual-plan")
		tab.Go(b.srv.URL + "/annual-plan?year=abc")
		tab.Check(lang + "-annual-plan-bad-year")
		tab.Go(outcome)
		tab.Check(lang + "-session-outcome")
		if lang != "fr" && lang != "nl" {
			continue
		}
		tab.Go(plan)
		shot(t, tab, dir, "annual-plan-"+lang+".png")
		tab.Go(outcome)
		shot(t, tab, dir, "annual-plan-outcome-"+lang+".png")
	}

	tab := br.NewTab(t, "manager printing", "en")
	signIn(tab, b.users[pipeline.Manager])
	tab.Go(plan)
	pdf := browser.Run(tab, "print to PDF", func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		yes := true
		res, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		return res.Data, err
	})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "annual-plan.pdf"), pdf, 0o644))
	boxes := mediaBox.FindAllSubmatch(pdf, -1)
	// The totals, then Colombia, Haiti, Peru and Suriname: a page each at least.
	require.GreaterOrEqual(t, len(boxes), 5, "pages of the printed plan")
	for _, m := range boxes {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		require.InDelta(t, 841.89, w, 1, "A4 landscape width")
		require.InDelta(t, 595.28, h, 1, "A4 landscape height")
	}
	// The print layout: what the stylesheet hides is hidden, each country
	// breaks a page, the table headers repeat.
	browser.Run(tab, "emulate print", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})
	for js, want := range map[string]string{
		`getComputedStyle(document.querySelector("header")).display`:                                    "none",
		`getComputedStyle(document.querySelector("form.plan-choice")).display`:                          "none",
		`getComputedStyle(document.querySelector("footer")).display`:                                    "none",
		`getComputedStyle(document.querySelector(".plan-country")).breakBefore`:                         "page",
		`getComputedStyle(document.querySelector(".plan-table thead")).display`:                         "table-header-group",
		`String(document.querySelectorAll(".plan-country").length)`:                                     "4",
		`String(parseFloat(getComputedStyle(document.querySelector(".plan-table td")).fontSize) >= 11)`: "true",
	} {
		got := browser.Run(tab, js, chromedp.Evaluate[string](js))
		require.Equal(t, want, got, js)
	}
	browser.Run(tab, "A4 landscape width", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1047, Height: 718,
			DeviceScaleFactor: 1})
		return chromedp.Void{}, err
	})
	shot(t, tab, dir, "annual-plan-print.png")
}

// shot saves the tab's full page in dir and, when asked, in docs/screenshots.
func shot(t *testing.T, tab *browser.Tab, dir, name string) {
	t.Helper()
	png := browser.Run(tab, "screenshot", chromedp.FullScreenshot(100))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") != "" && !bytes.Contains([]byte(name), []byte("print")) {
		require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshots", name), png, 0o644))
	}
}
