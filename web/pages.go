package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// refusal answers an error of the service: its kind decides the status and
// message (errorKinds); anything else is a logged 500.
func (a *App) refusal(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, err error) {
	kind, _ := kindOf(err)
	if k, ok := errorKinds[kind]; ok {
		a.fail(w, r, &actor, k.status, k.msg)
		return
	}
	a.serverError(w, r, &actor, err)
}

// home is everyone's start page: what waits for the caller now, soonest due
// first (overdue ones are due soonest and marked), and for focal points
// their countries' latest priorities.
func (a *App) home(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	ctx := r.Context()
	tasks, next, err := a.d.Service.Tasks(ctx, actor, store.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil && !errors.Is(err, store.ErrBadCursor) {
		a.refusal(w, r, actor, err)
		return
	}
	var mine []*pipeline.Priority
	if actor.Role == pipeline.FocalPoint {
		if mine, _, err = a.d.Service.Priorities(ctx, actor, store.Filter{}, store.Page{Limit: 20}); err != nil {
			a.refusal(w, r, actor, err)
			return
		}
	}
	a.render(w, r, &actor, http.StatusOK, "home", "home.title", struct {
		Tasks, Mine []*pipeline.Priority
		Next        string
	}{tasks, mine, next}, withNotice(noticeOf(r)))
}

type listData struct {
	F         store.Filter
	Overdue   bool
	Items     []*pipeline.Priority
	Next      string
	Query     template.URL
	Stages    []pipeline.Stage
	Themes    []string
	Countries []string
}

// filterQuery reads the list filters from the query string. Values outside
// the codelists are passed on: the service's rule (service.CheckFilter)
// judges them.
func filterQuery(q url.Values) store.Filter {
	f := store.Filter{Stage: pipeline.Stage(q.Get("stage")), Theme: q.Get("theme"), Country: q.Get("country"),
		SessionID: q.Get("session_id"), Q: strings.TrimSpace(q.Get("q"))}
	if q.Get("overdue") == "true" {
		t := true
		f.Overdue = &t
	}
	return f
}

// list is the filtered list of priorities the caller may see.
func (a *App) list(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	q := r.URL.Query()
	f := filterQuery(q)
	var ps pipeline.Problems
	items, next, err := a.d.Service.Priorities(r.Context(), actor, f, store.Page{Limit: 50, Cursor: q.Get("cursor")})
	if errors.Is(err, store.ErrBadCursor) {
		ps.Add("cursor", pipeline.NotACursor)
	} else if err != nil {
		if kind, kps := kindOf(err); kind == pipeline.KindInvalid {
			ps = kps
		} else {
			a.refusal(w, r, actor, err)
			return
		}
	}
	keep := url.Values{}
	for _, k := range []string{"stage", "theme", "country", "session_id", "overdue", "q"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	status := http.StatusOK
	if len(ps) > 0 {
		status = http.StatusUnprocessableEntity
	}
	a.render(w, r, &actor, status, "list", "list.title", listData{
		F: f, Overdue: f.Overdue != nil && *f.Overdue, Items: items, Next: next, Query: template.URL(keep.Encode()),
		Stages: pipeline.Stages, Themes: pipeline.Lists.ThemeCodes(), Countries: pipeline.Lists.CountryCodes(),
	}, withProblems(ps))
}

type submitData struct {
	S                          pipeline.Submission
	Key                        string
	Sessions                   []pipeline.Session
	Themes, Pillars, Countries []string
	Urgencies, Sensitivities   []string
}

func (a *App) submitData(ctx context.Context, actor pipeline.Actor, s pipeline.Submission, key string) (submitData, error) {
	sessions, _, err := a.d.Service.Sessions(ctx, actor, store.Page{Limit: 50})
	if err != nil {
		return submitData{}, err
	}
	// The focal point's own countries first: they are what it submits for.
	countries := append([]string{}, actor.Countries...)
	for _, c := range pipeline.Lists.CountryCodes() {
		if !containsString(actor.Countries, c) {
			countries = append(countries, c)
		}
	}
	return submitData{S: s, Key: key, Sessions: sessions, Themes: pipeline.Lists.ThemeCodes(), Pillars: pipeline.Lists.Pillars,
		Countries: countries, Urgencies: pipeline.Urgencies, Sensitivities: pipeline.Sensitivities}, nil
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}

// newPriority shows the submission form. Its idempotency key makes a
// double-clicked or re-sent form one priority, never two.
func (a *App) newPriority(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	s := pipeline.Submission{Countries: actor.Countries, Sensitivity: pipeline.Public, Urgency: "medium",
		SessionID: r.URL.Query().Get("session_id")}
	d, err := a.submitData(r.Context(), actor, s, newKey())
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, http.StatusOK, "new", "submit.title", d)
}

// submit submits a priority through the service.
func (a *App) submit(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if !a.readForm(w, r, &actor) {
		return
	}
	in := submissionForm(r)
	key := r.PostForm.Get("idempotency_key")
	p, err := a.d.Service.Submit(r.Context(), actor, in, key)
	if err == nil {
		redirect(w, r, "/priorities/"+p.ID, "notice.submitted")
		return
	}
	kind, ps := kindOf(err)
	if kind != pipeline.KindInvalid && kind != pipeline.KindForbidden {
		a.refusal(w, r, actor, err)
		return
	}
	if kind == pipeline.KindForbidden {
		ps = pipeline.Problems{pipeline.Problem("countries", pipeline.OwnCountry)}
	}
	d, derr := a.submitData(r.Context(), actor, in, key)
	if derr != nil {
		a.refusal(w, r, actor, derr)
		return
	}
	a.render(w, r, &actor, http.StatusUnprocessableEntity, "new", "submit.title", d, withProblems(ps))
}

// decisionView is one of the caller's allowed decisions with the fields it needs.
type decisionView struct {
	Decision                      pipeline.Decision
	ID                            string
	Reason, CommentRequired       bool
	Theme, Expert, ExpertRequired bool
	Danger, Open                  bool
	// Experts are whom the decision may name: for an accept, which may
	// change the theme, every active expert; for a reassign, those of the
	// priority's theme.
	Experts []pipeline.Actor
}

type priorityData struct {
	P                    *pipeline.Priority
	Events               []pipeline.Event
	Decisions            []decisionView
	CanEdit, CanEditPlan bool
	AssigneeName         string
	Session              *pipeline.Session
	Themes               []string
	WorkflowURL          string
	Budget               pipeline.EUR
	Stale                bool
	Error                string
	Form                 map[string]string
	ErrMsgs              map[string]string
}

// priorityPage gathers a priority's page: the caller must see it (the
// service answers not found otherwise), and the buttons are exactly the
// engine's allowed decisions for the caller.
func (a *App) priorityPage(ctx context.Context, actor pipeline.Actor, id string) (*priorityData, error) {
	p, err := a.d.Service.Priority(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	events, err := a.d.Service.Events(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &priorityData{P: p, Events: events, Themes: pipeline.Lists.ThemeCodes(),
		CanEdit: canEdit(actor, p), CanEditPlan: canEditPlan(actor, p)}
	for _, dec := range pipeline.AllowedDecisions(actor, p) {
		v := decisionView{Decision: dec, ID: "d-" + string(dec)}
		if t, ok := pipeline.Lookup(p.Stage, dec); ok {
			for _, f := range t.Requires {
				switch f {
				case pipeline.FieldReason:
					v.Reason = true
				case pipeline.FieldComment:
					v.CommentRequired = true
				case pipeline.FieldExpertID:
					v.ExpertRequired = true
				}
			}
		}
		v.Theme = dec == pipeline.Accept
		v.Expert = dec == pipeline.Accept || dec == pipeline.Reassign
		v.Danger = dec == pipeline.Reject || dec == pipeline.Withdraw
		if v.Expert {
			theme := p.Theme
			if dec == pipeline.Accept {
				theme = ""
			}
			if v.Experts, err = a.d.Service.Experts(ctx, actor, theme); err != nil {
				return nil, err
			}
		}
		d.Decisions = append(d.Decisions, v)
	}
	if d.AssigneeName, err = a.d.Service.AssigneeName(ctx, actor, p); err != nil {
		return nil, err
	}
	if p.SessionID != "" {
		if sv, err := a.d.Service.Session(ctx, actor, p.SessionID); err == nil {
			d.Session = &sv.Session
		}
	}
	if actor.Role == pipeline.Manager && a.d.TemporalUI != "" {
		d.WorkflowURL = strings.TrimRight(a.d.TemporalUI, "/") + "/namespaces/" + url.PathEscape(a.d.Namespace) +
			"/workflows/" + url.PathEscape(workflows.ID(p.ID))
	}
	if p.Plan != nil {
		for _, ac := range p.Plan.Actions {
			d.Budget = d.Budget.Add(ac.BudgetEUR)
		}
	}
	return d, nil
}

func (a *App) priority(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	d, err := a.priorityPage(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, http.StatusOK, "priority", "priority.title", d, withNotice(noticeOf(r)), withTitle(d.P.Ref))
}

func withTitle(s string) func(*page) { return func(p *page) { p.Title = p.Title + " " + s } }

// decide takes one decision at the version the page showed.
func (a *App) decide(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if !a.readForm(w, r, &actor) {
		return
	}
	id := r.PathValue("id")
	in := decisionForm(r)
	_, err := a.d.Service.Act(r.Context(), actor, id, version(r), pipeline.Act{DecisionInput: in})
	if err == nil {
		redirect(w, r, "/priorities/"+id, "notice.decided")
		return
	}
	a.priorityAgain(w, r, actor, id, in.Decision, err)
}

// priorityAgain shows the priority page again after a refused change: the
// current state, with the refusal explained — stale, or the fields at fault
// next to the decision's inputs.
func (a *App) priorityAgain(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, id string, dec pipeline.Decision, err error) {
	kind, ps := kindOf(err)
	k, known := errorKinds[kind]
	if !known || kind == pipeline.KindNotFound {
		a.refusal(w, r, actor, err)
		return
	}
	d, perr := a.priorityPage(r.Context(), actor, id)
	if perr != nil {
		a.refusal(w, r, actor, perr)
		return
	}
	switch kind {
	case pipeline.KindStale:
		d.Stale = true
	case pipeline.KindInvalid:
		d.Form = map[string]string{"comment": r.PostForm.Get("comment"), "reason": r.PostForm.Get("reason")}
		d.ErrMsgs = map[string]string{}
		for _, p := range ps {
			if _, ok := d.ErrMsgs[p.Field]; !ok {
				d.ErrMsgs[p.Field] = p.Message
			}
		}
		for i := range d.Decisions {
			d.Decisions[i].Open = d.Decisions[i].Decision == dec
		}
	default:
		d.Error = k.msg
	}
	a.render(w, r, &actor, k.status, "priority", "priority.title", d, withProblems(ps), withTitle(d.P.Ref))
}

type editData struct {
	P                                 *pipeline.Priority
	Version                           int
	Comment                           string
	Pillars, Urgencies, Sensitivities []string
}

func (a *App) editPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	p, err := a.d.Service.Priority(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	if !canEdit(actor, p) {
		a.fail(w, r, &actor, http.StatusConflict, "error.not_editable")
		return
	}
	a.render(w, r, &actor, http.StatusOK, "edit", "edit.title", editData{P: p, Version: p.Version,
		Pillars: pipeline.Lists.Pillars, Urgencies: pipeline.Urgencies, Sensitivities: pipeline.Sensitivities})
}

// edit saves a focal point's changes, or resubmits with them (one step).
func (a *App) edit(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if !a.readForm(w, r, &actor) {
		return
	}
	id := r.PathValue("id")
	ch := changesForm(r)
	var err error
	if r.PostForm.Get("op") == "resubmit" {
		_, err = a.d.Service.Act(r.Context(), actor, id, version(r), pipeline.Act{DecisionInput: pipeline.DecisionInput{
			Decision: pipeline.Resubmit, Comment: r.PostForm.Get("comment"), Changes: &ch}})
	} else {
		_, err = a.d.Service.Act(r.Context(), actor, id, version(r), pipeline.Act{DecisionInput: pipeline.DecisionInput{
			Decision: pipeline.Edit, Changes: &ch}})
	}
	if err == nil {
		n := "notice.saved"
		if r.PostForm.Get("op") == "resubmit" {
			n = "notice.resubmitted"
		}
		redirect(w, r, "/priorities/"+id, n)
		return
	}
	kind, ps := kindOf(err)
	if kind != pipeline.KindInvalid && kind != pipeline.KindStale {
		a.refusal(w, r, actor, err)
		return
	}
	p, perr := a.d.Service.Priority(r.Context(), actor, id)
	if perr != nil {
		a.refusal(w, r, actor, perr)
		return
	}
	v := version(r)
	if kind == pipeline.KindStale {
		v = p.Version // keeps the person's text; the next save overwrites knowingly
	}
	for i := range ps {
		ps[i].Field = strings.TrimPrefix(ps[i].Field, "changes.")
	}
	ch.Apply(p)
	status := http.StatusUnprocessableEntity
	opts := []func(*page){withProblems(ps)}
	if kind == pipeline.KindStale {
		status = http.StatusPreconditionFailed
		opts = append(opts, withNotice("priority.stale_text"))
	}
	a.render(w, r, &actor, status, "edit", "edit.title", editData{P: p, Version: v, Comment: r.PostForm.Get("comment"),
		Pillars: pipeline.Lists.Pillars, Urgencies: pipeline.Urgencies, Sensitivities: pipeline.Sensitivities}, opts...)
}

type planData struct {
	P                       *pipeline.Priority
	Plan                    pipeline.Plan
	Version                 int
	Unsaved, Stale          bool
	SupportTypes, Countries []string
}

func (a *App) planView(p *pipeline.Priority, plan pipeline.Plan, v int) planData {
	countries := append([]string{}, p.Countries...)
	for _, c := range pipeline.Lists.CountryCodes() {
		if !containsString(p.Countries, c) {
			countries = append(countries, c)
		}
	}
	shown := plan
	shown.Actions = append([]pipeline.Action(nil), plan.Actions...)
	for i := range shown.Actions {
		if len(shown.Actions[i].Indicators) == 0 {
			shown.Actions[i].Indicators = []pipeline.Indicator{{}}
		}
	}
	return planData{P: p, Plan: shown, Version: v, SupportTypes: pipeline.Lists.SupportTypes, Countries: countries}
}

// planPage opens the plan editor on the current draft (or a first empty
// action when there is none).
func (a *App) planPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	p, err := a.d.Service.Priority(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	if !canEditPlan(actor, p) {
		a.fail(w, r, &actor, http.StatusConflict, "error.not_editable")
		return
	}
	plan := pipeline.Plan{GenderMarker: 1}
	if p.Plan != nil {
		plan = *p.Plan
	}
	if len(plan.Actions) == 0 {
		_, _ = planOp(&plan, "add_action")
	}
	a.render(w, r, &actor, http.StatusOK, "plan", "plan.title", a.planView(p, plan, p.Version), withNotice(noticeOf(r)))
}

// plan handles every button of the plan editor: adding or removing a row
// re-renders the form (nothing is saved); save replaces the draft; submit
// saves it and submits it for validation.
func (a *App) plan(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if !a.readForm(w, r, &actor) {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	p, err := a.d.Service.Priority(ctx, actor, id)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	plan, ps := planForm(r.PostForm)
	v := version(r)
	op := r.PostForm.Get("op")
	if row, err := planOp(&plan, op); row {
		if err != nil {
			a.fail(w, r, &actor, http.StatusBadRequest, "error.bad_form")
			return
		}
		d := a.planView(p, plan, v)
		d.Unsaved = true
		a.render(w, r, &actor, http.StatusOK, "plan", "plan.title", d)
		return
	}
	if len(ps) == 0 {
		var saved *pipeline.Priority
		saved, err = a.d.Service.Act(ctx, actor, id, v, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan})
		if err == nil && op == "submit" {
			_, err = a.d.Service.Act(ctx, actor, id, saved.Version, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.SubmitPlan}})
			if err != nil {
				v = saved.Version // the draft is saved; only the submission was refused
			}
		}
		if err == nil {
			if op == "submit" {
				redirect(w, r, "/priorities/"+id, "notice.plan_submitted")
			} else {
				redirect(w, r, "/priorities/"+id+"/plan", "notice.plan_saved")
			}
			return
		}
		var kind pipeline.Kind
		kind, ps = kindOf(err)
		if kind != pipeline.KindInvalid && kind != pipeline.KindStale {
			a.refusal(w, r, actor, err)
			return
		}
		for i := range ps {
			ps[i].Field = strings.TrimPrefix(ps[i].Field, "plan.")
		}
		if kind == pipeline.KindStale {
			d := a.planView(p, plan, p.Version)
			d.Stale = true
			a.render(w, r, &actor, http.StatusPreconditionFailed, "plan", "plan.title", d)
			return
		}
	}
	a.render(w, r, &actor, http.StatusUnprocessableEntity, "plan", "plan.title", a.planView(p, plan, v), withProblems(ps))
}

// dashboard is the managers' pipeline overview with its two charts.
func (a *App) dashboard(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	q := r.URL.Query()
	f := store.DashboardFilter{Theme: q.Get("theme"), Country: q.Get("country"), SessionID: q.Get("session_id")}
	// A filter the service's rule refuses is shown with its problems, over
	// the unfiltered dashboard.
	ps := service.CheckDashboardFilter(f)
	if len(ps) > 0 {
		f = store.DashboardFilter{}
	}
	ctx := r.Context()
	d, err := a.d.Service.Pipeline(ctx, actor, f, time.Now())
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	sessions, _, err := a.d.Service.Sessions(ctx, actor, store.Page{Limit: 50})
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	var open, overdue, approved int
	for _, s := range d.Stages {
		if s.Stage.Open() {
			open += s.Count
		}
		overdue += s.Overdue
		if s.Stage == pipeline.Approved {
			approved = s.Count
		}
	}
	l := a.cat.pick(r)
	status := http.StatusOK
	if len(ps) > 0 {
		status = http.StatusUnprocessableEntity
	}
	a.render(w, r, &actor, status, "dashboard", "dash.title", struct {
		D                       *store.Dashboard
		F                       store.DashboardFilter
		Open, Overdue, Approved int
		Funnel, Weekly          template.HTML
		Themes, Countries       []string
		Sessions                []pipeline.Session
	}{d, f, open, overdue, approved, funnelChart(l, d), weeklyChart(l, d.ApprovalsPerWeek),
		pipeline.Lists.ThemeCodes(), pipeline.Lists.CountryCodes(), sessions}, withProblems(ps))
}

type sessionsData struct {
	Items            []pipeline.Session
	Next             string
	In               pipeline.SessionInput
	Kinds, Countries []string
}

func (a *App) sessions(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	a.sessionsPage(w, r, actor, http.StatusOK, pipeline.SessionInput{Kind: pipeline.SessionKinds[0]}, nil)
}

func (a *App) sessionsPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, in pipeline.SessionInput, ps pipeline.Problems) {
	items, next, err := a.d.Service.Sessions(r.Context(), actor, store.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil && !errors.Is(err, store.ErrBadCursor) {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, status, "sessions", "sessions.title", sessionsData{Items: items, Next: next, In: in,
		Kinds: pipeline.SessionKinds, Countries: pipeline.Lists.CountryCodes()}, withProblems(ps), withNotice(noticeOf(r)))
}

func (a *App) createSession(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if !a.readForm(w, r, &actor) {
		return
	}
	in := sessionForm(r)
	s, err := a.d.Service.CreateSession(r.Context(), actor, in)
	if err == nil {
		redirect(w, r, "/sessions/"+s.ID, "notice.session_created")
		return
	}
	kind, ps := kindOf(err)
	if kind != pipeline.KindInvalid {
		a.refusal(w, r, actor, err)
		return
	}
	a.sessionsPage(w, r, actor, http.StatusUnprocessableEntity, in, ps)
}

type stageCount struct {
	Stage pipeline.Stage
	N     int
}

// triageResult is what one decision of a batch triage came to.
type triageResult struct {
	ID, Ref  string
	Decision pipeline.Decision
	OK       bool
	Error    string
	Problems pipeline.Problems
}

type sessionData struct {
	S           pipeline.Session
	Counts      []stageCount
	Done, Total int
	Items       []*pipeline.Priority
	Next        string
	Triage      []*pipeline.Priority
	Themes      []string
	Results     []triageResult
}

func (a *App) session(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	a.sessionPage(w, r, actor, http.StatusOK, nil)
}

// sessionPage is a dialogue session with its priorities' progress and, for
// managers, the batch triage of its new priorities.
func (a *App) sessionPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, results []triageResult) {
	ctx := r.Context()
	sv, err := a.d.Service.Session(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	s, counts := sv.Session, sv.Priorities
	d := sessionData{S: s, Themes: pipeline.Lists.ThemeCodes(), Results: results}
	for _, st := range pipeline.Stages {
		d.Counts = append(d.Counts, stageCount{st, counts[st]})
		d.Total += counts[st]
		if !st.Open() {
			d.Done += counts[st]
		}
	}
	if d.Items, d.Next, err = a.d.Service.Priorities(ctx, actor, store.Filter{SessionID: s.ID}, store.Page{Limit: 100}); err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	if actor.Role == pipeline.Manager {
		if d.Triage, _, err = a.d.Service.Priorities(ctx, actor, store.Filter{SessionID: s.ID, Stage: pipeline.Triage}, store.Page{Limit: 100}); err != nil {
			a.refusal(w, r, actor, err)
			return
		}
	}
	a.render(w, r, &actor, status, "session", "session.title", d, withTitle(s.Title), withNotice(noticeOf(r)))
}

// triage takes the decisions picked for several of the path's session's new
// priorities. The session is looked up first (a session the path does not
// name, or the caller may not see, is 404 before anything is decided), and
// a priority of another session is not decided from this one's page. Each
// decision goes through the service, judged on its own; the page then lists
// what each came to.
func (a *App) triage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	ctx := r.Context()
	sv, err := a.d.Service.Session(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	if !a.readForm(w, r, &actor) {
		return
	}
	f := r.PostForm
	var results []triageResult
	for _, id := range f["id"] {
		dec := pipeline.Decision(f.Get("decision-" + id))
		if dec == "" {
			continue
		}
		res := triageResult{ID: id, Ref: id, Decision: dec}
		p, err := a.d.Service.Priority(ctx, actor, id)
		if err == nil && p.SessionID != sv.ID {
			err = pipeline.Errorf(pipeline.KindNotFound, "priority %s is not of session %s", id, sv.ID)
		}
		if err == nil {
			res.Ref = p.Ref
			in := pipeline.DecisionInput{Decision: dec}
			if dec == pipeline.Reject {
				in.Reason = f.Get("reason-" + id)
			} else {
				in.Theme = f.Get("theme-" + id)
			}
			v := 0
			if n, err := parseInt(f.Get("version-" + id)); err == nil {
				v = n
			}
			_, err = a.d.Service.Act(ctx, actor, id, v, pipeline.Act{DecisionInput: in})
		}
		if err == nil {
			res.OK = true
		} else {
			kind, ps := kindOf(err)
			k, ok := errorKinds[kind]
			if !ok {
				a.serverError(w, r, &actor, err)
				return
			}
			res.Error, res.Problems = k.msg, ps
		}
		results = append(results, res)
	}
	if len(results) == 0 {
		results = append(results, triageResult{Error: "triage.none"})
	}
	a.sessionPage(w, r, actor, http.StatusOK, results)
}

// exportCSV streams the list's priorities as CSV, filtered like the list,
// written as the API writes it.
func (a *App) exportCSV(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	f := filterQuery(r.URL.Query())
	var c *export.CSV
	start := func() error {
		if c != nil {
			return nil
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="priorities-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
		c = export.NewCSV(w)
		return c.Header()
	}
	err := a.d.Service.ExportPriorities(r.Context(), actor, f, func(p *pipeline.Priority) error {
		if err := start(); err != nil {
			return err
		}
		return c.Write(p)
	})
	if err == nil {
		err = start()
	}
	switch {
	case err != nil && c == nil:
		a.refusal(w, r, actor, err)
	case err != nil:
		a.d.Logger.ErrorContext(r.Context(), "web csv export", "error", err) // the body is cut short
	default:
		if err := c.Flush(); err != nil {
			a.d.Logger.ErrorContext(r.Context(), "web csv export", "error", err)
		}
	}
}

// exportIATI serves what Puente publishes — the approved public plans — as
// IATI 2.03 XML.
func (a *App) exportIATI(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	var x *export.IATIWriter
	err := a.d.Service.PublishedPriorities(r.Context(), actor, store.Filter{}, func(p *pipeline.Priority) error {
		if x == nil {
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="puente-iati-`+time.Now().UTC().Format("2006-01-02")+`.xml"`)
			x = export.NewIATI(w, export.IATIOptions{})
		}
		return x.Write(export.Activity{Priority: p, ApprovedAt: p.StageEnteredAt})
	})
	switch {
	case x == nil && err != nil:
		a.refusal(w, r, actor, err)
	case x == nil:
		a.fail(w, r, &actor, http.StatusNotFound, "error.nothing_published")
	case err != nil:
		a.d.Logger.ErrorContext(r.Context(), "web iati export", "error", err)
	default:
		if err := x.Close(); err != nil {
			a.d.Logger.ErrorContext(r.Context(), "web iati export", "error", err)
		}
	}
}
