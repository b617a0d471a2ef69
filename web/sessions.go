package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

type sessionsData struct {
	Items            []pipeline.Session
	Next             string
	In               pipeline.SessionInput
	Kinds, Countries []string
}

func (a *App) sessions(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	a.sessionsPage(w, r, actor, http.StatusOK, pipeline.SessionInput{Kind: pipeline.SessionKinds[0]}, nil)
}

// sessionsPage lists the dialogue sessions, with the form to create one.
func (a *App) sessionsPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, in pipeline.SessionInput, ps pipeline.Problems) {
	items, next, err := a.d.Service.Sessions(r.Context(), actor, pageOf(r, 50))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, status, "sessions", "sessions.title", sessionsData{Items: items, Next: next, In: in,
		Kinds: pipeline.SessionKinds, Countries: pipeline.Lists.CountryCodes()}, withProblems(ps), withNotice(noticeOf(r)))
}

func (a *App) createSession(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	in := sessionForm(r)
	s, err := a.d.Service.CreateSession(r.Context(), actor, in)
	if err == nil {
		redirect(w, r, "/sessions/"+s.ID, "notice.session_created")
		return
	}
	if _, ps, err := a.problems(w, r, actor, err, pipeline.KindInvalid); err == nil {
		a.sessionsPage(w, r, actor, http.StatusUnprocessableEntity, in, ps)
	}
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
	a.sessionPage(w, r, actor, nil)
}

// sessionPage is a dialogue session with its priorities' progress and, for
// those who triage, the batch triage of its new priorities.
func (a *App) sessionPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, results []triageResult) {
	ctx := r.Context()
	sv, err := a.d.Service.Session(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	d := sessionData{S: sv.Session, Themes: pipeline.Lists.ThemeCodes(), Results: results}
	for _, st := range pipeline.Stages {
		n := sv.Priorities[st]
		d.Counts, d.Total = append(d.Counts, stageCount{st, n}), d.Total+n
		if !st.Open() {
			d.Done += n
		}
	}
	d.Items, d.Next, err = a.d.Service.Priorities(ctx, actor, store.Filter{SessionID: sv.ID}, store.Page{Limit: 100})
	if err == nil && actor.May(pipeline.AssignExperts) {
		d.Triage, _, err = a.d.Service.Priorities(ctx, actor, store.Filter{SessionID: sv.ID, Stage: pipeline.Triage}, store.Page{Limit: 100})
	}
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, http.StatusOK, "session", "session.title", d, withTitle(sv.Title), withNotice(noticeOf(r)))
}

// triage takes the decisions picked for several of the path's session's new
// priorities. The session is looked up first (a session the path does not
// name, or the caller may not see, is 404 before anything is decided). Each
// decision goes through the service, judged on its own; the page then lists
// what each came to.
func (a *App) triage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	sv, err := a.d.Service.Session(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	var results []triageResult
	for _, id := range r.PostForm["id"] {
		if dec := pipeline.Decision(r.PostForm.Get("decision-" + id)); dec != "" {
			res := triageResult{ID: id, Ref: id, Decision: dec}
			err = a.triageOne(r.Context(), actor, sv.ID, r.PostForm, &res)
			kind, ps := kindOf(err)
			k, known := errorKinds[kind]
			if err != nil && !known {
				a.serverError(w, r, &actor, err)
				return
			}
			res.OK, res.Error, res.Problems = err == nil, k.msg, ps
			results = append(results, res)
		}
	}
	if len(results) == 0 {
		results = append(results, triageResult{Error: "triage.none"})
	}
	a.sessionPage(w, r, actor, results)
}

// triageOne takes res's decision on its priority, which must be of the
// session: a priority of another session is not decided from this one's page.
func (a *App) triageOne(ctx context.Context, actor pipeline.Actor, session string, f url.Values, res *triageResult) error {
	p, err := a.d.Service.Priority(ctx, actor, res.ID)
	if err == nil && p.SessionID != session {
		err = pipeline.Errorf(pipeline.KindNotFound, "priority %s is not of session %s", res.ID, session)
	}
	if err != nil {
		return err
	}
	res.Ref = p.Ref
	in := pipeline.DecisionInput{Decision: res.Decision, Theme: f.Get("theme-" + res.ID)}
	if res.Decision == pipeline.Reject {
		in = pipeline.DecisionInput{Decision: res.Decision, Reason: f.Get("reason-" + res.ID)}
	}
	v, _ := strconv.Atoi(f.Get("version-" + res.ID))
	_, err = a.d.Service.Act(ctx, actor, res.ID, v, pipeline.Act{DecisionInput: in})
	return err
}
