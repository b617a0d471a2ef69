package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/samplefiles"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestCaribbeanJourney is the technical teams' journey on the real stack,
// with a real Mailpit: a Haitian focal point works entirely in French and
// a Surinamese one in Dutch — each submits, answers the expert's revision
// request in the priority's thread and attaches the ministry's letter; the
// Haitian mentions the expert, who is told once, in Portuguese. The expert
// goes on leave: her delegate approves the review on her behalf and the
// timeline names both. At the final approval the manager who triaged,
// standing in for an absent colleague, is refused in both names; a third
// manager approves. A restricted priority's thread, files and mentions
// reach nobody outside it. axe-core checks every page, the new ones in all
// five languages.
func TestCaribbeanJourney(t *testing.T) {
	inbox := testenv.Mailpit(t)
	app := testenv.NewApp(t, testenv.AppOptions{Mail: inbox})
	ctx := context.Background()
	person := func(name, lang string, role pipeline.Role, countries, themes []string) testenv.User {
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@puente.test"
		return app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: name, Role: role, Countries: countries, Themes: themes},
			Email: email, Language: lang})
	}
	ml := []string{"money_laundering"}
	haiti := person("Jean-Baptiste Joseph", "fr", pipeline.FocalPoint, []string{"HT"}, nil)
	suriname := person("Sharmila Ramdin", "nl", pipeline.FocalPoint, []string{"SR"}, nil)
	carla := person("Carla Mendes", "pt", pipeline.Expert, nil, ml)
	pieter := person("Pieter Janssen", "nl", pipeline.Expert, nil, ml)
	triager := person("Ana Ruiz", "en", pipeline.Manager, nil, nil)
	sophie := person("Sophie Laurent", "fr", pipeline.Manager, nil, nil)
	kwame := person("Kwame Mensah", "es", pipeline.Manager, nil, nil)

	base := app.URL
	dir := browser.Artifacts(t, "web-caribbean")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)
	files := t.TempDir()
	letterPath := filepath.Join(files, "Lettre du ministère.pdf")
	require.NoError(t, os.WriteFile(letterPath, samplefiles.PDF(), 0o644))
	briefPath := filepath.Join(files, "Verzoekbrief ministerie.pdf")
	require.NoError(t, os.WriteFile(briefPath, samplefiles.PDF(), 0o644))

	do := func(method, path string, u testenv.User, body any, want int) testenv.Response {
		t.Helper()
		r := app.Do(t, method, path, u.Token, body)
		require.Equalf(t, want, r.StatusCode, "%s %s by %s: %s", method, path, u.Name, r.Body)
		return r
	}
	decide := func(id string, u testenv.User, body map[string]any) {
		t.Helper()
		do("POST", "/v1/priorities/"+id+"/decisions", u, body, http.StatusOK)
	}

	// Each focal point submits in their own language, through the web form.
	submitIn := func(tab *browser.Tab, title, country, institution string) string {
		tab.Go(base + "/priorities/new")
		tab.Fill("#f-title", title)
		tab.Fill("#f-description", "Renforcer les enquêtes financières parallèles sur le trafic de drogue.")
		tab.Select("#f-theme", "money_laundering")
		tab.Select("#f-pillar", "justice")
		tab.Select("#f-countries", country)
		tab.Fill("#f-institution", institution)
		tab.Tick("#f-urgency-high")
		tab.Tick("#f-sensitivity-public")
		tab.Submit("form[action='/priorities'] button[type=submit]")
		return priorityID(t, tab)
	}
	fr := br.NewTab(t, "Haitian focal point", "fr-HT")
	signIn(fr, base, haiti)
	require.Equal(t, "fr", fr.Lang())
	fr.Check("fr-fp-home")
	a := submitIn(fr, "Suivre l'argent du trafic de drogue", "HT", "Unité centrale de renseignements financiers")
	require.Contains(t, fr.Body(), message(t, "fr", "notice.submitted"))
	fr.Check("fr-fp-submitted")
	nl := br.NewTab(t, "Surinamese focal point", "nl-SR")
	signIn(nl, base, suriname)
	require.Equal(t, "nl", nl.Lang())
	b := submitIn(nl, "Gezamenlijke onderzoeksteams tegen witwassen", "SR", "Openbaar Ministerie Suriname")
	nl.Check("nl-fp-submitted")

	// Triage and a revision request on both (the managers' and the
	// expert's steps of the pipeline journey, here through the API).
	for _, id := range []string{a, b} {
		decide(id, triager, map[string]any{"decision": "accept", "expert_id": carla.ID})
		decide(id, carla, map[string]any{"decision": "request_revision", "comment": "Quelles institutions participeraient ?"})
	}

	// Each answers in the thread, attaches the ministry's letter and resubmits.
	answer := func(tab *browser.Tab, id, text, letter string) {
		lang := tab.Lang()
		tab.Go(base + "/priorities/" + id)
		tab.Fill("#f-comment", text)
		tab.Submit("form.new-comment button[type=submit]")
		require.Contains(t, tab.Body(), message(t, lang, "notice.commented"))
		require.Contains(t, tab.Text("#thread"), text)
		tab.Do("choose the letter", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{letter}))
		tab.Select("#f-document-kind", "request_letter")
		tab.Submit("form.upload button[type=submit]")
		require.Contains(t, tab.Body(), message(t, lang, "notice.document_attached"))
		require.Contains(t, tab.Text("#documents table"), filepath.Base(letter))
		tab.Check(lang + "-fp-thread-and-letter")
		tab.Click("a[href$='/edit']")
		tab.Submit("button[value='resubmit']")
		require.Contains(t, tab.Body(), message(t, lang, "notice.resubmitted"))
		require.Equal(t, pipeline.ExpertReview, stageOf(t, app, id))
	}
	frAnswer := "@carla.mendes L'UCREF et la Direction centrale de la police judiciaire participeraient."
	answer(fr, a, frAnswer, letterPath)
	answer(nl, b, "Het Openbaar Ministerie en het Korps Politie Suriname zouden deelnemen.", briefPath)

	// The mention reaches the expert's inbox once, in Portuguese.
	var toCarla []testenv.Mail
	for deadline := time.Now().Add(30 * time.Second); len(toCarla) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		toCarla = toCarla[:0]
		for _, m := range inbox.Messages(t) {
			if m.To[0].Address == carla.Email && strings.HasPrefix(m.Subject, "Menção em uma conversa: ") {
				toCarla = append(toCarla, m)
			}
		}
	}
	require.Len(t, toCarla, 1, "one mention email to the expert")
	require.Contains(t, inbox.Message(t, toCarla[0].ID).Text, "Jean-Baptiste Joseph mencionou você na conversa sobre a prioridade")

	// The expert goes on leave; her delegate finds the review in his inbox,
	// marked as hers, and approves it in his own session.
	today, until := pipeline.Day(time.Now()), pipeline.Day(time.Now().AddDate(0, 0, 14))
	do("POST", "/v1/users/"+carla.ID+"/absences", carla, map[string]any{"from": today, "to": until, "delegate_id": pieter.ID}, http.StatusCreated)
	pt := br.NewTab(t, "delegate expert", "nl")
	signIn(pt, base, pieter)
	require.Contains(t, pt.Text("#tasks-h ~ div table"), "namens Carla Mendes")
	pt.Check("nl-delegate-inbox")
	pt.Go(base + "/priorities/" + a)
	pt.Open("#d-approve")
	pt.Submit("#d-approve button[type=submit]")
	require.Equal(t, pipeline.Planning, stageOf(t, app, a))
	require.Contains(t, pt.Text("ol.timeline"), "Pieter Janssen namens Carla Mendes")
	fr.Go(base + "/priorities/" + a)
	require.Contains(t, fr.Text("ol.timeline"), "Pieter Janssen au nom de Carla Mendes")
	fr.Check("fr-fp-timeline-on-behalf")

	// The delegate drafts and submits the plan on her behalf; the focal point endorses it.
	do("PUT", "/v1/priorities/"+a+"/plan", pieter, journey.PlanBody(), http.StatusOK)
	decide(a, pieter, map[string]any{"decision": "submit_plan"})
	fr.Go(base + "/priorities/" + a)
	fr.Open("#d-endorse")
	fr.Submit("#d-endorse button[type=submit]")
	require.Equal(t, pipeline.Approval, stageOf(t, app, a))

	// Four eyes through delegation: the manager who triaged stands in for
	// an absent colleague, and is refused the approval in both names.
	do("POST", "/v1/users/"+sophie.ID+"/absences", sophie, map[string]any{"from": today, "to": until, "delegate_id": triager.ID}, http.StatusCreated)
	en := br.NewTab(t, "manager who triaged", "en")
	signIn(en, base, triager)
	en.Go(base + "/priorities/" + a)
	require.False(t, en.Has("#d-approve"), "the triaging manager, standing in for a colleague, gets an approve button")
	en.Check("en-triager-no-approval")
	do("POST", "/v1/priorities/"+a+"/decisions", triager, map[string]any{"decision": "approve"}, http.StatusForbidden)
	require.Equal(t, pipeline.Approval, stageOf(t, app, a), "a refused approval changes nothing")
	es := br.NewTab(t, "third manager", "es")
	signIn(es, base, kwame)
	es.Go(base + "/priorities/" + a)
	es.Open("#d-approve")
	es.Submit("#d-approve button[type=submit]")
	require.Equal(t, pipeline.Approved, stageOf(t, app, a))
	es.Check("es-approved")
	evs, err := app.Store.Events(ctx, a)
	require.NoError(t, err)
	for i, e := range evs {
		require.Equal(t, i+1, e.Seq, "the trail is gapless")
	}

	// A restricted priority: its thread, files and mentions reach nobody
	// outside it — not the delegate expert it is not assigned to, not the
	// other country's focal point.
	restricted := journey.SubmissionBody()
	restricted["countries"], restricted["sensitivity"], restricted["title"] = []string{"HT"}, "restricted", "Dossier réservé de l'UCREF"
	var c pipeline.Priority
	do("POST", "/v1/priorities", haiti, restricted, http.StatusCreated).JSON(t, &c)
	// Mentions of the delegate expert and of Suriname's focal point, who
	// may not see it, are refused; a manager's is taken.
	r := do("POST", "/v1/priorities/"+c.ID+"/comments", haiti, map[string]any{"text": "@pieter.janssen @sharmila.ramdin Confidentiel."},
		http.StatusUnprocessableEntity)
	require.Equal(t, 2, strings.Count(string(r.Body), `"mention_unseen"`))
	require.NotContains(t, string(r.Body), "Pieter Janssen")
	do("POST", "/v1/priorities/"+c.ID+"/comments", haiti, map[string]any{"text": "@kwame.mensah Confidentiel."}, http.StatusCreated)
	fr.Go(base + "/priorities/" + c.ID)
	fr.Do("choose the letter", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{letterPath}))
	fr.Select("#f-document-kind", "request_letter")
	fr.Submit("form.upload button[type=submit]")
	var docs struct{ Items []struct{ ID string } }
	do("GET", "/v1/priorities/"+c.ID+"/documents", haiti, nil, http.StatusOK).JSON(t, &docs)
	require.Len(t, docs.Items, 1)
	for _, u := range []testenv.User{pieter, suriname} {
		for _, path := range []string{"/v1/priorities/" + c.ID + "/comments", "/v1/priorities/" + c.ID + "/documents",
			"/v1/priorities/" + c.ID + "/documents/" + docs.Items[0].ID} {
			do("GET", path, u, nil, http.StatusNotFound)
		}
		var list struct{ Items []pipeline.Priority }
		do("GET", "/v1/priorities?q=Confidentiel", u, nil, http.StatusOK).JSON(t, &list)
		require.Empty(t, list.Items, "%s finds the restricted priority by its thread", u.Name)
	}
	nl.Go(base + "/priorities/" + c.ID)
	require.NotContains(t, nl.Body(), "Confidentiel")
	time.Sleep(6 * time.Second) // past the flush that would have sent them
	for _, m := range inbox.Messages(t) {
		if m.To[0].Address != kwame.Email {
			require.NotContains(t, m.Subject, c.Ref, "mail about the restricted priority to %s", m.To[0].Address)
		}
	}

	// The new pages — the priority with its thread, documents and a
	// timeline on someone's behalf, the absences on the preferences and a
	// user's page — in all five languages.
	for _, lang := range []string{"es", "pt", "en", "fr", "nl"} {
		tab := br.NewTab(t, "manager "+lang, lang)
		signIn(tab, base, kwame)
		tab.Select("#lang-select", lang)
		tab.Submit("form[action='/language'] button")
		require.Equal(t, lang, tab.Lang())
		tab.Go(base + "/priorities/" + a)
		tab.Check(lang + "-priority-thread-documents")
		tab.Go(base + "/preferences")
		tab.Check(lang + "-preferences-absences")
		tab.Go(base + "/users/" + carla.ID)
		tab.Check(lang + "-user-absences")
	}
}

// message is a message of one of the catalogues, as the catalogue writes it.
func message(t *testing.T, lang, id string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "i18n", "locales", lang+".json"))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	v, ok := m[id].(string)
	require.Truef(t, ok, "no message %s in %s.json", id, lang)
	return v
}
