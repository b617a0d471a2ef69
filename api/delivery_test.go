package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// deliver posts a delivery act as u on action i and fails the test unless
// it answers want; it returns the priority an accepted act answers.
func (b *bundle) deliver(t *testing.T, u testenv.User, id string, i, want int, body map[string]any, headers ...string) priorityBody {
	t.Helper()
	r := b.app.Do(t, "POST", fmt.Sprintf("/v1/priorities/%s/actions/%d/delivery", id, i), u.Token, body, headers...)
	if r.StatusCode != want {
		t.Fatalf("%v on action %d by %s: %s %s", body["act"], i, u.Name, r.Status, r.Body)
	}
	var p priorityBody
	if want == http.StatusOK {
		r.JSON(t, &p)
	}
	return p
}

// approveTwoActions takes a priority with journey.TwoActionPlan to approval
// through the API and returns its id: FIIAPP delivers action 0, Camões 1.
func (b *bundle) approveTwoActions(t *testing.T) string {
	t.Helper()
	id := b.toApproval(t, submission())
	p := b.decide(t, b.manager2, id, http.StatusOK, map[string]any{"decision": "approve"})
	if p.Stage != pipeline.Approved || len(p.Deliveries) != 2 || p.Deliveries[1].Stage != pipeline.Scheduled {
		t.Fatalf("after approval: %s %+v", p.Stage, p.Deliveries)
	}
	return id
}

// toApproval submits body and takes it to approval with
// journey.TwoActionPlan, through the API.
func (b *bundle) toApproval(t *testing.T, body map[string]any) string {
	t.Helper()
	id := b.submit(t, b.fpPE, body).ID
	b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	b.decide(t, b.expert, id, http.StatusOK, map[string]any{"decision": "approve"})
	b.putPlan(t, b.expert, id, journey.TwoActionPlanBody(), http.StatusOK)
	b.decide(t, b.expert, id, http.StatusOK, map[string]any{"decision": "submit_plan"})
	b.decide(t, b.fpPE, id, http.StatusOK, map[string]any{"decision": "endorse"})
	return id
}

