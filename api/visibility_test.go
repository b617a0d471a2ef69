package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/puente-dev/puente/internal/deliverytest"
	"github.com/puente-dev/puente/internal/plantest"
	"github.com/puente-dev/puente/internal/samplefiles"
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
	letter := b.attach(t, b.fpPE, restricted, "Carta reservada.pdf", "request_letter", samplefiles.PDF()).ID
	public := submission()
	public["session_id"] = session.ID
	open := b.submit(t, b.fpPE, public).ID
	note := b.comment(t, b.fpPE, restricted, "", "Asunto reservado", http.StatusCreated)

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
		if r := b.app.Do(t, "GET", "/v1/priorities/"+restricted+"/documents/"+letter, u.Token, nil); r.StatusCode != http.StatusOK {
			t.Errorf("%s, in scope, downloads the letter: %s", u.Name, r.Status)
		}
	}
	for _, u := range outOfScope {
		for _, path := range []string{"/v1/priorities/" + restricted, "/v1/priorities/" + restricted + "/events",
			"/v1/priorities/" + restricted + "/comments",
			"/v1/priorities/" + restricted + "/documents", "/v1/priorities/" + restricted + "/documents/" + letter} {
			if r := b.app.Do(t, "GET", path, u.Token, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %s, want 404", u.Name, path, r.Status)
			}
		}
		if r := b.app.Do(t, "POST", "/v1/priorities/"+restricted+"/decisions", u.Token, map[string]any{"decision": "approve"}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s decides: %s, want 404", u.Name, r.Status)
		}
		if r := b.app.Do(t, "POST", "/v1/priorities/"+restricted+"/comments", u.Token, map[string]any{"text": "hola"}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s comments: %s, want 404", u.Name, r.Status)
		}
		if r := b.app.Do(t, "PATCH", "/v1/priorities/"+restricted+"/comments/"+note.ID, u.Token, map[string]any{"text": "hola"}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s edits a comment: %s, want 404", u.Name, r.Status)
		}
		if r := b.upload(t, u, restricted, field("kind", "minutes"), file("acta.pdf", samplefiles.PDF())); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s attaches: %s, want 404", u.Name, r.Status)
		}
		if r := b.app.Do(t, "DELETE", "/v1/priorities/"+restricted+"/documents/"+letter, u.Token, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s removes the letter: %s, want 404", u.Name, r.Status)
		}
		for _, path := range []string{"/v1/priorities", "/v1/priorities?q=investigaci", "/v1/priorities?q=reservado", "/v1/priorities?stage=expert_review", "/v1/tasks"} {
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

// TestRestrictedPriorityReachesADelegateOnlyDuringTheAbsence: an assigned
// expert's restricted priority is seen by the expert standing in for them
// while the absence lasts and while the delegate covers their themes — in
// the inbox, by id, in the audit trail — and by nobody else; the
// absentee's absences are theirs and the managers' to read.
func TestRestrictedPriorityReachesADelegateOnlyDuringTheAbsence(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := submission()
	body["sensitivity"] = "restricted"
	restricted := b.submit(t, b.fpPE, body).ID
	b.decide(t, b.manager, restricted, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	bystander := b.app.AddUser(t, pipeline.Actor{Name: "Kofi Mensah", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}})

	sees := func(u testenv.User) (byID, inTasks bool) {
		t.Helper()
		byID = b.app.Do(t, "GET", "/v1/priorities/"+restricted, u.Token, nil).StatusCode == http.StatusOK
		var tasks struct{ Items []priorityBody }
		b.app.Do(t, "GET", "/v1/tasks", u.Token, nil).JSON(t, &tasks)
		return byID, slices.Contains(ids(tasks.Items), restricted)
	}
	if byID, inTasks := sees(b.expert2); byID || inTasks {
		t.Fatalf("before the absence the delegate sees it: %v %v", byID, inTasks)
	}
	var x pipeline.Absence
	b.declare(t, b.manager, b.expert, map[string]any{"from": day(0), "to": day(2), "delegate_id": b.expert2.ID}, http.StatusCreated).JSON(t, &x)
	if byID, inTasks := sees(b.expert2); !byID || !inTasks {
		t.Errorf("during the absence the delegate does not see it: %v %v", byID, inTasks)
	}
	if r := b.app.Do(t, "GET", "/v1/priorities/"+restricted+"/events", b.expert2.Token, nil); r.StatusCode != http.StatusOK {
		t.Errorf("the delegate's audit trail: %s", r.Status)
	}
	for _, u := range []testenv.User{bystander, b.fpMX} {
		if byID, inTasks := sees(u); byID || inTasks {
			t.Errorf("%s sees it: %v %v", u.Name, byID, inTasks)
		}
		if r := b.app.Do(t, "GET", "/v1/users/"+b.expert.ID+"/absences", u.Token, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s reads the absences: %s", u.Name, r.Status)
		}
	}
	// The delegate's scope narrowed: they no longer cover the absentee.
	if r := b.app.Do(t, "PATCH", "/v1/users/"+b.expert2.ID, b.manager.Token, map[string]any{"themes": []string{"cybercrime"}}); r.StatusCode != http.StatusOK {
		t.Fatalf("narrow the delegate: %s %s", r.Status, r.Body)
	}
	if byID, inTasks := sees(b.expert2); byID || inTasks {
		t.Errorf("a delegate who no longer covers sees it: %v %v", byID, inTasks)
	}
	b.app.Do(t, "PATCH", "/v1/users/"+b.expert2.ID, b.manager.Token, map[string]any{"themes": []string{"joint_investigation_teams", "cybercrime"}})
	if r := b.app.Do(t, "DELETE", "/v1/users/"+b.expert.ID+"/absences/"+x.ID, b.expert.Token, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("cancel: %s %s", r.Status, r.Body)
	}
	if byID, inTasks := sees(b.expert2); byID || inTasks {
		t.Errorf("after the cancellation the delegate sees it: %v %v", byID, inTasks)
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
