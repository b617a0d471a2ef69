package api_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/puente-dev/puente/internal/plantest"
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

// TestRestrictedActionsStayOutOfTheAnnualPlan: the restricted priority of
// the annual plan's fixture (internal/plantest: HT-2026-0002, of Haiti,
// assigned to one expert) shows in the plan, the session outcome and their
// workbooks only to those who may see it. (Implementers' scope is the
// store's, tested in store.TestAnnualPlanScope.)
func TestRestrictedActionsStayOutOfTheAnnualPlan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fx, err := plantest.Seed(context.Background(), b.app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	const ref = "HT-2026-0002"
	assigned := b.app.AddUser(t, pipeline.Actor{ID: fx.P2Assignee, Name: "Assigned expert", Role: pipeline.Expert, Themes: []string{"cybercrime"}})
	theme := b.app.AddUser(t, pipeline.Actor{Name: "Theme expert", Role: pipeline.Expert, Themes: []string{"money_laundering"}})
	fpHT := b.app.AddUser(t, pipeline.Actor{Name: "Focal point of HT", Role: pipeline.FocalPoint, Countries: []string{"HT"}})
	paths := []string{"/v1/annual-plan?year=2027", "/v1/annual-plan?year=2027&session=" + fx.Session1,
		"/v1/sessions/" + fx.Session1 + "/outcome", "/v1/annual-plan.xlsx?year=2027", "/v1/sessions/" + fx.Session1 + "/outcome.xlsx"}
	sees := func(u testenv.User, path string) bool {
		r := b.app.Do(t, "GET", path, u.Token, nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s GET %s: %s %s", u.Name, path, r.Status, r.Body)
		}
		if !strings.Contains(path, ".xlsx") {
			return bytes.Contains(r.Body, []byte(ref))
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range f.GetSheetList() {
			rows, _ := f.GetRows(sh)
			for _, row := range rows {
				if slices.Contains(row, ref) {
					return true
				}
			}
		}
		return false
	}
	for _, u := range []testenv.User{b.manager, fpHT, assigned} {
		for _, p := range paths {
			if !sees(u, p) {
				t.Errorf("%s does not see %s in %s", u.Name, ref, p)
			}
		}
	}
	for _, u := range []testenv.User{b.fpPE, b.fpMX, theme, b.expert} {
		for _, p := range paths {
			if sees(u, p) {
				t.Errorf("%s sees the restricted %s in %s", u.Name, ref, p)
			}
		}
	}
}
