package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestDelegationThroughTheUI: an expert (Dutch) declares his absence on
// his preferences page — a form with its errors first — naming a colleague
// of his theme; the delegate finds his review in her inbox marked "namens
// Jean Dupont" in Dutch and "au nom de Jean Dupont" in French, opens it
// and approves it with her own session; the timeline says "Ana Ruiz au nom
// de Jean Dupont"; a manager (French) sees the absence on the expert's
// page and cancels it. axe-core runs on every page.
func TestDelegationThroughTheUI(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{})
	add := func(name, lang string, role pipeline.Role, themes ...string) testenv.User {
		return app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: name, Role: role, Themes: themes,
			Countries: map[pipeline.Role][]string{pipeline.FocalPoint: {"PE"}}[role]},
			Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", Language: lang})
	}
	fp := add("María Quispe", "es", pipeline.FocalPoint)
	mgr := add("Sophie Laurent", "fr", pipeline.Manager)
	jean := add("Jean Dupont", "nl", pipeline.Expert, "joint_investigation_teams")
	ana := add("Ana Ruiz", "fr", pipeline.Expert, "joint_investigation_teams", "cybercrime")
	add("Lena Visser", "nl", pipeline.Expert, "cybercrime") // of another theme: never offered

	r := app.Do(t, "POST", "/v1/priorities", fp.Token, journey.SubmissionBody())
	require.Equal(t, http.StatusCreated, r.StatusCode, string(r.Body))
	var p pipeline.Priority
	r.JSON(t, &p)
	r = app.Do(t, "POST", "/v1/priorities/"+p.ID+"/decisions", mgr.Token, map[string]any{"decision": "accept", "expert_id": jean.ID})
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.Body))

	base := app.URL
	dir := browser.Artifacts(t, "web-delegation")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)

	// The expert declares his absence: the last day before the first is refused.
	today := pipeline.Day(time.Now())
	until := pipeline.Day(time.Now().AddDate(0, 0, 7))
	jt := br.NewTab(t, "absent expert", "nl")
	signIn(jt, base, jean)
	jt.Go(base + "/preferences")
	require.Equal(t, "nl", jt.Lang())
	require.Contains(t, jt.Body(), "Afwezigheid en vervanging")
	require.NotContains(t, jt.HTML(), "Lena Visser", "an expert of another theme is offered as delegate")
	jt.Fill("#f-absence-from", until)
	jt.Fill("#f-absence-to", today)
	jt.Select("#f-delegate-id", ana.ID)
	jt.Submit("form[action='/preferences/absences'] button[type=submit]")
	require.True(t, jt.Has(`#f-absence-to[aria-invalid="true"]`), "the last day's error is tied to it")
	jt.Check("absence-errors-nl")
	jt.Fill("#f-absence-from", today)
	jt.Fill("#f-absence-to", until)
	jt.Select("#f-delegate-id", ana.ID)
	jt.Submit("form[action='/preferences/absences'] button[type=submit]")
	require.Contains(t, jt.Body(), "De afwezigheid is gemeld")
	require.Contains(t, jt.Text("section[aria-labelledby='absences-h'] tbody"), "Ana Ruiz")
	jt.Check("absence-preferences-nl")

	// The delegate's inbox, in Dutch and in French: the review is marked as his.
	anl := br.NewTab(t, "delegate nl", "nl")
	signIn(anl, base, ana)
	require.Contains(t, anl.Text("#tasks-h ~ div table"), "namens Jean Dupont")
	anl.Check("inbox-on-behalf-nl")
	afr := br.NewTab(t, "delegate fr", "fr")
	signIn(afr, base, ana)
	require.Contains(t, afr.Text("#tasks-h ~ div table"), "au nom de Jean Dupont")
	afr.Check("inbox-on-behalf-fr")

	// She opens it and approves the review with her own session.
	afr.Click("a[href='/priorities/" + p.ID + "']")
	require.True(t, afr.Has("#d-approve"), "the delegate gets the absent expert's approve button")
	afr.Open("#d-approve")
	afr.Submit("#d-approve button[type=submit]")
	require.Contains(t, afr.Text("ol.timeline"), "Ana Ruiz au nom de Jean Dupont")
	afr.Check("timeline-on-behalf-fr")
	evs, err := app.Store.Events(t.Context(), p.ID)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	require.Equal(t, pipeline.EventOf(pipeline.Approve), last.Kind)
	require.Equal(t, ana.ID, last.Actor.ID)
	require.Equal(t, &pipeline.Ref{ID: jean.ID, Name: "Jean Dupont", Role: pipeline.Expert}, last.Actor.OnBehalfOf)

	// A manager sees the absence on the expert's page, and cancels it.
	mt := br.NewTab(t, "manager", "fr")
	signIn(mt, base, mgr)
	mt.Go(base + "/users/" + jean.ID)
	require.Contains(t, mt.Text("section[aria-labelledby='absences-h'] tbody"), "Ana Ruiz")
	mt.Check("user-absences-fr")
	xs, err := app.Store.Absences(t.Context(), jean.ID, today)
	require.NoError(t, err)
	require.Len(t, xs, 1)
	mt.Submit("form[action='/users/" + jean.ID + "/absences/" + xs[0].ID + "/cancel'] button")
	require.Contains(t, mt.Body(), "L'absence a été annulée.")
	require.Contains(t, mt.Text("section[aria-labelledby='absences-h'] tbody"), "Aucune absence déclarée.")
	mt.Check("user-absence-cancelled-fr")

	// Her own preferences, in French, with the form to declare hers.
	afr.Go(base + "/preferences")
	require.Contains(t, afr.Body(), "Absences et suppléance")
	afr.Check("absence-preferences-fr")

	for _, r := range br.Report {
		require.LessOrEqualf(t, r.Bytes, 150*1024, "%s is %d bytes", r.Name, r.Bytes)
	}
	copyDelegationScreenshots(t, dir)
}

// copyDelegationScreenshots refreshes the delegation's screenshots in
// docs/screenshots when asked to (PUENTE_UPDATE_SCREENSHOTS=1).
func copyDelegationScreenshots(t *testing.T, dir string) {
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	want := map[string]string{"absence-preferences-nl": "absences-nl.png", "user-absences-fr": "absences-fr.png",
		"inbox-on-behalf-nl": "inbox-on-behalf-nl.png", "inbox-on-behalf-fr": "inbox-on-behalf-fr.png",
		"timeline-on-behalf-fr": "timeline-on-behalf-fr.png"}
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
