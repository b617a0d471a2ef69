package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// annualPlanData is the annual plan page: the form's values, the sessions
// it offers, and the plan once the query is valid.
type annualPlanData struct {
	Year     string
	Session  string
	Sessions []pipeline.Session
	Plan     *pipeline.AnnualPlan
	// SessionTitle names the chosen session, XLSX links to the workbook.
	SessionTitle, XLSX string
}

// planSessions is how many sessions, latest first, the form offers; an
// older one is still reached by its id in the address (the session page
// links to it).
const planSessions = 200

// annualPlan is the annual action plan of a year, this year's when none is
// asked for: a printable document (the print stylesheet leaves the
// navigation and the form out and starts each country on a new page).
func (a *App) annualPlan(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	v := r.URL.Query()
	if !v.Has("year") {
		v.Set("year", strconv.Itoa(a.d.Now().Year()))
	}
	d := annualPlanData{Year: v.Get("year"), Session: v.Get("session")}
	sessions, _, err := a.d.Service.Sessions(r.Context(), actor, store.Page{Limit: planSessions})
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	d.Sessions = sessions
	q, ps := service.ReadAnnualPlanQuery(v)
	if len(ps) == 0 {
		d.Plan, err = a.d.Service.AnnualPlan(r.Context(), actor, q)
		if err != nil {
			a.refusal(w, r, actor, err)
			return
		}
		d.XLSX = "/annual-plan.xlsx?" + v.Encode()
		for _, s := range sessions {
			if s.ID == q.SessionID {
				d.SessionTitle = s.Title
			}
		}
	}
	a.render(w, r, &actor, statusOf(ps), "annualplan", "annual.title", d, withProblems(ps), withYear(d.Plan))
}

// withYear titles the page with the plan's year.
func withYear(p *pipeline.AnnualPlan) func(*page) {
	return func(pg *page) {
		if p != nil {
			pg.Title = pg.T("annual.title_year", "Year", p.Year)
		}
	}
}

// annualPlanXLSX is the annual plan as an XLSX workbook in the page's
// language.
func (a *App) annualPlanXLSX(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	q, ps := service.ReadAnnualPlanQuery(r.URL.Query())
	if len(ps) > 0 {
		a.refusal(w, r, actor, pipeline.Invalid("the query is not valid", ps))
		return
	}
	if err := a.d.Service.AnnualPlanXLSX(r.Context(), actor, q, pickLocale(r), w); err != nil {
		a.refusal(w, r, actor, err)
	}
}

// sessionOutcomeData is a session's outcome page.
type sessionOutcomeData struct {
	O      *pipeline.SessionOutcome
	Counts []stageCount
	XLSX   string
}

// sessionOutcome is what became of every priority of a dialogue session:
// printable like the annual plan.
func (a *App) sessionOutcome(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	o, err := a.d.Service.SessionOutcome(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	d := sessionOutcomeData{O: o, XLSX: "/sessions/" + url.PathEscape(o.Session.ID) + "/outcome.xlsx"}
	for _, st := range pipeline.Stages {
		if n := o.ByStage[st]; n > 0 {
			d.Counts = append(d.Counts, stageCount{st, n})
		}
	}
	a.render(w, r, &actor, http.StatusOK, "outcome", "annual.outcome.title", d, withOutcomeTitle(o.Session.Title))
}

func withOutcomeTitle(session string) func(*page) {
	return func(pg *page) { pg.Title = pg.T("annual.outcome.title_session", "Session", session) }
}

// sessionOutcomeXLSX is a session's outcome as an XLSX workbook.
func (a *App) sessionOutcomeXLSX(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if err := a.d.Service.SessionOutcomeXLSX(r.Context(), actor, r.PathValue("id"), pickLocale(r), w); err != nil {
		a.refusal(w, r, actor, err)
	}
}

// Indicators describes an action's indicators in the page's language.
func (p *page) Indicators(a pipeline.PlannedAction) []string { return export.Indicators(p.Locale, a) }

// DeliveryStatus says where an action's delivery stands.
func (p *page) DeliveryStatus(a pipeline.PlannedAction) string {
	return export.DeliveryStatus(p.Locale, a)
}

// PartnerName names an implementing partner, or says there is none.
func (p *page) PartnerName(code string) string { return export.PartnerName(p.Locale, code) }
