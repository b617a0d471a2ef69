package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

type usersBundle struct {
	app     *testenv.App
	manager testenv.User
	expert  testenv.User
}

func setupUsers(t *testing.T) *usersBundle {
	t.Helper()
	app := testenv.NewApp(t, testenv.AppOptions{})
	return &usersBundle{
		app:     app,
		manager: app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager}),
		expert:  app.AddUser(t, pipeline.Actor{Name: "Carmen Díaz", Role: pipeline.Expert, Themes: []string{"cybercrime"}}),
	}
}

func (b *usersBundle) status(t *testing.T, token string) int {
	t.Helper()
	return b.app.Do(t, http.MethodGet, "/v1/me", token, nil).StatusCode
}

// otherProcess opens a second pool on the test's database: a change made
// through it is a change made by another process, such as `puente users`.
func otherProcess(t *testing.T, app *testenv.App) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), app.DatabaseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func TestRevokedAndExpiredTokensAreRefusedAtOnce(t *testing.T) {
	t.Parallel()
	b := setupUsers(t)
	ctx := context.Background()
	other := otherProcess(t, b.app)

	// Warm: the token works, as often as one likes.
	for range 3 {
		if s := b.status(t, b.expert.Token); s != http.StatusOK {
			t.Fatalf("fresh token: %d", s)
		}
	}

	// Revoked by another process: the very next request is refused.
	if err := other.RevokeTokens(ctx, b.expert.ID); err != nil {
		t.Fatal(err)
	}
	r := b.app.Do(t, http.MethodGet, "/v1/me", b.expert.Token, nil)
	if r.StatusCode != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("revoked token: %d %s", r.StatusCode, r.Body)
	}
	var p struct{ Detail string }
	r.Problem(t, &p)
	if p.Detail != "the token was revoked" {
		t.Errorf("revoked token detail %q", p.Detail)
	}

	// A token that expires in a moment works until then, and not a moment after.
	token, hash := store.NewToken()
	expires := time.Now().Add(1500 * time.Millisecond)
	if err := other.RotateToken(ctx, b.expert.ID, hash, expires); err != nil {
		t.Fatal(err)
	}
	if s := b.status(t, token); s != http.StatusOK {
		t.Fatalf("token before its expiry: %d", s)
	}
	time.Sleep(time.Until(expires))
	r = b.app.Do(t, http.MethodGet, "/v1/me", token, nil)
	r.Problem(t, &p)
	if r.StatusCode != http.StatusUnauthorized || p.Detail != "the token has expired: ask for a new one" {
		t.Fatalf("expired token: %d %s", r.StatusCode, r.Body)
	}

	// An unknown token says so.
	unknown, _ := store.NewToken()
	if s := b.status(t, unknown); s != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", s)
	}
}

func TestDeactivationStopsTokensAtOnce(t *testing.T) {
	t.Parallel()
	b := setupUsers(t)
	if s := b.status(t, b.expert.Token); s != http.StatusOK {
		t.Fatalf("before: %d", s)
	}
	// By another process (the CLI's path): refused at the next request.
	if _, err := otherProcess(t, b.app).Deactivate(context.Background(), b.expert.ID); err != nil {
		t.Fatal(err)
	}
	r := b.app.Do(t, http.MethodGet, "/v1/me", b.expert.Token, nil)
	var p struct{ Detail string }
	r.Problem(t, &p)
	if r.StatusCode != http.StatusUnauthorized || p.Detail != "this user is deactivated" {
		t.Fatalf("deactivated user: %d %s", r.StatusCode, r.Body)
	}
	// No new token for a deactivated user.
	r = b.app.Do(t, http.MethodPost, "/v1/users/"+b.expert.ID+"/token", b.manager.Token, nil)
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("rotate a deactivated user's token: %d %s", r.StatusCode, r.Body)
	}
	// The expert is no longer assignable.
	if _, err := b.app.Store.User(context.Background(), b.expert.ID); err == nil {
		t.Error("a deactivated expert is still an assignable user")
	}
}

