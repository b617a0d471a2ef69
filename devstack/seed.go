package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// DevUser is one entry of the dev users file, token included
// (docs/architecture.md, The embedded stack).
type DevUser struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Language  string   `json:"language"`
	Role      string   `json:"role"`
	Countries []string `json:"countries"`
	Themes    []string `json:"themes"`
	Partner   string   `json:"partner,omitempty"`
	Token     string   `json:"token"`
}

// devTokenTTL is how long a demo user's token works; a restart after that
// issues new ones.
const devTokenTTL = 365 * 24 * time.Hour

// demoUsers are the dev stack's people: focal points for Peru, Colombia,
// Mexico, Haiti (in French) and Suriname (in Dutch), one expert per theme,
// two managers so four-eyes approval works, and implementers of two
// partners (FIIAPP in Spanish, Expertise France in French) who see and
// deliver the approved actions their partner implements.
// Their addresses are at example.org, which no mail server serves: in dev
// every email lands in Mailpit. The experts take turns at the
// languages, so the inbox shows each.
func demoUsers() []store.User {
	user := func(name, email, lang string, role pipeline.Role, countries ...string) store.User {
		return store.User{Actor: pipeline.Actor{Name: name, Role: role, Countries: countries}, Email: email, Language: lang}
	}
	implementer := func(name, email, lang, partner string) store.User {
		u := user(name, email, lang, pipeline.Implementer)
		u.Partner = partner
		return u
	}
	users := []store.User{
		user("María Quispe (focal point, Peru)", "maria.quispe@example.org", "es", pipeline.FocalPoint, "PE"),
		user("Andrés Gómez (focal point, Colombia)", "andres.gomez@example.org", "es", pipeline.FocalPoint, "CO"),
		user("Lucía Hernández (focal point, Mexico)", "lucia.hernandez@example.org", "es", pipeline.FocalPoint, "MX"),
		user("Marie-Claude Joseph (focal point, Haiti)", "marie-claude.joseph@example.org", "fr", pipeline.FocalPoint, "HT"),
		user("Ravi Ramdin (focal point, Suriname)", "ravi.ramdin@example.org", "nl", pipeline.FocalPoint, "SR"),
		user("Ana Ruiz (manager)", "ana.ruiz@example.org", "en", pipeline.Manager),
		user("Jean Dupont (manager)", "jean.dupont@example.org", "pt", pipeline.Manager),
		implementer("Carmen Vidal (implementer, FIIAPP)", "carmen.vidal@example.org", "es", "fiiapp"),
		implementer("Claire Martin (implementer, Expertise France)", "claire.martin@example.org", "fr", "expertise_france"),
	}
	for i, t := range pipeline.Lists.Themes {
		u := user("Expert, "+t.EN, "expert."+strings.ReplaceAll(t.Code, "_", "-")+"@example.org", store.Languages[i%len(store.Languages)], pipeline.Expert)
		u.Themes = []string{t.Code}
		users = append(users, u)
	}
	return users
}

// SeedDevUsers makes sure the demo users exist, active, and their tokens are
// in path. A file whose tokens all still work is kept, so tokens survive
// restarts; otherwise each demo user (found by email, or created) gets a new
// token.
func SeedDevUsers(ctx context.Context, st *store.Store, path string) ([]DevUser, error) {
	var users []DevUser
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &users) == nil && len(users) > 0 && allValid(ctx, st, users) {
		return users, nil
	}
	var out []DevUser
	for _, u := range demoUsers() {
		token, hash := store.NewToken()
		expires := time.Now().Add(devTokenTTL)
		have, err := st.UserByEmail(ctx, u.Email)
		switch {
		case err == nil && have.Active:
			u = have
			err = st.RotateToken(ctx, u.ID, hash, expires)
		case errors.Is(err, store.ErrNotFound):
			u, err = st.AddUser(ctx, u, hash, expires)
		case err == nil:
			err = fmt.Errorf("demo user %s is deactivated", u.Email)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, DevUser{ID: u.ID, Name: u.Name, Email: u.Email, Language: u.Language, Role: string(u.Role),
			Countries: u.Countries, Themes: u.Themes, Partner: u.Partner, Token: token})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("write dev users: %w", err)
	}
	return out, nil
}

// allValid reports whether the file names every demo user, every token of
// it still authenticates its user, and every user has the address the demo
// gives them. A file written before a demo user was added is rewritten.
func allValid(ctx context.Context, st *store.Store, users []DevUser) bool {
	listed := map[string]bool{}
	for _, u := range users {
		listed[u.Email] = true
	}
	for _, u := range demoUsers() {
		if !listed[u.Email] {
			return false
		}
	}
	for _, u := range users {
		t, err := st.TokenByHash(ctx, store.HashToken(u.Token))
		if err != nil || t.User.ID != u.ID || !t.User.Active || t.RevokedAt != nil ||
			time.Until(t.ExpiresAt) < 24*time.Hour || u.Email == "" || t.User.Email != u.Email {
			return false
		}
	}
	return true
}
