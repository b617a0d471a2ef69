package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// declare posts an absence of whose (by by) and fails unless it answers want.
func (b *bundle) declare(t *testing.T, by, whose testenv.User, in map[string]any, want int) testenv.Response {
	t.Helper()
	r := b.app.Do(t, "POST", "/v1/users/"+whose.ID+"/absences", by.Token, in)
	if r.StatusCode != want {
		t.Fatalf("absence of %s by %s: %s %s", whose.Name, by.Name, r.Status, r.Body)
	}
	return r
}

func (b *bundle) absences(t *testing.T, by, whose testenv.User) []pipeline.Absence {
	t.Helper()
	r := b.app.Do(t, "GET", "/v1/users/"+whose.ID+"/absences", by.Token, nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("absences of %s: %s %s", whose.Name, r.Status, r.Body)
	}
	var list struct{ Items []pipeline.Absence }
	r.JSON(t, &list)
	return list.Items
}

// problemCodes are the field and code of each problem of a 422.
func problemCodes(t *testing.T, r testenv.Response) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Field, Code string }
	}
	r.Problem(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+" "+e.Code)
	}
	return out
}

func day(d int) string { return pipeline.Day(time.Now().AddDate(0, 0, d)) }

// TestDelegateExpertApprovesOnBehalf: an expert on leave names a delegate
// expert of her theme; the delegate finds her review in his inbox marked
// as hers, approves it with his own token, and the audit trail names both.
// Every refused declaration (overlap, self, another role, another scope,
// chains both ways, another person's absences) answers its code and
// changes nothing; a cancellation ends the standing at once.
func TestDelegateExpertApprovesOnBehalf(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cyber := b.app.AddUser(t, pipeline.Actor{Name: "Lena Visser", Role: pipeline.Expert, Themes: []string{"cybercrime"}})
	third := b.app.AddUser(t, pipeline.Actor{Name: "Kofi Mensah", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams", "cybercrime"}})
	jit := b.app.AddUser(t, pipeline.Actor{Name: "Rosa Lima", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}})
	id := b.driveTo(t, pipeline.ExpertReview) // assigned to b.expert, Carmen Díaz

	r := b.declare(t, b.expert, b.expert, map[string]any{"from": day(0), "to": day(5), "delegate_id": b.expert2.ID}, http.StatusCreated)
	var x pipeline.Absence
	r.JSON(t, &x)
	if x.UserID != b.expert.ID || x.DelegateID != b.expert2.ID || x.DelegateName != "Pierre Martin" || x.From != day(0) || x.To != day(5) ||
		x.CreatedBy != b.expert.ID || r.Header.Get("Location") != "/v1/users/"+b.expert.ID+"/absences/"+x.ID {
		t.Fatalf("declared: %+v, Location %q", x, r.Header.Get("Location"))
	}

	refusals := []struct {
		name        string
		by, whose   testenv.User
		in          map[string]any
		status      int
		problemCode string
	}{
		{"overlap", b.expert, b.expert, map[string]any{"from": day(5), "to": day(6), "delegate_id": b.expert2.ID}, 422, "from absence_overlap"},
		{"self", b.expert, b.expert, map[string]any{"from": day(10), "to": day(11), "delegate_id": b.expert.ID}, 422, "delegate_id self_delegation"},
		{"another role", b.expert, b.expert, map[string]any{"from": day(10), "to": day(11), "delegate_id": b.manager.ID}, 422, "delegate_id delegate_role"},
		{"another scope", b.expert, b.expert, map[string]any{"from": day(10), "to": day(11), "delegate_id": cyber.ID}, 422, "delegate_id delegate_scope"},
		{"the delegate stands in then", b.expert2, b.expert2, map[string]any{"from": day(2), "to": day(3), "delegate_id": third.ID}, 422, "to standing_in"},
		{"the delegate is away then", jit, jit, map[string]any{"from": day(1), "to": day(2), "delegate_id": b.expert.ID}, 422, "delegate_id delegate_absent"},
		{"to before from", b.expert, b.expert, map[string]any{"from": day(12), "to": day(11), "delegate_id": b.expert2.ID}, 422, "to end_before_start"},
		{"over already", b.expert, b.expert, map[string]any{"from": day(-9), "to": day(-8), "delegate_id": b.expert2.ID}, 422, "to absence_over"},
		{"unknown delegate", b.expert, b.expert, map[string]any{"from": day(10), "to": day(11), "delegate_id": "00000000-0000-4000-8000-00000000dead"}, 422, "delegate_id unknown_user"},
		{"someone else's absence", b.fpPE, b.expert, map[string]any{"from": day(10), "to": day(11), "delegate_id": b.expert2.ID}, 403, ""},
		{"someone else's absence, bad body", b.fpPE, b.expert, map[string]any{"from": "soon"}, 403, ""},
		{"nobody's absence", b.manager, testenv.User{User: cyber.User}, map[string]any{"from": day(10), "to": day(11), "delegate_id": b.expert2.ID}, 0, ""},
	}
	refusals[len(refusals)-1].whose.ID = "00000000-0000-4000-8000-00000000beef"
	refusals[len(refusals)-1].status = 404
	for _, c := range refusals {
		r := b.declare(t, c.by, c.whose, c.in, c.status)
		if c.problemCode != "" {
			if got := problemCodes(t, r); !slices.Equal(got, []string{c.problemCode}) {
				t.Errorf("%s: %v, want %s", c.name, got, c.problemCode)
			}
		}
	}
	if list := b.absences(t, b.manager, b.expert); len(list) != 1 || list[0].ID != x.ID {
		t.Errorf("after the refusals: %+v", list)
	}
	for _, u := range []testenv.User{b.expert2, third, jit} {
		if list := b.absences(t, u, u); len(list) != 0 {
			t.Errorf("%s has absences after refusals: %+v", u.Name, list)
		}
	}
	if r := b.app.Do(t, "GET", "/v1/users/"+b.expert.ID+"/absences", b.fpPE.Token, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("a focal point reads an expert's absences: %s", r.Status)
	}

	var tasks struct {
		Items []struct {
			ID               string              `json:"id"`
			AllowedDecisions []pipeline.Decision `json:"allowed_decisions"`
			OnBehalfOf       *pipeline.Ref       `json:"on_behalf_of"`
		}
	}
	b.app.Do(t, "GET", "/v1/tasks", b.expert2.Token, nil).JSON(t, &tasks)
	found := false
	for _, it := range tasks.Items {
		if it.ID == id {
			found = true
			if it.OnBehalfOf == nil || it.OnBehalfOf.ID != b.expert.ID || it.OnBehalfOf.Name != "Carmen Díaz" ||
				!slices.Contains(it.AllowedDecisions, pipeline.Approve) {
				t.Errorf("the delegate's task: %+v", it)
			}
		}
	}
	if !found {
		t.Fatalf("the absentee's review is not in the delegate's inbox: %+v", tasks.Items)
	}

	p := b.decide(t, b.expert2, id, http.StatusOK, map[string]any{"decision": "approve"})
	if p.Stage != pipeline.Planning {
		t.Fatalf("approved on behalf: stage %s", p.Stage)
	}
	var evs struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.manager.Token, nil).JSON(t, &evs)
	last := evs.Items[len(evs.Items)-1]
	if last.Kind != pipeline.EventOf(pipeline.Approve) || last.Actor.ID != b.expert2.ID || last.Actor.Name != "Pierre Martin" ||
		last.Actor.OnBehalfOf == nil || *last.Actor.OnBehalfOf != (pipeline.Ref{ID: b.expert.ID, Name: "Carmen Díaz", Role: pipeline.Expert}) {
		t.Errorf("the approval's actor: %+v", last.Actor)
	}
	for _, ev := range evs.Items[:len(evs.Items)-1] {
		if ev.Actor.OnBehalfOf != nil {
			t.Errorf("event %d is on behalf of someone: %+v", ev.Seq, ev.Actor)
		}
	}

	if r := b.app.Do(t, "DELETE", "/v1/users/"+b.expert.ID+"/absences/"+x.ID, b.expert2.Token, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("the delegate cancels the absence: %s", r.Status)
	}
	if r := b.app.Do(t, "DELETE", "/v1/users/"+b.expert.ID+"/absences/not-an-id", b.expert.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("a malformed absence id: %s", r.Status)
	}
	if r := b.app.Do(t, "DELETE", "/v1/users/"+b.expert.ID+"/absences/"+x.ID, b.manager.Token, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("a manager cancels: %s %s", r.Status, r.Body)
	}
	if r := b.app.Do(t, "DELETE", "/v1/users/"+b.expert.ID+"/absences/"+x.ID, b.manager.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("cancelled twice: %s", r.Status)
	}
	id2 := b.driveTo(t, pipeline.ExpertReview)
	b.decide(t, b.expert2, id2, http.StatusForbidden, map[string]any{"decision": "approve"})
}