func TestManagersAddListChangeAndDeactivateUsers(t *testing.T) {
	t.Parallel()
	b := setupUsers(t)
	mgr := b.manager.Token

	// Add: 201 with the token, once; the address is stored in lower case.
	r := b.app.Do(t, http.MethodPost, "/v1/users", mgr, map[string]any{
		"name": "João Silva", "email": "Joao.Silva@Example.org", "language": "pt", "role": "focal_point", "countries": []string{"BR"}})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("add: %d %s", r.StatusCode, r.Body)
	}
	var joao struct {
		store.User
		Token          string    `json:"token"`
		TokenExpiresAt time.Time `json:"token_expires_at"`
	}
	r.JSON(t, &joao)
	if joao.Email != "joao.silva@example.org" || joao.Language != "pt" || joao.Notify != "immediate" || !joao.Active || joao.Token == "" {
		t.Fatalf("added %+v", joao)
	}
	if d := time.Until(joao.TokenExpiresAt); d < 89*24*time.Hour || d > 91*24*time.Hour {
		t.Errorf("a new token expires in %s, not the default 90 days", d)
	}
	if r.Header.Get("Location") != "/v1/users/"+joao.ID {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	if s := b.status(t, joao.Token); s != http.StatusOK {
		t.Fatalf("the new user's token: %d", s)
	}

	// The same address again, in another case: 422 on email. Bad fields: all listed.
	r = b.app.Do(t, http.MethodPost, "/v1/users", mgr, map[string]any{
		"name": "Otro", "email": "JOAO.SILVA@example.org", "language": "pt", "role": "focal_point", "countries": []string{"BR"}})
	assertFields(t, r, "email")
	r = b.app.Do(t, http.MethodPost, "/v1/users", mgr, map[string]any{
		"name": "", "email": "not an address", "language": "de", "role": "focal_point", "countries": []string{"XX"}, "extra": 1})
	assertFields(t, r, "extra", "name", "email", "language", "countries[0]")
	r = b.app.Do(t, http.MethodPost, "/v1/users", mgr, map[string]any{"name": "Sin rol", "email": "x@example.org", "role": "expert"})
	assertFields(t, r, "themes")

	// Only managers manage users.
	if r := b.app.Do(t, http.MethodGet, "/v1/users", joao.Token, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("a focal point lists users: %d", r.StatusCode)
	}

	// Change the scope and the language.
	r = b.app.Do(t, http.MethodPatch, "/v1/users/"+joao.ID, mgr, map[string]any{"countries": []string{"BR", "PE"}, "language": "es"})
	var changed store.User
	r.JSON(t, &changed)
	if r.StatusCode != http.StatusOK || len(changed.Countries) != 2 || changed.Language != "es" || changed.Name != "João Silva" {
		t.Fatalf("patch: %d %s", r.StatusCode, r.Body)
	}
	r = b.app.Do(t, http.MethodPatch, "/v1/users/"+joao.ID, mgr, map[string]any{"countries": []string{}})
	assertFields(t, r, "countries")

	// List, by name, one page at a time.
	var page struct {
		Items      []store.User `json:"items"`
		NextCursor *string      `json:"next_cursor"`
	}
	b.app.Do(t, http.MethodGet, "/v1/users?limit=2", mgr, nil).JSON(t, &page)
	if len(page.Items) != 2 || page.Items[0].Name != "Ana Ruiz" || page.Items[1].Name != "Carmen Díaz" || page.NextCursor == nil {
		t.Fatalf("first page %+v", page)
	}
	b.app.Do(t, http.MethodGet, "/v1/users?limit=2&cursor="+*page.NextCursor, mgr, nil).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != joao.ID || page.NextCursor != nil {
		t.Fatalf("second page %+v", page)
	}

	// Deactivate: the token stops at once; the list says so; oneself: 409.
	r = b.app.Do(t, http.MethodPost, "/v1/users/"+joao.ID+"/deactivate", mgr, nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("deactivate: %d %s", r.StatusCode, r.Body)
	}
	if s := b.status(t, joao.Token); s != http.StatusUnauthorized {
		t.Errorf("deactivated user's token: %d", s)
	}
	b.app.Do(t, http.MethodGet, "/v1/users?active=false", mgr, nil).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != joao.ID || page.Items[0].Active || page.Items[0].DeactivatedAt == nil {
		t.Errorf("deactivated users %+v", page.Items)
	}
	if r := b.app.Do(t, http.MethodPost, "/v1/users/"+b.manager.ID+"/deactivate", mgr, nil); r.StatusCode != http.StatusConflict {
		t.Errorf("deactivate oneself: %d", r.StatusCode)
	}
	if r := b.app.Do(t, http.MethodGet, "/v1/users/not-a-uuid", mgr, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("malformed id: %d", r.StatusCode)
	}
}

