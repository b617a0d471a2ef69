package api

import (
	"context"
	"sync"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// userCache remembers token lookups for a short while: every request
// authenticates, and users change rarely. Only hashes are kept as keys.
type userCache struct {
	store *store.Store
	ttl   time.Duration
	mu    sync.Mutex
	m     map[string]cachedUser
}

type cachedUser struct {
	actor   pipeline.Actor
	expires time.Time
}

func (u *userCache) lookup(ctx context.Context, token string) (pipeline.Actor, error) {
	hash := store.HashToken(token)
	key := string(hash)
	now := time.Now()
	u.mu.Lock()
	if e, ok := u.m[key]; ok && now.Before(e.expires) {
		u.mu.Unlock()
		return e.actor, nil
	}
	u.mu.Unlock()
	a, err := u.store.UserByTokenHash(ctx, hash)
	if err != nil {
		return pipeline.Actor{}, err
	}
	u.mu.Lock()
	if len(u.m) > 10000 {
		clear(u.m)
	}
	u.m[key] = cachedUser{actor: a, expires: now.Add(u.ttl)}
	u.mu.Unlock()
	return a, nil
}
