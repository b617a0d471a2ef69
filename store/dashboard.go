package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// StageStats is one stage's row of the pipeline dashboard.
type StageStats struct {
	Stage   pipeline.Stage `json:"stage"`
	Count   int            `json:"count"`
	Overdue int            `json:"overdue"`
	// MedianDays and P90Days are how long the stage's priorities have been in
	// it (nearest-rank percentiles); null for terminal stages and empty ones.
	MedianDays *float64 `json:"median_days"`
	P90Days    *float64 `json:"p90_days"`
}

// Count is a count under a key: a theme, a country or a week's Monday.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Dashboard is the managers' view of the whole pipeline.
type Dashboard struct {
	Total            int          `json:"total"`
	Stages           []StageStats `json:"stages"`
	ByTheme          []Count      `json:"by_theme"`
	ByCountry        []Count      `json:"by_country"`
	ApprovalsPerWeek []Count      `json:"approvals_per_week"`
	// NeedsReassignment are open priorities assigned to deactivated users,
	// the first maxOrphans of them.
	NeedsReassignment []Orphan `json:"needs_reassignment"`
	// NeedsAttention are the priorities whose latest change PostgreSQL
	// refused: the read model lags their workflow until someone fixes it.
	NeedsAttention []Attention `json:"needs_attention"`
}

// Attention is a priority whose latest change the read model refused, and why.
type Attention struct {
	PriorityID string    `json:"priority_id"`
	Ref        string    `json:"ref"`
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

// maxOrphans bounds the dashboard's list of priorities needing reassignment.
const maxOrphans = 50

// DashboardFilter narrows the dashboard. Zero values do not filter.
type DashboardFilter struct {
	Theme     string
	Country   string
	SessionID string
}

// Dashboard computes the pipeline dashboard at now, in one read-only snapshot.
// Counts come from pipeline_counts (kept by a trigger), or, for one session,
// from its own priorities; percentiles are read by offset from the
// (stage, stage_entered_at) index, so no query scans every priority.
func (s *Store) Dashboard(ctx context.Context, f DashboardFilter, now time.Time) (*Dashboard, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	d := &Dashboard{ByTheme: []Count{}, ByCountry: []Count{}, NeedsAttention: []Attention{}}
	stages, err := dashboardCounts(ctx, tx, f, d)
	if err != nil {
		return nil, err
	}
	if err := dashboardAges(ctx, tx, f, now, stages); err != nil {
		return nil, err
	}
	for _, st := range pipeline.Stages {
		d.Stages = append(d.Stages, *stages[st])
	}
	if d.ApprovalsPerWeek, err = approvalsPerWeek(ctx, tx, f, now); err != nil {
		return nil, err
	}
	if d.NeedsReassignment, err = needsReassignment(ctx, tx, f, maxOrphans); err != nil {
		return nil, err
	}
	rows, _ := tx.Query(ctx, `SELECT a.priority_id::text, coalesce(r.ref, ''), a.error, a.at
		FROM attention a LEFT JOIN priority_refs r USING (priority_id) ORDER BY a.at DESC LIMIT 100`)
	attention, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Attention])
	if err != nil {
		return nil, fmt.Errorf("dashboard attention: %w", err)
	}
	d.NeedsAttention = append(d.NeedsAttention, attention...)
	return d, tx.Commit(ctx)
}

