package web

import (
	"net/http"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

type planData struct {
	P                       *pipeline.Priority
	Plan                    pipeline.Plan
	Version                 int
	Unsaved, Stale          bool
	SupportTypes, Countries []string
	Partners, EUAgencies    []string
}

// planView shows plan in the editor, with a blank indicator row under
// every action to type into, the priority's countries first.
func planView(p *pipeline.Priority, plan pipeline.Plan, v int) planData {
	shown := plan
	shown.Actions = append([]pipeline.Action(nil), plan.Actions...)
	for i := range shown.Actions {
		if len(shown.Actions[i].Indicators) == 0 {
			shown.Actions[i].Indicators = []pipeline.Indicator{{}}
		}
	}
	return planData{P: p, Plan: shown, Version: v, SupportTypes: pipeline.Lists.SupportTypes,
		Countries: service.CountriesFirst(p.Countries), Partners: pipeline.PartnerCodes(), EUAgencies: pipeline.EUAgencyCodes()}
}

// planPage opens the plan editor on the current draft (or a first empty
// action when there is none).
func (a *App) planPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	p, err := a.d.Service.Priority(r.Context(), actor, r.PathValue("id"))
	switch {
	case err != nil:
		a.refusal(w, r, actor, err)
		return
	case !pipeline.Allowed(actor, p, pipeline.DraftPlan):
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
	a.render(w, r, &actor, http.StatusOK, "plan", "plan.title", planView(p, plan, p.Version), withNotice(noticeOf(r)))
}

// plan handles every button of the plan editor: adding or removing a row
// re-renders the form (nothing is saved); save replaces the draft; submit
// saves it and submits it for validation.
func (a *App) plan(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	p, err := a.d.Service.Priority(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	plan, ps := planForm(r.PostForm)
	v, op := version(r), r.PostForm.Get("op")
	row, err := planOp(&plan, op)
	switch {
	case row && err != nil:
		a.fail(w, r, &actor, http.StatusBadRequest, "error.bad_form")
	case row:
		d := planView(p, plan, v)
		d.Unsaved = true
		a.render(w, r, &actor, http.StatusOK, "plan", "plan.title", d)
	case len(ps) > 0:
		a.render(w, r, &actor, http.StatusUnprocessableEntity, "plan", "plan.title", planView(p, plan, v), withProblems(ps))
	default:
		a.savePlan(w, r, actor, p, plan, v, op == "submit")
	}
}

// savePlan replaces p's draft with plan at version v and, if submit,
// submits it. A refusal shows the editor again: stale, or with the fields
// at fault, at the saved draft's version when only the submission was
// refused.
func (a *App) savePlan(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, p *pipeline.Priority, plan pipeline.Plan, v int, submit bool) {
	ctx := r.Context()
	saved, err := a.d.Service.Act(ctx, actor, p.ID, v, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan})
	switch {
	case err == nil && !submit:
		redirect(w, r, "/priorities/"+p.ID+"/plan", "notice.plan_saved")
		return
	case err == nil:
		v = saved.Version
		if _, err = a.d.Service.Act(ctx, actor, p.ID, v, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.SubmitPlan}}); err == nil {
			redirect(w, r, "/priorities/"+p.ID, "notice.plan_submitted")
			return
		}
	}
	kind, ps, err := a.problems(w, r, actor, err, pipeline.KindInvalid, pipeline.KindStale)
	switch {
	case err != nil:
	case kind == pipeline.KindStale:
		d := planView(p, plan, p.Version)
		d.Stale = true
		a.render(w, r, &actor, http.StatusPreconditionFailed, "plan", "plan.title", d)
	default:
		a.render(w, r, &actor, http.StatusUnprocessableEntity, "plan", "plan.title", planView(p, plan, v), withProblems(trimFields(ps, "plan.")))
	}
}
