package web

import (
	"context"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// fakeDelivery is the delivery dashboard the fake service shows: the
// figures of deliverytest's scenario.
func fakeDelivery() *store.DeliveryDashboard {
	fiiapp := store.DeliveryFigures{Key: "fiiapp", Actions: 2, Budget: pipeline.Euros(30000), Reported: 1,
		ReportedBudget: pipeline.Euros(20000), ActualCost: pipeline.Cents(1800050), Indicators: 2, IndicatorsMet: 1,
		ParticipantsWomen: 12, ParticipantsMen: 8, ParticipantsOther: 1}
	civipol := store.DeliveryFigures{Key: "civipol", Actions: 6, Overdue: 1, Budget: pipeline.Euros(22000), Reported: 1,
		ReportedBudget: pipeline.Euros(5000), ActualCost: pipeline.Euros(5500), Indicators: 1, IndicatorsMet: 1,
		ParticipantsWomen: 3, ParticipantsMen: 4}
	total := store.DeliveryFigures{Actions: 8, Overdue: 1, Budget: pipeline.Euros(52000), Reported: 2,
		ReportedBudget: pipeline.Euros(25000), ActualCost: pipeline.Cents(2350050), Indicators: 3, IndicatorsMet: 2,
		ParticipantsWomen: 15, ParticipantsMen: 12, ParticipantsOther: 1}
	co, pe := civipol, fiiapp
	co.Key, pe.Key = "CO", "PE"
	police, justice := civipol, fiiapp
	police.Key, justice.Key = "police", "justice"
	cyber, money := civipol, fiiapp
	cyber.Key, money.Key = "cybercrime", "money_laundering"
	return &store.DeliveryDashboard{Totals: total,
		Stages: []store.DeliveryStageCount{{Stage: pipeline.Scheduled, Count: 1}, {Stage: pipeline.InProgress, Count: 3, Overdue: 1},
			{Stage: pipeline.Delivered, Count: 1}, {Stage: pipeline.Postponed, Count: 1}, {Stage: pipeline.Closed, Count: 1},
			{Stage: pipeline.Cancelled, Count: 1}},
		ByPartner: []store.DeliveryFigures{civipol, fiiapp}, ByCountry: []store.DeliveryFigures{co, pe},
		ByPillar: []store.DeliveryFigures{police, justice}, ByTheme: []store.DeliveryFigures{cyber, money}}
}

func (f *fakeService) DeliveryDashboard(_ context.Context, a pipeline.Actor, flt store.DeliveryFilter) (*store.DeliveryDashboard, error) {
	if err := a.Demand(pipeline.ViewDelivery); err != nil {
		return nil, err
	}
	if err := badFilter(service.CheckDeliveryFilter(flt)); err != nil {
		return nil, err
	}
	return fakeDelivery(), nil
}

func (f *fakeService) DeliveryInbox(context.Context, pipeline.Actor, time.Time) ([]store.DeliveryTask, error) {
	due := time.Date(2026, 6, 14, 0, 0, 0, 0, time.UTC)
	return []store.DeliveryTask{
		{PriorityID: f.p.ID, PriorityRef: f.p.Ref, Index: 1, Title: "Curso de ciberpatrullaje", Countries: []string{"CO"},
			Stage: pipeline.InProgress, Start: "2026-05-25", End: "2026-05-31", Waiting: store.DeliveryReportDue, DueAt: &due, Overdue: true},
		{PriorityID: f.p.ID, PriorityRef: f.p.Ref, Index: 3, Title: "Informe devuelto", Countries: []string{"CO"},
			Stage: pipeline.InProgress, Start: "2026-05-01", End: "2026-05-02", Waiting: store.DeliverySentBack},
		{PriorityID: f.p.ID, PriorityRef: f.p.Ref, Index: 2, Title: "<b>Taller aplazado</b>", Countries: []string{"CO", "PE"},
			Stage: pipeline.Postponed, Start: "2026-09-01", End: "2026-09-02", Waiting: store.DeliveryConfirm},
	}, nil
}

func (f *fakeService) NewCalendar(context.Context, pipeline.Actor) (string, error) {
	return "ptc_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f.err
}

func (f *fakeService) RevokeCalendar(context.Context, pipeline.Actor) error { return f.err }

func (f *fakeService) CalendarSince(context.Context, pipeline.Actor) (*time.Time, error) {
	return nil, nil
}