// TestTriagerRefusedFinalApprovalAsDelegate: the manager who triaged a
// priority stands in for a free manager, and is refused its final approval
// in either name; a manager who did not triage it approves.
func TestTriagerRefusedFinalApprovalAsDelegate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	free := b.app.AddUser(t, pipeline.Actor{Name: "Sophie Bakker", Role: pipeline.Manager})
	id := b.driveTo(t, pipeline.Approval) // b.manager, Ana Ruiz, triaged it
	b.declare(t, b.manager2, free, map[string]any{"from": day(0), "to": day(3), "delegate_id": b.manager.ID}, http.StatusCreated)
	if got := b.get(t, b.manager, id).AllowedDecisions; slices.Contains(got, pipeline.Approve) {
		t.Errorf("the triager, standing in, may approve: %v", got)
	}
	for _, d := range []map[string]any{{"decision": "approve"}, {"decision": "return", "comment": "revisar"}} {
		b.decide(t, b.manager, id, http.StatusForbidden, d)
	}
	if p := b.get(t, b.manager2, id); p.Stage != pipeline.Approval || p.Version != b.get(t, b.manager, id).Version {
		t.Fatalf("a refusal changed the priority: %+v", p.Priority)
	}
	p := b.decide(t, b.manager2, id, http.StatusOK, map[string]any{"decision": "approve"})
	if p.Stage != pipeline.Approved {
		t.Errorf("the free manager's approval: %s", p.Stage)
	}
}