func TestRotationAndLastUse(t *testing.T) {
	t.Parallel()
	b := setupUsers(t)
	ctx := context.Background()

	// A request records the token's use (in the background)…
	if s := b.status(t, b.expert.Token); s != http.StatusOK {
		t.Fatal(s)
	}
	var used time.Time
	for deadline := time.Now().Add(10 * time.Second); used.IsZero(); time.Sleep(20 * time.Millisecond) {
		tokens, err := b.app.Store.Tokens(ctx, b.expert.ID)
		if err != nil || len(tokens) != 1 {
			t.Fatal(tokens, err)
		}
		if tokens[0].LastUsedAt != nil {
			used = *tokens[0].LastUsedAt
		}
		if time.Now().After(deadline) {
			t.Fatal("the token's use was not recorded")
		}
	}
	// …and more requests within the minute write nothing.
	for range 5 {
		b.status(t, b.expert.Token)
	}
	time.Sleep(200 * time.Millisecond)
	tokens, err := b.app.Store.Tokens(ctx, b.expert.ID)
	if err != nil || !tokens[0].LastUsedAt.Equal(used) {
		t.Fatalf("last use moved within the minute: %v → %v (%v)", used, tokens[0].LastUsedAt, err)
	}

	// The user rotates their own token: the old one stops at once.
	r := b.app.Do(t, http.MethodPost, "/v1/users/"+b.expert.ID+"/token", b.expert.Token, nil)
	var iss struct {
		Token string `json:"token"`
	}
	r.JSON(t, &iss)
	if r.StatusCode != http.StatusCreated || iss.Token == "" {
		t.Fatalf("rotate: %d %s", r.StatusCode, r.Body)
	}
	if s := b.status(t, b.expert.Token); s != http.StatusUnauthorized {
		t.Errorf("old token after rotation: %d", s)
	}
	if s := b.status(t, iss.Token); s != http.StatusOK {
		t.Errorf("new token: %d", s)
	}
	// Not another user's token, unless a manager.
	if r := b.app.Do(t, http.MethodPost, "/v1/users/"+b.manager.ID+"/token", iss.Token, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("an expert rotates a manager's token: %d", r.StatusCode)
	}
	// The manager sees both tokens, the old one revoked; then revokes all.
	var detail struct {
		Tokens []store.TokenInfo `json:"tokens"`
	}
	b.app.Do(t, http.MethodGet, "/v1/users/"+b.expert.ID, b.manager.Token, nil).JSON(t, &detail)
	if len(detail.Tokens) != 2 || detail.Tokens[0].RevokedAt != nil || detail.Tokens[1].RevokedAt == nil {
		t.Fatalf("tokens %+v", detail.Tokens)
	}
	if r := b.app.Do(t, http.MethodDelete, "/v1/users/"+b.expert.ID+"/token", b.manager.Token, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if s := b.status(t, iss.Token); s != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", s)
	}
}

