package web_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// TestSignOutEndsTheProvidersSession: in a real Chromium, against a real
// OpenID provider that keeps its own login session (as real ones do), a
// person signs in with single sign-on and signs out; "single sign-on"
// then asks the provider for a password again — the next person at a
// shared computer is not signed in as them.
func TestSignOutEndsTheProvidersSession(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{SSO: []testidp.Person{{Username: "ana", Email: "ana.ruiz@example.org", Verified: true}}})
	app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}, Email: "ana.ruiz@example.org", Language: "en"})
	base := app.URL
	br := browser.Start(t, browser.Artifacts(t, "web-signout"))
	defer br.WriteReport(t)
	tab := br.NewTab(t, "ana", "en")

	signInWithSSO(tab, base, "ana")
	require.Equal(t, base+"/", tab.URL())
	require.Contains(t, tab.Body(), "Ana Ruiz")
	conn, err := pgx.Connect(context.Background(), app.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var kept bool
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT bool_and(id_token IS NOT NULL) FROM web_sessions`).Scan(&kept))
	require.True(t, kept, "the session keeps the provider's ID token")
	// The provider keeps its own session: single sign-on signs her in
	// again without a password.
	tab.Go(base + sso.StartPath)
	require.Equal(t, base+"/", tab.URL(), "the provider's own session signs her straight in")
	require.Equal(t, 1, app.IdP.LoginSessions())

	// She signs out: Puente's session ends, then the provider's, and she
	// lands on the signed-out page.
	tab.Submit("form[action='/signout'] button")
	require.Equal(t, base+sso.SignedOutPath, tab.URL())
	require.Contains(t, tab.Body(), "You are signed out.")
	tab.Check("signed-out")

	// Single sign-on again: the provider asks for the password.
	tab.Submit("a[href^='/auth/oidc/start']")
	require.True(t, tab.Has("#password"), "the provider does not ask for a password again (at %s)", tab.URL())
	require.Zero(t, app.IdP.LoginSessions(), "the provider's session ended")
	tab.Fill("#username", "ana")
	tab.Fill("#password", testidp.Password)
	tab.Submit("button[type=submit]")
	require.Equal(t, base+"/", tab.URL())
	tab.Go(base + "/")
	require.Contains(t, tab.Body(), "Ana Ruiz")
}
