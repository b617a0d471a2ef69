package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// seedScale makes the benchmark's users and, unless the database already
// holds enough priorities, seeds synthetic ones in batches. It returns a
// manager's and a focal point's tokens.
func seedScale(ctx context.Context, st *store.Store, syn *synthetic, o ScaleOptions) (manager, focal string, err error) {
	add := func(a pipeline.Actor) (pipeline.Actor, string, error) {
		token, hash := store.NewToken()
		a.ID = uuid.NewString()
		u, err := st.AddUser(ctx, store.User{Actor: a, Email: "bench-" + a.ID + "@puente.invalid", Language: "en"}, hash, time.Now().Add(24*time.Hour))
		return u.Actor, token, err
	}
	m, manager, err := add(pipeline.Actor{Name: "Bench manager", Role: pipeline.Manager})
	if err != nil {
		return "", "", err
	}
	if _, focal, err = add(pipeline.Actor{Name: "Bench focal point", Role: pipeline.FocalPoint, Countries: []string{"PE", "CO"}}); err != nil {
		return "", "", err
	}
	have, _, err := syn.counts(ctx)
	if err != nil || have >= o.Priorities {
		return manager, focal, err
	}
	var experts []string
	for _, th := range pipeline.Lists.Themes {
		e, _, err := add(pipeline.Actor{Name: "Bench expert " + th.Code, Role: pipeline.Expert, Themes: []string{th.Code}})
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
