package web_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	puenteapp "github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// TestDeliveryActionJourney delivers the first action of an approved
// two-action plan through the action page on the real stack, in a real
// Chromium under axe-core: FIIAPP's implementer (es) confirms the dates and
// reports, refused once (no summary: the error at its field); the assigned
// expert (pt) sends the report back with a comment; the implementer
// reports again and the expert validates; a manager (en) closes the
// action. The priority page then counts one action of two delivered, and
// the delivery dashboard and the annual plan show it closed. Each role's
// view of the action is then checked in French and Dutch.
func TestDeliveryActionJourney(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{Web: puenteapp.WebConfig{}})
	fp := app.AddUser(t, pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	mgr := app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager})
	mgr2 := app.AddUser(t, pipeline.Actor{Name: "John Smith", Role: pipeline.Manager})
	expert := app.AddUser(t, pipeline.Actor{Name: "Carmen Díaz", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}})
	impl := app.AddUser(t, pipeline.Actor{Name: "Laura Gómez", Role: pipeline.Implementer, Partner: "fiiapp"})

	do := func(u testenv.User, method, path string, body any) {
		t.Helper()
		r := app.Do(t, method, path, u.Token, body)
		require.Lessf(t, r.StatusCode, 300, "%s %s: %s", method, path, r.Body)
	}
	r := app.Do(t, "POST", "/v1/priorities", fp.Token, journey.SubmissionBody())
	require.Equal(t, http.StatusCreated, r.StatusCode, string(r.Body))
	var p pipeline.Priority
	r.JSON(t, &p)
	dec := "/v1/priorities/" + p.ID + "/decisions"
	do(mgr, "POST", dec, map[string]any{"decision": "accept", "expert_id": expert.ID})
	do(expert, "POST", dec, map[string]any{"decision": "approve"})
	do(expert, "PUT", "/v1/priorities/"+p.ID+"/plan", journey.TwoActionPlanBody())
	do(expert, "POST", dec, map[string]any{"decision": "submit_plan"})
	do(fp, "POST", dec, map[string]any{"decision": "endorse"})
	do(mgr2, "POST", dec, map[string]any{"decision": "approve"})

	base := app.URL
	page := base + "/priorities/" + p.ID + "/actions/0"
	dir := browser.Artifacts(t, "web-delivery-action")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)

	es, pt, en := i18n.For("es"), i18n.For("pt"), i18n.For("en")
	im := br.NewTab(t, "implementer", "es")
	signIn(im, base, impl)
	im.Go(base + "/priorities/" + p.ID)
	im.Click(`a[href="/priorities/` + p.ID + `/actions/0"]`)
	require.Contains(t, im.Content("#delivery-stage"), es.Code("delivery_stage", "scheduled"))
	im.Check("es-delivery-action-scheduled")
	im.Open("#act-confirm")
	im.Fill("#confirm-start", "2027-02-02")
	im.Fill("#confirm-end", "2027-02-06")
	im.Fill("#f-place", "Lima")
	im.Submit("#do-confirm")
	require.Contains(t, im.Content("#delivery-stage"), es.Code("delivery_stage", "in_progress"))
	require.Contains(t, im.Body(), es.T("notice.delivered"))

	report := func(summary string) {
		t.Helper()
		im.Open("#act-report")
		im.Fill("#f-report-participants-women", "19")
		im.Fill("#f-report-participants-men", "15")
		im.Fill("#f-report-participants-other", "1")
		im.Fill("#f-report-institutions-0-name", "Fiscalía de la Nación")
		im.Fill("#f-report-institutions-0-participants", "22")
		im.Fill("#f-report-institutions-1-name", "Policía Nacional")
		im.Fill("#f-report-institutions-1-participants", "13")
		im.Select("#f-report-countries", "PE", "CO")
		im.Fill("#f-report-summary", summary)
		im.Fill("#f-report-actual-cost-eur", "41200,50")
		for k := 0; im.Has(fmt.Sprintf("#f-report-indicators-%d-actual", k)); k++ {
			im.Fill(fmt.Sprintf("#f-report-indicators-%d-actual", k), fmt.Sprint(10+k))
		}
		im.Check("es-delivery-action-report")
		im.Submit("#do-report")
	}
	report("")
	require.True(t, im.Has("#f-report-summary-err"), "the summary's error at its field")
	require.True(t, im.Has("#error-summary"))
	require.Contains(t, im.Content("#delivery-stage"), es.Code("delivery_stage", "in_progress"), "a refused report changes nothing")
	im.Check("es-delivery-action-report-refused")
	report("Taller de cinco días con 35 participantes")
	require.Contains(t, im.Content("#delivery-stage"), es.Code("delivery_stage", "delivered"))
	im.Check("es-delivery-action-delivered")

	ex := br.NewTab(t, "expert", "pt")
	signIn(ex, base, expert)
	ex.Go(page)
	require.True(t, ex.Has("#do-validate"))
	ex.Open("#act-send_back")
	ex.Check("pt-delivery-action-validate")
	ex.Fill("#f-comment", "Falta el número de fiscales por país.")
	ex.Submit("#do-send_back")
	require.Contains(t, ex.Content("#delivery-stage"), pt.Code("delivery_stage", "in_progress"))
	require.Contains(t, ex.Body(), "Falta el número de fiscales por país.", "the comment in the history")

	im.Go(page)
	report("Taller de cinco días: 20 fiscales de Perú y 15 de Colombia")
	require.Contains(t, im.Content("#delivery-stage"), es.Code("delivery_stage", "delivered"))
	ex.Go(page)
	ex.Open("#act-validate")
	ex.Submit("#do-validate")
	require.Contains(t, ex.Content("#delivery-stage"), pt.T("daction.validated"))
	ex.Check("pt-delivery-action-validated")

	m := br.NewTab(t, "manager", "en")
	signIn(m, base, mgr)
	m.Go(page)
	m.Open("#act-close")
	m.Submit("#do-close")
	require.Contains(t, m.Content("#delivery-stage"), en.Code("delivery_stage", "closed"))
	require.False(t, m.Has("#acts-h"), "nothing more to do on a closed action")
	m.Check("en-delivery-action-closed")
	m.Go(base + "/priorities/" + p.ID)
	require.Contains(t, m.Body(), en.T("priority.delivery", "delivered", 1, "count", 2))
	m.Check("en-delivery-priority")
	m.Go(base + "/delivery")
	require.Contains(t, m.Content("#dstages-d"), en.T("dview.stage.closed")+": 1")
	m.Check("en-delivery-dashboard-closed")
	m.Go(base + "/annual-plan?year=2027")
	require.Contains(t, m.Body(), "Taller")
	m.Check("en-delivery-annual-plan")

	for _, lang := range []string{"fr", "nl"} {
		for _, who := range []testenv.User{impl, expert, mgr} {
			tab := br.NewTab(t, who.Name+", "+lang, lang)
			signIn(tab, base, who)
			tab.Go(page)
			require.Contains(t, tab.Content("#delivery-stage"), i18n.For(lang).Code("delivery_stage", "closed"))
			tab.Check(lang + "-delivery-action-" + strings.ToLower(strings.Fields(who.Name)[0]))
		}
	}
	copyActionScreenshots(t, dir)
}

// copyActionScreenshots refreshes the action page's screenshots in
// docs/screenshots when asked to (PUENTE_UPDATE_SCREENSHOTS=1).
func copyActionScreenshots(t *testing.T, dir string) {
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	want := map[string]string{"es-delivery-action-report": "delivery-action-report.png",
		"pt-delivery-action-validate": "delivery-action-validate.png", "en-delivery-action-closed": "delivery-action-closed.png",
		"fr-delivery-action-laura": "delivery-action-fr.png", "nl-delivery-action-ana": "delivery-action-nl.png"}
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	require.NoError(t, err)
	for _, f := range files {
		if out, ok := want[strings.TrimSuffix(filepath.Base(f)[3:], ".png")]; ok {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshots", out), b, 0o644))
		}
	}
}
