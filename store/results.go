package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// ActionRow is an approved support action as the exports read it: the
// action with its delivery state, and what its row keeps beside them.
type ActionRow struct {
	pipeline.SupportAction
	// ClosedAt is when a manager closed the action; nil while it is not.
	ClosedAt *time.Time
}

// actionRowColumns are an ActionRow's columns, from support_actions sa
// joined to priorities p, in the order scanActionRow reads them.
const actionRowColumns = `sa.priority_id::text, p.ref, sa.idx, p.theme, sa.approved_at, sa.type, sa.title,
	sa.description, sa.beneficiaries, sa.countries, coalesce(to_char(sa.start_date, 'YYYY-MM-DD'), ''),
	coalesce(to_char(sa.end_date, 'YYYY-MM-DD'), ''), (sa.budget_eur * 100)::int8, sa.eu_agencies, sa.indicators,
	sa.partner, sa.delivery_stage, coalesce(to_char(sa.confirmed_start, 'YYYY-MM-DD'), ''),
	coalesce(to_char(sa.confirmed_end, 'YYYY-MM-DD'), ''), sa.place, sa.report, sa.report_validated,
	(sa.actual_cost_eur * 100)::int8, sa.participants_women, sa.participants_men, sa.participants_other,
	coalesce(sa.stage_entered_at, sa.approved_at), sa.report_due_at, sa.overdue, sa.closed_at`

// scanActionRow reads one row of actionRowColumns. The report's figures
// are read from their columns, which the dashboards sum, over the copies in
// the report's JSON; a row with figures and no report JSON gets a report of
// its figures.
func scanActionRow(r pgx.CollectableRow) (ActionRow, error) {
	var (
		ar                 ActionRow
		indicators, report []byte
		budget             int64
		cost               *int64
		women, men, other  *int32
	)
	sa := &ar.SupportAction
	d := &sa.Delivery
	err := r.Scan(&sa.PriorityID, &sa.PriorityRef, &sa.Index, &sa.Theme, &sa.ApprovedAt, &sa.Type, &sa.Title,
		&sa.Description, &sa.Beneficiaries, &sa.Countries, &sa.StartDate, &sa.EndDate, &budget, &sa.EUAgencies,
		&indicators, &sa.Partner, &d.Stage, &d.ConfirmedStart, &d.ConfirmedEnd, &d.Place, &report,
		&d.ReportValidated, &cost, &women, &men, &other, &d.StageEnteredAt, &d.DueAt, &d.Overdue, &ar.ClosedAt)
	if err != nil {
		return ar, err
	}
	sa.BudgetEUR = pipeline.Cents(budget)
	if err := json.Unmarshal(indicators, &sa.Indicators); err != nil {
		return ar, fmt.Errorf("action %s/%d indicators: %w", sa.PriorityRef, sa.Index, err)
	}
	if len(report) > 0 && string(report) != "null" {
		d.Report = &pipeline.DeliveryReport{}
		if err := json.Unmarshal(report, d.Report); err != nil {
			return ar, fmt.Errorf("action %s/%d report: %w", sa.PriorityRef, sa.Index, err)
		}
	}
	if d.Report == nil && (cost != nil || women != nil || men != nil || other != nil) {
		d.Report = &pipeline.DeliveryReport{}
	}
	if d.Report != nil {
		if cost != nil {
			d.Report.ActualCostEUR = pipeline.Cents(*cost)
		}
		for _, f := range []struct {
			col *int32
			to  *int
		}{{women, &d.Report.ParticipantsWomen}, {men, &d.Report.ParticipantsMen}, {other, &d.Report.ParticipantsOther}} {
			if f.col != nil {
				*f.to = int(*f.col)
			}
		}
	}
	return ar, nil
}

// ActionRows returns the approved support actions of the priorities ids
// that the actor may see, by priority id, each priority's in plan order.
// Like every read of actions it applies scope and actionScope: an
// implementer gets only their partner's actions.
func (s *Store) ActionRows(ctx context.Context, a pipeline.Actor, ids []string) (map[string][]ActionRow, error) {
	out := map[string][]ActionRow{}
	if len(ids) == 0 {
		return out, nil
	}
	var w where
	w.scope(a, "p.")
	w.actionScope(a)
	w.add("sa.priority_id = ANY(?::uuid[])", ids)
	rows, _ := s.pool.Query(ctx, `SELECT `+actionRowColumns+`
		FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id
		WHERE `+w.sql()+` ORDER BY sa.priority_id, sa.idx`, w.args...)
	items, err := pgx.CollectRows(rows, scanActionRow)
	if err != nil {
		return nil, fmt.Errorf("action rows: %w", err)
	}
	for _, ar := range items {
		out[ar.PriorityID] = append(out[ar.PriorityID], ar)
	}
	return out, nil
}

// EachPriorityPage streams the priorities EachPriority would, a keyset page
// (at most exportPage) at a time: for exports that read more per page.
func (s *Store) EachPriorityPage(ctx context.Context, a pipeline.Actor, f Filter, fn func([]*pipeline.Priority) error) error {
	var last *pipeline.Priority
	for {
		var w where
		w.scope(a, "")
		w.filter(f)
		if last != nil {
			w.add("(created_at, id) > (?, ?::uuid)", last.CreatedAt, last.ID)
		}
		rows, _ := s.pool.Query(ctx, `SELECT `+priorityColumns+` FROM priorities WHERE `+w.sql()+
			` ORDER BY created_at, id LIMIT `+strconv.Itoa(exportPage), w.args...)
		page, err := pgx.CollectRows(rows, scanPriority)
		if err != nil {
			return fmt.Errorf("export priorities: %w", err)
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		last = page[len(page)-1]
	}
}
