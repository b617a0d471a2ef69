package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	puenteapp "github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type people struct {
	fp, fpMX, expert, manager, manager2 testenv.User
}

func addPeople(t *testing.T, app *testenv.App) people {
	return people{
		fp:       app.AddUser(t, pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}),
		fpMX:     app.AddUser(t, pipeline.Actor{Name: "Lucía Hernández", Role: pipeline.FocalPoint, Countries: []string{"MX"}}),
		expert:   app.AddUser(t, pipeline.Actor{Name: "Ana Souza", Role: pipeline.Expert, Themes: []string{"money_laundering"}}),
		manager:  app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}),
		manager2: app.AddUser(t, pipeline.Actor{Name: "Jean Dupont", Role: pipeline.Manager}),
	}
}

func signIn(tab *browser.Tab, base string, u testenv.User) {
	tab.Go(base + "/signin")
	tab.Fill("#f-token", u.Token)
	tab.Submit("form[action='/signin'] button")
}

var priorityURL = regexp.MustCompile(`/priorities/([0-9a-f-]{36})`)

func priorityID(t *testing.T, tab *browser.Tab) string {
	t.Helper()
	m := priorityURL.FindStringSubmatch(tab.URL())
	require.NotNilf(t, m, "not on a priority's page: %s", tab.URL())
	return m[1]
}

func stageOf(t *testing.T, app *testenv.App, id string) pipeline.Stage {
	t.Helper()
	p, err := app.Store.Priority(context.Background(), id)
	require.NoError(t, err)
	return p.Stage
}

// submit fills the submission form as a focal point does and submits it.
func submit(tab *browser.Tab, base, title, sensitivity, sessionID string) {
	tab.Go(base + "/priorities/new")
	tab.Fill("#f-title", title)
	tab.Fill("#f-description", "Crear un equipo conjunto de investigación con Colombia contra el lavado de activos del narcotráfico.")
	if sessionID != "" {
		tab.Select("#f-session-id", sessionID)
	}
	tab.Select("#f-theme", "money_laundering")
	tab.Select("#f-pillar", "justice")
	tab.Select("#f-countries", "PE", "CO")
	tab.Fill("#f-institution", "Fiscalía de la Nación")
	tab.Tick("#f-urgency-high")
	tab.Tick("#f-sensitivity-" + sensitivity)
	tab.Submit("form[action='/priorities'] button[type=submit]")
}