// TestDeliveryOfTwoActions delivers a two-action plan through the API: one
// action confirmed, reported, sent back, reported again, validated and
// closed; the other postponed and cancelled. Every refusal on the way
// changes nothing, and the audit trail stays gapless.
func TestDeliveryOfTwoActions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.approveTwoActions(t)
	version := func() int { return b.get(t, b.manager, id).Version }
	refuse := func(u testenv.User, i, want int, body map[string]any, headers ...string) {
		t.Helper()
		before := version()
		b.deliver(t, u, id, i, want, body, headers...)
		if after := version(); after != before {
			t.Fatalf("refused %v (%d) changed the priority: v%d → v%d", body["act"], want, before, after)
		}
	}
	confirm := map[string]any{"act": "confirm", "start_date": "2027-02-02", "end_date": "2027-02-06", "place": "Lima"}

	// Who may see and act, before anyone acts: in the order 404, 412, 409, 403, 422.
	refuse(b.implCamoes, 0, http.StatusNotFound, confirm)
	refuse(b.fpMX, 0, http.StatusNotFound, confirm)
	refuse(b.implFIIAPP, 2, http.StatusNotFound, confirm)
	refuse(b.implFIIAPP, 0, http.StatusPreconditionFailed, confirm, "If-Match", `"1"`)
	refuse(b.implFIIAPP, 0, http.StatusConflict, map[string]any{"act": "report", "report": journey.ReportBody(1)})
	refuse(b.expert, 0, http.StatusForbidden, confirm)
	refuse(b.manager, 0, http.StatusForbidden, confirm)
	refuse(b.implFIIAPP, 0, http.StatusUnprocessableEntity, map[string]any{"act": "confirm", "start_date": "2027-02-06", "end_date": "2027-02-02"})
	refuse(b.implFIIAPP, 0, http.StatusUnprocessableEntity, map[string]any{"act": "dance"})
	for _, path := range []string{"/actions/-1", "/actions/01", "/actions/x", "/actions/99999999999999999999"} {
		if r := b.app.Do(t, "GET", "/v1/priorities/"+id+path, b.manager.Token, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s", path, r.Status)
		}
	}

	// Action 0: confirm, report, send back, report again, validate, close.
	p := b.deliver(t, b.implFIIAPP, id, 0, http.StatusOK, confirm)
	if d := p.Deliveries[0]; d.Stage != pipeline.InProgress || d.Place != "Lima" || d.ConfirmedEnd != "2027-02-06" {
		t.Fatalf("after confirm: %+v", d)
	}
	bad := journey.ReportBody(1)
	bad["participants_women"], bad["countries"] = -3, []string{"ES"}
	refuse(b.implFIIAPP, 0, http.StatusUnprocessableEntity, map[string]any{"act": "report", "report": bad})
	refuse(b.implFIIAPP, 0, http.StatusUnprocessableEntity, map[string]any{"act": "report", "report": journey.ReportBody(2)})
	b.deliver(t, b.implFIIAPP, id, 0, http.StatusOK, map[string]any{"act": "report", "report": journey.ReportBody(1)})
	refuse(b.manager, 0, http.StatusConflict, map[string]any{"act": "close"})
	refuse(b.implFIIAPP, 0, http.StatusForbidden, map[string]any{"act": "validate"})
	refuse(b.expert, 0, http.StatusUnprocessableEntity, map[string]any{"act": "send_back"})
	p = b.deliver(t, b.expert, id, 0, http.StatusOK, map[string]any{"act": "send_back", "comment": "Falta el desglose por institución"})
	if d := p.Deliveries[0]; d.Stage != pipeline.InProgress || d.ReportValidated {
		t.Fatalf("after send back: %+v", d)
	}
	b.deliver(t, b.implFIIAPP, id, 0, http.StatusOK, map[string]any{"act": "report", "report": journey.ReportBody(1)})
	b.deliver(t, b.expert, id, 0, http.StatusOK, map[string]any{"act": "validate"})
	refuse(b.expert, 0, http.StatusConflict, map[string]any{"act": "validate"})
	refuse(b.implFIIAPP, 0, http.StatusForbidden, map[string]any{"act": "close"})
	p = b.deliver(t, b.manager, id, 0, http.StatusOK, map[string]any{"act": "close"}, "If-Match", fmt.Sprintf(`"%d"`, version()))
	if d := p.Deliveries[0]; d.Stage != pipeline.Closed || !d.ReportValidated || d.Report == nil || d.Report.Participants() != 35 {
		t.Fatalf("after close: %+v", d)
	}

	// Action 1: Camões postpones it, a manager cancels it.
	refuse(b.implCamoes, 1, http.StatusUnprocessableEntity, map[string]any{"act": "postpone", "start_date": "2027-06-01", "end_date": "2027-06-05"})
	p = b.deliver(t, b.implCamoes, id, 1, http.StatusOK,
		map[string]any{"act": "postpone", "start_date": "2027-06-01", "end_date": "2027-06-05", "reason": "Elecciones en abril"})
	if d := p.Deliveries[1]; d.Stage != pipeline.Postponed || d.ConfirmedStart != "2027-06-01" {
		t.Fatalf("after postpone: %+v", d)
	}
	refuse(b.implCamoes, 1, http.StatusForbidden, map[string]any{"act": "cancel", "reason": "r"})
	p = b.deliver(t, b.manager, id, 1, http.StatusOK, map[string]any{"act": "cancel", "reason": "La contraparte no puede recibirla"})
	if p.Deliveries[1].Stage != pipeline.Cancelled {
		t.Fatalf("after cancel: %+v", p.Deliveries[1])
	}
	assertReadModelMatchesWorkflow(t, b, id)

	// The audit trail: gapless, the delivery steps in order, each naming its action.
	var trail struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.manager.Token, nil).JSON(t, &trail)
	var kinds []string
	for i, e := range trail.Items {
		if e.Seq != i+1 {
			t.Fatalf("event %d has seq %d", i+1, e.Seq)
		}
		if slices.Contains(pipeline.DeliveryEventKinds, e.Kind) && e.Kind != pipeline.EventDeliveryScheduled {
			j, _ := pipeline.EventAction(e)
			kinds = append(kinds, fmt.Sprintf("%d:%s", j, e.Kind))
		}
	}
	want := []string{"0:confirmed", "0:reported", "0:sent_back", "0:reported", "0:report_validated", "0:closed", "1:postponed", "1:cancelled"}
	if !slices.Equal(kinds, want) {
		t.Errorf("delivery events %v, want %v", kinds, want)
	}

	// The implementers read their own actions only, and nothing of the pipeline.
	var camoes struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.implCamoes.Token, nil).JSON(t, &camoes)
	var seen []string
	for _, e := range camoes.Items {
		seen = append(seen, string(e.Kind))
	}
	if !slices.Equal(seen, []string{"approve", "delivery_scheduled", "postponed", "cancelled"}) {
		t.Errorf("Camões reads %v", seen)
	}
	r := b.app.Do(t, "GET", "/v1/priorities/"+id, b.implCamoes.Token, nil)
	if strings.Contains(string(r.Body), "Taller sobre ECI") || !strings.Contains(string(r.Body), "Intercambio con Eurojust") {
		t.Errorf("Camões reads FIIAPP's action, or not its own: %s", r.Body)
	}
	var v service.ActionView
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/actions/0", b.implFIIAPP.Token, nil).JSON(t, &v)
	if v.Action.Delivery.Stage != pipeline.Closed || len(v.Events) != 6 || len(v.AllowedActs) != 0 || v.Action.Partner != "fiiapp" {
		t.Errorf("FIIAPP's action: %+v", v)
	}
	if r := b.app.Do(t, "GET", "/v1/priorities/"+id+"/actions/0", b.implCamoes.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("Camões reads FIIAPP's action: %s", r.Status)
	}
}

