package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/puente-dev/puente/pipeline"
)

// synthetic reaches the database directly for what only the benchmarks do
// (bulk seeding, statistics, sizes), beside the store Puente runs on.
type synthetic struct{ pool *pgxpool.Pool }

func openSynthetic(ctx context.Context, url string) (*synthetic, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &synthetic{pool: pool}, nil
}

func (s *synthetic) close() { s.pool.Close() }

// syntheticPriorities fills priorities first..last (refs BX-<n>) with a
// realistic mix: every theme and CELAC country, Spanish and English words with
// accents, a spread of stages and ages, one in ten restricted (twenty
// consecutive priorities in every two hundred: the stages cycle every twenty,
// so each stage, approved included, has its share). Experts are indexed like
// the themes. Randomness is seeded, so two runs seed the same data.
const syntheticPriorities = `
INSERT INTO priorities (id, ref, title, description, theme, pillar, countries, institution, urgency,
    sensitivity, stage, assignee, triaged_by, plan_authors, stage_entered_at, due_at, overdue, version,
    submitted_by, created_at, updated_at)
SELECT id, 'BX-' || g, title, description, theme, pillar, countries, institution, urgency, sensitivity,
    stage, CASE WHEN stage = 'triage' THEN NULL ELSE ($4::uuid[])[1 + g % 13] END,
    CASE WHEN stage = 'triage' THEN NULL ELSE $5::uuid END, '{}',
    entered, CASE WHEN stage IN ('approved', 'rejected', 'withdrawn') THEN NULL ELSE entered + interval '10 days' END,
    stage NOT IN ('approved', 'rejected', 'withdrawn') AND entered < now() - interval '10 days',
    $6, $5::uuid, created, entered
FROM (
    SELECT g, gen_random_uuid() AS id,
        w[1 + (g * 7) % 24] || ' ' || w[1 + (g * 11) % 24] || ' ' || w[1 + (g * 13) % 24] AS title,
        'Prioridad ' || g || ': ' || w[1 + (g * 17) % 24] || ' ' || w[1 + (g * 19) % 24] || ' ' ||
            w[1 + (g * 23) % 24] || ' ' || w[1 + (g * 29) % 24] || ' y ' || w[1 + (g * 31) % 24] AS description,
        ($3::text[])[1 + g % 13] AS theme,
        (ARRAY['police', 'justice', 'penitentiary', 'cross_cutting'])[1 + g % 4] AS pillar,
        CASE WHEN g % 5 = 0 THEN ARRAY[c[1 + g % 33], c[1 + (g + 7) % 33]] ELSE ARRAY[c[1 + g % 33]] END AS countries,
        'Institución ' || (g % 97) AS institution,
        (ARRAY['low', 'medium', 'high'])[1 + g % 3] AS urgency,
        CASE WHEN (g / 20) % 10 = 0 THEN 'restricted' ELSE 'public' END AS sensitivity,
        (ARRAY['triage', 'triage', 'triage', 'expert_review', 'expert_review', 'expert_review', 'revision',
               'planning', 'planning', 'planning', 'validation', 'validation', 'approval',
               'approved', 'approved', 'approved', 'approved', 'rejected', 'rejected', 'withdrawn'])[1 + (g * 3) % 20] AS stage,
        now() - ((g % 400) || ' days')::interval - ((g::bigint * 7919 % 86400) || ' seconds')::interval AS created,
        now() - ((g % 40) || ' days')::interval - ((g::bigint * 104729 % 86400) || ' seconds')::interval AS entered
    FROM generate_series($1::int, $2::int) AS g,
        (SELECT ARRAY['investigación', 'lavado', 'activos', 'cooperación', 'fiscalía', 'judicial', 'policía',
            'crimen', 'organizado', 'tráfico', 'armas', 'drogas', 'corrupción', 'género', 'ciberdelito',
            'penitenciario', 'money', 'laundering', 'network', 'investigation', 'joint', 'team',
            'information', 'exchange'] AS w) AS words,
        (SELECT $7::text[] AS c) AS cl
) AS s`

const syntheticEvents = `
INSERT INTO events (priority_id, seq, at, actor_id, actor_name, actor_role, kind, from_stage, to_stage, comment)
SELECT p.id, e, p.created_at + (e || ' hours')::interval, p.submitted_by::text, 'Synthetic user',
    CASE WHEN e = 1 THEN 'focal_point' ELSE 'manager' END,
    CASE WHEN e = 1 THEN 'submitted' WHEN e % 3 = 0 THEN 'plan_updated' ELSE 'reminder' END,
    CASE WHEN e = 1 THEN '' ELSE 'triage' END, 'triage', ''
FROM priorities p, generate_series(1, $3::int) AS e
WHERE p.ref IN (SELECT 'BX-' || g FROM generate_series($1::int, $2::int) AS g)`

// seed adds synthetic priorities first..last with eventsPer events each,
// and the support actions of the approved ones.
// experts holds one expert id per theme, in codelist order; manager triaged
// and submitted them all.
func (s *synthetic) seed(ctx context.Context, first, last, eventsPer int, experts []string, manager string) error {
	if _, err := s.pool.Exec(ctx, syntheticPriorities, first, last, pipeline.Lists.ThemeCodes(),
		experts, manager, eventsPer+1, pipeline.Lists.CountryCodes()); err != nil {
		return fmt.Errorf("seed priorities %d-%d: %w", first, last, err)
	}
	if _, err := s.pool.Exec(ctx, syntheticEvents, first, last, eventsPer); err != nil {
		return fmt.Errorf("seed events %d-%d: %w", first, last, err)
	}
	return s.seedActions(ctx, first, last)
}

// analyze refreshes the planner's statistics after a bulk load.
func (s *synthetic) analyze(ctx context.Context) error {
	for _, table := range []string{"priorities", "events", "support_actions", "pipeline_counts", "approvals_weekly"} {
		if _, err := s.pool.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			return fmt.Errorf("vacuum analyze %s: %w", table, err)
		}
	}
	return nil
}

// counts returns how many priorities and events the database holds.
func (s *synthetic) counts(ctx context.Context) (priorities, events int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM priorities), (SELECT count(*) FROM events)`).Scan(&priorities, &events)
	return
}

// size is the current database's size on disk, in bytes.
func (s *synthetic) size(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
	return n, err
}
