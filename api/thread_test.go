package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// comment posts (commentID empty) or edits a comment as u and fails the
// test unless it answers want; a 2xx answer is returned decoded.
func (b *bundle) comment(t *testing.T, u testenv.User, id, commentID, text string, want int) pipeline.Comment {
	t.Helper()
	method, path := "POST", "/v1/priorities/"+id+"/comments"
	if commentID != "" {
		method, path = "PATCH", path+"/"+commentID
	}
	r := b.app.Do(t, method, path, u.Token, map[string]any{"text": text})
	if r.StatusCode != want {
		t.Fatalf("%s %s by %s: %s %s", method, path, u.Name, r.Status, r.Body)
	}
	var c pipeline.Comment
	if want < 300 {
		r.JSON(t, &c)
	}
	return c
}

func (b *bundle) thread(t *testing.T, u testenv.User, id string) []pipeline.Comment {
	t.Helper()
	var list struct{ Items []pipeline.Comment }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/comments", u.Token, nil).JSON(t, &list)
	return list.Items
}

// found lists, as u, the priorities the free-text search q finds.
func (b *bundle) found(t *testing.T, u testenv.User, q string) []string {
	t.Helper()
	var list struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/priorities?q="+q, u.Token, nil).JSON(t, &list)
	return ids(list.Items)
}

// mailTo are the messages of the inbox addressed to email.
func mailTo(ms []testenv.Mail, email string) []testenv.Mail {
	var out []testenv.Mail
	for _, m := range ms {
		if slices.ContainsFunc(m.To, func(a testenv.Address) bool { return a.Address == email }) {
			out = append(out, m)
		}
	}
	return out
}

