package service

import (
	"context"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// PublishedPriorities streams what Puente publishes (the IATI export) to
// fn: the approved priorities passing f, never a restricted one, whoever
// asks.
func (s *Service) PublishedPriorities(ctx context.Context, a pipeline.Actor, f store.Filter, fn func(*pipeline.Priority) error) error {
	f.Stage, f.PublicOnly = pipeline.Approved, true
	return s.ExportPriorities(ctx, a, f, fn)
}
