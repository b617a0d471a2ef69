package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// DeliveryFilter narrows the delivery dashboard. Zero values do not filter.
type DeliveryFilter struct {
	Partner string
	Country string
	Pillar  string
	Theme   string
}

// DeliveryFigures are the delivery figures of a set of approved actions.
// The report figures (actual cost, participants, indicators) are those of
// the Reported actions: delivered or closed, with a report.
type DeliveryFigures struct {
	// Key is the partner, country, pillar or theme of a breakdown's row;
	// empty for the totals.
	Key     string       `json:"key,omitempty"`
	Actions int          `json:"actions"`
	Overdue int          `json:"overdue_reports"`
	Budget  pipeline.EUR `json:"budget_eur"`
	// Reported actions, and the approved budget and the actual cost of those.
	Reported       int          `json:"reported"`
	ReportedBudget pipeline.EUR `json:"reported_budget_eur"`
	ActualCost     pipeline.EUR `json:"actual_cost_eur"`
	// Indicators of the reported actions, and how many reached their target.
	Indicators        int `json:"indicators"`
	IndicatorsMet     int `json:"indicators_met"`
	ParticipantsWomen int `json:"participants_women"`
	ParticipantsMen   int `json:"participants_men"`
	ParticipantsOther int `json:"participants_other"`
}

// add sums o into f.
func (f *DeliveryFigures) add(o DeliveryFigures) {
	f.Actions += o.Actions
	f.Overdue += o.Overdue
	f.Budget = f.Budget.Add(o.Budget)
	f.Reported += o.Reported
	f.ReportedBudget = f.ReportedBudget.Add(o.ReportedBudget)
	f.ActualCost = f.ActualCost.Add(o.ActualCost)
	f.Indicators += o.Indicators
	f.IndicatorsMet += o.IndicatorsMet
	f.ParticipantsWomen += o.ParticipantsWomen
	f.ParticipantsMen += o.ParticipantsMen
	f.ParticipantsOther += o.ParticipantsOther
}

// DeliveryStageCount is how many actions are in one delivery stage.
type DeliveryStageCount struct {
	Stage   pipeline.DeliveryStage `json:"stage"`
	Count   int                    `json:"count"`
	Overdue int                    `json:"overdue_reports"`
}

// DeliveryDashboard is the view of delivery: the totals, the actions per
// delivery stage, and the same figures by partner, country, pillar and
// theme (largest number of actions first).
type DeliveryDashboard struct {
	Totals    DeliveryFigures      `json:"totals"`
	Stages    []DeliveryStageCount `json:"stages"`
	ByPartner []DeliveryFigures    `json:"by_partner"`
	ByCountry []DeliveryFigures    `json:"by_country"`
	ByPillar  []DeliveryFigures    `json:"by_pillar"`
	ByTheme   []DeliveryFigures    `json:"by_theme"`
}

// deliverySums are the sums of delivery_counts' figures, in DeliveryFigures' order.
const deliverySums = `sum(n)::int, coalesce(sum(n) FILTER (WHERE overdue), 0)::int, (sum(budget_eur) * 100)::int8,
	sum(reported)::int, (sum(reported_budget) * 100)::int8, (sum(actual_cost_eur) * 100)::int8,
	sum(indicators)::int, sum(indicators_met)::int, sum(women)::int, sum(men)::int, sum(other)::int`