// TestConversation: a thread on a priority through the API — post, mention,
// edit with history, search, refusals that change nothing, and a thread
// that is read-only once the priority is closed. The mentioned expert, who
// reads French, gets one email in French; a mention of the focal point of
// another country is refused, tells them nothing and names them nowhere.
func TestConversation(t *testing.T) {
	t.Parallel()
	inbox := testenv.Mailpit(t)
	b := setup(t, testenv.AppOptions{Mail: inbox})
	jean := b.app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Jean-Baptiste Pierre", Role: pipeline.Expert,
		Themes: []string{"joint_investigation_teams"}}, Email: "jean.baptiste@puente.test", Language: "fr"})
	outsider := strings.Split(b.fpMX.Email, "@")[0]

	id := b.submit(t, b.fpPE, submission()).ID
	before := b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})

	// A mention of someone who may not see the priority is refused, naming
	// the handle only, and changes nothing.
	refused := b.app.Do(t, "POST", "/v1/priorities/"+id+"/comments", b.fpPE.Token,
		map[string]any{"text": "@jean.baptiste @" + outsider + " ¿Pueden revisar?"})
	var unseen struct {
		Errors []pipeline.FieldError `json:"errors"`
	}
	refused.Problem(t, &unseen)
	if refused.StatusCode != http.StatusUnprocessableEntity || len(unseen.Errors) != 1 || unseen.Errors[0].Code != pipeline.MentionUnseen ||
		unseen.Errors[0].Params["handle"] != "@"+outsider || strings.Contains(string(refused.Body), "Lucía") {
		t.Errorf("a mention of Mexico's focal point: %s %s", refused.Status, refused.Body)
	}
	if got := b.thread(t, b.fpPE, id); len(got) != 0 {
		t.Errorf("the refused comment was kept: %+v", got)
	}

	text := "@jean.baptiste ¿Pueden revisar el alcance transfronterizo? Palabrazanahoria."
	c := b.comment(t, b.fpPE, id, "", text, http.StatusCreated)
	if c.Text != text || c.Author.ID != b.fpPE.ID || c.Author.Name != "María Quispe" || c.Edited || len(c.History) != 0 || c.PriorityID != id {
		t.Errorf("posted %+v", c)
	}
	if len(c.Mentions) != 1 || c.Mentions[0].ID != jean.ID {
		t.Errorf("mentions %+v, want only %s (the focal point of Mexico may not see the priority)", c.Mentions, jean.ID)
	}
	after := b.get(t, b.fpPE, id)
	if after.Version != before.Version || after.Stage != pipeline.ExpertReview {
		t.Errorf("a comment changed the priority: v%d %s, was v%d %s", after.Version, after.Stage, before.Version, before.Stage)
	}
	var evs struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.expert.Token, nil).JSON(t, &evs)
	last := evs.Items[len(evs.Items)-1]
	if last.Kind != pipeline.EventCommented || last.Seq != c.Seq || last.Comment != text || last.Data["comment_id"] != c.ID {
		t.Errorf("audit trail ends with %+v", last)
	}

	// Everyone who sees the priority reads the thread, and finds the
	// priority by its words; nobody else.
	for _, u := range []testenv.User{b.expert, b.expert2, b.manager2, jean} {
		if got := b.thread(t, u, id); len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("%s reads %+v", u.Name, got)
		}
		if got := b.found(t, u, "palabrazanaho"); !slices.Equal(got, []string{id}) {
			t.Errorf("%s searching a comment's word finds %v", u.Name, got)
		}
	}
	if got := b.found(t, b.fpMX, "palabrazanahoria"); len(got) != 0 {
		t.Errorf("the focal point of Mexico finds %v", got)
	}
	if r := b.app.Do(t, "GET", "/v1/priorities/"+id+"/comments", b.fpMX.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("the focal point of Mexico reads the thread: %s", r.Status)
	}

	// Refusals, each with its code, each changing nothing.
	problems := func(r testenv.Response) []string {
		var p struct {
			Errors []pipeline.FieldError `json:"errors"`
		}
		r.Problem(t, &p)
		var out []string
		for _, e := range p.Errors {
			out = append(out, e.Field+":"+string(e.Code))
		}
		return out
	}
	path := "/v1/priorities/" + id + "/comments"
	for _, tc := range []struct {
		name, method, path string
		u                  testenv.User
		body               any
		status             int
		codes              []string
	}{
		{"empty", "POST", path, b.expert, map[string]any{"text": " \n "}, 422, []string{"text:required"}},
		{"missing", "POST", path, b.expert, map[string]any{}, 422, []string{"text:required"}},
		{"oversized", "POST", path, b.expert, map[string]any{"text": strings.Repeat("a", 4001)}, 422, []string{"text:too_long"}},
		{"control character", "POST", path, b.expert, map[string]any{"text": "a\u0007b"}, 422, []string{"text:control_character"}},
		{"bidi override", "POST", path, b.expert, map[string]any{"text": "ver\u202Efdp.exe"}, 422, []string{"text:bidi_control"}},
		{"not a string", "POST", path, b.expert, map[string]any{"text": 7}, 422, []string{"text:not_a_string"}},
		{"unknown field", "POST", path, b.expert, map[string]any{"text": "x", "author": b.expert.ID}, 422, []string{"author:unknown_field"}},
		{"someone else's comment", "PATCH", path + "/" + c.ID, b.expert, map[string]any{"text": "mío"}, 403, nil},
		{"a manager edits someone else's comment", "PATCH", path + "/" + c.ID, b.manager, map[string]any{"text": "mío"}, 403, nil},
		{"someone else's comment, badly", "PATCH", path + "/" + c.ID, b.expert, map[string]any{"text": ""}, 403, nil},
		{"an unknown comment", "PATCH", path + "/00000000-0000-4000-8000-000000000000", b.fpPE, map[string]any{"text": "x"}, 404, nil},
		{"a comment id that is no id", "PATCH", path + "/not-an-id", b.fpPE, map[string]any{"text": "x"}, 404, nil},
		{"one's own comment emptied", "PATCH", path + "/" + c.ID, b.fpPE, map[string]any{"text": ""}, 422, []string{"text:required"}},
		{"a priority one may not see", "POST", path, b.fpMX, map[string]any{"text": "hola"}, 404, nil},
		{"an unknown priority", "POST", "/v1/priorities/00000000-0000-4000-8000-000000000000/comments", b.manager, map[string]any{"text": "hola"}, 404, nil},
	} {
		r := b.app.Do(t, tc.method, tc.path, tc.u.Token, tc.body)
		if r.StatusCode != tc.status {
			t.Errorf("%s: %s %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		if got := problems(r); tc.codes != nil && !slices.Equal(got, tc.codes) {
			t.Errorf("%s: problems %v, want %v", tc.name, got, tc.codes)
		}
	}
	if got := b.thread(t, b.manager, id); len(got) != 1 || got[0].Text != text || got[0].Edited {
		t.Errorf("after the refusals the thread is %+v", got)
	}

	// The author edits: the earlier text stays readable, marked, with who
	// and when; the search reads the current text; Jean, mentioned again,
	// is not told twice.
	edited := b.comment(t, b.fpPE, id, c.ID, "@jean.baptiste Corrijo: el alcance es regional. Palabrapepino.", http.StatusOK)
	if !edited.Edited || edited.EditedAt == nil || len(edited.History) != 1 || edited.History[0].Text != text ||
		edited.History[0].By.ID != b.fpPE.ID || !edited.History[0].At.Equal(c.PostedAt) || edited.History[0].Seq != c.Seq || !edited.PostedAt.Equal(c.PostedAt) {
		t.Errorf("edited %+v", edited)
	}
	if len(edited.Mentions) != 1 {
		t.Errorf("mentions after the edit %+v, want Jean once", edited.Mentions)
	}
	if got := b.found(t, b.manager, "palabrapepino"); !slices.Equal(got, []string{id}) {
		t.Errorf("the edited text's word finds %v", got)
	}
	if got := b.found(t, b.manager, "palabrazanahoria"); len(got) != 0 {
		t.Errorf("the replaced text's word still finds %v", got)
	}

	// One email to Jean, in French, with the comment; none to Mexico's
	// focal point, nor to anyone for the edit.
	inbox.WaitFor(t, 2, 30*time.Second) // the accept's email to the expert, and the mention
	time.Sleep(8 * time.Second)         // the edit's flush has run by now
	ms := inbox.Messages(t)
	toJean := mailTo(ms, jean.Email)
	if len(toJean) != 1 {
		t.Fatalf("%d emails to Jean, want 1: %+v", len(toJean), ms)
	}
	if want := "Mention dans une conversation\u00a0: " + after.Ref; !strings.HasPrefix(toJean[0].Subject, want) {
		t.Errorf("subject %q, want it to start with %q", toJean[0].Subject, want)
	}
	m := inbox.Message(t, toJean[0].ID)
	for _, want := range []string{"Bonjour Jean-Baptiste Pierre", "María Quispe vous a mentionné", "Palabrazanahoria", "http://puente.test/priorities/" + id} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the email lacks %q:\n%s", want, m.Text)
		}
	}
	if got := mailTo(ms, b.fpMX.Email); len(got) != 0 {
		t.Errorf("Mexico's focal point got %d emails", len(got))
	}
	if len(ms) != 2 {
		t.Errorf("%d emails in all, want 2 (the accept's and the mention)", len(ms))
	}

	// Closed: the thread stays readable, and takes nothing more.
	b.decide(t, b.fpPE, id, http.StatusOK, map[string]any{"decision": "withdraw", "reason": "Se atiende por otra vía"})
	b.comment(t, b.fpPE, id, "", "¿Y ahora?", http.StatusConflict)
	b.comment(t, b.fpPE, id, c.ID, "otra corrección", http.StatusConflict)
	if got := b.thread(t, b.manager, id); len(got) != 1 || got[0].Text != edited.Text {
		t.Errorf("the closed priority's thread %+v", got)
	}
}

