package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

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

// TestImplementersSeeTheirPartnersApprovedActionsOnly: an implementer sees
// a priority only once approved and only if an action is their partner's
// — restricted or not — and of it only their partner's actions; anything
// else answers 404 and is never listed.
func TestImplementersSeeTheirPartnersApprovedActionsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := submission()
	body["sensitivity"] = "restricted"
	restricted := b.toApproval(t, body)
	b.decide(t, b.manager2, restricted, http.StatusOK, map[string]any{"decision": "approve"})
	pending := b.toApproval(t, submission())
	civipol := b.app.AddUser(t, pipeline.Actor{Name: "Claire Petit", Role: pipeline.Implementer, Partner: "civipol"})

	get := func(u testenv.User, path string) int { return b.app.Do(t, "GET", path, u.Token, nil).StatusCode }
	listed := func(u testenv.User, id string) []string {
		var found []string
		for _, path := range []string{"/v1/priorities", "/v1/priorities?stage=approved", "/v1/priorities?q=investigaci", "/v1/tasks"} {
			var list struct{ Items []priorityBody }
			b.app.Do(t, "GET", path, u.Token, nil).JSON(t, &list)
			if slices.Contains(ids(list.Items), id) {
				found = append(found, path)
			}
		}
		var actions struct{ Items []pipeline.SupportAction }
		b.app.Do(t, "GET", "/v1/support-actions", u.Token, nil).JSON(t, &actions)
		for _, a := range actions.Items {
			if a.PriorityID == id {
				found = append(found, "/v1/support-actions:"+a.Partner)
			}
		}
		return found
	}

	// Before approval: nobody of a partner sees it.
	for _, u := range []testenv.User{b.implFIIAPP, b.implCamoes, civipol} {
		for _, path := range []string{"/v1/priorities/" + pending, "/v1/priorities/" + pending + "/events", "/v1/priorities/" + pending + "/actions/0"} {
			if got := get(u, path); got != http.StatusNotFound {
				t.Errorf("%s GET %s before approval: %d", u.Name, path, got)
			}
		}
		if found := listed(u, pending); len(found) != 0 {
			t.Errorf("%s lists the priority before approval in %v", u.Name, found)
		}
	}
	// A partner with no action in it sees nothing of the restricted priority.
	for _, path := range []string{"", "/events", "/actions/0", "/actions/1"} {
		if got := get(civipol, "/v1/priorities/"+restricted+path); got != http.StatusNotFound {
			t.Errorf("CIVIPOL GET %s: %d", path, got)
		}
	}
	if found := listed(civipol, restricted); len(found) != 0 {
		t.Errorf("CIVIPOL lists the restricted priority in %v", found)
	}
	if r := b.app.Do(t, "POST", "/v1/priorities/"+restricted+"/actions/0/delivery", civipol.Token, map[string]any{"act": "cancel", "reason": "x"}); r.StatusCode != http.StatusNotFound {
		t.Errorf("CIVIPOL acts: %s", r.Status)
	}
	// The theme's other expert does not see the restricted priority's actions either.
	if got := get(b.expert2, "/v1/priorities/"+restricted+"/actions/0"); got != http.StatusNotFound {
		t.Errorf("the other expert reads a restricted action: %d", got)
	}
	// Each partner sees the priority and its own action, never the other's.
	for _, tc := range []struct {
		u           testenv.User
		own, others int
		partner     string
	}{{b.implFIIAPP, 0, 1, "fiiapp"}, {b.implCamoes, 1, 0, "camoes"}} {
		if got := get(tc.u, fmt.Sprintf("/v1/priorities/%s/actions/%d", restricted, tc.own)); got != http.StatusOK {
			t.Errorf("%s reads its action: %d", tc.u.Name, got)
		}
		if got := get(tc.u, fmt.Sprintf("/v1/priorities/%s/actions/%d", restricted, tc.others)); got != http.StatusNotFound {
			t.Errorf("%s reads the other partner's action: %d", tc.u.Name, got)
		}
		found := listed(tc.u, restricted)
		if !slices.Equal(found, []string{"/v1/priorities", "/v1/priorities?stage=approved", "/v1/priorities?q=investigaci", "/v1/support-actions:" + tc.partner}) {
			t.Errorf("%s lists %v", tc.u.Name, found)
		}
	}
	// Managers and the dashboards stay theirs.
	if got := get(b.implFIIAPP, "/v1/pipeline"); got != http.StatusForbidden {
		t.Errorf("an implementer reads the pipeline dashboard: %d", got)
	}
}