// DeliveryDashboard sums the delivery counters (kept by a trigger on
// support_actions) for the actor: every action for a manager, an
// implementer's partner's only. Nobody else has a view of delivery, so no
// restricted priority's action reaches anyone who may not see it.
func (s *Store) DeliveryDashboard(ctx context.Context, a pipeline.Actor, f DeliveryFilter) (*DeliveryDashboard, error) {
	var w where
	switch a.Role {
	case pipeline.Manager:
	case pipeline.Implementer:
		w.add("partner = ? AND partner <> ''", a.Partner)
	default:
		w.add("false")
	}
	w.opt("partner = ?", f.Partner)
	w.opt("pillar = ?", f.Pillar)
	w.opt("theme = ?", f.Theme)
	once, each := w.clone(), w.clone()
	country := f.Country
	if country == "" {
		country = "*"
	}
	once.add("country = ?", country)
	each.add("country <> '*'")
	each.opt("country = ?", f.Country)
	// Country '*' counts each action once: the totals and the breakdowns
	// but by country; the per-country rows give that one.
	q := `SELECT 'stage', stage, ` + deliverySums + ` FROM delivery_counts WHERE ` + once.sql() + ` GROUP BY stage
		UNION ALL SELECT 'partner', partner, ` + deliverySums + ` FROM delivery_counts WHERE ` + once.sql() + ` GROUP BY partner
		UNION ALL SELECT 'pillar', pillar, ` + deliverySums + ` FROM delivery_counts WHERE ` + once.sql() + ` GROUP BY pillar
		UNION ALL SELECT 'theme', theme, ` + deliverySums + ` FROM delivery_counts WHERE ` + once.sql() + ` GROUP BY theme`
	d := &DeliveryDashboard{ByPartner: []DeliveryFigures{}, ByCountry: []DeliveryFigures{}, ByPillar: []DeliveryFigures{},
		ByTheme: []DeliveryFigures{}}
	stages := map[pipeline.DeliveryStage]DeliveryFigures{}
	var dim string
	var x DeliveryFigures
	var budget, reportedBudget, actual int64
	dst := []any{&dim, &x.Key, &x.Actions, &x.Overdue, &budget, &x.Reported, &reportedBudget, &actual,
		&x.Indicators, &x.IndicatorsMet, &x.ParticipantsWomen, &x.ParticipantsMen, &x.ParticipantsOther}
	collect := func() error {
		x.Budget, x.ReportedBudget, x.ActualCost = pipeline.Cents(budget), pipeline.Cents(reportedBudget), pipeline.Cents(actual)
		if x.Actions == 0 {
			return nil
		}
		switch dim {
		case "stage":
			stages[pipeline.DeliveryStage(x.Key)] = x
			d.Totals.add(x)
		case "partner":
			d.ByPartner = append(d.ByPartner, x)
		case "pillar":
			d.ByPillar = append(d.ByPillar, x)
		case "theme":
			d.ByTheme = append(d.ByTheme, x)
		case "country":
			d.ByCountry = append(d.ByCountry, x)
		}
		return nil
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("delivery dashboard: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, _ := tx.Query(ctx, q, once.args...)
	if _, err := pgx.ForEachRow(rows, dst, collect); err != nil {
		return nil, fmt.Errorf("delivery dashboard: %w", err)
	}
	rows, _ = tx.Query(ctx, `SELECT 'country', country, `+deliverySums+` FROM delivery_counts WHERE `+each.sql()+
		` GROUP BY country`, each.args...)
	if _, err := pgx.ForEachRow(rows, dst, collect); err != nil {
		return nil, fmt.Errorf("delivery dashboard by country: %w", err)
	}
	d.Totals.Key = ""
	for _, st := range pipeline.DeliveryStages {
		d.Stages = append(d.Stages, DeliveryStageCount{Stage: st, Count: stages[st].Actions, Overdue: stages[st].Overdue})
	}
	for _, rows := range [][]DeliveryFigures{d.ByPartner, d.ByCountry, d.ByPillar, d.ByTheme} {
		slices.SortFunc(rows, func(a, b DeliveryFigures) int {
			if a.Actions != b.Actions {
				return b.Actions - a.Actions
			}
			if a.Key < b.Key {
				return -1
			}
			return 1
		})
	}
	return d, tx.Commit(ctx)
}

// clone is a copy of w that conditions added to it leave w as it is.
func (w where) clone() where {
	return where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
}

// What an implementer's inbox asks of them about an action.
const (
	// DeliveryConfirm: confirm the dates and the place (scheduled, postponed).
	DeliveryConfirm = "confirm"
	// DeliveryReportDue: the action ended without a report.
	DeliveryReportDue = "report"
	// DeliverySentBack: the expert sent the report back.
	DeliverySentBack = "sent_back"
)

// DeliveryTask is an action waiting for its implementer.
type DeliveryTask struct {
	PriorityID  string                 `json:"priority_id"`
	PriorityRef string                 `json:"priority_ref"`
	Index       int                    `json:"index"`
	Title       string                 `json:"title"`
	Countries   []string               `json:"countries"`
	Stage       pipeline.DeliveryStage `json:"stage"`
	// Start and End are the confirmed dates, else the planned ones.
	Start string `json:"start_date"`
	End   string `json:"end_date"`
	// Waiting is what is asked: DeliveryConfirm, DeliveryReportDue or DeliverySentBack.
	Waiting string     `json:"waiting"`
	DueAt   *time.Time `json:"due_at,omitempty"`
	Overdue bool       `json:"overdue"`
}

// maxInbox bounds the implementer's inbox.
const maxInbox = 200

// DeliveryInbox lists the open actions of the actor's partner that wait for
// them on the day today (YYYY-MM-DD): dates to confirm, reports due (in
// progress past their end date) or sent back; overdue first, then by date.
// It is empty for anyone but an implementer.
func (s *Store) DeliveryInbox(ctx context.Context, a pipeline.Actor, today string) ([]DeliveryTask, error) {
	if a.Role != pipeline.Implementer {
		return []DeliveryTask{}, nil
	}
	var w where
	w.scope(a, "p.")
	w.actionScope(a)
	w.add("sa.delivery_stage NOT IN ('closed', 'cancelled')")
	w.add(`(sa.delivery_stage IN ('scheduled', 'postponed') OR (sa.delivery_stage = 'in_progress'
		AND (sa.report IS NOT NULL OR coalesce(sa.confirmed_end, sa.end_date) < ?::date)))`, today)
	rows, _ := s.pool.Query(ctx, `
		SELECT sa.priority_id::text, p.ref, sa.idx, sa.title, sa.countries, sa.delivery_stage,
			to_char(coalesce(sa.confirmed_start, sa.start_date), 'YYYY-MM-DD'),
			to_char(coalesce(sa.confirmed_end, sa.end_date), 'YYYY-MM-DD'),
			CASE WHEN sa.delivery_stage IN ('scheduled', 'postponed') THEN 'confirm'
				WHEN sa.report IS NOT NULL THEN 'sent_back' ELSE 'report' END,
			sa.report_due_at, sa.overdue
		FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id
		WHERE `+w.sql()+`
		ORDER BY sa.overdue DESC, coalesce(sa.confirmed_start, sa.start_date), sa.priority_id, sa.idx
		LIMIT `+strconv.Itoa(maxInbox), w.args...)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DeliveryTask])
	if err != nil {
		return nil, fmt.Errorf("delivery inbox: %w", err)
	}
	return items, nil
}

