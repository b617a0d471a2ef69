package web

import (
	"html/template"
	"net/http"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

type dashboardData struct {
	D                       *store.Dashboard
	F                       store.DashboardFilter
	Open, Overdue, Approved int
	Funnel, Weekly          template.HTML
	Themes, Countries       []string
	Sessions                []pipeline.Session
}

// dashboard is the managers' pipeline overview with its two charts. A
// filter the service's rule refuses is shown with its problems, over the
// unfiltered dashboard.
func (a *App) dashboard(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	f, ps := service.ReadDashboardFilter(r.URL.Query())
	if len(ps) > 0 {
		f = store.DashboardFilter{}
	}
	d, err := a.d.Service.Pipeline(r.Context(), actor, f, time.Now())
	var sessions []pipeline.Session
	if err == nil {
		sessions, _, err = a.d.Service.Sessions(r.Context(), actor, store.Page{Limit: 50})
	}
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	data := dashboardData{D: d, F: f, Themes: pipeline.Lists.ThemeCodes(), Countries: pipeline.Lists.CountryCodes(), Sessions: sessions}
	for _, s := range d.Stages {
		if s.Stage.Open() {
			data.Open += s.Count
		}
		data.Overdue += s.Overdue
		if s.Stage == pipeline.Approved {
			data.Approved = s.Count
		}
	}
	l := pickLocale(r)
	data.Funnel, data.Weekly = funnelChart(l, d), weeklyChart(l, d.ApprovalsPerWeek)
	a.render(w, r, &actor, statusOf(ps), "dashboard", "dash.title", data, withProblems(ps))
}
