package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

func TestIfMatchAndOrderOfChecks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.submit(t, b.fpPE, submission()).ID
	accept := map[string]any{"decision": "accept", "expert_id": b.expert.ID}

	// 412 before anything else that could be wrong with the request.
	b.decide(t, b.manager, id, http.StatusPreconditionFailed, map[string]any{"decision": "approve"}, "If-Match", `"7"`)
	// 409: approve does not exist in triage, even for someone it would be forbidden to.
	b.decide(t, b.fpPE, id, http.StatusConflict, map[string]any{"decision": "approve"})
	// 403: accept exists in triage, not for a focal point — even with a bad body.
	b.decide(t, b.fpPE, id, http.StatusForbidden, map[string]any{"decision": "accept", "expert_id": "nope"})
	// 422: the manager, with a bad body: every bad field listed.
	r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/decisions", b.manager.Token,
		map[string]any{"decision": "accept", "expert_id": b.fpPE.ID, "theme": "nope", "reason": "x", "extra": 1})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad accept: %s %s", r.Status, r.Body)
	}
	for _, f := range []string{"expert_id", "theme", "reason", "extra"} {
		if !strings.Contains(string(r.Body), `"field":"`+f+`"`) {
			t.Errorf("422 does not name %s: %s", f, r.Body)
		}
	}
	if r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/decisions", b.manager.Token, map[string]any{"decision": "fly"}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown decision: %s", r.Status)
	}
	// Nothing changed: still version 1 in triage.
	if p := b.get(t, b.manager, id); p.Version != 1 || p.Stage != pipeline.Triage {
		t.Fatalf("rejected requests changed the priority: v%d %s", p.Version, p.Stage)
	}
	p := b.decide(t, b.manager, id, http.StatusOK, accept, "If-Match", `"1"`)
	if p.Version != 2 {
		t.Errorf("version after accept %d", p.Version)
	}
	// A stale If-Match now fails.
	b.decide(t, b.expert, id, http.StatusPreconditionFailed, map[string]any{"decision": "approve"}, "If-Match", `"1"`)
	// GET honours If-None-Match.
	if r := b.app.Do(t, "GET", "/v1/priorities/"+id, b.expert.Token, nil, "If-None-Match", `"2"`); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %s", r.Status)
	}
}

func TestEditInRevisionAndPlanDrafting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.submit(t, b.fpPE, submission()).ID
	patch := map[string]any{"title": "Título corregido", "urgency": "medium"}
	if r := b.app.Do(t, "PATCH", "/v1/priorities/"+id, b.fpPE.Token, patch); r.StatusCode != http.StatusConflict {
		t.Errorf("PATCH in triage: %s", r.Status)
	}
	b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	b.decide(t, b.expert, id, http.StatusOK, map[string]any{"decision": "request_revision", "comment": "el título"})
	if r := b.app.Do(t, "PATCH", "/v1/priorities/"+id, b.expert.Token, patch); r.StatusCode != http.StatusForbidden {
		t.Errorf("PATCH by the expert: %s", r.Status)
	}
	if r := b.app.Do(t, "PATCH", "/v1/priorities/"+id, b.fpPE.Token, map[string]any{"theme": "cybercrime", "urgency": "soon"}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.Body), `"field":"theme"`) || !strings.Contains(string(r.Body), `"field":"urgency"`) {
		t.Errorf("PATCH of a non-editable field: %s %s", r.Status, r.Body)
	}
	r := b.app.Do(t, "PATCH", "/v1/priorities/"+id, b.fpPE.Token, patch, "If-Match", `"3"`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: %s %s", r.Status, r.Body)
	}
	var p priorityBody
	r.JSON(t, &p)
	if p.Title != "Título corregido" || p.Urgency != "medium" || p.Version != 4 || p.Stage != pipeline.Revision {
		t.Errorf("after PATCH: %+v", p.Priority)
	}
	b.decide(t, b.fpPE, id, http.StatusOK, map[string]any{"decision": "resubmit"})
	b.decide(t, b.expert, id, http.StatusOK, map[string]any{"decision": "approve"})

	// Drafts may be unfinished; submit_plan needs a complete plan.
	draft := map[string]any{"objective": "Borrador", "actions": []map[string]any{{"type": "study", "title": "Estudio"}}}
	b.putPlan(t, b.expert2, id, draft, http.StatusForbidden)
	b.putPlan(t, b.expert, id, map[string]any{"gender_marker": 5, "actions": []map[string]any{{"type": "party"}}}, http.StatusUnprocessableEntity)
	b.putPlan(t, b.expert, id, draft, http.StatusOK)
	r = b.app.Do(t, "POST", "/v1/priorities/"+id+"/decisions", b.expert.Token, map[string]any{"decision": "submit_plan"})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "plan.actions[0].budget_eur") {
		t.Errorf("submit_plan of a draft: %s %s", r.Status, r.Body)
	}
	p = b.putPlan(t, b.expert, id, journey.PlanBody(), http.StatusOK)
	if !slices.Equal(p.PlanAuthors, []string{b.expert.ID}) {
		t.Errorf("plan authors %v", p.PlanAuthors)
	}
	b.decide(t, b.expert, id, http.StatusOK, map[string]any{"decision": "submit_plan"})
	b.putPlan(t, b.expert, id, journey.PlanBody(), http.StatusConflict)
}

