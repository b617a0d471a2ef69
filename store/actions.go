package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// ActionFilter narrows the list of approved support actions.
type ActionFilter struct {
	Country string
	Theme   string
	Type    string
}

// SupportActions lists the approved support actions of the priorities the
// actor may see, latest approval first, one keyset page at a time.
func (s *Store) SupportActions(ctx context.Context, a pipeline.Actor, f ActionFilter, pg Page) ([]pipeline.SupportAction, string, error) {
	var w where
	w.scope(a, "p.")
	w.actionScope(a)
	w.opt("sa.countries @> ARRAY[?]", f.Country)
	w.opt("p.theme = ?", f.Theme)
	w.opt("sa.type = ?", f.Type)
	if pg.Cursor != "" {
		at, key, err := decodeCursor(pg.Cursor, 2)
		if err != nil {
			return nil, "", err
		}
		idx, err := strconv.Atoi(key[1])
		if err != nil {
			return nil, "", ErrBadCursor
		}
		w.add("(sa.approved_at, sa.priority_id, sa.idx) < (?, ?::uuid, ?)", at, key[0], idx)
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT sa.priority_id::text, p.ref, sa.idx, p.theme, sa.approved_at, sa.type, sa.title, sa.description,
			sa.beneficiaries, sa.countries, to_char(sa.start_date, 'YYYY-MM-DD'), to_char(sa.end_date, 'YYYY-MM-DD'),
			(sa.budget_eur * 100)::int8, sa.eu_agencies, sa.partner, sa.indicators, `+deliveryOf+`
		FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id
		WHERE `+w.sql()+`
		ORDER BY sa.approved_at DESC, sa.priority_id DESC, sa.idx DESC
		LIMIT `+strconv.Itoa(pg.Limit+1), w.args...)
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pipeline.SupportAction, error) {
		var sa pipeline.SupportAction
		var indicators, delivery []byte
		var cents int64
		err := r.Scan(&sa.PriorityID, &sa.PriorityRef, &sa.Index, &sa.Theme, &sa.ApprovedAt, &sa.Type, &sa.Title,
			&sa.Description, &sa.Beneficiaries, &sa.Countries, &sa.StartDate, &sa.EndDate, &cents,
			&sa.EUAgencies, &sa.Partner, &indicators, &delivery)
		sa.BudgetEUR = pipeline.Cents(cents)
		if err == nil {
			err = json.Unmarshal(indicators, &sa.Indicators)
		}
		if err == nil {
			err = json.Unmarshal(delivery, &sa.Delivery)
		}
		return sa, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("support actions: %w", err)
	}
	return cut(items, pg, func(sa pipeline.SupportAction) string {
		return encodeCursor(sa.ApprovedAt, sa.PriorityID, strconv.Itoa(sa.Index))
	})
}