// CalendarAction is one approved action as a calendar shows it.
type CalendarAction struct {
	PriorityID    string
	PriorityRef   string
	PriorityTitle string
	Index         int
	Title         string
	Type          string
	Place         string
	Partner       string
	Countries     []string
	Stage         pipeline.DeliveryStage
	// Start and End (inclusive) are the confirmed dates, else the planned ones.
	Start, End time.Time
	// Changed is when the action last changed stage (or was approved).
	Changed time.Time
}

// MaxCalendar bounds a calendar feed: the actions that end at most a year
// before now, earliest first, this many at most.
const MaxCalendar = 2000

// CalendarActions lists the approved actions that concern the actor, within
// their scope — their countries', their themes' and their own priorities',
// their partner's, or all for a manager — that end on or after since.
func (s *Store) CalendarActions(ctx context.Context, a pipeline.Actor, since time.Time) ([]CalendarAction, error) {
	var w where
	w.scope(a, "p.")
	w.actionScope(a)
	w.add("coalesce(sa.confirmed_end, sa.end_date) >= ?::date", since.Format(time.DateOnly))
	rows, _ := s.pool.Query(ctx, `
		SELECT sa.priority_id::text, p.ref, p.title, sa.idx, sa.title, sa.type, sa.place, sa.partner, sa.countries,
			sa.delivery_stage, coalesce(sa.confirmed_start, sa.start_date)::timestamp,
			coalesce(sa.confirmed_end, sa.end_date)::timestamp, coalesce(sa.stage_entered_at, sa.approved_at)
		FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id
		WHERE `+w.sql()+`
		ORDER BY coalesce(sa.confirmed_start, sa.start_date), sa.priority_id, sa.idx
		LIMIT `+strconv.Itoa(MaxCalendar), w.args...)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[CalendarAction])
	if err != nil {
		return nil, fmt.Errorf("calendar actions: %w", err)
	}
	return items, nil
}

// SetCalendarToken gives the user a calendar feed under the token whose
// SHA-256 is hash, replacing any earlier one.
func (s *Store) SetCalendarToken(ctx context.Context, userID string, hash []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO calendar_tokens (user_id, token_hash) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`, userID, hash)
	if err != nil {
		return fmt.Errorf("set calendar token: %w", err)
	}
	return nil
}

// DeleteCalendarToken ends the user's calendar feed; ErrNotFound when they
// had none.
func (s *Store) DeleteCalendarToken(ctx context.Context, userID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM calendar_tokens WHERE user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("delete calendar token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// CalendarSince is when the user's calendar feed was created; ErrNotFound
// when they have none.
func (s *Store) CalendarSince(ctx context.Context, userID string) (time.Time, error) {
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT created_at FROM calendar_tokens WHERE user_id = $1`, userID).Scan(&at)
	return at, notFound(err)
}

// UserByCalendarToken is the active user whose calendar feed token hashes
// to hash, with their language; ErrNotFound for an unknown token and for a
// deactivated user's.
func (s *Store) UserByCalendarToken(ctx context.Context, hash []byte) (pipeline.Actor, string, error) {
	var u pipeline.Actor
	var lang string
	err := s.pool.QueryRow(ctx, `SELECT u.id::text, u.name, u.role, u.countries, u.themes, u.partner, u.language
		FROM calendar_tokens c JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1 AND u.active`, hash).
		Scan(&u.ID, &u.Name, &u.Role, &u.Countries, &u.Themes, &u.Partner, &lang)
	return u, lang, notFound(err)
}
