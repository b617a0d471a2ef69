package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// DevUser is one entry of the dev users file (DESIGN §1), token included.
type DevUser struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Role      string   `json:"role"`
	Countries []string `json:"countries"`
	Themes    []string `json:"themes"`
	Token     string   `json:"token"`
}

// demoUsers are the dev stack's people: focal points for Peru, Colombia and
// Mexico, one expert per theme, and two managers so four-eyes approval works.
func demoUsers() []pipeline.Actor {
	users := []pipeline.Actor{
		{Name: "María Quispe (focal point, Peru)", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
		{Name: "Andrés Gómez (focal point, Colombia)", Role: pipeline.FocalPoint, Countries: []string{"CO"}},
		{Name: "Lucía Hernández (focal point, Mexico)", Role: pipeline.FocalPoint, Countries: []string{"MX"}},
		{Name: "Ana Ruiz (manager)", Role: pipeline.Manager},
		{Name: "Jean Dupont (manager)", Role: pipeline.Manager},
	}
	for _, t := range pipeline.Lists.Themes {
		users = append(users, pipeline.Actor{Name: "Expert, " + t.EN, Role: pipeline.Expert, Themes: []string{t.Code}})
	}
	return users
}

// SeedDevUsers makes sure the demo users exist and their tokens are in path.
// A file whose tokens all still work is kept, so tokens survive restarts.
func SeedDevUsers(ctx context.Context, st *store.Store, path string) ([]DevUser, error) {
	if users, err := readDevUsers(path); err == nil && allValid(ctx, st, users) {
		return users, nil
	}
	var out []DevUser
	for _, u := range demoUsers() {
		token, hash := store.NewToken()
		u, err := st.AddUser(ctx, u, hash)
		if err != nil {
			return nil, err
		}
		out = append(out, DevUser{ID: u.ID, Name: u.Name, Role: string(u.Role), Countries: u.Countries, Themes: u.Themes, Token: token})
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

func readDevUsers(path string) ([]DevUser, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var users []DevUser
	if err := json.Unmarshal(b, &users); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, errors.New("no users")
	}
	return users, nil
}

func allValid(ctx context.Context, st *store.Store, users []DevUser) bool {
	for _, u := range users {
		if a, err := st.UserByTokenHash(ctx, store.HashToken(u.Token)); err != nil || a.ID != u.ID {
			return false
		}
	}
	return true
}
