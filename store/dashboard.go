package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// StageStats is one stage's row of the pipeline dashboard.
type StageStats struct {
	Stage   pipeline.Stage `json:"stage"`
	Count   int            `json:"count"`
	Overdue int            `json:"overdue"`
	// MedianDays and P90Days are how long the stage's priorities have been in it.
	MedianDays float64 `json:"median_days"`
	P90Days    float64 `json:"p90_days"`
}

// Count is a count under a key: a theme, a country or a week.
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
}

// DashboardFilter narrows the dashboard. Zero values do not filter.
type DashboardFilter struct {
	Theme     string
	Country   string
	SessionID string
}

// dashboardSQL computes every figure in one pass over the filtered priorities:
// per stage the count, the overdue count and the median and p90 age; counts
// by theme and by country; approvals per ISO week (an approved priority's
// stage_entered_at is its approval time).
const dashboardSQL = `
WITH f AS MATERIALIZED (
    SELECT stage, theme, countries, overdue, stage_entered_at FROM priorities WHERE %s
)
SELECT 'stage', stage, count(*), count(*) FILTER (WHERE overdue),
    coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM $1 - stage_entered_at)), 0) / 86400,
    coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM $1 - stage_entered_at)), 0) / 86400
FROM f GROUP BY stage
UNION ALL
SELECT 'theme', theme, count(*), 0, 0, 0 FROM f GROUP BY theme
UNION ALL
SELECT 'country', c, count(*), 0, 0, 0 FROM f, unnest(countries) AS c GROUP BY c
UNION ALL
SELECT 'week', to_char(date_trunc('week', stage_entered_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*), 0, 0, 0
FROM f WHERE stage = 'approved' AND stage_entered_at >= $2 GROUP BY 2`

// Dashboard computes the pipeline dashboard at now.
func (s *Store) Dashboard(ctx context.Context, f DashboardFilter, now time.Time) (*Dashboard, error) {
	weekStart := startOfWeek(now).AddDate(0, 0, -7*11)
	w := where{args: []any{now, weekStart}}
	if f.Theme != "" {
		w.add("theme = ?", f.Theme)
	}
	if f.Country != "" {
		w.add("countries @> ARRAY[?]", f.Country)
	}
	if f.SessionID != "" {
		w.add("session_id = ?::uuid", f.SessionID)
	}
	rows, err := s.pool.Query(ctx, fmt.Sprintf(dashboardSQL, w.sql()), w.args...)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	defer rows.Close()
	d := &Dashboard{ByTheme: []Count{}, ByCountry: []Count{}}
	stages := map[pipeline.Stage]StageStats{}
	weeks := map[string]int{}
	for rows.Next() {
		var dim, key string
		var st StageStats
		if err := rows.Scan(&dim, &key, &st.Count, &st.Overdue, &st.MedianDays, &st.P90Days); err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		switch dim {
		case "stage":
			st.Stage = pipeline.Stage(key)
			stages[st.Stage] = st
			d.Total += st.Count
		case "theme":
			d.ByTheme = append(d.ByTheme, Count{Key: key, Count: st.Count})
		case "country":
			d.ByCountry = append(d.ByCountry, Count{Key: key, Count: st.Count})
		case "week":
			weeks[key] = st.Count
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	for _, s := range pipeline.Stages {
		st := stages[s]
		st.Stage = s
		st.MedianDays, st.P90Days = round2(st.MedianDays), round2(st.P90Days)
		d.Stages = append(d.Stages, st)
	}
	for i := range 12 {
		k := weekStart.AddDate(0, 0, 7*i).Format(time.DateOnly)
		d.ApprovalsPerWeek = append(d.ApprovalsPerWeek, Count{Key: k, Count: weeks[k]})
	}
	sortCounts(d.ByTheme)
	sortCounts(d.ByCountry)
	return d, nil
}

// startOfWeek is the Monday 00:00 UTC of t's ISO week, as date_trunc('week') computes it.
func startOfWeek(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	offset := (int(day.Weekday()) + 6) % 7
	return day.AddDate(0, 0, -offset)
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// sortCounts orders by count, largest first, then by key.
func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
}
