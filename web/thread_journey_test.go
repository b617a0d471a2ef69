package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestConversationThroughTheUI: on the real stack with a real Mailpit, a
// Haitian focal point working in French answers an expert's revision
// request in the priority's thread, mentioning the expert; a refused
// (empty) comment is explained next to its field; she corrects her
// comment, whose first text stays readable. The expert, who reads Dutch,
// gets one email in Dutch and reads the thread in Dutch, without a way to
// edit someone else's comment. Once the priority is withdrawn its thread is
// read-only. axe-core checks every page; the French and Dutch pages are
// screenshots (docs/screenshots with PUENTE_UPDATE_SCREENSHOTS=1).
func TestConversationThroughTheUI(t *testing.T) {
	inbox := testenv.Mailpit(t)
	app := testenv.NewApp(t, testenv.AppOptions{Mail: inbox})
	ctx := context.Background()
	haiti := app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Jean-Baptiste Joseph", Role: pipeline.FocalPoint,
		Countries: []string{"HT"}}, Email: "jb.joseph@puente.test", Language: "fr"})
	expert := app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Sanne de Vries", Role: pipeline.Expert,
		Themes: []string{"money_laundering"}}, Email: "sanne.devries@puente.test", Language: "nl"})
	manager := app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager})

	p, err := app.Service.Submit(ctx, haiti.Actor, pipeline.Submission{Title: "Suivre l'argent du trafic de drogue",
		Description: "Renforcer les enquêtes financières parallèles de l'UCREF et de la police judiciaire.",
		Theme:       "money_laundering", Pillar: "police", Countries: []string{"HT"}, Institution: "UCREF", Urgency: "high"}, "")
	require.NoError(t, err)
	_, err = app.Service.Act(ctx, manager.Actor, p.ID, 0, pipeline.Act{DecisionInput: pipeline.DecisionInput{
		Decision: pipeline.Accept, ExpertID: expert.ID}})
	require.NoError(t, err)
	_, err = app.Service.Act(ctx, expert.Actor, p.ID, 0, pipeline.Act{DecisionInput: pipeline.DecisionInput{
		Decision: pipeline.RequestRevision, Comment: "Quelles institutions bénéficieraient de l'appui ?"}})
	require.NoError(t, err)

	base, page := app.URL, app.URL+"/priorities/"+p.ID
	dir := browser.Artifacts(t, "web-thread")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)

	fr := br.NewTab(t, "Haitian focal point", "fr")
	signIn(fr, base, haiti)
	fr.Go(page)
	require.Equal(t, "fr", fr.Lang())
	require.Contains(t, fr.Body(), "Conversation")
	require.Contains(t, fr.Body(), "Aucun commentaire pour l'instant.")
	require.Contains(t, fr.Body(), "Quelles institutions bénéficieraient de l'appui ?", "the revision request stays in the timeline")
	fr.Check("fr-thread-empty")

	// An empty comment is refused, explained in French next to its field.
	fr.Submit("form.new-comment button[type=submit]")
	require.Contains(t, fr.Body(), "Veuillez corriger les points suivants")
	require.True(t, fr.Has("#f-comment[aria-invalid=true]"), "the refused field is marked")
	require.Equal(t, fr.Content("#f-comment-err"), frMessage(t, "code.required"))
	fr.Check("fr-thread-refused")

	answer := "@sanne.devries Les bénéficiaires seraient l'UCREF et la Direction centrale de la police judiciaire."
	fr.Fill("#f-comment", answer)
	fr.Submit("form.new-comment button[type=submit]")
	require.Contains(t, fr.Body(), "Votre commentaire a été publié.")
	require.Contains(t, fr.Body(), answer)
	require.Contains(t, fr.Body(), "Personnes prévenues par courriel\u00a0: Sanne de Vries")
	thread, err := app.Service.Thread(ctx, haiti.Actor, p.ID)
	require.NoError(t, err)
	require.Len(t, thread, 1)
	cid := thread[0].ID
	require.Equal(t, pipeline.Revision, stageOf(t, app, p.ID), "the thread does not move the stage")

	// She corrects her comment; the first text stays, marked as earlier.
	corrected := answer + " Ainsi que le parquet de Port-au-Prince."
	fr.Open("#c-" + cid + " details.edit-comment")
	fr.Fill("#edit-"+cid, corrected)
	fr.Submit("#c-" + cid + " details.edit-comment button[type=submit]")
	require.Contains(t, fr.Body(), "Votre commentaire a été mis à jour")
	require.Contains(t, fr.Body(), "modifié le")
	fr.Open("#c-" + cid + " details.history")
	require.Equal(t, answer, fr.Content("#c-"+cid+" details.history blockquote"))
	fr.Check("fr-conversation")

	// The expert gets one email, in Dutch, with the comment.
	var toExpert []testenv.Mail
	deadline := time.Now().Add(30 * time.Second)
	for len(toExpert) == 0 && time.Now().Before(deadline) {
		for _, m := range inbox.Messages(t) {
			if m.To[0].Address == expert.Email && strings.HasPrefix(m.Subject, "Vermelding in een gesprek: ") {
				toExpert = append(toExpert, m)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.Len(t, toExpert, 1, "one mention email to the expert")
	require.Equal(t, "Vermelding in een gesprek: "+p.Ref+" "+p.Title, toExpert[0].Subject)
	body := inbox.Message(t, toExpert[0].ID).Text
	require.Contains(t, body, "Jean-Baptiste Joseph heeft u genoemd in het gesprek over prioriteit "+p.Ref)
	require.Contains(t, body, answer)

	// The expert reads the thread in Dutch, and may not edit the comment.
	nl := br.NewTab(t, "Dutch-speaking expert", "nl")
	signIn(nl, base, expert)
	nl.Go(page)
	require.Equal(t, "nl", nl.Lang())
	require.Contains(t, nl.Body(), "Gesprek")
	require.Contains(t, nl.Body(), corrected)
	require.Contains(t, nl.Body(), "Eerdere versies")
	require.False(t, nl.Has("details.edit-comment"), "an edit form for someone else's comment")
	nl.Check("nl-conversation")

	time.Sleep(6 * time.Second) // the edit's flush has run: it tells nobody again
	n := 0
	for _, m := range inbox.Messages(t) {
		if m.To[0].Address == expert.Email && strings.HasPrefix(m.Subject, "Vermelding") {
			n++
		}
	}
	require.Equal(t, 1, n, "mention emails to the expert after the edit")

	// Withdrawn, the priority's thread is read, no longer written.
	_, err = app.Service.Act(ctx, haiti.Actor, p.ID, 0, pipeline.Act{DecisionInput: pipeline.DecisionInput{
		Decision: pipeline.Withdraw, Reason: "Traitée par une autre coopération."}})
	require.NoError(t, err)
	fr.Go(page)
	require.Contains(t, fr.Body(), "Cette priorité est clôturée\u00a0: sa conversation reste consultable")
	require.Contains(t, fr.Body(), corrected)
	require.False(t, fr.Has("form.new-comment"), "a form to comment on a closed priority")
	require.False(t, fr.Has("details.edit-comment"), "a form to edit a comment of a closed priority")
	fr.Check("fr-thread-closed")
	copyThreadScreenshots(t, dir)
}

// frMessage is a message of the French catalogue.
func frMessage(t *testing.T, id string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "i18n", "locales", "fr.json"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), `"`+id+`": "`); ok {
			return strings.TrimSuffix(strings.TrimSuffix(v, ","), `"`)
		}
	}
	t.Fatalf("no %s in fr.json", id)
	return ""
}

// copyThreadScreenshots refreshes the conversation's screenshots in
// docs/screenshots when asked to (PUENTE_UPDATE_SCREENSHOTS=1).
func copyThreadScreenshots(t *testing.T, dir string) {
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	for name, out := range map[string]string{"fr-conversation": "conversation-fr.png", "nl-conversation": "conversation-nl.png"} {
		files, err := filepath.Glob(filepath.Join(dir, "*-"+name+".png"))
		require.NoError(t, err)
		require.Len(t, files, 1, name)
		b, err := os.ReadFile(files[0])
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshots", out), b, 0o644))
	}
}
