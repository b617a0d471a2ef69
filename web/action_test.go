package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// Action answers like the service: the action of an approved priority the
// actor may see, its allowed acts from the engine.
func (f *fakeService) Action(ctx context.Context, a pipeline.Actor, id string, i int) (*service.ActionView, error) {
	p, err := f.Priority(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if i >= len(p.Deliveries) || !p.Delivering() || !a.CanSeeAction(p, i) {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no action")
	}
	return &service.ActionView{Action: pipeline.SupportAction{PriorityID: p.ID, PriorityRef: p.Ref, Index: i, Theme: p.Theme,
		Action: p.Plan.Actions[i], Delivery: p.Deliveries[i]}, AllowedActs: pipeline.AllowedDeliveryActs(a, p, i), Priority: p}, nil
}

// Deliver judges the act with the engine and records the input it was given.
func (f *fakeService) Deliver(ctx context.Context, a pipeline.Actor, id string, version, i int, in pipeline.DeliveryInput) (*pipeline.Priority, error) {
	if err := f.CheckDelivery(ctx, a, id, version, i, in); err != nil {
		return nil, err
	}
	f.changes++
	f.delivered = append(f.delivered, in)
	return f.p, f.err
}

func (f *fakeService) CheckDelivery(ctx context.Context, a pipeline.Actor, id string, version, i int, in pipeline.DeliveryInput) error {
	p, err := f.Priority(ctx, a, id)
	if err != nil {
		return err
	}
	return pipeline.CheckDelivery(a, p, version, i, in)
}

// delivering makes the fake's priority approved, its one action (fiiapp's)
// in stage st.
func (f *fakeService) delivering(st pipeline.DeliveryStage, report *pipeline.DeliveryReport, validated bool) {
	f.p.Stage = pipeline.Approved
	f.p.Deliveries = []pipeline.Delivery{{Stage: st, Report: report, ReportValidated: validated,
		StageEnteredAt: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), ConfirmedStart: "2027-02-02", ConfirmedEnd: "2027-02-06", Place: "Lima"}}
}

func actionBundle(t *testing.T) (renderBundle, map[string]pipeline.Actor) {
	t.Helper()
	who := map[string]pipeline.Actor{
		"impl":    {ID: "0c000000-0000-4000-8000-000000000001", Name: "Pilar", Role: pipeline.Implementer, Partner: "fiiapp"},
		"other":   {ID: "0c000000-0000-4000-8000-000000000002", Name: "Jean", Role: pipeline.Implementer, Partner: "civipol"},
		"expert":  {ID: "0e000000-0000-4000-8000-000000000001", Name: "Expert", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}},
		"manager": {ID: "0a000000-0000-4000-8000-000000000001", Name: "Ana", Role: pipeline.Manager},
	}
	fake := newFakeService()
	app, err := New(Deps{Service: fake, Store: newFakeSessions(who["impl"], who["other"], who["expert"], who["manager"])})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return renderBundle{srv: srv, fake: fake}, who
}

// TestDeliveryActionPage renders one action's page in every language for
// each role: the forms are exactly the engine's allowed acts, no message
// is missing, an implementer of another partner gets 404, and the
// priority page links the action.
func TestDeliveryActionPage(t *testing.T) {
	t.Parallel()
	b, who := actionBundle(t)
	rep := &pipeline.DeliveryReport{ParticipantsWomen: 12, ParticipantsMen: 9, Institutions: []pipeline.InstitutionCount{{Name: "<b>Fiscalía</b>", Participants: 21}},
		Countries: []string{"PE"}, Summary: "Taller", ActualCostEUR: pipeline.Cents(4000000), Indicators: []pipeline.IndicatorActual{{Actual: 1100, Note: "casi"}}}
	b.fake.delivering(pipeline.Delivered, rep, false)
	path := b.srv.URL + "/priorities/" + b.fake.p.ID + "/actions/0"
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		for name, acts := range map[string][]pipeline.DeliveryAct{"impl": {pipeline.Postpone}, "expert": {pipeline.ValidateReport, pipeline.SendBack},
			"manager": {pipeline.Postpone, pipeline.CancelAction, pipeline.ChangePartner}} {
			status, body, _ := get(t, b.client(t, who[name], lang), path)
			require.Equalf(t, http.StatusOK, status, "%s %s: %s", lang, name, body)
			require.NotContainsf(t, body, "⟦", "%s %s: a message is missing", lang, name)
			require.Contains(t, body, l.Code("delivery_stage", "delivered"))
			require.Contains(t, body, l.Money(pipeline.Cents(4000000)), "the report's actual cost")
			require.Contains(t, body, "&lt;b&gt;Fiscalía&lt;/b&gt;", "the institution is escaped")
			for _, act := range pipeline.DeliveryActs {
				require.Equalf(t, slices.Contains(acts, act), strings.Contains(body, `id="do-`+string(act)+`"`), "%s %s: form of %s", lang, name, act)
			}
		}
	}
	status, _, _ := get(t, b.client(t, who["other"], "en"), path)
	require.Equal(t, http.StatusNotFound, status, "another partner's implementer may not see the action")
	status, _, _ = get(t, b.client(t, who["manager"], "en"), b.srv.URL+"/priorities/"+b.fake.p.ID+"/actions/7")
	require.Equal(t, http.StatusNotFound, status)
	_, body, _ := get(t, b.client(t, who["manager"], "en"), b.srv.URL+"/priorities/"+b.fake.p.ID)
	require.Contains(t, body, `<a href="/priorities/`+b.fake.p.ID+`/actions/0">Taller ECI</a>`)
}