// TestJourneyThroughTheUI drives the whole pipeline through the web app
// alone, on the real stack, in three languages, with axe-core run and a
// screenshot taken on every page: a manager opens a dialogue session; a
// focal point (Spanish) submits; a manager (English) triages the session's
// priorities in one go and accepts; the expert (Portuguese, by the
// language switch) requests a revision; the focal point edits and
// resubmits; a stale page is caught; the expert writes a two-action plan and
// submits it; the focal point endorses; a second manager approves and sees
// it counted on the dashboard. Along the way: an HTML title shows as text, a
// focal point of another country cannot open a restricted priority, and a
// form posted from another site is refused.
func TestJourneyThroughTheUI(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{Web: puenteapp.WebConfig{TemporalUI: "http://127.0.0.1:8233", Namespace: "default"}})
	ps := addPeople(t, app)
	base := app.URL
	dir := browser.Artifacts(t, "web")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)

	// A manager (English) opens the annual meeting as a dialogue session.
	mgr := br.NewTab(t, "manager", "en")
	mgr.Go(base + "/")
	require.Contains(t, mgr.URL(), "/signin", "pages need a session")
	mgr.Check("signin")
	signIn(mgr, base, ps.manager)
	mgr.Check("manager-home")
	mgr.Go(base + "/sessions")
	mgr.Submit("form[action='/sessions'] button[type=submit]")
	require.Contains(t, mgr.Body(), "Please correct the following")
	mgr.Check("manager-session-errors")
	mgr.Fill("#f-title", "Reunión Anual 2026")
	mgr.Fill("#f-date", "2026-06-20")
	mgr.Fill("#f-venue", "Lima")
	mgr.Select("#f-countries", "PE", "CO", "MX")
	mgr.Submit("form[action='/sessions'] button[type=submit]")
	sessionURL := mgr.URL()
	require.Contains(t, sessionURL, "/sessions/")
	sessionID := strings.Split(strings.TrimPrefix(sessionURL[strings.Index(sessionURL, "/sessions/"):], "/sessions/"), "?")[0]

	// The focal point (Spanish) submits three priorities at the session:
	// the journey's, one whose title is HTML, and a restricted one.
	fp := br.NewTab(t, "focal point", "es")
	signIn(fp, base, ps.fp)
	require.Equal(t, "es", fp.Lang())
	fp.Check("fp-home")
	fp.Go(base + "/priorities/new")
	fp.Submit("form[action='/priorities'] button[type=submit]")
	require.Contains(t, fp.Body(), "Corrija lo siguiente")
	require.True(t, fp.Has(`#f-title[aria-invalid="true"][aria-describedby="f-title-err"]`), "the title's error is tied to it")
	fp.Check("fp-submit-errors")
	submit(fp, base, "Equipos conjuntos de investigación contra el lavado de activos", "public", sessionID)
	a := priorityID(t, fp)
	require.Contains(t, fp.Body(), "Su prioridad fue presentada")
	require.Contains(t, fp.Body(), "Clasificación")
	fp.Check("fp-priority-submitted")
	const xss = `<img src=x onerror=alert(1)>`
	submit(fp, base, xss, "public", sessionID)
	b := priorityID(t, fp)
	require.Equal(t, xss, fp.Text("dd.ptitle"), "the title shows as text")
	require.False(t, fp.Has("dd.ptitle img"), "the title made no element")
	submit(fp, base, "Prioridad reservada de la Fiscalía", "restricted", sessionID)
	c := priorityID(t, fp)

	// The manager triages the session's new priorities in one go: each is
	// its own decision, and the page shows what each came to.
	mgr.Go(base + "/sessions/" + sessionID)
	mgr.Check("manager-session")
	mgr.Select("select[name='decision-"+b+"']", "reject")
	mgr.Fill("input[name='reason-"+b+"']", "Duplicates another priority")
	mgr.Select("select[name='decision-"+c+"']", "reject")
	mgr.Submit("form[action$='/triage'] button[type=submit]")
	results := mgr.Text(".results")
	require.Contains(t, results, "Reject: done.")
	require.Contains(t, results, "Reason: is required", "the refused decision says why")
	require.Equal(t, pipeline.Rejected, stageOf(t, app, b))
	require.Equal(t, pipeline.Triage, stageOf(t, app, c))
	mgr.Check("manager-session-triaged")

	// The manager accepts the journey's priority on its page, naming the expert.
	mgr.Go(base + "/priorities/" + a)
	require.True(t, mgr.Has("a[href*='/workflows/priority-"+a+"']"), "a link to the workflow in the Temporal UI")
	mgr.Open("#d-accept")
	mgr.Select("#d-accept-expert", ps.expert.ID)
	mgr.Check("manager-priority-triage")
	mgr.Submit("#d-accept button[type=submit]")
	require.Contains(t, mgr.Body(), "Your decision was recorded.")
	require.Equal(t, pipeline.ExpertReview, stageOf(t, app, a))

	// The expert's browser speaks English; she switches to Portuguese.
	ex := br.NewTab(t, "expert", "en")
	signIn(ex, base, ps.expert)
	require.Equal(t, "en", ex.Lang())
	ex.Select("#lang-select", "pt")
	ex.Submit("form[action='/language'] button")
	require.Equal(t, "pt", ex.Lang())
	require.Contains(t, ex.Body(), "Minhas tarefas")
	ex.Check("expert-home")
	ex.Go(base + "/priorities/" + a)
	require.Equal(t, "pt", ex.Lang(), "the switch is remembered")
	ex.Open("#d-request_revision")
	ex.Submit("#d-request_revision button[type=submit]")
	require.True(t, ex.Has(`#d-request_revision-comment[aria-invalid="true"]`), "the missing comment is shown at its field")
	ex.Check("expert-priority-error")
	ex.Fill("#d-request_revision-comment", "Precisamos de mais detalhes sobre as instituições envolvidas.")
	ex.Submit("#d-request_revision button[type=submit]")
	require.Equal(t, pipeline.Revision, stageOf(t, app, a))

	// The focal point edits and resubmits.
	fp.Go(base + "/priorities/" + a)
	fp.Check("fp-priority-revision")
	fp.Click("a[href$='/edit']")
	fp.Fill("#f-institution", "Fiscalía de la Nación y Policía Nacional")
	fp.Check("fp-edit")
	fp.Submit("button[value='resubmit']")
	require.Contains(t, fp.Body(), "La prioridad se volvió a presentar al experto.")
	require.Equal(t, pipeline.ExpertReview, stageOf(t, app, a))

	// A stale page: the expert opens the priority, a manager reassigns it
	// meanwhile, and the expert's decision is refused with a clear message.
	ex.Go(base + "/priorities/" + a)
	mgr.Go(base + "/priorities/" + a)
	mgr.Open("#d-reassign")
	mgr.Select("#d-reassign-expert", ps.expert.ID)
	mgr.Submit("#d-reassign button[type=submit]")
	ex.Open("#d-approve")
	ex.Submit("#d-approve button[type=submit]")
	require.Contains(t, ex.Body(), "Esta prioridade mudou desde que você a abriu.")
	require.Equal(t, pipeline.ExpertReview, stageOf(t, app, a), "a stale decision changes nothing")
	ex.Check("expert-stale")
	ex.Open("#d-approve")
	ex.Submit("#d-approve button[type=submit]")
	require.Equal(t, pipeline.Planning, stageOf(t, app, a))

	// The expert writes a two-action plan: submitting it unfinished shows
	// each missing field at its place; then she completes and submits it.
	ex.Click("a[href$='/plan']")
	ex.Check("plan-editor-empty")
	ex.Fill("#f-objective", "Fortalecer la capacidad de investigación financiera conjunta entre Perú y Colombia.")
	ex.Fill("#f-expected-outcome", "Dos equipos conjuntos de investigación operativos en 2027.")
	ex.Select("#f-gender-marker", "1")
	fillAction(ex, 0, "training", "Taller sobre equipos conjuntos de investigación", "45000")
	ex.Submit("button[value='add_indicator:0']")
	ex.Fill("#f-actions-0-indicators-1-name", "Casos abiertos")
	ex.Fill("#f-actions-0-indicators-1-unit", "cases")
	ex.Fill("#f-actions-0-indicators-1-target", "4")
	ex.Submit("button[value='add_action']")
	ex.Fill("#f-actions-1-title", "Intercambio con Eurojust")
	ex.Submit("button[value='submit']")
	require.True(t, ex.Has(`#f-actions-1-type[aria-invalid="true"]`), "the second action's missing type is shown at its field")
	require.Equal(t, pipeline.Planning, stageOf(t, app, a))
	ex.Check("plan-editor-errors")
	fillAction(ex, 1, "peer_exchange", "Intercambio con Eurojust", "12500.50")
	ex.Submit(".actions button[value='save']")
	require.Contains(t, ex.Body(), "O rascunho foi salvo.")
	ex.Check("plan-editor")
	ex.Submit("button[value='submit']")
	require.Equal(t, pipeline.Validation, stageOf(t, app, a))
	p, err := app.Store.Priority(context.Background(), a)
	require.NoError(t, err)
	require.Len(t, p.Plan.Actions, 2)
	require.Len(t, p.Plan.Actions[0].Indicators, 2)
	require.Equal(t, pipeline.Cents(1250050), p.Plan.Actions[1].BudgetEUR)

	// The focal point reads the plan and endorses it.
	fp.Go(base + "/priorities/" + a)
	require.Contains(t, fp.Body(), "Taller sobre equipos conjuntos de investigación")
	require.Contains(t, fp.Body(), "57.500,50", "money in Spanish format")
	fp.Check("fp-priority-validation")
	fp.Open("#d-endorse")
	fp.Submit("#d-endorse button[type=submit]")
	require.Equal(t, pipeline.Approval, stageOf(t, app, a))

	// Four eyes: the manager who triaged may not approve; a second one does.
	mgr.Go(base + "/priorities/" + a)
	require.False(t, mgr.Has("#d-approve"), "the triaging manager gets no approve button")
	m2 := br.NewTab(t, "second manager", "en")
	signIn(m2, base, ps.manager2)
	m2.Go(base + "/priorities/" + a)
	m2.Check("manager2-priority-approval")
	m2.Open("#d-approve")
	m2.Submit("#d-approve button[type=submit]")
	require.Equal(t, pipeline.Approved, stageOf(t, app, a))
	m2.Check("priority-approved")
	m2.Go(base + "/dashboard")
	require.Contains(t, m2.Content("#funnel-d"), "Approved: 1")
	require.Contains(t, m2.Content("#weekly-d"), ": 1")
	m2.Check("dashboard")
	m2.Go(base + "/priorities?stage=approved&q=lavado")
	require.Contains(t, m2.Body(), "Equipos conjuntos de investigación")
	m2.Check("manager-list-filtered")

	// A focal point of another country cannot open the restricted priority.
	mx := br.NewTab(t, "focal point MX", "es")
	signIn(mx, base, ps.fpMX)
	mx.Go(base + "/priorities/" + c)
	require.Contains(t, mx.Body(), "Esta página no existe o usted no puede verla.")
	require.NotContains(t, mx.Body(), "Prioridad reservada")
	mx.Check("fp-other-country-restricted")

	// A form posted to Puente from another site is refused, and changes nothing.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Elsewhere</title><form method="post" action="%s/priorities/%s/decisions">
			<input type="hidden" name="decision" value="withdraw"><input type="hidden" name="reason" value="forged">
			<button id="go">Win a prize</button></form></html>`, base, c)
	}))
	defer evil.Close()
	fp.Go(evil.URL)
	fp.Submit("#go")
	require.Contains(t, fp.Body(), "Esta solicitud vino de otro sitio y fue rechazada.")
	require.Equal(t, pipeline.Triage, stageOf(t, app, c), "the forged withdrawal changed nothing")
	fp.Check("cross-origin-refused")

	// Signing out revokes the session.
	fp.Go(base + "/")
	fp.Submit("form[action='/signout'] button")
	fp.Go(base + "/")
	require.Contains(t, fp.URL(), "/signin")

	for _, r := range br.Report {
		require.LessOrEqualf(t, r.Bytes, 150*1024, "%s is %d bytes", r.Name, r.Bytes)
	}
	copyScreenshots(t, dir)
}

func fillAction(ex *browser.Tab, i int, typ, title, budget string) {
	f := func(name string) string {
		return fmt.Sprintf("#f-actions-%d-%s", i, strings.ReplaceAll(name, "_", "-"))
	}
	ex.Select(f("type"), typ)
	ex.Fill(f("title"), title)
	ex.Fill(f("description"), "Cinco días de formación práctica para fiscales y policías.")
	ex.Fill(f("beneficiaries"), "Fiscalía de la Nación\nPolicía Nacional")
	ex.Select(f("countries"), "PE", "CO")
	ex.Fill(f("start_date"), "2027-02-01")
	ex.Fill(f("end_date"), "2027-02-05")
	ex.Fill(f("budget-eur"), budget)
	ex.Select(f("partner"), "fiiapp")
	ex.Select(f("eu_agencies"), "eurojust", "europol")
	ex.Fill(f("indicators-0-name"), "Fiscales formados")
	ex.Fill(f("indicators-0-unit"), "people")
	ex.Fill(f("indicators-0-baseline"), "0")
	ex.Fill(f("indicators-0-target"), "40")
}

// copyScreenshots refreshes docs/screenshots (shown in the README) when asked to
// (PUENTE_UPDATE_SCREENSHOTS=1): the dashboard, the priority page and the
// plan editor.
func copyScreenshots(t *testing.T, dir string) {
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	want := map[string]string{"dashboard": "dashboard.png", "manager2-priority-approval": "priority.png", "plan-editor": "plan-editor.png"}
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	require.NoError(t, err)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f)[3:], ".png")
		if out, ok := want[name]; ok {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshots", out), b, 0o644))
		}
	}
}
