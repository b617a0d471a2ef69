package people_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
		Email: "ana@example.org", Language: "es", Notify: "immediate"}
	cases := []struct {
		name   string
		change func(*store.User)
		fields []string
	}{
		{"valid", func(*store.User) {}, nil},
		{"no name", func(u *store.User) { u.Name = " " }, []string{"name"}},
		{"no email", func(u *store.User) { u.Email = "" }, []string{"email"}},
		{"display name", func(u *store.User) { u.Email = "Ana <ana@example.org>" }, []string{"email"}},
		{"not an address", func(u *store.User) { u.Email = "ana at example.org" }, []string{"email"}},
		{"two addresses", func(u *store.User) { u.Email = "a@example.org,b@example.org" }, []string{"email"}},
		{"language", func(u *store.User) { u.Language = "de" }, []string{"language"}},
		{"notify", func(u *store.User) { u.Notify = "never" }, []string{"notify"}},
		{"role", func(u *store.User) { u.Role = "admin" }, []string{"role"}},
		{"focal point without country", func(u *store.User) { u.Countries = nil }, []string{"countries"}},
		{"not a CELAC country", func(u *store.User) { u.Countries = []string{"ES"} }, []string{"countries[0]"}},
		{"expert without theme", func(u *store.User) { u.Role, u.Countries = pipeline.Expert, nil }, []string{"themes"}},
		{"unknown theme", func(u *store.User) { u.Role, u.Themes = pipeline.Expert, []string{"piracy"} }, []string{"themes[0]"}},
		{"manager", func(u *store.User) { u.Role, u.Countries = pipeline.Manager, nil }, nil},
		{"implementer", func(u *store.User) { u.Role, u.Countries, u.Partner = pipeline.Implementer, nil, "nl_jenv" }, nil},
		{"implementer without partner", func(u *store.User) { u.Role, u.Countries = pipeline.Implementer, nil }, []string{"partner"}},
		{"implementer of no partner", func(u *store.User) { u.Role, u.Countries, u.Partner = pipeline.Implementer, nil, "FIIAPP" }, []string{"partner"}},
		{"focal point with a partner", func(u *store.User) { u.Partner = "fiiapp" }, []string{"partner"}},
	}
	for _, c := range cases {
		u := ok
		c.change(&u)
		ps := people.Validate(u)
		if len(ps) != len(c.fields) {
			t.Errorf("%s: problems %v, want on %v", c.name, ps, c.fields)
			continue
		}
		for i, f := range c.fields {
			if ps[i].Field != f {
				t.Errorf("%s: problem %v, want on %s", c.name, ps[i], f)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	u := store.User{Actor: pipeline.Actor{Name: "  Ana "}, Email: " Ana.Ruiz@Example.ORG "}
	people.Normalize(&u)
	if u.Name != "Ana" || u.Email != "ana.ruiz@example.org" || u.Language != "es" || u.Notify != "immediate" {
		t.Errorf("normalized %+v", u)
	}
	ht := store.User{Actor: pipeline.Actor{Name: "Marie", Role: pipeline.FocalPoint, Countries: []string{"HT"}}}
	if people.Normalize(&ht); ht.Language != "fr" {
		t.Errorf("a focal point of Haiti without a language reads %q, want fr", ht.Language)
	}
}

// TestLanguageFromCountry: a user added without a language reads their
// country's — Haiti's focal point French, Suriname's Dutch — and keeps it
// in the database; one given a language keeps theirs; they may change it.
func TestLanguageFromCountry(t *testing.T) {
	t.Parallel()
	svc, ctx := setup(t), context.Background()
	for _, c := range []struct{ email, lang, want string }{
		{"mc.joseph@example.org", "", "fr"}, {"r.ramdin@example.org", "", "nl"},
		{"j.pierre@example.org", "en", "en"},
	} {
		country := map[string]string{"mc.joseph@example.org": "HT", "r.ramdin@example.org": "SR", "j.pierre@example.org": "HT"}[c.email]
		u, _, err := svc.Add(ctx, people.Console, store.User{Email: c.email, Language: c.lang,
			Actor: pipeline.Actor{Name: c.email, Role: pipeline.FocalPoint, Countries: []string{country}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Store.Person(ctx, u.ID)
		if err != nil || got.Language != c.want {
			t.Errorf("%s of %s: language %q (%v), want %q", c.email, country, got.Language, err, c.want)
		}
	}
	fr, _ := svc.Store.UserByEmail(ctx, "mc.joseph@example.org")
	if u, err := svc.SetPreferences(ctx, fr.ID, "nl", store.NotifyDigest); err != nil || u.Language != "nl" {
		t.Errorf("set to nl: %+v, %v", u, err)
	}
}

func setup(t testing.TB) *people.Service {
	t.Helper()
	st, err := store.Open(context.Background(), testenv.DatabaseURL(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return &people.Service{Store: st, TokenTTL: time.Hour}
}

func TestAuthenticateSaysWhyATokenIsRefused(t *testing.T) {
	t.Parallel()
	svc := setup(t)
	ctx := context.Background()
	u, iss, err := svc.Add(ctx, people.Console, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(iss.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("token lifetime %s, want the service's hour", d)
	}
	if got, err := svc.Authenticate(ctx, iss.Token); err != nil || got.ID != u.ID || got.Email != "ana@example.org" {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if _, _, err := svc.Add(ctx, people.Console, store.User{Actor: pipeline.Actor{Name: "Ana 2", Role: pipeline.Manager}, Email: "ANA@example.org"}); err == nil {
		t.Error("a second user with the same email")
	}
	next, err := svc.RotateToken(ctx, people.Console, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, iss.Token); !errors.Is(err, store.ErrTokenRevoked) {
		t.Errorf("rotated-away token: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "pte_nothing"); !errors.Is(err, people.ErrUnknownToken) {
		t.Errorf("unknown token: %v", err)
	}
	other, _, err := svc.Add(ctx, people.Console, store.User{Actor: pipeline.Actor{Name: "Jean", Role: pipeline.Manager}, Email: "jean@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Deactivate(ctx, u.Actor, u.ID); !errors.Is(err, people.ErrSelf) {
		t.Errorf("self-deactivation: %v", err)
	}
	if _, err := svc.Deactivate(ctx, other.Actor, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, next.Token); !errors.Is(err, store.ErrDeactivated) {
		t.Errorf("deactivated user's token: %v", err)
	}
}

// BenchmarkAuthenticate is the lookup every API request makes, on a real
// PostgreSQL: `go test ./people -run '^$' -bench . -benchmem`.
func BenchmarkAuthenticate(b *testing.B) {
	svc := setup(b)
	ctx := context.Background()
	u, iss, err := svc.Add(ctx, people.Console, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := svc.Authenticate(ctx, iss.Token); err != nil || got.ID != u.ID {
			b.Fatal(got, err)
		}
	}
}

// TestOnlyManagersManageUsers holds the one rule of user management, the
// API's and the web app's alike: an actor who is not a manager is refused
// every change and read of other users, and nothing changes; anyone may
// rotate their own token.
func TestOnlyManagersManageUsers(t *testing.T) {
	t.Parallel()
	svc := setup(t)
	ctx := context.Background()
	fp, _, err := svc.Add(ctx, people.Console, store.User{Email: "rosa@example.org",
		Actor: pipeline.Actor{Name: "Rosa", Role: pipeline.FocalPoint, Countries: []string{"PE"}}})
	if err != nil {
		t.Fatal(err)
	}
	luis, _, err := svc.Add(ctx, people.Console, store.User{Email: "luis@example.org",
		Actor: pipeline.Actor{Name: "Luis", Role: pipeline.Expert, Themes: []string{"cybercrime"}}})
	if err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	refusals := map[string]error{}
	_, _, refusals["add"] = svc.Add(ctx, fp.Actor, store.User{Email: "intruder@example.org",
		Actor: pipeline.Actor{Name: "Intruder", Role: pipeline.Manager}})
	_, refusals["update"] = svc.Update(ctx, fp.Actor, luis.ID, store.UserChanges{Name: &name})
	_, refusals["deactivate"] = svc.Deactivate(ctx, fp.Actor, luis.ID)
	_, refusals["rotate"] = svc.RotateToken(ctx, fp.Actor, luis.ID)
	refusals["revoke"] = svc.RevokeTokens(ctx, fp.Actor, luis.ID)
	_, _, refusals["list"] = svc.List(ctx, fp.Actor, store.UserFilter{}, store.Page{Limit: 10})
	_, _, refusals["get"] = svc.Get(ctx, fp.Actor, luis.ID)
	for what, err := range refusals {
		if pipeline.KindOfError(err) != pipeline.KindForbidden {
			t.Errorf("%s by a focal point: %v, want forbidden", what, err)
		}
	}
	got, tokens, err := svc.Get(ctx, people.Console, luis.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Luis" || !got.Active || len(tokens) != 1 || tokens[0].RevokedAt != nil {
		t.Errorf("a refused change changed the user: %+v, tokens %+v", got, tokens)
	}
	if _, err := svc.Store.UserByEmail(ctx, "intruder@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused add added a user: %v", err)
	}
	if _, err := svc.RotateToken(ctx, fp.Actor, fp.ID); err != nil {
		t.Errorf("a focal point rotating their own token: %v", err)
	}
}
