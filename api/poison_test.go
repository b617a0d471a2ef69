package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// poison is a request that once poisoned a priority (issue 13): a NUL or
// another control character in a free-text field, a date PostgreSQL cannot
// hold. Each must be refused at once with a 422 naming the field.
type poison struct {
	what   string
	method string
	path   string
	token  string
	body   any
	field  string
	header []string
}

// TestPoisonIsRefusedAndNoWorkflowRetries sends NUL (and other control
// characters, invalid UTF-8, a lone surrogate) in every free-text field and
// comment of every write — submission, session, edit, every decision of the
// table, plan — and dates outside 1990–2100, then checks that nothing
// changed and that no workflow of the test is left retrying anything.
func TestPoisonIsRefusedAndNoWorkflowRetries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	byStage := map[pipeline.Stage]string{}
	for _, s := range pipeline.Stages {
		if s.Open() {
			byStage[s] = b.driveTo(t, s)
		}
	}
	actorFor := map[pipeline.Rule]testenv.User{pipeline.AnyManager: b.manager, pipeline.FourEyesManager: b.manager2,
		pipeline.AssignedExpert: b.expert, pipeline.CountryFocalPoint: b.fpPE}
	const nul = "a\x00b"

	var cases []poison
	add := func(p poison) { cases = append(cases, p) }
	with := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		c[k] = v
		return c
	}

	// Submission and session.
	for _, f := range []string{"title", "description", "institution"} {
		add(poison{what: "submission " + f, method: "POST", path: "/v1/priorities", token: b.fpPE.Token,
			body: with(submission(), f, nul), field: f})
	}
	add(poison{what: "Idempotency-Key of invalid UTF-8", method: "POST", path: "/v1/priorities", token: b.fpPE.Token,
		body: submission(), field: "Idempotency-Key", header: []string{"Idempotency-Key", "k\xffy"}})
	session := map[string]any{"title": "Reunión Anual", "kind": "political_dialogue", "date": "2025-06-20", "venue": "Lima", "countries": []string{"PE"}}
	for _, f := range []string{"title", "venue"} {
		add(poison{what: "session " + f, method: "POST", path: "/v1/sessions", token: b.manager.Token, body: with(session, f, nul), field: f})
	}
	for _, d := range []string{"0000-01-01", "0001-01-01", "1989-12-31", "2101-01-01", "9999-12-31"} {
		add(poison{what: "session date " + d, method: "POST", path: "/v1/sessions", token: b.manager.Token, body: with(session, "date", d), field: "date"})
	}
	// Edit in revision.
	for _, f := range []string{"title", "description", "institution"} {
		add(poison{what: "edit " + f, method: "PATCH", path: "/v1/priorities/" + byStage[pipeline.Revision], token: b.fpPE.Token,
			body: map[string]any{f: nul}, field: f})
	}
	// Every decision of the table: its comment, its reason, resubmit's changes.
	for _, tr := range pipeline.Table {
		path := "/v1/priorities/" + byStage[tr.From] + "/decisions"
		u := actorFor[tr.Rule]
		base := b.body(tr.Decision, tr.From)
		switch tr.Decision {
		case pipeline.DraftPlan:
			continue // a plan is drafted with PUT …/plan, below; a decision cannot carry one
		case pipeline.PostComment, pipeline.EditComment:
			continue // the thread has its own routes, below
		case pipeline.AttachDocument, pipeline.RemoveDocument:
			continue // taken through …/documents (TestHostileUploads)
		case pipeline.Edit:
			base["changes"] = map[string]any{"title": "Título corregido"} // the edit, sent as a decision
		}
		name := fmt.Sprintf("%s in %s", tr.Decision, tr.From)
		add(poison{what: name + ": comment", method: "POST", path: path, token: u.Token, body: with(base, "comment", nul), field: "comment"})
		if _, ok := base["reason"]; ok {
			add(poison{what: name + ": reason", method: "POST", path: path, token: u.Token, body: with(base, "reason", nul), field: "reason"})
			add(poison{what: name + ": reason with an escape sequence", method: "POST", path: path, token: u.Token,
				body: with(base, "reason", "\x1b[2J"), field: "reason"})
		}
		if tr.Decision == pipeline.Resubmit {
			for _, f := range []string{"title", "description", "institution"} {
				add(poison{what: name + ": changes." + f, method: "POST", path: path, token: u.Token,
					body: with(base, "changes", map[string]any{f: nul}), field: "changes." + f})
			}
		}
		raw, _ := json.Marshal(base)
		add(poison{what: name + ": comment of invalid UTF-8", method: "POST", path: path, token: u.Token,
			body: strings.Replace(string(raw), "{", "{\"comment\":\"\xff\",", 1), field: "comment"})
		add(poison{what: name + ": comment with a lone surrogate", method: "POST", path: path, token: u.Token,
			body: strings.Replace(string(raw), "{", `{"comment":"\udc00",`, 1), field: "comment"})
	}
	// The plan: every text of a complete plan, and its dates.
	planPath := "/v1/priorities/" + byStage[pipeline.Planning] + "/plan"
	planWith := func(set func(plan, action, indicator map[string]any)) map[string]any {
		plan := journey.PlanBody()
		action := plan["actions"].([]any)[0].(map[string]any)
		set(plan, action, action["indicators"].([]any)[0].(map[string]any))
		return plan
	}
	for _, f := range []string{"objective", "expected_outcome"} {
		add(poison{what: "plan " + f, method: "PUT", path: planPath, token: b.expert.Token, field: f,
			body: planWith(func(p, _, _ map[string]any) { p[f] = nul })})
	}
	for _, f := range []string{"title", "description"} {
		add(poison{what: "plan action " + f, method: "PUT", path: planPath, token: b.expert.Token, field: "actions[0]." + f,
			body: planWith(func(_, a, _ map[string]any) { a[f] = nul })})
	}
	for _, f := range []string{"beneficiaries", "eu_agencies"} {
		add(poison{what: "plan action " + f, method: "PUT", path: planPath, token: b.expert.Token, field: "actions[0]." + f + "[0]",
			body: planWith(func(_, a, _ map[string]any) { a[f] = []string{nul} })})
	}
	for _, f := range []string{"name", "unit"} {
		add(poison{what: "plan indicator " + f, method: "PUT", path: planPath, token: b.expert.Token, field: "actions[0].indicators[0]." + f,
			body: planWith(func(_, _, in map[string]any) { in[f] = nul })})
	}
	for _, f := range []string{"start_date", "end_date"} {
		for _, d := range []string{"0000-01-01", "0001-01-01", "9999-12-31", "2101-01-01"} {
			add(poison{what: "plan " + f + " " + d, method: "PUT", path: planPath, token: b.expert.Token, field: "actions[0]." + f,
				body: planWith(func(_, a, _ map[string]any) { a[f] = d })})
		}
	}
	// The thread: a new comment, and an edit of one's own.
	threadPath := "/v1/priorities/" + byStage[pipeline.Planning] + "/comments"
	var own pipeline.Comment
	b.app.Do(t, "POST", threadPath, b.fpPE.Token, map[string]any{"text": "¿Y el presupuesto?"}).JSON(t, &own)
	for _, rt := range []struct{ method, path string }{{"POST", threadPath}, {"PATCH", threadPath + "/" + own.ID}} {
		name := "comment " + rt.method
		add(poison{what: name, method: rt.method, path: rt.path, token: b.fpPE.Token, body: map[string]any{"text": nul}, field: "text"})
		add(poison{what: name + " with an escape sequence", method: rt.method, path: rt.path, token: b.fpPE.Token,
			body: map[string]any{"text": "\x1b[2J"}, field: "text"})
		add(poison{what: name + " with a right-to-left override", method: rt.method, path: rt.path, token: b.fpPE.Token,
			body: map[string]any{"text": "factura\u202Efdp.exe"}, field: "text"})
		add(poison{what: name + " of invalid UTF-8", method: rt.method, path: rt.path, token: b.fpPE.Token, body: "{\"text\":\"\xff\"}", field: "text"})
		add(poison{what: name + " with a lone surrogate", method: rt.method, path: rt.path, token: b.fpPE.Token, body: `{"text":"\udc00"}`, field: "text"})
	}
	// A search.
	add(poison{what: "search text", method: "GET", path: "/v1/priorities?q=" + urlQuery(nul), token: b.manager.Token, field: "q"})

	before := stateOf(t, b, byStage)
	slowest := time.Duration(0)
	for _, p := range cases {
		start := time.Now()
		r := b.app.Do(t, p.method, p.path, p.token, p.body, p.header...)
		if d := time.Since(start); d > slowest {
			slowest = d
		}
		var prob struct {
			Errors []pipeline.FieldError `json:"errors"`
		}
		if r.StatusCode != http.StatusUnprocessableEntity || json.Unmarshal(r.Body, &prob) != nil {
			t.Errorf("%s: %s %s", p.what, r.Status, r.Body)
			continue
		}
		named := false
		for _, e := range prob.Errors {
			named = named || e.Field == p.field
		}
		if !named {
			t.Errorf("%s: the 422 does not name %s: %s", p.what, p.field, r.Body)
		}
	}
	t.Logf("%d poisoned requests on %d priorities: each 422 naming its field, the slowest in %v", len(cases), len(byStage), slowest.Round(time.Millisecond))
	if slowest > 5*time.Second {
		t.Errorf("a refusal took %v: it must not wait on a workflow", slowest)
	}

	// Nothing changed, and nothing is left retrying.
	if after := stateOf(t, b, byStage); after != before {
		t.Errorf("refused requests changed priorities:\nbefore %s\nafter  %s", before, after)
	}
	for stage, id := range byStage {
		assertNotRetrying(ctx, t, b, stage, id)
	}
	conn, err := pgx.Connect(ctx, b.app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var attention, sessions int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM attention), (SELECT count(*) FROM sessions)`).Scan(&attention, &sessions); err != nil {
		t.Fatal(err)
	}
	if attention != 0 || sessions != 0 {
		t.Errorf("%d priorities need attention and %d sessions were created", attention, sessions)
	}
}

// stateOf is each priority's version and event count, in the read model and
// in its workflow, which must agree.
func stateOf(t *testing.T, b *bundle, byStage map[pipeline.Stage]string) string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, s := range pipeline.Stages {
		id, ok := byStage[s]
		if !ok {
			continue
		}
		p, err := b.app.Store.Priority(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := b.app.Store.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v, err := b.app.Temporal.QueryWorkflow(ctx, workflows.ID(id), "", workflows.QueryPriority)
		if err != nil {
			t.Fatalf("query %s: %v", id, err)
		}
		var held pipeline.Priority
		if err := v.Get(&held); err != nil {
			t.Fatal(err)
		}
		if held.Version != p.Version || held.Stage != p.Stage {
			t.Errorf("%s: the workflow holds v%d %s, the read model v%d %s", id, held.Version, held.Stage, p.Version, p.Stage)
		}
		out = append(out, fmt.Sprintf("%s v%d %s %d events", s, p.Version, p.Stage, len(evs)))
	}
	return strings.Join(out, "; ")
}

// assertNotRetrying fails if the priority's workflow has a failed workflow
// task or activity in its history, or a workflow task or activity pending
// past its first attempt.
func assertNotRetrying(ctx context.Context, t *testing.T, b *bundle, stage pipeline.Stage, id string) {
	t.Helper()
	desc, err := b.app.Temporal.DescribeWorkflow(ctx, workflows.ID(id), "")
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	if desc.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("%s: workflow %v", stage, desc.Status)
	}
	raw := desc.RawResponse
	if wt := raw.GetPendingWorkflowTask(); wt != nil && wt.GetAttempt() > 1 {
		t.Errorf("%s: workflow task at attempt %d", stage, wt.GetAttempt())
	}
	for _, a := range raw.GetPendingActivities() {
		if a.GetAttempt() > 1 || a.GetLastFailure() != nil {
			t.Errorf("%s: activity %s at attempt %d, last failure %v", stage, a.GetActivityType().GetName(), a.GetAttempt(), a.GetLastFailure())
		}
	}
	it := b.app.Temporal.GetWorkflowHistory(ctx, workflows.ID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_TASK_FAILED, enums.EVENT_TYPE_ACTIVITY_TASK_FAILED, enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			t.Errorf("%s: %v in the history of %s", stage, ev.GetEventType(), id)
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if f := ev.GetMarkerRecordedEventAttributes().GetFailure(); f != nil {
				t.Errorf("%s: a local activity failed in the history of %s: %v", stage, id, f.GetMessage())
			}
		}
	}
}