func TestPreferencesAndMe(t *testing.T) {
	t.Parallel()
	b := setupUsers(t)
	var me store.User
	b.app.Do(t, http.MethodGet, "/v1/me", b.expert.Token, nil).JSON(t, &me)
	if me.ID != b.expert.ID || me.Email != b.expert.Email || me.Language != "en" || me.Notify != "immediate" {
		t.Fatalf("me %+v", me)
	}
	r := b.app.Do(t, http.MethodPut, "/v1/me/preferences", b.expert.Token, map[string]string{"language": "pt", "notify": "both"})
	r.JSON(t, &me)
	if r.StatusCode != http.StatusOK || me.Language != "pt" || me.Notify != "both" {
		t.Fatalf("preferences: %d %s", r.StatusCode, r.Body)
	}
	r = b.app.Do(t, http.MethodPut, "/v1/me/preferences", b.expert.Token, map[string]string{"language": "de", "notify": "weekly"})
	assertFields(t, r, "language", "notify")
}

func assertFields(t *testing.T, r testenv.Response, fields ...string) {
	t.Helper()
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("want 422 on %v, got %d %s", fields, r.StatusCode, r.Body)
	}
	var p struct {
		Errors []pipeline.FieldError `json:"errors"`
	}
	r.Problem(t, &p)
	got := map[string]bool{}
	for _, e := range p.Errors {
		got[e.Field] = true
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("no problem on %q in %s", f, r.Body)
		}
	}
	if len(got) != len(fields) {
		t.Errorf("problems %v, want exactly %v", p.Errors, fields)
	}
}

// TestDeactivatedExpertsTasksNeedReassignment: a deactivated expert's open
// priority shows on the dashboard until a manager reassigns it, and the
// expert can no longer be named.
func TestDeactivatedExpertsTasksNeedReassignment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.submit(t, b.fpPE, submission()).ID
	b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	dashboard := func() []store.Orphan {
		var d store.Dashboard
		r := b.app.Do(t, http.MethodGet, "/v1/pipeline", b.manager.Token, nil)
		r.JSON(t, &d)
		if r.StatusCode != http.StatusOK || d.NeedsReassignment == nil {
			t.Fatalf("dashboard: %d %s", r.StatusCode, r.Body)
		}
		return d.NeedsReassignment
	}
	if o := dashboard(); len(o) != 0 {
		t.Fatalf("orphans before deactivation: %+v", o)
	}
	if r := b.app.Do(t, http.MethodPost, "/v1/users/"+b.expert.ID+"/deactivate", b.manager.Token, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("deactivate: %d %s", r.StatusCode, r.Body)
	}
	o := dashboard()
	if len(o) != 1 || o[0].ID != id || o[0].AssigneeID != b.expert.ID || o[0].AssigneeName != "Carmen Díaz" ||
		o[0].Stage != pipeline.ExpertReview || o[0].DueAt == nil {
		t.Fatalf("orphans after deactivation: %+v", o)
	}
	// Filters apply: another country's view has none.
	var d store.Dashboard
	b.app.Do(t, http.MethodGet, "/v1/pipeline?country=MX", b.manager.Token, nil).JSON(t, &d)
	if len(d.NeedsReassignment) != 0 {
		t.Errorf("MX dashboard lists %+v", d.NeedsReassignment)
	}
	// The deactivated expert cannot be named again.
	second := b.submit(t, b.fpPE, submission()).ID
	r := b.app.Do(t, http.MethodPost, "/v1/priorities/"+second+"/decisions", b.manager.Token,
		map[string]any{"decision": "accept", "expert_id": b.expert.ID})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("accept naming a deactivated expert: %d %s", r.StatusCode, r.Body)
	}
	b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "reassign", "expert_id": b.expert2.ID})
	if o := dashboard(); len(o) != 0 {
		t.Errorf("orphans after reassignment: %+v", o)
	}
}