// TestDeliveryActionForms posts the report form: a refused report shows
// each problem at its field with what was typed and changes nothing; a
// good one reaches the service as the API's input; a stale version says
// so.
func TestDeliveryActionForms(t *testing.T) {
	t.Parallel()
	b, who := actionBundle(t)
	b.fake.delivering(pipeline.InProgress, nil, false)
	c := b.client(t, who["impl"], "fr")
	l := i18n.For("fr")
	path := b.srv.URL + "/priorities/" + b.fake.p.ID + "/actions/0"
	_, body, _ := get(t, c, path)
	require.Contains(t, body, `id="do-report"`)
	require.Contains(t, body, `name="report.institutions[2].name"`, "three institution rows")
	_, body, _ = get(t, c, path+"?rows=5")
	require.Contains(t, body, `name="report.institutions[4].name"`, "add a row gives a fifth")

	form := url.Values{"version": {"5"}, "act": {"report"}, "report.participants_women": {"douze"}, "report.participants_men": {"9"},
		"report.institutions[0].name": {"Fiscalía"}, "report.institutions[0].participants": {"21"}, "report.summary": {""},
		"report.actual_cost_eur": {"40000"}, "report.indicators[0].actual": {"1100"}}
	status, body := post(t, c, path+"/delivery", form)
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	require.Contains(t, body, `name="report.participants_women" value="0" aria-invalid="true"`)
	require.Contains(t, body, `id="f-report-summary-err"`, "the summary is required")
	require.Contains(t, body, `id="f-report-countries-err"`, "a country is required")
	require.Contains(t, body, `value="Fiscalía" dir="auto"`, "what was typed stays")
	require.Contains(t, body, l.T("form.errors_title"))
	require.Contains(t, body, `<a href="#f-report-participants-women">`+l.T("field.report")+" · "+l.T("field.participants_women"),
		"the error summary names the field in the page's language")
	require.Contains(t, body, `<details class="decision" id="act-report" open>`)
	require.Zero(t, b.fake.changes, "a refused report changes nothing")

	form.Set("report.participants_women", "12")
	form.Set("report.summary", "Taller de cinco días")
	form["report.countries"] = []string{"PE", "CO"}
	resp, err := noRedirect(c).PostForm(path+"/delivery", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, 1, b.fake.changes)
	got := b.fake.delivered[0].Report
	require.Equal(t, pipeline.DeliveryReport{ParticipantsWomen: 12, ParticipantsMen: 9, Institutions: []pipeline.InstitutionCount{{Name: "Fiscalía", Participants: 21}},
		Countries: []string{"PE", "CO"}, Summary: "Taller de cinco días", ActualCostEUR: pipeline.Cents(4000000),
		Indicators: []pipeline.IndicatorActual{{Actual: 1100}}}, *got)

	form.Set("version", "4")
	status, body = post(t, c, path+"/delivery", form)
	require.Equal(t, http.StatusPreconditionFailed, status)
	require.Contains(t, body, `<div class="stale" role="alert">`)
	require.Equal(t, 1, b.fake.changes)

	status, _ = post(t, b.client(t, who["other"], "fr"), path+"/delivery", url.Values{"version": {"5"}, "act": {"confirm"}})
	require.Equal(t, http.StatusNotFound, status)
}

func noRedirect(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}