func TestAcceptChoosesTheLeastLoadedExpert(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// expert has one open priority; expert2 (same theme) none: expert2 is chosen.
	first := b.submit(t, b.fpPE, submission()).ID
	b.decide(t, b.manager, first, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	second := b.submit(t, b.fpPE, submission()).ID
	p := b.decide(t, b.manager, second, http.StatusOK, map[string]any{"decision": "accept"})
	if p.Assignee != b.expert2.ID {
		t.Errorf("assigned %s, want the least-loaded %s", p.Assignee, b.expert2.ID)
	}
	// A theme without experts: a clear 422 naming expert_id, nothing changed.
	third := b.submit(t, b.fpPE, submission()).ID
	r := b.app.Do(t, "POST", "/v1/priorities/"+third+"/decisions", b.manager.Token, map[string]any{"decision": "accept", "theme": "environmental_crime"})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "expert_id") {
		t.Errorf("accept into a theme without experts: %s %s", r.Status, r.Body)
	}
	if p := b.get(t, b.manager, third); p.Stage != pipeline.Triage || p.Version != 1 {
		t.Errorf("after the failed accept: %s v%d", p.Stage, p.Version)
	}
	// Reassign keeps the stage and records who took over.
	p = b.decide(t, b.manager, first, http.StatusOK, map[string]any{"decision": "reassign", "expert_id": b.expert2.ID})
	if p.Stage != pipeline.ExpertReview || p.Assignee != b.expert2.ID {
		t.Errorf("after reassign: %s %s", p.Stage, p.Assignee)
	}
	var trail struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+first+"/events", b.manager.Token, nil).JSON(t, &trail)
	if last := trail.Items[len(trail.Items)-1]; last.Kind != pipeline.EventReassigned || last.Data["to"] != b.expert2.ID {
		t.Errorf("reassign event %+v", last)
	}
}

func TestTasksAndSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.submit(t, b.fpPE, submission()).ID
	c := b.submit(t, b.fpPE, submission()).ID
	b.decide(t, b.manager, c, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	tasks := func(token string) []string {
		var list struct{ Items []priorityBody }
		b.app.Do(t, "GET", "/v1/tasks", token, nil).JSON(t, &list)
		return ids(list.Items)
	}
	if got := tasks(b.manager.Token); !slices.Equal(got, []string{a}) {
		t.Errorf("manager's tasks %v, want [%s]", got, a)
	}
	if got := tasks(b.expert.Token); !slices.Equal(got, []string{c}) {
		t.Errorf("expert's tasks %v, want [%s]", got, c)
	}
	if got := tasks(b.fpPE.Token); len(got) != 0 {
		t.Errorf("focal point's tasks %v, want none", got)
	}

	if r := b.app.Do(t, "POST", "/v1/sessions", b.fpPE.Token, map[string]any{}); r.StatusCode != http.StatusForbidden {
		t.Errorf("focal point creates a session: %s", r.Status)
	}
	r := b.app.Do(t, "POST", "/v1/sessions", b.manager.Token, map[string]any{"title": "", "kind": "party", "date": "20-06-2025", "countries": []string{"ZZ"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad session: %s", r.Status)
	}
	for _, f := range []string{"title", "kind", "date", "venue", "countries[0]"} {
		if !strings.Contains(string(r.Body), `"field":"`+f+`"`) {
			t.Errorf("422 does not name %s: %s", f, r.Body)
		}
	}
	for i, date := range []string{"2025-03-13", "2025-06-20", "2025-05-27"} {
		r := b.app.Do(t, "POST", "/v1/sessions", b.manager.Token, map[string]any{"title": "Sesión " + date, "kind": "working_session",
			"date": date, "venue": "Lima", "countries": []string{"PE"}})
		if r.StatusCode != http.StatusCreated || r.Header.Get("Location") == "" {
			t.Fatalf("session %d: %s %s", i, r.Status, r.Body)
		}
	}
	var page struct {
		Items      []pipeline.Session
		NextCursor *string `json:"next_cursor"`
	}
	b.app.Do(t, "GET", "/v1/sessions?limit=2", b.fpPE.Token, nil).JSON(t, &page)
	if len(page.Items) != 2 || page.Items[0].Date != "2025-06-20" || page.Items[1].Date != "2025-05-27" || page.NextCursor == nil {
		t.Fatalf("first page %+v", page)
	}
	b.app.Do(t, "GET", "/v1/sessions?limit=2&cursor="+*page.NextCursor, b.fpPE.Token, nil).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].Date != "2025-03-13" || page.NextCursor != nil {
		t.Errorf("second page %+v", page)
	}
	body := submission()
	body["session_id"] = "00000000-0000-4000-8000-000000000000"
	if r := b.app.Do(t, "POST", "/v1/priorities", b.fpPE.Token, body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "session_id") {
		t.Errorf("submit to an unknown session: %s %s", r.Status, r.Body)
	}
}
