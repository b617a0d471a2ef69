package main

// mutants are the curated mutants: each breaks one security rule the way a
// plausible change would, and names the tests that must notice. A mutant
// whose snippet no longer matches the code is reported as not judged:
// update it with the code it follows.
var mutants = []mutant{
	// Web sessions (web/auth.go, store/websessions.go, store/users.go).
	{
		Name: "session-fixation", File: "web/auth.go",
		Why: "a sign-in keeps the session ID the browser already had, which whoever planted it knows",
		Original: `	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = a.d.Store.DeleteWebSession(r.Context(), hashSessionID(c.Value))
	}
	return a.startSession(w, r, userID)`,
		Mutant: `	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		_ = a.d.Store.DeleteWebSession(r.Context(), hashSessionID(c.Value))
		now := a.d.Now()
		expires := now.Add(a.d.SessionTTL)
		if err := a.d.Store.CreateWebSession(r.Context(), hashSessionID(c.Value), userID, now, expires); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: c.Value, Path: "/", Expires: expires,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r)})
		return nil
	}
	return a.startSession(w, r, userID)`,
		Package: "./web", Run: "TestRolesAndSignIn|TestSignInOffersSingleSignOn|TestSignInReplacesTheSession",
	},
	{
		Name: "sign-out-by-raw-cookie", File: "web/auth.go",
		Why:      "sign-out deletes the session by the cookie's value, not its hash: the session stays valid",
		Original: `if err := a.d.Store.DeleteWebSession(r.Context(), hashSessionID(c.Value)); err != nil {`,
		Mutant:   `if err := a.d.Store.DeleteWebSession(r.Context(), []byte(c.Value)); err != nil {`,
		Package:  "./web", Run: "TestRolesAndSignIn|TestSignOutEndsTheSessionServerSide",
	},
	{
		Name: "web-session-ignores-active", File: "store/websessions.go",
		Why:      "a deactivated user's web session still signs them in",
		Original: `w.last_seen_at > $3 AND u.active`,
		Mutant:   `w.last_seen_at > $3`,
		Package:  "./store", Run: "TestWebSessions|TestWebSessionOfADeactivatedUserIsRefused",
	},
	{
		Name: "web-session-ignores-expiry", File: "store/websessions.go",
		Why:      "an expired web session still signs its user in",
		Original: `WHERE w.id_hash = $1 AND w.expires_at > $2 AND`,
		Mutant:   `WHERE w.id_hash = $1 AND $2 = $2 AND`,
		Package:  "./store", Run: "TestWebSessions|TestIdleWebSessionsEnd",
	},
	{
		Name: "deactivation-keeps-web-sessions", File: "store/websessions.go",
		Why:      "deactivating a user, or rotating or revoking their token, leaves their web sessions in place",
		Original: `DELETE FROM web_sessions WHERE user_id = $1`,
		Mutant:   `DELETE FROM web_sessions WHERE false AND user_id = $1`,
		Package:  "./store", Run: "TestDeactivationEndsEverything|TestCredentialChangesEndWebSessions",
	},
	{
		Name: "cross-origin-check", File: "web/web.go",
		Why:      "state-changing requests from other sites are served (CSRF)",
		Original: `return securityHeaders(a.allowSignOut(cop.Handler(mux)))`,
		Mutant:   `return securityHeaders(a.allowSignOut(mux))`,
		Package:  "./web", Run: "TestCrossOriginPostsAreRefused",
		Smoke: true,
	},

	{
		Name: "users-managed-by-anyone", File: "people/people.go",
		Why:      "a focal point adds, changes or deactivates users",
		Original: `func mayManage(by pipeline.Actor) error { return by.Demand(pipeline.ManageUsers) }`,
		Mutant:   `func mayManage(by pipeline.Actor) error { return nil }`,
		Package:  "./people", Run: "TestOnlyManagersManageUsers",
	},

	// Bearer tokens and failed authentication (store/users.go, api/security.go).
	{
		Name: "token-of-deactivated-user", File: "store/users.go",
		Why:      "a deactivated user's token is accepted",
		Original: `case !t.User.Active:`,
		Mutant:   `case false:`,
		Package:  "./store", Run: "TestTokenCheck",
	},
	{
		Name: "revoked-token", File: "store/users.go",
		Why:      "a revoked token is accepted",
		Original: `case t.RevokedAt != nil:`,
		Mutant:   `case false:`,
		Package:  "./store", Run: "TestTokenCheck",
	},
	{
		Name: "expired-token", File: "store/users.go",
		Why:      "an expired token is accepted",
		Original: `case !now.Before(t.ExpiresAt):`,
		Mutant:   `case false:`,
		Package:  "./store", Run: "TestTokenCheck",
	},
	{
		Name: "token-at-its-expiry", File: "store/users.go",
		Why:      "a token is accepted at the instant it expires",
		Original: `case !now.Before(t.ExpiresAt):`,
		Mutant:   `case now.After(t.ExpiresAt):`,
		Package:  "./store", Run: "TestTokenCheck",
	},
	{
		Name: "failed-authentication-not-counted", File: "internal/authlimit/authlimit.go",
		Why:      "failed authentications are never limited: token guessing runs at full speed",
		Original: `lim.AllowN(now, 1)`,
		Mutant:   `lim.AllowN(now, 0)`,
		Package:  "./api", Run: "TestFailedAuthenticationIsRateLimited",
	},

	// Single sign-on (sso/sso.go, store/sso.go).
	{
		Name: "sso-missing-email-verified-counts-as-verified", File: "sso/sso.go",
		Why:      "an ID token without email_verified signs in an address nobody verified",
		Original: `v == "true", nil`,
		Mutant:   `v != "false", nil`,
		Package:  "./sso", Run: "TestSignIn|TestSignInRefusals",
	},
	{
		Name: "sso-ignores-email-verified", File: "sso/sso.go",
		Why:      "the ID token's email_verified is ignored: an unverified address signs in",
		Original: `v == "true", nil`,
		Mutant:   `len(v) >= 0, nil`,
		Package:  "./sso", Run: "TestSignIn|TestSignInRefusals",
	},
	{
		Name: "sso-userinfo-email-verified-ignored", File: "sso/sso.go",
		Why:      "UserInfo's email_verified is ignored: an unverified address signs in",
		Original: `return strings.ToLower(info.Email), info.EmailVerified, nil`,
		Mutant:   `return strings.ToLower(info.Email), true, nil`,
		Package:  "./sso", Run: "TestSignIn|TestSignInRefusals",
	},
	{
		Name: "sso-nonce", File: "sso/sso.go",
		Why:      "an ID token minted for another sign-in is accepted (replay)",
		Original: `if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(login.Nonce)) != 1 {`,
		Mutant:   `if false {`,
		Package:  "./sso", Run: "TestSignIn",
	},
	{
		Name: "sso-state-not-bound-to-browser", File: "sso/sso.go",
		Why:      "a callback carrying another browser's state is accepted (login CSRF)",
		Original: `if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {`,
		Mutant:   `if err != nil || state == "" || c.Value == "" {`,
		Package:  "./sso", Run: "TestStateIsSingleUseAndBoundToTheBrowser|TestAStateCookieOfAnotherAttemptIsRefused",
	},
	{
		Name: "sso-state-reusable", File: "store/sso.go",
		Why:      "a state can complete two sign-ins",
		Original: `DELETE FROM sso_logins WHERE state_hash = $1 RETURNING nonce, verifier, next, expires_at > now()`,
		Mutant:   `SELECT nonce, verifier, next, expires_at > now() FROM sso_logins WHERE state_hash = $1`,
		Package:  "./sso", Run: "TestStateIsSingleUseAndBoundToTheBrowser",
	},
	{
		Name: "sso-state-never-expires", File: "store/sso.go",
		Why:      "an expired sign-in attempt can still complete",
		Original: `if !live {`,
		Mutant:   `if false {`,
		Package:  "./sso", Run: "TestAnExpiredSignInAttemptCannotComplete",
	},
	{
		Name: "sso-wrong-secret-passes-the-check", File: "sso/sso.go",
		Why:      "a wrong client secret passes the start-up check: it shows only at the first person's sign-in",
		Original: `case answer.ErrorCode == "invalid_client" || answer.Response.StatusCode == http.StatusUnauthorized:`,
		Mutant:   `case false:`,
		Package:  "./sso", Run: "TestCheckTellsAWrongSecretFromARightOne",
	},
	{
		Name: "sso-sign-out-keeps-the-provider-session", File: "web/auth.go",
		Why:      "sign-out ends Puente's session only: single sign-on signs the next person at the computer straight back in",
		Original: `if end := a.d.SSO.EndSessionURL(idToken); end != "" {`,
		Mutant:   `if end := a.d.SSO.EndSessionURL(idToken); false && end != "" {`,
		Package:  "./web", Run: "TestSignOutEndsTheProvidersSession",
	},
	{
		Name: "open-redirect", File: "internal/onsite/onsite.go",
		Why:      `a percent-encoded backslash passes as a path: the one redirect rule no longer refuses what browsers read as a slash`,
		Original: `func refused(r rune) bool { return r < ' ' || r == 0x7f || r == '\\' }`,
		Mutant:   `func refused(r rune) bool { return r < ' ' || r == 0x7f }`,
		Package:  "./internal/onsite", Run: "TestPath",
		Smoke: true,
	},

	// Who sees and decides what (service, store, pipeline).
	{
		Name: "idempotency-key-alone", File: "service/priorities.go",
		Why:      "a priority's id comes from the Idempotency-Key alone: another caller's key answers with their priority",
		Original: `[]byte(a.ID+"\x00"+key)`,
		Mutant:   `[]byte(key)`,
		Package:  "./service", Run: "TestIdempotencyKeyIsThePersonsOwn",
	},
	{
		Name: "assignee-name-visibility", File: "service/people.go",
		Why: "the service names a priority's expert to whoever asks; only the web app checks",
		Original: `	if !a.CanSee(p) {
		return "", pipeline.Errorf(pipeline.KindNotFound, "no priority %s", p.ID)`,
		Mutant: `	if false {
		return "", pipeline.Errorf(pipeline.KindNotFound, "no priority %s", p.ID)`,
		Package: "./service", Run: "TestAssigneeName",
	},
	{
		Name: "priority-visibility", File: "service/priorities.go",
		Why:      "a priority outside the actor's scope is shown to them",
		Original: `if errors.Is(err, store.ErrNotFound) || (err == nil && !a.CanSee(p)) {`,
		Mutant:   `if errors.Is(err, store.ErrNotFound) {`,
		Package:  "./api", Run: "TestPrioritiesAreScoped|TestRestrictedPrioritiesAreInvisibleOutsideTheirScope",
	},
	{
		Name: "priority-visibility-web", File: "service/priorities.go",
		Why:      "the same mutant, judged by the web app's tests alone: the pages must notice without the API's",
		Original: `if errors.Is(err, store.ErrNotFound) || (err == nil && !a.CanSee(p)) {`,
		Mutant:   `if errors.Is(err, store.ErrNotFound) {`,
		Package:  "./web", Run: "TestRefusalsOnTheRealStack",
	},
	{
		Name: "list-scope-restricted", File: "store/priorities.go",
		Why:      "experts list restricted priorities of their themes that are not theirs",
		Original: `("+col+"sensitivity <> 'restricted' AND "+col+"theme = ANY(?))`,
		Mutant:   `("+col+"theme = ANY(?))`,
		Package:  "./api", Run: "TestRestrictedPrioritiesAreInvisibleOutsideTheirScope",
	},
	{
		Name: "session-counts-unscoped", File: "store/sessions.go",
		Why: "a session's counts by stage include priorities the reader may not see",
		Original: `	w.scope(a, "")
	w.add("session_id = ?::uuid", sessionID)`,
		Mutant:  `	w.add("session_id = ?::uuid", sessionID)`,
		Package: "./api", Run: "TestRestrictedPrioritiesAreInvisibleOutsideTheirScope",
	},
	{
		Name: "four-eyes-plan-author", File: "pipeline/table.go",
		Why:      "a manager who drafted the plan approves it",
		Original: `a.ID != p.TriagedBy && !slices.Contains(p.PlanAuthors, a.ID)`,
		Mutant:   `a.ID != p.TriagedBy`,
		Package:  "./pipeline", Run: ".",
		Smoke: true,
	},
	{
		Name: "four-eyes-triager", File: "pipeline/table.go",
		Why:      "the manager who triaged the priority approves it",
		Original: `a.ID != p.TriagedBy && !slices.Contains(p.PlanAuthors, a.ID)`,
		Mutant:   `!slices.Contains(p.PlanAuthors, a.ID)`,
		Package:  "./pipeline", Run: ".",
	},

	// The record: events, read model, mail (store).
	{
		Name: "event-insert-overwrites", File: "store/priorities.go",
		Why:      "a replayed event overwrites the recorded one: the audit trail can be rewritten",
		Original: `ON CONFLICT (priority_id, seq) DO NOTHING`,
		Mutant: `ON CONFLICT (priority_id, seq) DO UPDATE SET at = EXCLUDED.at, actor_id = EXCLUDED.actor_id,
    actor_name = EXCLUDED.actor_name, actor_role = EXCLUDED.actor_role, kind = EXCLUDED.kind,
    from_stage = EXCLUDED.from_stage, to_stage = EXCLUDED.to_stage, comment = EXCLUDED.comment, data = EXCLUDED.data`,
		Package: "./store", Run: "TestRecordIsIdempotentAndKeepsTheNewestVersion|TestRecordMovesOnlyForward|TestRecordedEventIsNeverRewritten",
	},
	{
		Name: "read-model-moves-backward", File: "store/priorities.go",
		Why:      "a late, older version overwrites the read model's newer one",
		Original: `WHERE (priorities.version, priorities.event_seq) < (EXCLUDED.version, EXCLUDED.event_seq)`,
		Mutant:   `WHERE true`,
		Package:  "./store", Run: "TestRecordMovesOnlyForward|TestRecordIsIdempotentAndKeepsTheNewestVersion",
	},
	{
		Name: "mail-sent-twice", File: "store/mail.go",
		Why:      "a message already sent is claimed again and sent twice",
		Original: `WHERE mail_log.status = 'sending'`,
		Mutant:   `WHERE true`,
		Package:  "./notify", Run: "TestNotifierSendsEachMessageOnceInItsLanguage|TestAPermanentRefusalIsRecordedNotRetried",
	},

	// Exports (export/csv.go, service/exports.go, store/priorities.go).
	{
		Name: "csv-formula-escaping", File: "export/csv.go",
		Why:      "a cell starting with = reaches the spreadsheet as a formula",
		Original: `case '=', '+', '-', '@', '\t', '\r':`,
		Mutant:   `case '+', '-', '@', '\t', '\r':`,
		Package:  "./export", Run: "TestCSVNeutralisesFormulas",
		Smoke: true,
	},
	{
		Name: "iati-publishes-restricted", File: "service/exports.go",
		Why:      "the IATI export publishes restricted priorities",
		Original: `f.Stage, f.PublicOnly = pipeline.Approved, true`,
		Mutant:   `f.Stage = pipeline.Approved`,
		Package:  "./api", Run: "TestExports",
	},
	{
		Name: "public-only-filter", File: "store/priorities.go",
		Why:      "the store's filter for publication lets restricted priorities through",
		Original: `w.add("sensitivity <> 'restricted'")`,
		Mutant:   `w.add("true")`,
		Package:  "./api", Run: "TestExports",
	},
}
