package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/uuid"

	"github.com/puente-dev/puente/internal/deliverytest"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// implementer adds an implementer of partner.
func implementer(t *testing.T, app *testenv.App, name, partner string) testenv.User {
	t.Helper()
	u := app.AddUser(t, pipeline.Actor{Name: name, Role: pipeline.Implementer})
	if err := deliverytest.Exec(context.Background(), app.DatabaseURL, `UPDATE users SET partner = $2 WHERE id = $1`, u.ID, partner); err != nil {
		t.Fatal(err)
	}
	u.Partner = partner
	return u
}

type deliveryBody struct {
	Totals struct {
		Actions        int     `json:"actions"`
		Overdue        int     `json:"overdue_reports"`
		Budget         float64 `json:"budget_eur"`
		ActualCost     float64 `json:"actual_cost_eur"`
		IndicatorsMet  int     `json:"indicators_met"`
		Indicators     int     `json:"indicators"`
		Women          int     `json:"participants_women"`
		Reported       int     `json:"reported"`
		ReportedBudget float64 `json:"reported_budget_eur"`
	} `json:"totals"`
	ByPartner []struct {
		Key     string `json:"key"`
		Actions int    `json:"actions"`
	} `json:"by_partner"`
}

// TestDeliveryDashboardOverTheAPI reads the dashboard of the deliverytest
// scenario as a manager and as each partner's implementer (their actions
// only, the restricted priority's included), refuses it to the other roles
// and refuses bad filters with their codes.
func TestDeliveryDashboardOverTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if _, err := deliverytest.Seed(context.Background(), b.app.Store, b.app.DatabaseURL); err != nil {
		t.Fatal(err)
	}
	fiiapp := implementer(t, b.app, "Lucía Gómez", "fiiapp")
	civipol := implementer(t, b.app, "Jean Moreau", "civipol")
	get := func(u testenv.User, query string) deliveryBody {
		t.Helper()
		var d deliveryBody
		b.app.Do(t, "GET", "/v1/delivery/dashboard"+query, u.Token, nil).JSON(t, &d)
		return d
	}
	m := get(b.manager, "")
	if got := fmt.Sprintf("%+v", m.Totals); got != "{Actions:8 Overdue:1 Budget:52000 ActualCost:23500.5 IndicatorsMet:2 Indicators:3 Women:15 Reported:2 ReportedBudget:25000}" {
		t.Errorf("manager's totals %s", got)
	}
	if got := fmt.Sprintf("%+v", get(b.manager, "?country=CO&pillar=police").Totals); got != "{Actions:5 Overdue:1 Budget:21000 ActualCost:5500 IndicatorsMet:1 Indicators:1 Women:3 Reported:1 ReportedBudget:5000}" {
		t.Errorf("manager's totals for Colombia's police %s", got)
	}
	if got := fmt.Sprintf("%+v", get(fiiapp, "").ByPartner); got != "[{Key:fiiapp Actions:2}]" {
		t.Errorf("fiiapp's partners %s", got)
	}
	if got := get(civipol, "").Totals.Actions; got != 6 {
		t.Errorf("civipol's actions %d, want 6 (the restricted priority's five among them)", got)
	}
	if got := get(fiiapp, "?partner=civipol").Totals.Actions; got != 0 {
		t.Errorf("fiiapp sees %d of civipol's actions", got)
	}
	for _, u := range []testenv.User{b.fpPE, b.expert} {
		if r := b.app.Do(t, "GET", "/v1/delivery/dashboard", u.Token, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s, want 403", u.Name, r.Status)
		}
	}
	for query, want := range map[string]string{
		"?partner=acme":          "partner:not_one_of",
		"?country=XX":            "country:not_one_of",
		"?pillar=army":           "pillar:not_one_of",
		"?theme=%00":             "theme:not_one_of",
		"?limit=5":               "limit:not_paginated",
		"?stage=closed":          "stage:unknown_parameter",
		"?partner=acme&pillar=x": "partner:not_one_of pillar:not_one_of",
	} {
		r := b.app.Do(t, "GET", "/v1/delivery/dashboard"+query, b.manager.Token, nil)
		var prob struct {
			Errors []pipeline.FieldError `json:"errors"`
		}
		r.Problem(t, &prob)
		var got []string
		for _, e := range prob.Errors {
			got = append(got, e.Field+":"+string(e.Code))
		}
		slices.Sort(got)
		if r.StatusCode != http.StatusUnprocessableEntity || strings.Join(got, " ") != want {
			t.Errorf("%s: %s %v, want 422 %s", query, r.Status, got, want)
		}
	}
}

