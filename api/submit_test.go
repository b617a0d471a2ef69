package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/api/enums/v1"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

type bundle struct {
	app      *testenv.App
	fpPE     testenv.User
	fpMX     testenv.User
	manager  testenv.User
	manager2 testenv.User
	expert   testenv.User
	expert2  testenv.User
	// implFIIAPP and implCamoes deliver the actions of their partners.
	implFIIAPP testenv.User
	implCamoes testenv.User
}

func setup(t *testing.T, opts ...testenv.AppOptions) *bundle {
	t.Helper()
	var o testenv.AppOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	app := testenv.NewApp(t, o)
	return &bundle{
		app:        app,
		fpPE:       app.AddUser(t, pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}),
		fpMX:       app.AddUser(t, pipeline.Actor{Name: "Lucía Hernández", Role: pipeline.FocalPoint, Countries: []string{"MX"}}),
		manager:    app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}),
		manager2:   app.AddUser(t, pipeline.Actor{Name: "Jean Dupont", Role: pipeline.Manager}),
		expert:     app.AddUser(t, pipeline.Actor{Name: "Carmen Díaz", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}}),
		expert2:    app.AddUser(t, pipeline.Actor{Name: "Pierre Martin", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams", "cybercrime"}}),
		implFIIAPP: app.AddUser(t, pipeline.Actor{Name: "Laura Gómez", Role: pipeline.Implementer, Partner: "fiiapp"}),
		implCamoes: app.AddUser(t, pipeline.Actor{Name: "Rui Costa", Role: pipeline.Implementer, Partner: "camoes"}),
	}
}

func submission() map[string]any {
	return map[string]any{
		"title":       "Equipos conjuntos de investigación con Colombia",
		"description": "Crear un ECI para investigar redes de lavado de activos entre Perú y Colombia.",
		"theme":       "joint_investigation_teams",
		"pillar":      "justice",
		"countries":   []string{"PE", "CO"},
		"institution": "Fiscalía de la Nación",
		"urgency":     "high",
	}
}

type priorityBody struct {
	pipeline.Priority
	AllowedDecisions []pipeline.Decision `json:"allowed_decisions"`
}

// submit posts a valid priority as u and returns it, failing unless 201.
func (b *bundle) submit(t *testing.T, u testenv.User, body map[string]any, headers ...string) priorityBody {
	t.Helper()
	r := b.app.Do(t, "POST", "/v1/priorities", u.Token, body, headers...)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %s %s", r.Status, r.Body)
	}
	var p priorityBody
	r.JSON(t, &p)
	if loc := r.Header.Get("Location"); loc != "/v1/priorities/"+p.ID {
		t.Fatalf("Location %q for id %s", loc, p.ID)
	}
	return p
}

func TestSubmitCreatesPriorityInTriage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.submit(t, b.fpPE, submission())

	if p.Stage != pipeline.Triage || p.Version != 1 || p.SubmittedBy != b.fpPE.ID || !strings.HasPrefix(p.Ref, "PE-") {
		t.Fatalf("submitted priority: %+v", p.Priority)
	}
	if p.Sensitivity != pipeline.Public || p.DueAt == nil {
		t.Errorf("defaults: sensitivity %q due %v", p.Sensitivity, p.DueAt)
	}

	// Read back over HTTP, as the manager and as the submitter.
	r := b.app.Do(t, "GET", "/v1/priorities/"+p.ID, b.manager.Token, nil)
	if r.StatusCode != http.StatusOK || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("get: %s %s etag %q", r.Status, r.Body, r.Header.Get("ETag"))
	}
	var got priorityBody
	r.JSON(t, &got)
	if got.Ref != p.Ref || got.Stage != pipeline.Triage || got.Title != submission()["title"] {
		t.Errorf("get returned %+v", got.Priority)
	}
	if want := []pipeline.Decision{pipeline.Accept, pipeline.Reject, pipeline.Reassign}; !slices.Equal(got.AllowedDecisions, want) {
		t.Errorf("manager's allowed decisions %v", got.AllowedDecisions)
	}

	// Listed for the submitter.
	var list struct {
		Items      []priorityBody `json:"items"`
		NextCursor *string        `json:"next_cursor"`
	}
	b.app.Do(t, "GET", "/v1/priorities?stage=triage", b.fpPE.Token, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != p.ID || list.NextCursor != nil {
		t.Errorf("list: %+v", list)
	}

	// The workflow runs on the real server, and the read model holds event 1.
	ctx := context.Background()
	desc, err := b.app.Temporal.DescribeWorkflow(ctx, workflows.ID(p.ID), "")
	if err != nil {
		t.Fatalf("describe workflow: %v", err)
	}
	if s := desc.Status; s != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("workflow status %v", s)
	}
	events, err := b.app.Store.Events(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Seq != 1 || events[0].Kind != pipeline.EventSubmitted ||
		events[0].Actor.ID != b.fpPE.ID || events[0].ToStage != pipeline.Triage {
		t.Errorf("events: %+v", events)
	}
}

func TestSubmitIsIdempotentPerKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.submit(t, b.fpPE, submission(), "Idempotency-Key", "abc-1")
	again := b.submit(t, b.fpPE, submission(), "Idempotency-Key", "abc-1")
	if again.ID != first.ID || again.Ref != first.Ref {
		t.Fatalf("same key, same body: %s/%s then %s/%s", first.ID, first.Ref, again.ID, again.Ref)
	}
	other := submission()
	other["title"] = "Otra prioridad"
	r := b.app.Do(t, "POST", "/v1/priorities", b.fpPE.Token, other, "Idempotency-Key", "abc-1")
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "Idempotency-Key") {
		t.Fatalf("same key, other body: %s %s", r.Status, r.Body)
	}
	// Only one priority, one workflow, one submitted event.
	var list struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/priorities", b.manager.Token, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("%d priorities after three submissions with one key", len(list.Items))
	}
	events, err := b.app.Store.Events(context.Background(), first.ID)
	if err != nil || len(events) != 1 {
		t.Errorf("events %v %v", events, err)
	}
}

func TestSubmitRejectsBadInputListingEveryField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := `{"title": "", "bogus": 1, "countries": ["XX", 3], "urgency": 5, "theme": "nope"}`
	r := b.app.Do(t, "POST", "/v1/priorities", b.fpPE.Token, body)
	if r.StatusCode != http.StatusUnprocessableEntity || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("bad body: %s %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var prob struct {
		Type   string                `json:"type"`
		Status int                   `json:"status"`
		Errors []pipeline.FieldError `json:"errors"`
	}
	r.Problem(t, &prob)
	var got []string
	for _, e := range prob.Errors {
		got = append(got, e.Field)
	}
	for _, f := range []string{"bogus", "countries[0]", "countries[1]", "urgency", "theme", "title", "description", "pillar", "institution"} {
		if !slices.Contains(got, f) {
			t.Errorf("problem does not list %s: %v", f, got)
		}
	}
	if prob.Status != 422 || prob.Type == "" {
		t.Errorf("problem %+v", prob)
	}

	big := `{"title": "` + strings.Repeat("a", 1<<20) + `"}`
	if r := b.app.Do(t, "POST", "/v1/priorities", b.fpPE.Token, big); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over 1 MiB: %s", r.Status)
	}
	if r := b.app.Do(t, "POST", "/v1/priorities", b.fpPE.Token, `{"title":`); r.StatusCode != http.StatusBadRequest {
		t.Errorf("broken JSON: %s", r.Status)
	}
	// Nothing was created by any of them.
	var list struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/priorities", b.manager.Token, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("rejected requests created %d priorities", len(list.Items))
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if r := b.app.Do(t, "GET", "/v1/me", "", nil); r.StatusCode != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %s", r.Status)
	}
	if r := b.app.Do(t, "GET", "/v1/me", "pte_not-a-token", nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %s", r.Status)
	}
	var me pipeline.Actor
	b.app.Do(t, "GET", "/v1/me", b.expert.Token, nil).JSON(t, &me)
	if me.ID != b.expert.ID || me.Role != pipeline.Expert || !slices.Equal(me.Themes, b.expert.Themes) {
		t.Errorf("me: %+v", me)
	}
	// Only focal points submit; and only for their own countries.
	if r := b.app.Do(t, "POST", "/v1/priorities", b.manager.Token, submission()); r.StatusCode != http.StatusForbidden {
		t.Errorf("manager submits: %s %s", r.Status, r.Body)
	}
	if r := b.app.Do(t, "POST", "/v1/priorities", b.fpMX.Token, submission()); r.StatusCode != http.StatusForbidden {
		t.Errorf("focal point of MX submits for PE/CO: %s %s", r.Status, r.Body)
	}
}

func TestCodelistsAndHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var lists pipeline.Codelists
	b.app.Do(t, "GET", "/v1/codelists", b.fpPE.Token, nil).JSON(t, &lists)
	if len(lists.Countries) != 33 || len(lists.Themes) < 13 || len(lists.Stages) != 9 {
		t.Errorf("codelists: %d countries, %d themes, %d stages", len(lists.Countries), len(lists.Themes), len(lists.Stages))
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := b.app.Do(t, "GET", path, "", nil); r.StatusCode != http.StatusOK {
			t.Errorf("%s: %s %s", path, r.Status, r.Body)
		}
	}
}

func TestPrioritiesAreScoped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.submit(t, b.fpPE, submission())
	if r := b.app.Do(t, "GET", "/v1/priorities/"+p.ID, b.fpMX.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("focal point of another country: %s", r.Status)
	}
	var list struct{ Items []priorityBody }
	b.app.Do(t, "GET", "/v1/priorities", b.fpMX.Token, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("focal point of MX lists %d priorities of PE", len(list.Items))
	}
	// One 422 lists every bad parameter: the reader's own (unknown, limit)
	// and the filter values the service's rule refuses.
	r := b.app.Do(t, "GET", "/v1/priorities?stage=nope&country=FR&limit=0&bogus=1", b.manager.Token, nil)
	var prob struct {
		Errors []pipeline.FieldError `json:"errors"`
	}
	r.Problem(t, &prob)
	var fields []string
	for _, e := range prob.Errors {
		fields = append(fields, e.Field)
	}
	slices.Sort(fields)
	if r.StatusCode != http.StatusUnprocessableEntity || !slices.Equal(fields, []string{"bogus", "country", "limit", "stage"}) {
		t.Errorf("bad query: %s %s", r.Status, r.Body)
	}
}

// TestASubmissionAnswersAfterItsWorkflowsFirstTask: a submission is
// answered once its workflow has done its first task (started eagerly in
// this process), so a decision sent at once meets a workflow at rest and
// takes the short path. Twelve at once, to load the worker.
func TestASubmissionAnswersAfterItsWorkflowsFirstTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := make(chan string, 12)
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			p := b.submit(t, b.fpPE, submission())
			// At once, before anything else reaches the workflow.
			desc, err := b.app.Temporal.DescribeWorkflow(context.Background(), workflows.ID(p.ID), "")
			if err != nil {
				t.Error(err)
				return
			}
			d := desc.RawResponse
			if d.PendingWorkflowTask != nil || d.WorkflowExecutionInfo.GetHistoryLength() < 4 {
				t.Errorf("priority %s answered with its first task %v pending (history of %d events)",
					p.ID, d.PendingWorkflowTask.GetState(), d.WorkflowExecutionInfo.GetHistoryLength())
			}
			ids <- p.ID
		})
	}
	wg.Wait()
	if len(ids) != 12 {
		t.Fatalf("%d of 12 submissions answered", len(ids))
	}
}
