package store

import (
	"context"

	"github.com/puente-dev/puente/pipeline"
)

// Expert finds the user an accept or reassign names by id or, when id is
// empty, the least-loaded expert of theme (see pipeline.ExpertWanted). It
// returns whoever the id names, expert or not: the engine judges.
func (s *Store) Expert(ctx context.Context, id, theme string) (pipeline.Actor, error) {
	if id != "" {
		return s.User(ctx, id)
	}
	return s.LeastLoadedExpert(ctx, theme)
}
