package web

import (
	"context"
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// home is everyone's start page: what waits for the caller now, soonest due
// first (overdue ones are due soonest and marked), and for focal points
// their countries' latest priorities.
func (a *App) home(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if actor.Role == pipeline.Implementer {
		a.implementerHome(w, r, actor)
		return
	}
	ctx := r.Context()
	tasks, next, err := a.d.Service.Tasks(ctx, actor, pageOf(r, 50))
	var mine []*pipeline.Priority
	if err == nil && actor.Role == pipeline.FocalPoint {
		mine, _, err = a.d.Service.Priorities(ctx, actor, store.Filter{}, store.Page{Limit: 20})
	}
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	items := make([]*pipeline.Priority, len(tasks))
	behalf := map[string]string{} // priority id → the absent person it waits for
	for i, t := range tasks {
		items[i] = t.Priority
		if t.OnBehalfOf != nil {
			behalf[t.ID] = t.OnBehalfOf.Name
		}
	}
	a.render(w, r, &actor, http.StatusOK, "home", "home.title", struct {
		Tasks, Mine []*pipeline.Priority
		Behalf      map[string]string
		Next        string
	}{items, mine, behalf, next}, withNotice(noticeOf(r)))
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

// list is the filtered list of priorities the caller may see: a filter the
// service's rule refuses is shown with its problems, over no priorities.
func (a *App) list(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	q := r.URL.Query()
	f, ps := service.ReadFilter(q)
	var items []*pipeline.Priority
	var next string
	if len(ps) == 0 {
		var err error
		items, next, err = a.d.Service.Priorities(r.Context(), actor, f, pageOf(r, 50))
		if _, ps, err = a.problems(w, r, actor, err, pipeline.KindInvalid); err != nil {
			return
		}
	}
	keep := url.Values{}
	for _, k := range service.FilterParams {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	a.render(w, r, &actor, statusOf(ps), "list", "list.title", listData{
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

// newPriority shows the submission form. Its idempotency key makes a
// double-clicked or re-sent form one priority, never two.
func (a *App) newPriority(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	s := pipeline.Submission{Countries: actor.Countries, Sensitivity: pipeline.Public, Urgency: "medium",
		SessionID: r.URL.Query().Get("session_id")}
	a.submitForm(w, r, actor, http.StatusOK, s, "web-"+rand.Text(), nil)
}

// submit submits a priority through the service.
func (a *App) submit(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	in, key := submissionForm(r), r.PostForm.Get("idempotency_key")
	p, err := a.d.Service.Submit(r.Context(), actor, in, key)
	if err == nil {
		redirect(w, r, "/priorities/"+p.ID, "notice.submitted")
		return
	}
	kind, ps, err := a.problems(w, r, actor, err, pipeline.KindInvalid, pipeline.KindForbidden)
	if err != nil {
		return
	}
	if kind == pipeline.KindForbidden {
		ps = pipeline.Problems{pipeline.Problem("countries", pipeline.OwnCountry)}
	}
	a.submitForm(w, r, actor, http.StatusUnprocessableEntity, in, key, ps)
}

// submitForm shows the submission form with s, the focal point's own
// countries first: they are what it submits for.
func (a *App) submitForm(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, s pipeline.Submission, key string, ps pipeline.Problems) {
	sessions, _, err := a.d.Service.Sessions(r.Context(), actor, store.Page{Limit: 50})
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, status, "new", "submit.title", submitData{S: s, Key: key, Sessions: sessions,
		Themes: pipeline.Lists.ThemeCodes(), Pillars: pipeline.Lists.Pillars, Countries: service.CountriesFirst(actor.Countries),
		Urgencies: pipeline.Urgencies, Sensitivities: pipeline.Sensitivities}, withProblems(ps))
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
	Thread               threadView
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
	Documents            []documentView
	CanAttach            bool
	Upload               documentForm
}

// priorityPage gathers a priority's page: the caller must see it (the
// service answers not found otherwise), and the buttons are exactly the
// engine's allowed decisions for the caller.
func (a *App) priorityPage(ctx context.Context, actor pipeline.Actor, id string) (*priorityData, error) {
	p, err := a.d.Service.Priority(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &priorityData{P: p, Themes: pipeline.Lists.ThemeCodes(),
		CanEdit: pipeline.Allowed(actor, p, pipeline.Edit), CanEditPlan: pipeline.Allowed(actor, p, pipeline.DraftPlan),
		CanAttach: pipeline.Allowed(actor, p, pipeline.AttachDocument), Upload: newDocumentForm("", "")}
	if d.Events, err = a.d.Service.Events(ctx, actor, id); err != nil {
		return nil, err
	}
	d.Thread = threadView{CanComment: pipeline.Allowed(actor, p, pipeline.PostComment), Closed: !p.Stage.Open(), Me: actor.ID}
	if d.Thread.Comments, err = a.d.Service.Thread(ctx, actor, id); err != nil {
		return nil, err
	}
	docs, err := a.d.Service.Documents(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d.Documents = documentViews(docs)
	if d.Decisions, err = a.decisionViews(ctx, actor, p); err != nil {
		return nil, err
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

// decisionViews are the caller's allowed decisions on p, each with the
// fields the transition table requires of it.
func (a *App) decisionViews(ctx context.Context, actor pipeline.Actor, p *pipeline.Priority) ([]decisionView, error) {
	var out []decisionView
	for _, dec := range pipeline.AllowedDecisions(actor, p) {
		v := decisionView{Decision: dec, ID: "d-" + string(dec), Theme: dec == pipeline.Accept,
			Expert: dec == pipeline.Accept || dec == pipeline.Reassign, Danger: dec == pipeline.Reject || dec == pipeline.Withdraw}
		t, _ := pipeline.Lookup(p.Stage, dec)
		v.Reason = slices.Contains(t.Requires, pipeline.FieldReason)
		v.CommentRequired = slices.Contains(t.Requires, pipeline.FieldComment)
		v.ExpertRequired = slices.Contains(t.Requires, pipeline.FieldExpertID)
		if v.Expert {
			theme := p.Theme
			if dec == pipeline.Accept {
				theme = ""
			}
			var err error
			if v.Experts, err = a.d.Service.Experts(ctx, actor, theme); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (a *App) priority(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	d, err := a.priorityPage(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, http.StatusOK, "priority", "priority.title", d, withNotice(noticeOf(r)), withTitle(d.P.Ref))
}

// decide takes one decision at the version the page showed.
func (a *App) decide(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id, in := r.PathValue("id"), decisionForm(r)
	_, err := a.d.Service.Act(r.Context(), actor, id, version(r), pipeline.Act{DecisionInput: in})
	if err != nil {
		a.decisionRefused(w, r, actor, id, in.Decision, err)
		return
	}
	redirect(w, r, "/priorities/"+id, "notice.decided")
}

// decisionRefused shows the priority page again after a refused decision:
// the current state, with the refusal explained — stale, or the fields at
// fault next to the decision's inputs.
func (a *App) decisionRefused(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, id string, dec pipeline.Decision, err error) {
	kind, ps := kindOf(err)
	k, known := errorKinds[kind]
	if !known || kind == pipeline.KindNotFound {
		a.refusal(w, r, actor, err)
		return
	}
	d, err := a.priorityPage(r.Context(), actor, id)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	switch kind {
	case pipeline.KindStale:
		d.Stale = true
	case pipeline.KindInvalid:
		d.Form = map[string]string{"comment": r.PostForm.Get("comment"), "reason": r.PostForm.Get("reason")}
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

func (a *App) editData(p *pipeline.Priority, v int, comment string) editData {
	return editData{P: p, Version: v, Comment: comment,
		Pillars: pipeline.Lists.Pillars, Urgencies: pipeline.Urgencies, Sensitivities: pipeline.Sensitivities}
}

func (a *App) editPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	p, err := a.d.Service.Priority(r.Context(), actor, r.PathValue("id"))
	switch {
	case err != nil:
		a.refusal(w, r, actor, err)
	case !pipeline.Allowed(actor, p, pipeline.Edit):
		a.fail(w, r, &actor, http.StatusConflict, "error.not_editable")
	default:
		a.render(w, r, &actor, http.StatusOK, "edit", "edit.title", a.editData(p, p.Version, ""))
	}
}

// edit saves a focal point's changes, or resubmits with them (one step). A
// stale form keeps the person's text at the current version: the next save
// overwrites knowingly.
func (a *App) edit(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id, ch, comment := r.PathValue("id"), changesForm(r), r.PostForm.Get("comment")
	in, notice := pipeline.DecisionInput{Decision: pipeline.Edit, Changes: &ch}, "notice.saved"
	if r.PostForm.Get("op") == "resubmit" {
		in, notice = pipeline.DecisionInput{Decision: pipeline.Resubmit, Comment: comment, Changes: &ch}, "notice.resubmitted"
	}
	_, err := a.d.Service.Act(r.Context(), actor, id, version(r), pipeline.Act{DecisionInput: in})
	if err == nil {
		redirect(w, r, "/priorities/"+id, notice)
		return
	}
	kind, ps, err := a.problems(w, r, actor, err, pipeline.KindInvalid, pipeline.KindStale)
	if err != nil {
		return
	}
	p, err := a.d.Service.Priority(r.Context(), actor, id)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	v, status, opts := version(r), http.StatusUnprocessableEntity, []func(*page){withProblems(trimFields(ps, "changes."))}
	if kind == pipeline.KindStale {
		v, status, opts = p.Version, http.StatusPreconditionFailed, append(opts, withNotice("priority.stale_text"))
	}
	ch.Apply(p)
	a.render(w, r, &actor, status, "edit", "edit.title", a.editData(p, v, comment), opts...)
}
