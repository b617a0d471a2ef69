package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// plannedColumns are an approved action's columns with its delivery and
// its origin, for scanPlanned; the query joins support_actions sa,
// priorities p, sessions s and the submitter u.
const plannedColumns = `sa.priority_id::text, p.ref, sa.idx, p.theme, sa.approved_at, sa.type, sa.title, sa.description,
	sa.beneficiaries, sa.countries, to_char(sa.start_date, 'YYYY-MM-DD'), to_char(sa.end_date, 'YYYY-MM-DD'),
	(sa.budget_eur * 100)::int8, sa.eu_agencies, sa.indicators, sa.partner,
	sa.delivery_stage, coalesce(to_char(sa.confirmed_start, 'YYYY-MM-DD'), ''),
	coalesce(to_char(sa.confirmed_end, 'YYYY-MM-DD'), ''), sa.place, sa.report, sa.report_validated,
	(sa.actual_cost_eur * 100)::int8, sa.participants_women, sa.participants_men, sa.participants_other,
	sa.overdue, coalesce(sa.stage_entered_at, sa.approved_at), sa.report_due_at, p.pillar, p.title, p.countries, coalesce(s.id::text, ''), coalesce(s.title, ''),
	coalesce(to_char(s.date, 'YYYY-MM-DD'), ''), coalesce(u.countries, '{}')`

const plannedFrom = `FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id
	LEFT JOIN sessions s ON s.id = p.session_id LEFT JOIN users u ON u.id = p.submitted_by`

// scanPlanned reads a row of plannedColumns. The report's figures come
// from their columns (what the dashboard sums too); its indicator actuals
// from the report itself.
func scanPlanned(r pgx.CollectableRow) (pipeline.PlannedAction, error) {
	var a pipeline.PlannedAction
	var indicators, report []byte
	var cents int64
	var cost *int64
	var women, men, other *int
	err := r.Scan(&a.PriorityID, &a.PriorityRef, &a.Index, &a.Theme, &a.ApprovedAt, &a.Type, &a.Title,
		&a.Description, &a.Beneficiaries, &a.Countries, &a.StartDate, &a.EndDate, &cents, &a.EUAgencies,
		&indicators, &a.Partner, &a.Delivery.Stage, &a.Delivery.ConfirmedStart, &a.Delivery.ConfirmedEnd,
		&a.Delivery.Place, &report, &a.Delivery.ReportValidated, &cost, &women, &men, &other,
		&a.Delivery.Overdue, &a.Delivery.StageEnteredAt, &a.Delivery.DueAt, &a.Pillar, &a.PriorityTitle, &a.PriorityCountries, &a.SessionID,
		&a.SessionTitle, &a.SessionDate, &a.SubmitterCountries)
	if err != nil {
		return a, err
	}
	a.BudgetEUR = pipeline.Cents(cents)
	if err := json.Unmarshal(indicators, &a.Indicators); err != nil {
		return a, fmt.Errorf("action %s/%d indicators: %w", a.PriorityID, a.Index, err)
	}
	if report != nil {
		var rep pipeline.DeliveryReport
		if err := json.Unmarshal(report, &rep); err != nil {
			return a, fmt.Errorf("action %s/%d report: %w", a.PriorityID, a.Index, err)
		}
		a.Delivery.Report = &rep
	}
	if cost != nil || women != nil || men != nil || other != nil {
		if a.Delivery.Report == nil {
			a.Delivery.Report = &pipeline.DeliveryReport{}
		}
		rep := a.Delivery.Report
		rep.ActualCostEUR = pipeline.Cents(deref(cost))
		rep.ParticipantsWomen, rep.ParticipantsMen, rep.ParticipantsOther = deref(women), deref(men), deref(other)
	}
	return a, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// AnnualPlanActions returns the approved actions the actor may see whose
// planned start date falls in year, of one dialogue session's priorities
// when sessionID is not empty: one statement, over the start-date index.
func (s *Store) AnnualPlanActions(ctx context.Context, a pipeline.Actor, year int, sessionID string) ([]pipeline.PlannedAction, error) {
	var w where
	w.add("p.stage = 'approved'")
	first := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	w.add("sa.start_date >= ?::date AND sa.start_date < ?::date", first.Format(time.DateOnly), first.AddDate(1, 0, 0).Format(time.DateOnly))
	w.opt("p.session_id = ?::uuid", sessionID)
	w.scope(a, "p.")
	w.actionScope(a)
	rows, _ := s.pool.Query(ctx, `SELECT `+plannedColumns+` `+plannedFrom+` WHERE `+w.sql(), w.args...)
	items, err := pgx.CollectRows(rows, scanPlanned)
	if err != nil {
		return nil, fmt.Errorf("annual plan %d: %w", year, err)
	}
	return items, nil
}

// SessionOutcome returns the priorities of a dialogue session the actor
// may see, by ref, and the approved actions among them the actor may see:
// two statements, over the session index and the actions' primary key.
func (s *Store) SessionOutcome(ctx context.Context, a pipeline.Actor, sessionID string) ([]pipeline.PriorityOutcome, []pipeline.PlannedAction, error) {
	var w where
	w.add("p.session_id = ?::uuid", sessionID)
	w.scope(a, "p.")
	rows, _ := s.pool.Query(ctx, `SELECT p.id::text, p.ref, p.title, p.theme, p.pillar, p.countries, p.stage, p.sensitivity
		FROM priorities p WHERE `+w.sql()+` ORDER BY p.ref`, w.args...)
	priorities, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pipeline.PriorityOutcome, error) {
		var o pipeline.PriorityOutcome
		err := r.Scan(&o.ID, &o.Ref, &o.Title, &o.Theme, &o.Pillar, &o.Countries, &o.Stage, &o.Sensitivity)
		return o, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("session %s outcome: %w", sessionID, err)
	}
	w.add("p.stage = 'approved'")
	w.actionScope(a)
	rows, _ = s.pool.Query(ctx, `SELECT `+plannedColumns+` `+plannedFrom+` WHERE `+w.sql(), w.args...)
	actions, err := pgx.CollectRows(rows, scanPlanned)
	if err != nil {
		return nil, nil, fmt.Errorf("session %s outcome actions: %w", sessionID, err)
	}
	return priorities, actions, nil
}