// feed fetches a calendar URL's path without any credential.
func feed(t *testing.T, app *testenv.App, calURL string) (testenv.Response, *ical.Calendar) {
	t.Helper()
	u, err := url.Parse(calURL)
	if err != nil {
		t.Fatal(err)
	}
	r := app.Do(t, "GET", u.Path, "", nil)
	if r.StatusCode != http.StatusOK {
		return r, nil
	}
	cal, err := ical.NewDecoder(bytes.NewReader(r.Body)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, r.Body)
	}
	return r, cal
}

func newCalendar(t *testing.T, app *testenv.App, u testenv.User) string {
	t.Helper()
	var issued struct{ URL string }
	r := app.Do(t, "POST", "/v1/me/calendar", u.Token, nil)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create calendar: %s %s", r.Status, r.Body)
	}
	r.JSON(t, &issued)
	if !strings.HasPrefix(issued.URL, app.URL+"/calendar/ptc_") || !strings.HasSuffix(issued.URL, ".ics") {
		t.Fatalf("calendar URL %q", issued.URL)
	}
	return issued.URL
}

// TestCalendarFeed parses the feed back with go-ical: one all-day event per
// action in scope with its confirmed dates (else the planned ones), DTEND
// exclusive, its place, a description with the priority's ref and a link,
// a stable UID and STATUS CANCELLED for a cancelled action; a restricted
// priority's actions only for those who may see it. Then revocation: the
// old URL is 404 at once, as is a deactivated user's.
func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 1, 0)
	d := func(n int) string { return day.AddDate(0, 0, n).Format(time.DateOnly) }
	public := deliverytest.Priority("PE-2026-0042", "Lavado de activos", func(p *pipeline.Priority) { p.Countries = []string{"PE", "CO"} })
	restricted := deliverytest.Priority("CO-2026-0043", "Ciberdelito", func(p *pipeline.Priority) {
		p.Countries, p.Theme, p.Sensitivity, p.Assignee = []string{"CO"}, "joint_investigation_teams", pipeline.Restricted, b.expert.ID
	})
	err := deliverytest.Put(ctx, b.app.Store, b.app.DatabaseURL, public,
		deliverytest.Action{Index: 0, Title: "Taller de análisis financiero", Partner: "fiiapp", Countries: []string{"PE"},
			Stage: pipeline.Scheduled, Start: d(0), End: d(2), BudgetEUR: 1000},
		deliverytest.Action{Index: 1, Title: "Intercambio en La Haya", Partner: "fiiapp", Countries: []string{"PE"},
			Stage: pipeline.InProgress, Start: d(10), End: d(11), ConfirmedStart: d(12), ConfirmedEnd: d(14), Place: "La Haya, Eurojust",
			BudgetEUR: 1000},
		deliverytest.Action{Index: 2, Title: "Estudio anulado", Partner: "civipol", Countries: []string{"PE"},
			Stage: pipeline.Cancelled, Start: d(20), End: d(20), BudgetEUR: 1000})
	if err == nil {
		err = deliverytest.Put(ctx, b.app.Store, b.app.DatabaseURL, restricted,
			deliverytest.Action{Index: 0, Title: "Curso reservado", Partner: "civipol", Countries: []string{"CO"},
				Stage: pipeline.Scheduled, Start: d(5), End: d(6), BudgetEUR: 1000})
	}
	if err != nil {
		t.Fatal(err)
	}

	calURL := newCalendar(t, b.app, b.fpPE)
	r, cal := feed(t, b.app, calURL)
	if cal == nil {
		t.Fatalf("feed: %s %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	events := cal.Events()
	var got []string
	for _, ev := range events {
		uid, _ := ev.Props.Text(ical.PropUID)
		summary, _ := ev.Props.Text(ical.PropSummary)
		loc, _ := ev.Props.Text(ical.PropLocation)
		status, _ := ev.Status()
		start, end := ev.Props.Get(ical.PropDateTimeStart), ev.Props.Get(ical.PropDateTimeEnd)
		if start.ValueType() != ical.ValueDate || end.ValueType() != ical.ValueDate {
			t.Errorf("%s: DTSTART %s DTEND %s are not DATE values", uid, start.Value, end.Value)
		}
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%s", uid, summary, start.Value, end.Value, loc, status))
		desc, _ := ev.Props.Text(ical.PropDescription)
		if !strings.Contains(desc, "PE-2026-0042") || !strings.Contains(desc, b.app.URL+"/priorities/"+public.ID+"/actions/") {
			t.Errorf("%s: description without the ref and the link: %q", uid, desc)
		}
	}
	compact := func(s string) string { return strings.ReplaceAll(s, "-", "") }
	want := []string{
		fmt.Sprintf("action-%s-0@puente|Taller de análisis financiero|%s|%s||TENTATIVE", public.ID, compact(d(0)), compact(d(3))),
		fmt.Sprintf("action-%s-1@puente|Intercambio en La Haya|%s|%s|La Haya, Eurojust|CONFIRMED", public.ID, compact(d(12)), compact(d(15))),
		fmt.Sprintf("action-%s-2@puente|Estudio anulado|%s|%s||CANCELLED", public.ID, compact(d(20)), compact(d(21))),
	}
	if !slices.Equal(got, want) {
		t.Errorf("Peru's focal point's events:\n got %q\nwant %q", got, want)
	}

	// Scope: the restricted priority's action for its country's focal point
	// and its expert, not for the theme's other expert.
	count := func(u testenv.User) []string {
		t.Helper()
		_, cal := feed(t, b.app, newCalendar(t, b.app, u))
		var titles []string
		for _, ev := range cal.Events() {
			s, _ := ev.Props.Text(ical.PropSummary)
			titles = append(titles, s)
		}
		return titles
	}
	fpCO := b.app.AddUser(t, pipeline.Actor{Name: "Focal point of CO", Role: pipeline.FocalPoint, Countries: []string{"CO"}})
	for _, c := range []struct {
		u    testenv.User
		want string
	}{
		{fpCO, "[Taller de análisis financiero Curso reservado Intercambio en La Haya Estudio anulado]"},
		{b.expert, "[Curso reservado]"},
		{b.expert2, "[]"},
		{b.fpMX, "[]"},
		{implementer(t, b.app, "Jean Moreau", "civipol"), "[Curso reservado Estudio anulado]"},
	} {
		if got := fmt.Sprint(count(c.u)); got != c.want {
			t.Errorf("%s's events %s, want %s", c.u.Name, got, c.want)
		}
	}

	// Revoking: the URL is 404 at once, and revoking again is 404.
	if r := b.app.Do(t, "DELETE", "/v1/me/calendar", b.fpPE.Token, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %s %s", r.Status, r.Body)
	}
	if r, _ := feed(t, b.app, calURL); r.StatusCode != http.StatusNotFound {
		t.Errorf("a revoked feed: %s, want 404", r.Status)
	}
	if r := b.app.Do(t, "DELETE", "/v1/me/calendar", b.fpPE.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("revoking twice: %s, want 404", r.Status)
	}
	// A new URL replaces the old; a deactivated person's is 404.
	first := newCalendar(t, b.app, b.fpMX)
	second := newCalendar(t, b.app, b.fpMX)
	if r, _ := feed(t, b.app, first); r.StatusCode != http.StatusNotFound {
		t.Errorf("a replaced feed: %s, want 404", r.Status)
	}
	if r, _ := feed(t, b.app, second); r.StatusCode != http.StatusOK {
		t.Errorf("the new feed: %s %s", r.Status, r.Body)
	}
	if _, err := b.app.Store.Deactivate(ctx, b.fpMX.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := feed(t, b.app, second); r.StatusCode != http.StatusNotFound {
		t.Errorf("a deactivated person's feed: %s, want 404", r.Status)
	}
}

// TestCalendarBadTokens: whatever the token, a feed it does not open is
// 404 with a problem body, and a client that keeps guessing is held back
// like one trying bearer tokens.
func TestCalendarBadTokens(t *testing.T) {
	t.Parallel()
	app := testenv.NewApp(t, testenv.AppOptions{})
	token, _ := store.NewToken()
	bad := []string{"x.ics", "ptc_.ics", "ptc_" + strings.Repeat("A", 43), "ptc_" + strings.Repeat("A", 43) + ".ics",
		"ptc_" + strings.Repeat("%C3%A9", 43) + ".ics", strings.Replace(token, "pte_", "ptc_", 1) + ".ics", token + ".ics",
		"ptc_" + strings.Repeat("A", 42) + "%00.ics", "ptc_" + uuid.NewString() + ".ics", "..%2F..%2Fetc%2Fpasswd.ics",
		strings.Repeat("a", 5000) + ".ics"}
	for _, b := range bad {
		r := app.Do(t, "GET", "/calendar/"+b, "", nil)
		var prob struct{ Status int }
		r.Problem(t, &prob)
		if r.StatusCode != http.StatusNotFound || prob.Status != http.StatusNotFound {
			t.Errorf("GET /calendar/%.40s: %s %s, want 404", b, r.Status, r.Body)
		}
	}
	limited := false
	for range 30 {
		r := app.Do(t, "GET", "/calendar/ptc_"+strings.Repeat("B", 43)+".ics", "", nil)
		if r.StatusCode == http.StatusTooManyRequests && r.Header.Get("Retry-After") != "" {
			limited = true
			break
		}
		if r.StatusCode != http.StatusNotFound {
			t.Fatalf("bad token: %s", r.Status)
		}
	}
	if !limited {
		t.Error("40 bad calendar tokens from one client and never a 429")
	}
}
