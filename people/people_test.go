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
		{"language", func(u *store.User) { u.Language = "fr" }, []string{"language"}},
		{"notify", func(u *store.User) { u.Notify = "never" }, []string{"notify"}},
		{"role", func(u *store.User) { u.Role = "admin" }, []string{"role"}},
		{"focal point without country", func(u *store.User) { u.Countries = nil }, []string{"countries"}},
		{"not a CELAC country", func(u *store.User) { u.Countries = []string{"ES"} }, []string{"countries[0]"}},
		{"expert without theme", func(u *store.User) { u.Role, u.Countries = pipeline.Expert, nil }, []string{"themes"}},
		{"unknown theme", func(u *store.User) { u.Role, u.Themes = pipeline.Expert, []string{"piracy"} }, []string{"themes[0]"}},
		{"manager", func(u *store.User) { u.Role, u.Countries = pipeline.Manager, nil }, nil},
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
	u, iss, err := svc.Add(ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(iss.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("token lifetime %s, want the service's hour", d)
	}
	if got, err := svc.Authenticate(ctx, iss.Token); err != nil || got.ID != u.ID || got.Email != "ana@example.org" {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if _, _, err := svc.Add(ctx, store.User{Actor: pipeline.Actor{Name: "Ana 2", Role: pipeline.Manager}, Email: "ANA@example.org"}); err == nil {
		t.Error("a second user with the same email")
	}
	next, err := svc.RotateToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, iss.Token); !errors.Is(err, store.ErrTokenRevoked) {
		t.Errorf("rotated-away token: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "pte_nothing"); !errors.Is(err, people.ErrUnknownToken) {
		t.Errorf("unknown token: %v", err)
	}
	other, _, err := svc.Add(ctx, store.User{Actor: pipeline.Actor{Name: "Jean", Role: pipeline.Manager}, Email: "jean@example.org"})
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
	u, iss, err := svc.Add(ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@example.org"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := svc.Authenticate(ctx, iss.Token); err != nil || got.ID != u.ID {
			b.Fatal(got, err)
		}
	}
}
