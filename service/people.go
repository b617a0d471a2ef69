package service

import (
	"context"
	"errors"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Experts lists the active experts who cover theme (every active expert
// when theme is empty), by name: the people an accept or a reassign may
// name. Only managers, who choose them, may list them.
func (s *Service) Experts(ctx context.Context, a pipeline.Actor, theme string) ([]pipeline.Actor, error) {
	if err := a.Demand(pipeline.AssignExperts); err != nil {
		return nil, err
	}
	active := true
	f := store.UserFilter{Role: pipeline.Expert, Active: &active, Theme: theme}
	var experts []pipeline.Actor
	for pg := (store.Page{Limit: 200}); ; {
		users, next, err := s.Store.Users(ctx, f, pg)
		if err != nil {
			return nil, readFailed(err)
		}
		for _, u := range users {
			experts = append(experts, u.Actor)
		}
		if next == "" {
			return experts, nil
		}
		pg.Cursor = next
	}
}

// AssigneeName is the name of the expert assigned to p, for an actor who
// may see p; empty when nobody is. A deactivated expert keeps their name.
func (s *Service) AssigneeName(ctx context.Context, a pipeline.Actor, p *pipeline.Priority) (string, error) {
	if !a.CanSee(p) {
		return "", pipeline.Errorf(pipeline.KindNotFound, "no priority %s", p.ID)
	}
	if p.Assignee == "" {
		return "", nil
	}
	u, err := s.Store.Person(ctx, p.Assignee)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", readFailed(err)
	}
	return u.Name, nil
}
