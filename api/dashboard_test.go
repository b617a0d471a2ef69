package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

func TestPipelineDashboard(t *testing.T) {
	t.Parallel()
	b := setup(t)
	approved := b.driveTo(t, pipeline.Approved)
	b.driveTo(t, pipeline.Rejected)
	b.driveTo(t, pipeline.Planning)
	mx := submission()
	mx["countries"] = []string{"MX"}
	mx["theme"] = "cybercrime"
	b.submit(t, b.fpMX, mx)

	if r := b.app.Do(t, "GET", "/v1/pipeline", b.fpPE.Token, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("focal point gets the dashboard: %s", r.Status)
	}
	var d store.Dashboard
	r := b.app.Do(t, "GET", "/v1/pipeline", b.manager.Token, nil)
	r.JSON(t, &d)
	counts := map[pipeline.Stage]int{}
	for _, s := range d.Stages {
		counts[s.Stage] = s.Count
		switch {
		case s.Count > 0 && s.Stage.Open():
			if s.MedianDays == nil || s.P90Days == nil || *s.MedianDays < 0 || *s.P90Days < *s.MedianDays || *s.P90Days > 1 {
				t.Errorf("stage %s ages: median %v p90 %v", s.Stage, s.MedianDays, s.P90Days)
			}
		case s.MedianDays != nil || s.P90Days != nil:
			t.Errorf("stage %s (count %d) has ages", s.Stage, s.Count)
		}
	}
	if d.Total != 4 || len(d.Stages) != len(pipeline.Stages) || counts[pipeline.Approved] != 1 || counts[pipeline.Rejected] != 1 ||
		counts[pipeline.Planning] != 1 || counts[pipeline.Triage] != 1 {
		t.Errorf("dashboard stages %+v total %d", d.Stages, d.Total)
	}
	if want := []store.Count{{Key: "joint_investigation_teams", Count: 3}, {Key: "cybercrime", Count: 1}}; !slices.Equal(d.ByTheme, want) {
		t.Errorf("by theme %v", d.ByTheme)
	}
	if want := []store.Count{{Key: "CO", Count: 3}, {Key: "PE", Count: 3}, {Key: "MX", Count: 1}}; !slices.Equal(d.ByCountry, want) {
		t.Errorf("by country %v", d.ByCountry)
	}
	if len(d.ApprovalsPerWeek) != 12 || d.ApprovalsPerWeek[11].Count != 1 {
		t.Errorf("approvals per week %v", d.ApprovalsPerWeek)
	}
	b.app.Do(t, "GET", "/v1/pipeline?country=MX", b.manager.Token, nil).JSON(t, &d)
	if d.Total != 1 || len(d.ByCountry) != 1 || d.Stages[0].Count != 1 || d.Stages[0].MedianDays == nil {
		t.Errorf("filtered by MX: total %d, by country %v, triage %+v", d.Total, d.ByCountry, d.Stages[0])
	}
	b.app.Do(t, "GET", "/v1/pipeline?theme=joint_investigation_teams&country=CO", b.manager.Token, nil).JSON(t, &d)
	if d.Total != 3 || d.ApprovalsPerWeek[11].Count != 1 || !slices.Equal(d.ByCountry, []store.Count{{Key: "CO", Count: 3}}) {
		t.Errorf("filtered by theme and CO: total %d, by country %v, approvals %v", d.Total, d.ByCountry, d.ApprovalsPerWeek[11])
	}

	// Operators can filter priorities in Temporal's visibility too.
	ctx := context.Background()
	query := fmt.Sprintf("WorkflowId = '%s' AND PuenteStage = 'approved' AND PuenteTheme = 'joint_investigation_teams' AND PuenteCountries = 'CO' AND PuenteOverdue = false", workflows.ID(approved))
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := b.app.Temporal.ListWorkflow(ctx, listRequest(query))
		if err != nil {
			t.Fatalf("list workflows: %v", err)
		}
		if len(resp.Executions) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("visibility query %q found %d workflows", query, len(resp.Executions))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestSearchFoldsAccents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	es := b.submit(t, b.fpPE, submission()).ID // "Equipos conjuntos de investigación …", "… lavado de activos …"
	en := submission()
	en["title"] = "Follow the money"
	en["description"] = "Strengthen financial investigations of money laundering networks."
	enID := b.submit(t, b.fpPE, en).ID
	cases := map[string][]string{
		"investigacion":     {es},
		"INVESTIGACIÓN":     {es},
		"investig":          {enID, es},
		"lavado activos":    {es},
		"laundering":        {enID},
		"money investigat":  {enID},
		"peru & (x | !y)":   nil,
		"équipos conjuntos": {es},
	}
	for q, want := range cases {
		var list struct{ Items []priorityBody }
		r := b.app.Do(t, "GET", "/v1/priorities?q="+urlQuery(q), b.manager.Token, nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("q=%q: %s %s", q, r.Status, r.Body)
		}
		r.JSON(t, &list)
		if got := ids(list.Items); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("q=%q found %v, want %v", q, got, want)
		}
	}
}

func TestOverdueAfterSLA(t *testing.T) {
	t.Parallel()
	slas := pipeline.DefaultSLAs()
	slas[pipeline.Triage] = 2 * time.Second
	b := setup(t, testenvOptions(slas))
	id := b.submit(t, b.fpPE, submission()).ID
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := b.get(t, b.manager, id)
		if p.Overdue {
			if p.Version != 2 {
				t.Errorf("escalation should bump the version to 2, got %d", p.Version)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("priority not overdue 20 s after a 2 s SLA")
		}
		time.Sleep(200 * time.Millisecond)
	}
	var trail struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.manager.Token, nil).JSON(t, &trail)
	var kinds []pipeline.EventKind
	for _, e := range trail.Items {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Equal(kinds, []pipeline.EventKind{pipeline.EventSubmitted, pipeline.EventReminder, pipeline.EventEscalated}) {
		t.Errorf("events %v", kinds)
	}
	var list struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/priorities?overdue=true", b.manager.Token, nil).JSON(t, &list)
	if !slices.Equal(ids(list.Items), []string{id}) {
		t.Errorf("overdue filter: %v", ids(list.Items))
	}
	var d store.Dashboard
	b.app.Do(t, "GET", "/v1/pipeline", b.manager.Token, nil).JSON(t, &d)
	if d.Stages[0].Stage != pipeline.Triage || d.Stages[0].Overdue != 1 {
		t.Errorf("dashboard overdue %+v", d.Stages[0])
	}
	// Accepting restarts the clock: no longer overdue.
	p := b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	if p.Overdue || p.Stage != pipeline.ExpertReview {
		t.Errorf("after accept: overdue %v stage %s", p.Overdue, p.Stage)
	}
}
