package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// seedScale makes the benchmark's users and, unless the database already
// holds enough priorities, seeds synthetic ones in batches. It returns a
// manager's and a focal point's tokens.
func seedScale(ctx context.Context, st *store.Store, syn *synthetic, o ScaleOptions) (manager, focal string, err error) {
	m, err := addUser(ctx, st, pipeline.Actor{Name: "Bench manager", Role: pipeline.Manager})
	if err != nil {
		return "", "", err
	}
	f, err := addUser(ctx, st, pipeline.Actor{Name: "Bench focal point", Role: pipeline.FocalPoint, Countries: []string{"PE", "CO"}})
	if err != nil {
		return "", "", err
	}
	manager, focal = m.Token, f.Token
	have, _, err := syn.counts(ctx)
	if err != nil || have >= o.Priorities {
		return manager, focal, err
	}
	var experts []string
	for _, th := range pipeline.Lists.Themes {
		e, err := addUser(ctx, st, pipeline.Actor{Name: "Bench expert " + th.Code, Role: pipeline.Expert, Themes: []string{th.Code}})
		if err != nil {
			return "", "", err
		}
		experts = append(experts, e.ID)
	}
	const batch = 10000
	for first := have + 1; first <= o.Priorities; first += batch {
		last := min(first+batch-1, o.Priorities)
		t0 := time.Now()
		if err := syn.seed(ctx, first, last, o.EventsPer, experts, m.ID); err != nil {
			return "", "", err
		}
		fmt.Fprintf(o.Log, "seeded priorities %d–%d in %.1f s\n", first, last, time.Since(t0).Seconds())
	}
	return manager, focal, syn.analyze(ctx)
}

// addUser stores a bench user with a fresh token valid for a day.
func addUser(ctx context.Context, st *store.Store, a pipeline.Actor) (journey.User, error) {
	token, hash := store.NewToken()
	a.ID = uuid.NewString()
	u, err := st.AddUser(ctx, store.User{Actor: a, Email: "bench-" + a.ID + "@puente.invalid", Language: "en"}, hash, time.Now().Add(24*time.Hour))
	return journey.User{ID: u.ID, Name: u.Name, Token: token}, err
}
