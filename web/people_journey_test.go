package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// signInWithSSO follows the sign-in page's single sign-on link and signs in
// at the identity provider's own page as username.
func signInWithSSO(tab *browser.Tab, base, username string) {
	tab.Go(base + "/signin")
	tab.Submit("a[href^='/auth/oidc/start']")
	tab.Fill("#username", username)
	tab.Fill("#password", testidp.Password)
	tab.Submit("button[type=submit]")
}

// TestPeopleThroughTheUI signs people in with single sign-on in a real
// Chromium, against a real OpenID provider, on the real stack, and goes
// through the people pages, with axe-core run and a screenshot taken on
// each of Puente's pages: a manager (Spanish) signs in with her
// organisation's account, adds a focal point on the users page (a form
// with its errors first), changes her scope and rotates her token on her
// page; the new focal point (Portuguese) signs in the same way and sets
// her preferences; someone the provider knows and Puente does not is asked
// to see a programme manager; the manager deactivates the focal point,
// whose session stops at once.
func TestPeopleThroughTheUI(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{SSO: []testidp.Person{
		{Username: "ana", Email: "Ana.Ruiz@example.org", Verified: true},
		{Username: "lucia", Email: "lucia.hernandez@example.org", Verified: true},
		{Username: "stranger", Email: "stranger@example.org", Verified: true},
	}})
	app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}, Email: "ana.ruiz@example.org", Language: "es"})
	base := app.URL
	dir := browser.Artifacts(t, "web-people")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)

	// The manager signs in with single sign-on, offered on the sign-in page.
	mgr := br.NewTab(t, "manager", "es")
	mgr.Go(base + "/signin")
	require.True(t, mgr.Has("a[href^='/auth/oidc/start']"), "the sign-in page offers single sign-on")
	mgr.Check("signin-sso")
	signInWithSSO(mgr, base, "ana")
	require.Equal(t, base+"/", mgr.URL())
	require.Contains(t, mgr.Body(), "Ana Ruiz")
	mgr.Check("manager-home-sso")

	// She adds a focal point: first a form with nothing in it.
	mgr.Go(base + "/users")
	require.Contains(t, mgr.Body(), "ana.ruiz@example.org")
	mgr.Check("users")
	mgr.Submit("form[action='/users'] button[type=submit]")
	require.Contains(t, mgr.Body(), "Corrija lo siguiente")
	require.True(t, mgr.Has(`#f-user-name[aria-invalid="true"]`), "the name's error is tied to it")
	mgr.Check("users-add-errors")
	mgr.Fill("#f-user-name", "Lucía Hernández")
	mgr.Fill("#f-email", "lucia.hernandez@example.org")
	mgr.Select("#f-role", "focal_point")
	mgr.Select("#f-user-language", "pt")
	mgr.Select("#f-countries", "MX")
	mgr.Submit("form[action='/users'] button[type=submit]")
	require.True(t, strings.HasPrefix(mgr.Text("section.notice code"), "pte_"), "the new token is shown once")
	mgr.Check("users-added")
	lucia, err := app.Store.UserByEmail(context.Background(), "lucia.hernandez@example.org")
	require.NoError(t, err)
	require.Equal(t, []string{"MX"}, lucia.Countries)

	// Her page: a wider scope, then a new token.
	mgr.Click("a[href='/users/" + lucia.ID + "']")
	mgr.Check("user")
	mgr.Select("#f-countries", "MX", "CO")
	mgr.Submit("form[action='/users/" + lucia.ID + "'] button[type=submit]")
	require.True(t, mgr.Has("p.notice"), "the change is confirmed")
	mgr.Check("user-saved")
	mgr.Submit("form[action='/users/" + lucia.ID + "/token'] button")
	require.True(t, strings.HasPrefix(mgr.Text("section.notice code"), "pte_"))
	mgr.Check("user-token-rotated")
	lucia, err = app.Store.UserByEmail(context.Background(), "lucia.hernandez@example.org")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"MX", "CO"}, lucia.Countries)

	// The focal point signs in with her organisation's account and sets her
	// preferences; a value no form offers is refused at its field.
	fp := br.NewTab(t, "focal point", "pt")
	signInWithSSO(fp, base, "lucia")
	require.Equal(t, base+"/", fp.URL())
	require.Contains(t, fp.Body(), "Lucía Hernández")
	fp.Go(base + "/preferences")
	require.Equal(t, "pt", fp.Lang())
	fp.Check("preferences")
	fp.Eval("offer an unknown language", `(() => { const s = document.querySelector("#f-user-language"); if (!s) return false;
		s.add(new Option("Klingon", "tlh")); s.value = "tlh"; return true })()`)
	fp.Submit("form[action='/preferences'] button[type=submit]")
	require.True(t, fp.Has(`#f-user-language[aria-invalid="true"]`), "the language's error is tied to it")
	fp.Check("preferences-errors")
	fp.Select("#f-user-language", "es")
	fp.Tick("#f-notify-digest")
	fp.Submit("form[action='/preferences'] button[type=submit]")
	require.Equal(t, "es", fp.Lang(), "the new language is the page's")
	fp.Check("preferences-saved")
	lucia, err = app.Store.UserByEmail(context.Background(), "lucia.hernandez@example.org")
	require.NoError(t, err)
	require.Equal(t, "es", lucia.Language)
	require.Equal(t, store.NotifyDigest, lucia.Notify)

	// Someone the provider vouches for and Puente does not know.
	stranger := br.NewTab(t, "stranger", "en")
	signInWithSSO(stranger, base, "stranger")
	require.Contains(t, stranger.Body(), "Ask a programme manager for access")
	require.Contains(t, stranger.Body(), "stranger@example.org")
	stranger.Check("sso-unknown-email")
	stranger.Go(base + "/")
	require.Contains(t, stranger.URL(), "/signin", "no session")

	// The manager ends the focal point's access: her session stops at once.
	mgr.Go(base + "/users/" + lucia.ID)
	mgr.Submit("form[action='/users/" + lucia.ID + "/deactivate'] button")
	require.False(t, mgr.Has("form[action='/users/"+lucia.ID+"']"), "a deactivated user's record is not editable")
	mgr.Check("user-deactivated")
	fp.Go(base + "/preferences")
	require.Contains(t, fp.URL(), "/signin")

	for _, r := range br.Report {
		require.LessOrEqualf(t, r.Bytes, 150*1024, "%s is %d bytes", r.Name, r.Bytes)
	}
}
