package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/pipeline"
)

// TestStatesAccessible renders the pages' harder states — every form with
// its field errors, the stale-page warning, the dashboard's charts — from
// fixed data in a real Chromium, and runs axe-core on each: no serious or
// critical violation. The journey test covers the same pages on the real
// stack; this one reaches the error states a journey passes by.
func TestStatesAccessible(t *testing.T) {
	b := setupRender(t)
	dir := browser.Artifacts(t, "web-states")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)
	id, sid := b.fake.p.ID, b.fake.p.SessionID

	signIn := func(tab *browser.Tab, u pipeline.Actor) {
		tab.Go(b.srv.URL + "/signin")
		tab.Fill("#f-token", "token-"+u.ID)
		tab.Submit("form[action='/signin'] button")
	}
	anon := br.NewTab(t, "anonymous", "es")
	anon.Go(b.srv.URL + "/signin")
	// Keyboard only: the first Tab reaches the skip link, the next ones the
	// home link and the token field, each with its focus drawn.
	for i, want := range []string{"a saltar al contenido", "a puente", "input"} {
		got, visible := anon.TabTo(1)
		if !strings.HasPrefix(strings.ToLower(got), want) || !visible {
			t.Errorf("Tab %d focuses %q (focus drawn: %v), want %q with a visible focus", i+1, got, visible, want)
		}
	}
	anon.Check("signin")
	anon.Fill("#f-token", "nope")
	anon.Submit("form[action='/signin'] button")
	anon.Check("signin-bad-token")

	fp := br.NewTab(t, "focal point", "es")
	signIn(fp, b.users[pipeline.FocalPoint])
	fp.Check("fp-home")
	fp.Go(b.srv.URL + "/priorities/new")
	fp.Check("fp-new")
	b.fake.err = pipeline.Invalid("the submission is not valid", pipeline.Problems{pipeline.Problem("title", pipeline.Required),
		pipeline.Problem("countries", pipeline.TooFewCountries, "count", 1), pipeline.Problem("urgency", pipeline.Required)})
	fp.Submit("form[action='/priorities'] button[type=submit]")
	fp.Check("fp-new-errors")
	b.fake.err = nil

	ex := br.NewTab(t, "expert", "pt")
	signIn(ex, b.users[pipeline.Expert])
	ex.Go(b.srv.URL + "/priorities/" + id + "/plan")
	ex.Check("expert-plan")
	ex.Submit("button[value='add_action']")
	ex.Check("expert-plan-added")

	m := br.NewTab(t, "manager", "en")
	signIn(m, b.users[pipeline.Manager])
	m.Go(b.srv.URL + "/dashboard")
	m.Check("manager-dashboard")
	m.Go(b.srv.URL + "/priorities/" + id)
	m.Check("manager-priority")
	m.Go(b.srv.URL + "/sessions/" + sid)
	m.Check("manager-session")
	m.Go(b.srv.URL + "/sessions")
	m.Check("manager-sessions")
	m.Go(b.srv.URL + "/priorities?stage=nope")
	m.Check("manager-list-bad-filter")

	// French and Dutch, the longest words: Haiti's focal point and
	// Suriname's manager on the pages with the most to read.
	fr := br.NewTab(t, "focal point, French", "fr")
	signIn(fr, b.users[pipeline.FocalPoint])
	fr.Check("fr-fp-home")
	fr.Go(b.srv.URL + "/priorities/new")
	b.fake.err = pipeline.Invalid("the submission is not valid", pipeline.Problems{pipeline.Problem("title", pipeline.Required),
		pipeline.Problem("countries", pipeline.TooFewCountries, "count", 1)})
	fr.Submit("form[action='/priorities'] button[type=submit]")
	fr.Check("fr-fp-new-errors")
	b.fake.err = nil
	fr.Go(b.srv.URL + "/priorities/" + id)
	fr.Check("fr-fp-priority")
	nl := br.NewTab(t, "manager, Dutch", "nl")
	signIn(nl, b.users[pipeline.Manager])
	nl.Go(b.srv.URL + "/dashboard")
	nl.Check("nl-manager-dashboard")
	nl.Go(b.srv.URL + "/priorities/" + id)
	nl.Check("nl-manager-priority")
	nl.Go(b.srv.URL + "/sessions")
	nl.Check("nl-manager-sessions")
	if _, err := os.Stat(filepath.Join(dir, "axe-report.json")); err == nil {
		t.Log("report written")
	}
}
