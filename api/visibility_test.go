package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/deliverytest"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

func ids(items []priorityBody) []string {
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = p.ID
	}
	return out
}

func TestRestrictedPrioritiesAreInvisibleOutsideTheirScope(t *testing.T) {
	t.Parallel()
	b := setup(t)
	manager := b.manager
	ses := b.app.Do(t, "POST", "/v1/sessions", manager.Token, map[string]any{
		"title": "Reunión Anual 2025", "kind": "political_dialogue", "date": "2025-06-20", "venue": "Lima",
		"countries": []string{"PE", "CO"}})
	if ses.StatusCode != http.StatusCreated {
		t.Fatalf("create session: %s %s", ses.Status, ses.Body)
	}
	var session pipeline.Session
	ses.JSON(t, &session)

	body := submission()
	body["sensitivity"] = "restricted"
	body["session_id"] = session.ID
	restricted := b.submit(t, b.fpPE, body).ID
	b.decide(t, manager, restricted, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	public := submission()
	public["session_id"] = session.ID
	open := b.submit(t, b.fpPE, public).ID

	// The priority is of PE and CO: a focal point of CO (and EC) sees it,
	// one of EC alone does not.
	inScope := []testenv.User{manager, b.manager2, b.fpPE, b.expert,
		b.app.AddUser(t, pipeline.Actor{Name: "Focal point of CO and EC", Role: pipeline.FocalPoint, Countries: []string{"CO", "EC"}})}
	outOfScope := []testenv.User{b.expert2, b.fpMX,
		b.app.AddUser(t, pipeline.Actor{Name: "Focal point of EC", Role: pipeline.FocalPoint, Countries: []string{"EC"}})}

	for _, u := range inScope {
		if r := b.app.Do(t, "GET", "/v1/priorities/"+restricted, u.Token, nil); r.StatusCode != http.StatusOK {
			t.Errorf("%s, in scope, gets %s", u.Name, r.Status)
		}
	}
	for _, u := range outOfScope {
		for _, path := range []string{"/v1/priorities/" + restricted, "/v1/priorities/" + restricted + "/events"} {
			if r := b.app.Do(t, "GET", path, u.Token, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %s, want 404", u.Name, path, r.Status)
			}
		}
		if r := b.app.Do(t, "POST", "/v1/priorities/"+restricted+"/decisions", u.Token, map[string]any{"decision": "approve"}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s decides: %s, want 404", u.Name, r.Status)
		}
		for _, path := range []string{"/v1/priorities", "/v1/priorities?q=investigaci", "/v1/priorities?stage=expert_review", "/v1/tasks"} {
			var list struct{ Items []priorityBody }
			b.app.Do(t, "GET", path, u.Token, nil).JSON(t, &list)
			if slices.Contains(ids(list.Items), restricted) {
				t.Errorf("%s finds the restricted priority in %s", u.Name, path)
			}
		}
		var counted struct {
			Priorities map[pipeline.Stage]int `json:"priorities_by_stage"`
		}
		b.app.Do(t, "GET", "/v1/sessions/"+session.ID, u.Token, nil).JSON(t, &counted)
		if counted.Priorities[pipeline.ExpertReview] != 0 {
			t.Errorf("%s counts the restricted priority in the session: %v", u.Name, counted.Priorities)
		}
	}
	// The theme's other expert still sees the public one; the manager counts both.
	var list struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/priorities", b.expert2.Token, nil).JSON(t, &list)
	if got := ids(list.Items); !slices.Equal(got, []string{open}) {
		t.Errorf("expert2 lists %v, want only the public %s", got, open)
	}
	var counted struct {
		Priorities map[pipeline.Stage]int `json:"priorities_by_stage"`
	}
	b.app.Do(t, "GET", "/v1/sessions/"+session.ID, manager.Token, nil).JSON(t, &counted)
	if counted.Priorities[pipeline.ExpertReview] != 1 || counted.Priorities[pipeline.Triage] != 1 {
		t.Errorf("manager's session counts %v", counted.Priorities)
	}
	// The restricted one is the assigned expert's task, and nobody else's expert task.
	var tasks struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/tasks", b.expert.Token, nil).JSON(t, &tasks)
	if got := ids(tasks.Items); !slices.Equal(got, []string{restricted}) {
		t.Errorf("assigned expert's tasks %v", got)
	}
}

// TestRestrictedActionsStayOutOfTheDeliveryViews: the restricted
// priority's actions (deliverytest's scenario: Colombia's, five of
// civipol's) are counted on the delivery dashboard and listed in calendars
// only for those who may see the priority — its partner's implementers, its
// country's focal points, its expert, managers — never for the others.
func TestRestrictedActionsStayOutOfTheDeliveryViews(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s, err := deliverytest.Seed(context.Background(), b.app.Store, b.app.DatabaseURL)
	if err == nil {
		err = deliverytest.MoveTo(context.Background(), b.app.DatabaseURL, time.Now())
	}
	if err != nil {
		t.Fatal(err)
	}
	fiiapp := implementer(t, b.app, "Lucía Gómez", "fiiapp")
	var d deliveryBody
	b.app.Do(t, "GET", "/v1/delivery/dashboard?country=CO", fiiapp.Token, nil).JSON(t, &d)
	if d.Totals.Actions != 1 {
		t.Errorf("fiiapp counts %d actions in Colombia, want its own one (none of the restricted priority's)", d.Totals.Actions)
	}
	restricted := func(u testenv.User) int {
		t.Helper()
		_, cal := feed(t, b.app, newCalendar(t, b.app, u))
		n := 0
		for _, ev := range cal.Events() {
			if uid, _ := ev.Props.Text("UID"); strings.Contains(uid, s.Restricted.ID) {
				n++
			}
		}
		return n
	}
	fpCO := b.app.AddUser(t, pipeline.Actor{Name: "Focal point of CO", Role: pipeline.FocalPoint, Countries: []string{"CO"}})
	cyber := b.app.AddUser(t, pipeline.Actor{Name: "Cybercrime expert", Role: pipeline.Expert, Themes: []string{"cybercrime"}})
	for _, c := range []struct {
		u    testenv.User
		want int
	}{{b.manager, 5}, {fpCO, 5}, {implementer(t, b.app, "Jean Moreau", "civipol"), 5}, {fiiapp, 0}, {cyber, 0}, {b.fpPE, 0}, {b.fpMX, 0}} {
		if got := restricted(c.u); got != c.want {
			t.Errorf("%s's calendar holds %d of the restricted priority's actions, want %d", c.u.Name, got, c.want)
		}
	}
}
