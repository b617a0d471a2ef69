package web

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

type deliveryData struct {
	D *store.DeliveryDashboard
	F store.DeliveryFilter
	// Partner is the implementer's partner; empty for a manager.
	Partner                              string
	Partners, Countries, Pillars, Themes []string
	Stages, Budgets, Participants        template.HTML
	IndicatorShare                       string
	Breakdowns                           []breakdown
}

// breakdown is one table of the dashboard: the figures by one dimension.
type breakdown struct {
	ID, Heading, Column, Dim string
	Rows                     []store.DeliveryFigures
}

// delivery is the delivery dashboard of managers and implementers (their
// partner's actions only, by the service's scope). A filter the service's
// rule refuses is shown with its problems, over the unfiltered dashboard.
func (a *App) delivery(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	f, ps := service.ReadDeliveryFilter(r.URL.Query())
	if len(ps) > 0 {
		f = store.DeliveryFilter{}
	}
	d, err := a.d.Service.DeliveryDashboard(r.Context(), actor, f)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	l := pickLocale(r)
	data := deliveryData{D: d, F: f, Partners: service.PartnerCodes(), Countries: pipeline.Lists.CountryCodes(),
		Pillars: pipeline.Lists.Pillars, Themes: pipeline.Lists.ThemeCodes(),
		Stages: deliveryStagesChart(l, d), Budgets: budgetChart(l, d.ByPartner), Participants: participantsChart(l, d.Totals),
		IndicatorShare: share(l, d.Totals.IndicatorsMet, d.Totals.Indicators),
		Breakdowns: []breakdown{
			{"by-partner", "dview.by_partner", "dview.partner", "partner", d.ByPartner},
			{"by-country", "dview.by_country", "field.country", "country", d.ByCountry},
			{"by-pillar", "dview.by_pillar", "field.pillar", "pillar", d.ByPillar},
			{"by-theme", "dview.by_theme", "field.theme", "theme", d.ByTheme},
		}}
	if actor.Role == pipeline.Implementer {
		data.Partner = actor.Partner
	}
	a.render(w, r, &actor, statusOf(ps), "delivery", "dview.title", data, withProblems(ps))
}

// share is met out of total as a whole percentage, "–" when there is none.
func share(l *i18n.Locale, met, total int) string {
	if total == 0 {
		return "–"
	}
	return l.T("dview.percent", "N", l.Num(int(math.Round(100*float64(met)/float64(total)))))
}

// deliveryStagesChart draws the actions per delivery stage.
func deliveryStagesChart(l *i18n.Locale, d *store.DeliveryDashboard) template.HTML {
	rows := make([]barRow, len(d.Stages))
	for i, s := range d.Stages {
		rows[i] = barRow{Label: l.T("dview.stage." + string(s.Stage)),
			Bars: []bar{{Value: float64(s.Count), Text: l.Num(s.Count), Class: "bar-d-" + string(s.Stage)}}}
	}
	return hbarChart("dstages", l.T("dview.by_stage"), rows, false)
}

// budgetChart draws, per partner, the approved budget and the actual cost
// of its reported actions.
func budgetChart(l *i18n.Locale, partners []store.DeliveryFigures) template.HTML {
	rows := make([]barRow, len(partners))
	for i, p := range partners {
		rows[i] = barRow{Label: shortPartner(l, p.Key), Bars: []bar{
			{Value: float64(p.ReportedBudget.Cents()), Text: l.T("dview.chart_budget", "Amount", l.Money(p.ReportedBudget)), Class: "bar-budget"},
			{Value: float64(p.ActualCost.Cents()), Text: l.T("dview.chart_actual", "Amount", l.Money(p.ActualCost)), Class: "bar-actual"},
		}}
	}
	return hbarChart("dbudget", l.T("dview.budget_chart"), rows, false)
}

// shortPartner is a partner's name without what its parentheses explain:
// "FIIAPP", not the foundation's full name.
func shortPartner(l *i18n.Locale, code string) string {
	name, _, _ := strings.Cut(l.Partner(code), " (")
	return name
}

// participantsChart draws the reported participants by sex.
func participantsChart(l *i18n.Locale, t store.DeliveryFigures) template.HTML {
	rows := []barRow{
		{Label: l.T("dview.women"), Bars: []bar{{Value: float64(t.ParticipantsWomen), Text: l.Num(t.ParticipantsWomen), Class: "bar-women"}}},
		{Label: l.T("dview.men"), Bars: []bar{{Value: float64(t.ParticipantsMen), Text: l.Num(t.ParticipantsMen), Class: "bar-men"}}},
		{Label: l.T("dview.other"), Bars: []bar{{Value: float64(t.ParticipantsOther), Text: l.Num(t.ParticipantsOther), Class: "bar-other"}}},
	}
	return hbarChart("dpeople", l.T("dview.participants_chart"), rows, false)
}

// implementerHome is an implementer's home page: what waits for them.
func (a *App) implementerHome(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	items, err := a.d.Service.DeliveryInbox(r.Context(), actor, time.Now())
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.render(w, r, &actor, http.StatusOK, "inbox", "home.title", struct {
		Items   []store.DeliveryTask
		Partner string
	}{items, actor.Partner}, withNotice(noticeOf(r)))
}

// requestBase is where the request reached Puente, for the calendar's
// address: the same host, over TLS when the request came over it or
// through a proxy that says so.
func requestBase(r *http.Request) *url.URL {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host}
}

// newCalendar gives the person a new calendar address, shown this once.
func (a *App) newCalendar(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	token, err := a.d.Service.NewCalendar(r.Context(), actor)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	u := requestBase(r).JoinPath("calendar", token+".ics")
	a.preferencesPage(w, r, actor, http.StatusOK, nil, nil, nil, prefsMore{CalendarURL: u.String()})
}

// revokeCalendar ends the person's calendar address at once.
func (a *App) revokeCalendar(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	err := a.d.Service.RevokeCalendar(r.Context(), actor)
	if err != nil && pipeline.KindOfError(err) != pipeline.KindNotFound {
		a.refusal(w, r, actor, err)
		return
	}
	redirect(w, r, "/preferences", "notice.calendar_revoked")
}
