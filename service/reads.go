package service

import (
	"context"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// SupportActions lists the approved support actions of the priorities the
// actor may see, latest approval first.
func (s *Service) SupportActions(ctx context.Context, a pipeline.Actor, f store.ActionFilter, pg store.Page) (items []pipeline.SupportAction, next string, err error) {
	items, next, err = s.Store.SupportActions(ctx, a, f, pg)
	return items, next, readFailed(err)
}

// Pipeline is the managers' dashboard at the instant now. A filter that
// breaks CheckDashboardFilter is refused (KindInvalid).
func (s *Service) Pipeline(ctx context.Context, a pipeline.Actor, f store.DashboardFilter, now time.Time) (*store.Dashboard, error) {
	if err := a.Demand(pipeline.ViewPipeline); err != nil {
		return nil, err
	}
	if err := badFilter(CheckDashboardFilter(f)); err != nil {
		return nil, err
	}
	d, err := s.Store.Dashboard(ctx, f, now)
	return d, readFailed(err)
}

// CreateSession records a dialogue session the actor (a manager) creates.
func (s *Service) CreateSession(ctx context.Context, a pipeline.Actor, in pipeline.SessionInput) (pipeline.Session, error) {
	if err := a.Demand(pipeline.CreateSessions); err != nil {
		return pipeline.Session{}, err
	}
	if ps := in.Validate(); len(ps) > 0 {
		return pipeline.Session{}, pipeline.Invalid("the session is not valid", ps)
	}
	ses, err := s.Store.CreateSession(ctx, in, a.ID)
	return ses, readFailed(err)
}

// Sessions lists the dialogue sessions, latest first.
func (s *Service) Sessions(ctx context.Context, _ pipeline.Actor, pg store.Page) (items []pipeline.Session, next string, err error) {
	items, next, err = s.Store.Sessions(ctx, pg)
	return items, next, readFailed(err)
}

// SessionView is a dialogue session with its priorities counted by stage,
// only those its reader may see.
type SessionView struct {
	pipeline.Session
	Priorities map[pipeline.Stage]int `json:"priorities_by_stage"`
}

// Session is one dialogue session as the actor sees it.
func (s *Service) Session(ctx context.Context, a pipeline.Actor, id string) (*SessionView, error) {
	ses, err := s.session(ctx, id)
	if err != nil {
		return nil, err
	}
	counts, err := s.Store.StageCounts(ctx, a, ses.ID)
	if err != nil {
		return nil, readFailed(err)
	}
	return &SessionView{Session: ses, Priorities: counts}, nil
}