// dashboardCounts fills the counts by stage, theme and country, grouped in
// SQL: from pipeline_counts, or for one session from its own priorities.
func dashboardCounts(ctx context.Context, tx pgx.Tx, f DashboardFilter, d *Dashboard) (map[pipeline.Stage]*StageStats, error) {
	// With a country filter, that country's rows count the priorities;
	// without, the '*' rows do, and the others give the per-country counts.
	args := []any{cmp.Or(f.Country, "*"), f.Theme, f.Country}
	src := "pipeline_counts"
	if f.SessionID != "" {
		args = append(args, f.SessionID)
		src = `(SELECT stage, theme, c AS country, overdue, 1 AS n FROM priorities, unnest(countries || '{*}'::text[]) AS c
			WHERE session_id = $4::uuid) AS s`
	}
	const theme = `($2 = '' OR theme = $2)`
	q := `SELECT 'stage', stage, sum(n), coalesce(sum(n) FILTER (WHERE overdue), 0) FROM ` + src + ` WHERE country = $1 AND ` + theme + ` GROUP BY stage
		UNION ALL SELECT 'theme', theme, sum(n), 0 FROM ` + src + ` WHERE country = $1 AND ` + theme + ` GROUP BY theme
		UNION ALL SELECT 'country', country, sum(n), 0 FROM ` + src + ` WHERE country <> '*' AND ($3 = '' OR country = $3) AND ` + theme + ` GROUP BY country`
	stages := map[pipeline.Stage]*StageStats{}
	for _, st := range pipeline.Stages {
		stages[st] = &StageStats{Stage: st}
	}
	themes, countries := map[string]int{}, map[string]int{}
	var dim, key string
	var n, overdue int
	rows, _ := tx.Query(ctx, q, args...)
	_, err := pgx.ForEachRow(rows, []any{&dim, &key, &n, &overdue}, func() error {
		switch dim {
		case "stage":
			st, ok := stages[pipeline.Stage(key)]
			if !ok {
				return fmt.Errorf("unknown stage %q", key)
			}
			st.Count, st.Overdue = n, overdue
			d.Total += n
		case "theme":
			themes[key] = n
		case "country":
			countries[key] = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard counts: %w", err)
	}
	d.ByTheme, d.ByCountry = sortedCounts(themes), sortedCounts(countries)
	return stages, nil
}

// dashboardAges reads the median and p90 time in stage of each open stage:
// the k-th entry of the stage's index in age order, k the nearest rank.
func dashboardAges(ctx context.Context, tx pgx.Tx, f DashboardFilter, now time.Time, stages map[pipeline.Stage]*StageStats) error {
	b := &pgx.Batch{}
	var dsts []**float64
	for _, stage := range pipeline.OpenStages {
		st := stages[stage]
		if st.Count == 0 {
			continue
		}
		for _, p := range []struct {
			q   float64
			dst **float64
		}{{0.5, &st.MedianDays}, {0.9, &st.P90Days}} {
			var w where
			w.add("stage = ?", string(stage))
			f.narrow(&w)
			// The k-th youngest of n is the (n-1-k)-th oldest: read it from
			// whichever end of the index is nearer.
			k, order := int(math.Ceil(p.q*float64(st.Count)))-1, "DESC"
			if k > st.Count/2 {
				k, order = st.Count-1-k, "ASC"
			}
			b.Queue(`SELECT stage_entered_at FROM priorities WHERE `+w.sql()+
				fmt.Sprintf(` ORDER BY stage_entered_at %s OFFSET %d LIMIT 1`, order, k), w.args...)
			dsts = append(dsts, p.dst)
		}
	}
	if len(dsts) == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for _, dst := range dsts {
		var entered time.Time
		err := br.QueryRow().Scan(&entered)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // a priority left the stage between the count and the lookup
		}
		if err != nil {
			return fmt.Errorf("dashboard ages: %w", err)
		}
		days := math.Round(now.Sub(entered).Hours()/24*100) / 100
		*dst = &days
	}
	return br.Close()
}

// narrow adds the dashboard's filters on the priorities table.
func (f DashboardFilter) narrow(w *where) {
	w.filter(Filter{Theme: f.Theme, Country: f.Country, SessionID: f.SessionID})
}

// approvalsPerWeek counts approvals in each of the last 12 ISO weeks (UTC):
// from approvals_weekly, or for one session from its priorities (an
// approved priority's stage_entered_at is its approval time).
func approvalsPerWeek(ctx context.Context, tx pgx.Tx, f DashboardFilter, now time.Time) ([]Count, error) {
	first := startOfWeek(now).AddDate(0, 0, -7*11)
	var w where
	var q string
	if f.SessionID == "" {
		w.add("week >= ?::date AND country = ?", first, cmp.Or(f.Country, "*"))
		w.opt("theme = ?", f.Theme)
		q = `SELECT to_char(week, 'YYYY-MM-DD'), sum(n) FROM approvals_weekly WHERE ` + w.sql() + ` GROUP BY week`
	} else {
		w.add("stage = 'approved' AND stage_entered_at >= ?", first)
		f.narrow(&w)
		q = `SELECT to_char(date_trunc('week', stage_entered_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*)
			FROM priorities WHERE ` + w.sql() + ` GROUP BY 1`
	}
	weeks := map[string]int{}
	var week string
	var n int
	rows, _ := tx.Query(ctx, q, w.args...)
	if _, err := pgx.ForEachRow(rows, []any{&week, &n}, func() error { weeks[week] = n; return nil }); err != nil {
		return nil, fmt.Errorf("approvals per week: %w", err)
	}
	out := make([]Count, 12)
	for i := range out {
		k := first.AddDate(0, 0, 7*i).Format(time.DateOnly)
		out[i] = Count{Key: k, Count: weeks[k]}
	}
	return out, nil
}

// startOfWeek is the Monday 00:00 UTC of t's ISO week, as date_trunc('week') computes it.
func startOfWeek(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// sortedCounts lists the non-zero counts, largest first, then by key.
func sortedCounts(m map[string]int) []Count {
	out := []Count{}
	for k, n := range m {
		if n != 0 {
			out = append(out, Count{Key: k, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Key, b.Key)) })
	return out
}

// StageTotals counts, per stage, the priorities and the overdue ones, from
// the trigger-kept counters: for the business gauges of /metrics.
func (s *Store) StageTotals(ctx context.Context) (map[pipeline.Stage][2]int, error) {
	out := map[pipeline.Stage][2]int{}
	var st pipeline.Stage
	var n, overdue int
	rows, _ := s.pool.Query(ctx, `SELECT stage, sum(n), coalesce(sum(n) FILTER (WHERE overdue), 0)
		FROM pipeline_counts WHERE country = '*' GROUP BY stage`)
	_, err := pgx.ForEachRow(rows, []any{&st, &n, &overdue}, func() error { out[st] = [2]int{n, overdue}; return nil })
	if err != nil {
		return nil, fmt.Errorf("stage totals: %w", err)
	}
	return out, nil
}
