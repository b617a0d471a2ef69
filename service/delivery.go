package service

import (
	"context"
	"slices"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// ActionView is one action of an approved priority as an actor reads it:
// the action with its delivery, the acts the actor may take on it now, and
// the events of its delivery, oldest first.
type ActionView struct {
	Action      pipeline.SupportAction `json:"action"`
	AllowedActs []pipeline.DeliveryAct `json:"allowed_acts"`
	Events      []pipeline.Event       `json:"events"`
	// Priority is the priority the action belongs to, as the actor may read it.
	Priority *pipeline.Priority `json:"-"`
}

// Action is action i of the priority with this id, for an actor who may
// see it (KindNotFound otherwise, and for a priority not delivering).
func (s *Service) Action(ctx context.Context, a pipeline.Actor, id string, i int) (*ActionView, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !p.Delivering() || !a.CanSeeAction(p, i) {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no action %d of priority %s", i, id)
	}
	evs, err := s.Store.Events(ctx, p.ID)
	if err != nil {
		return nil, readFailed(err)
	}
	evs = slices.DeleteFunc(evs, func(ev pipeline.Event) bool {
		j, ok := pipeline.EventAction(ev)
		return !ok || j != i || !slices.Contains(pipeline.DeliveryEventKinds, ev.Kind)
	})
	return &ActionView{
		Action: pipeline.SupportAction{PriorityID: p.ID, PriorityRef: p.Ref, Index: i, Theme: p.Theme,
			ApprovedAt: p.Deliveries[0].StageEnteredAt, Action: p.Plan.Actions[i], Delivery: p.Deliveries[i]},
		AllowedActs: pipeline.AllowedDeliveryActs(a, p, i), Events: append([]pipeline.Event{}, evs...), Priority: a.Redact(p),
	}, nil
}

// Deliver takes a delivery act for the actor on action i of the priority
// with this id, at version (0: any), like Act: judged against the read
// model, then by the workflow, which applies it; the result is recorded
// before Deliver returns.
func (s *Service) Deliver(ctx context.Context, a pipeline.Actor, id string, version, i int, in pipeline.DeliveryInput) (*pipeline.Priority, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := pipeline.CheckDelivery(a, p, version, i, in); err != nil {
		return nil, err
	}
	if err := s.temporalUp(ctx); err != nil {
		return nil, err
	}
	uctx, cancel := context.WithTimeout(ctx, s.UpdateTimeout)
	defer cancel()
	res, err := s.update(uctx, p, workflows.UpdateDeliver, workflows.DeliverRequest{Actor: a, Action: i, Input: in,
		Version: version, Since: p.EventSeq, RequestID: requestID(ctx)})
	if err != nil {
		return nil, s.changeFailed(ctx, err)
	}
	s.record(ctx, res.Priority, res.Events, res.RunID)
	return &res.Priority, nil
}

// CheckDelivery is Deliver's dry run, changing nothing.
func (s *Service) CheckDelivery(ctx context.Context, a pipeline.Actor, id string, version, i int, in pipeline.DeliveryInput) error {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return err
	}
	return pipeline.CheckDelivery(a, p, version, i, in)
}
