// Package deliverytest puts approved priorities and their support actions,
// with delivery columns of every stage, in a test's database: the rows the
// priority workflow's delivery writes, so that the delivery views can be
// tested on their own against hand-computed figures.
package deliverytest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Action is one support action's row.
type Action struct {
	Index      int
	Title      string
	Type       string
	Partner    string
	Countries  []string
	Stage      pipeline.DeliveryStage
	Start, End string
	// ConfirmedStart and ConfirmedEnd, when set, are the partner's dates.
	ConfirmedStart, ConfirmedEnd string
	Place                        string
	BudgetEUR                    int64
	Indicators                   []pipeline.Indicator
	Report                       *pipeline.DeliveryReport
	Overdue                      bool
}

// Priority is an approved priority with defaults for what is not set.
func Priority(ref, title string, opts ...func(*pipeline.Priority)) *pipeline.Priority {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: uuid.NewString(), Ref: ref, Title: title, Description: "Seguir el dinero",
		Theme: "money_laundering", Pillar: "justice", Countries: []string{"PE"}, Institution: "UIF",
		Urgency: "high", Sensitivity: pipeline.Public, Stage: pipeline.Approved, StageEnteredAt: at, Version: 9,
		SubmittedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at, Plan: &pipeline.Plan{Objective: "o", Actions: []pipeline.Action{}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Put records p through the store and inserts its actions' rows directly.
func Put(ctx context.Context, st *store.Store, url string, p *pipeline.Priority, actions ...Action) error {
	ev := pipeline.Event{PriorityID: p.ID, Seq: 1, At: p.UpdatedAt, Kind: pipeline.EventSubmitted,
		Actor: pipeline.Ref{ID: p.SubmittedBy, Name: "María", Role: pipeline.FocalPoint}, ToStage: p.Stage}
	if _, err := st.Record(ctx, store.Change{Priority: p, Events: []pipeline.Event{ev}}); err != nil {
		return fmt.Errorf("record %s: %w", p.Ref, err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, a := range actions {
		ind, err := json.Marshal(nonNil(a.Indicators))
		if err != nil {
			return err
		}
		var report []byte
		var actual *string
		var women, men, other *int
		if a.Report != nil {
			if report, err = json.Marshal(a.Report); err != nil {
				return err
			}
			s := a.Report.ActualCostEUR.String()
			actual, women, men, other = &s, &a.Report.ParticipantsWomen, &a.Report.ParticipantsMen, &a.Report.ParticipantsOther
		}
		_, err = conn.Exec(ctx, `INSERT INTO support_actions (priority_id, idx, type, title, description, beneficiaries,
			countries, start_date, end_date, budget_eur, eu_partners, indicators, approved_at, partner, delivery_stage,
			confirmed_start, confirmed_end, place, report, actual_cost_eur, participants_women, participants_men,
			participants_other, stage_entered_at, overdue)
			VALUES ($1, $2, $3, $4, 'Descripción', '{Fiscalía}', $5, $6, $7, $8, '{}', $9, $10, $11, $12,
				NULLIF($13, '')::date, NULLIF($14, '')::date, $15, $16, $17::numeric, $18, $19, $20, $10, $21)`,
			p.ID, a.Index, or(a.Type, "training"), or(a.Title, "Taller"), a.Countries, a.Start, a.End, a.BudgetEUR, ind,
			p.UpdatedAt, a.Partner, string(a.Stage), a.ConfirmedStart, a.ConfirmedEnd, a.Place, report, actual,
			women, men, other, a.Overdue)
		if err != nil {
			return fmt.Errorf("insert action %s/%d: %w", p.Ref, a.Index, err)
		}
	}
	return nil
}

// Exec runs one statement on the test's database: to move an action on.
func Exec(ctx context.Context, url, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Scenario is the delivery views' shared fixture: two approved priorities.
// Public is Peru's (justice, money laundering); Restricted is Colombia's
// (police, cybercrime), restricted. Their actions, by letter:
//
//	A Public/0     fiiapp   PE     scheduled    10,000 €
//	B Public/1     fiiapp   PE CO  closed       20,000 €, reported: 18,000.50 €, 12 women, 8 men, 1 other,
//	                                            indicators 45 of 40 (met), 5 of 10 (not met)
//	C Restricted/0 civipol  CO     delivered     5,000 €, reported: 5,500 €, 3 women, 4 men, indicator 1 of 1 (met)
//	D Restricted/1 civipol  CO     in_progress   7,000 €, ended 2026-05-31 without a report, overdue
//	E Public/2     civipol  PE     cancelled     1,000 €
//	F Restricted/2 civipol  CO     postponed     2,000 €, to 2026-09-01–02 in Bogotá
//	G Restricted/3 civipol  CO     in_progress   3,000 €, its report sent back
//	H Restricted/4 civipol  CO     in_progress   4,000 €, ends 2026-12-31
type Scenario struct {
	Public, Restricted *pipeline.Priority
}

// Seed puts the Scenario in the test's database.
func Seed(ctx context.Context, st *store.Store, url string) (Scenario, error) {
	s := Scenario{
		Public: Priority("PE-2026-0001", "Lavado de activos en Lima"),
		Restricted: Priority("CO-2026-0001", "Ciberdelito en Bogotá", func(p *pipeline.Priority) {
			p.Countries, p.Pillar, p.Theme, p.Sensitivity = []string{"CO"}, "police", "cybercrime", pipeline.Restricted
			p.Assignee = uuid.NewString()
		}),
	}
	two := []pipeline.Indicator{{Name: "Fiscales formados", Unit: "people", Target: 40}, {Name: "Casos", Unit: "cases", Target: 10}}
	one := []pipeline.Indicator{{Name: "Protocolo", Unit: "documents", Target: 1}}
	err := Put(ctx, st, url, s.Public,
		Action{Index: 0, Title: "Taller de análisis financiero", Partner: "fiiapp", Countries: []string{"PE"},
			Stage: pipeline.Scheduled, Start: "2026-07-06", End: "2026-07-08", BudgetEUR: 10000, Indicators: two},
		Action{Index: 1, Title: "Intercambio con Eurojust", Type: "peer_exchange", Partner: "fiiapp", Countries: []string{"PE", "CO"},
			Stage: pipeline.Closed, Start: "2026-03-10", End: "2026-03-12", ConfirmedStart: "2026-03-11", ConfirmedEnd: "2026-03-13",
			Place: "La Haya", BudgetEUR: 20000, Indicators: two,
			Report: &pipeline.DeliveryReport{ParticipantsWomen: 12, ParticipantsMen: 8, ParticipantsOther: 1,
				ActualCostEUR: pipeline.Cents(1800050), Summary: "Hecho",
				Indicators: []pipeline.IndicatorActual{{Actual: 45}, {Actual: 5}}}},
		Action{Index: 2, Title: "Estudio cancelado", Type: "study", Partner: "civipol", Countries: []string{"PE"},
			Stage: pipeline.Cancelled, Start: "2026-08-01", End: "2026-08-30", BudgetEUR: 1000},
	)
	if err != nil {
		return s, err
	}
	err = Put(ctx, st, url, s.Restricted,
		Action{Index: 0, Title: "Protocolo de evidencia digital", Type: "tool_development", Partner: "civipol",
			Countries: []string{"CO"}, Stage: pipeline.Delivered, Start: "2026-04-01", End: "2026-04-30", BudgetEUR: 5000,
			Indicators: one, Report: &pipeline.DeliveryReport{ParticipantsWomen: 3, ParticipantsMen: 4,
				ActualCostEUR: pipeline.Euros(5500), Indicators: []pipeline.IndicatorActual{{Actual: 1}}}},
		Action{Index: 1, Title: "Curso de ciberpatrullaje", Partner: "civipol", Countries: []string{"CO"},
			Stage: pipeline.InProgress, Start: "2026-05-25", End: "2026-05-31", BudgetEUR: 7000, Overdue: true},
		Action{Index: 2, Title: "Taller aplazado", Type: "regional_workshop", Partner: "civipol", Countries: []string{"CO"},
			Stage: pipeline.Postponed, Start: "2026-06-01", End: "2026-06-02", ConfirmedStart: "2026-09-01",
			ConfirmedEnd: "2026-09-02", Place: "Bogotá", BudgetEUR: 2000},
		Action{Index: 3, Title: "Informe devuelto", Type: "legal_advice", Partner: "civipol", Countries: []string{"CO"},
			Stage: pipeline.InProgress, Start: "2026-05-01", End: "2026-05-02", BudgetEUR: 3000,
			Report: &pipeline.DeliveryReport{ActualCostEUR: pipeline.Euros(100)}},
		Action{Index: 4, Title: "Asistencia en curso", Type: "technical_assistance", Partner: "civipol", Countries: []string{"CO"},
			Stage: pipeline.InProgress, Start: "2026-06-01", End: "2026-12-31", BudgetEUR: 4000},
	)
	return s, err
}

// Today is the day the Scenario's dates are written from: the tests that
// read it on another day move it there with MoveTo.
var Today = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

// MoveTo shifts every action's dates by as many days as lie between Today
// and today, so that what is past, due or ahead in the Scenario stays so:
// for the tests that read the clock (the calendar feed, the inbox).
func MoveTo(ctx context.Context, url string, today time.Time) error {
	days := int(today.UTC().Truncate(24*time.Hour).Sub(Today).Hours() / 24)
	return Exec(ctx, url, `UPDATE support_actions SET start_date = start_date + $1::int, end_date = end_date + $1::int,
		confirmed_start = confirmed_start + $1::int, confirmed_end = confirmed_end + $1::int`, days)
}