// TestManagerChangesThePartner: a manager gives an approved action to
// another partner with a reason; the old partner loses it, the new one
// may confirm it, and the support actions list follows.
func TestManagerChangesThePartner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.approveTwoActions(t)
	b.deliver(t, b.implCamoes, id, 1, http.StatusForbidden, map[string]any{"act": "change_partner", "partner": "fiiapp", "reason": "r"})
	b.deliver(t, b.manager, id, 1, http.StatusUnprocessableEntity, map[string]any{"act": "change_partner", "partner": "fiiapp"})
	b.deliver(t, b.manager, id, 1, http.StatusUnprocessableEntity, map[string]any{"act": "change_partner", "partner": "camoes", "reason": "r"})
	p := b.deliver(t, b.manager, id, 1, http.StatusOK, map[string]any{"act": "change_partner", "partner": "fiiapp", "reason": "Camões sin capacidad"})
	if p.Plan.Actions[1].Partner != "fiiapp" {
		t.Fatalf("partner %q", p.Plan.Actions[1].Partner)
	}
	if r := b.app.Do(t, "GET", "/v1/priorities/"+id, b.implCamoes.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("Camões, with no action left, still sees the priority: %s", r.Status)
	}
	b.deliver(t, b.implFIIAPP, id, 1, http.StatusOK, map[string]any{"act": "confirm", "start_date": "2027-04-05", "end_date": "2027-04-09", "place": "Lisboa"})
	var actions struct{ Items []pipeline.SupportAction }
	b.app.Do(t, "GET", "/v1/support-actions", b.implFIIAPP.Token, nil).JSON(t, &actions)
	if len(actions.Items) != 2 || actions.Items[0].Partner != "fiiapp" || actions.Items[1].Partner != "fiiapp" {
		t.Errorf("FIIAPP's support actions: %+v", actions.Items)
	}
	assertReadModelMatchesWorkflow(t, b, id)
}