// TestRestrictedThreadLeaksToNobody: the thread of a restricted priority,
// and its mentions, reach only the people who may see it. A mention of an
// expert of the theme who is not assigned, or of another country's focal
// point, tells them nothing and names them nowhere; they get 404 on every
// route of the thread, and their search finds nothing by its words.
func TestRestrictedThreadLeaksToNobody(t *testing.T) {
	t.Parallel()
	inbox := testenv.Mailpit(t)
	b := setup(t, testenv.AppOptions{Mail: inbox})
	body := submission()
	body["sensitivity"] = "restricted"
	id := b.submit(t, b.fpPE, body).ID
	b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	handle := func(u testenv.User) string { return "@" + strings.Split(u.Email, "@")[0] }

	// Mentions of the theme's other expert and of Mexico's focal point,
	// who may not see it, are refused: the comment is not kept, nobody is told.
	r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/comments", b.manager.Token,
		map[string]any{"text": "Confidencial: " + handle(b.expert2) + " " + handle(b.fpMX) + " " + handle(b.expert) + " Palabrasecreta"})
	if r.StatusCode != http.StatusUnprocessableEntity || strings.Count(string(r.Body), `"mention_unseen"`) != 2 {
		t.Errorf("mentions of two who may not see it: %s %s", r.Status, r.Body)
	}
	text := "Confidencial: " + handle(b.expert) + " Palabrasecreta"
	c := b.comment(t, b.manager, id, "", text, http.StatusCreated)
	if len(c.Mentions) != 1 || c.Mentions[0].ID != b.expert.ID {
		t.Errorf("mentions %+v, want only the assigned expert", c.Mentions)
	}
	for _, u := range []testenv.User{b.expert2, b.fpMX} {
		for _, r := range []testenv.Response{
			b.app.Do(t, "GET", "/v1/priorities/"+id+"/comments", u.Token, nil),
			b.app.Do(t, "POST", "/v1/priorities/"+id+"/comments", u.Token, map[string]any{"text": "hola"}),
			b.app.Do(t, "POST", "/v1/priorities/"+id+"/comments", u.Token, map[string]any{"text": ""}),
			b.app.Do(t, "PATCH", "/v1/priorities/"+id+"/comments/"+c.ID, u.Token, map[string]any{"text": "hola"}),
			b.app.Do(t, "PATCH", "/v1/priorities/"+id+"/comments/00000000-0000-4000-8000-000000000000", u.Token, map[string]any{"text": "hola"}),
		} {
			if r.StatusCode != http.StatusNotFound || strings.Contains(string(r.Body), "Palabrasecreta") {
				t.Errorf("%s %s %s: %s %s, want 404", u.Name, r.Request.Method, r.Request.URL.Path, r.Status, r.Body)
			}
		}
		if got := b.found(t, u, "palabrasecreta"); len(got) != 0 {
			t.Errorf("%s finds %v by the comment's word", u.Name, got)
		}
	}
	for _, u := range []testenv.User{b.fpPE, b.expert, b.manager2} {
		if got := b.thread(t, u, id); len(got) != 1 || got[0].Text != text {
			t.Errorf("%s, who may see it, reads %+v", u.Name, got)
		}
	}
	inbox.WaitFor(t, 2, 30*time.Second) // the accept's, and the mention's, both to the assigned expert
	time.Sleep(6 * time.Second)
	ms := inbox.Messages(t)
	if len(ms) != 2 || len(mailTo(ms, b.expert.Email)) != 2 {
		t.Errorf("emails %+v, want two, both to the assigned expert", ms)
	}
	for _, u := range []testenv.User{b.expert2, b.fpMX} {
		if got := mailTo(ms, u.Email); len(got) != 0 {
			t.Errorf("%s got %d emails about the restricted priority", u.Name, len(got))
		}
	}
}
