package bench

import (
	"context"
	"fmt"

	"github.com/puente-dev/puente/pipeline"
)

// syntheticActionsPer is how many support actions each approved synthetic
// priority gets: 8 to 17, 12.5 on average. A fifth of the synthetic
// priorities are approved, so 100,000 priorities come with 250,000 actions,
// the size the annual plan and the delivery dashboard are measured at. That
// is more actions per plan than a real one holds (one to five): what the
// pages pay for is the number of action rows, which is the programme's
// over its years.
const syntheticActionsPer = `8 + (g / 20) % 10`

// syntheticActions fills the support actions of the approved synthetic
// priorities first..last (refs BX-<n>) as the delivery workflow's flush
// writes them, in every column of support_actions: each action's partner
// ($3, the codelist's), EU agencies ($4), type ($5), dates spread over five
// years (2023–2027) and a delivery stage that fits them — actions that
// ended are mostly closed or delivered, with their report (participants by
// sex and institution, actual cost, each indicator's actual with a note);
// those to come scheduled or in progress, their report due 30 days after
// their end, overdue when that passed. Randomness is arithmetic on the
// priority's number and the action's, so two runs seed the same data.
const syntheticActions = `
INSERT INTO support_actions (priority_id, idx, type, title, description, beneficiaries, countries,
    start_date, end_date, budget_eur, eu_partners, indicators, approved_at,
    partner, eu_agencies, delivery_stage, confirmed_start, confirmed_end, place, report, report_validated,
    actual_cost_eur, participants_women, participants_men, participants_other, stage_entered_at,
    report_due_at, overdue, closed_at)
SELECT id, i - 1, type, title, description, ARRAY[institution], countries,
    start_date, end_date, budget, '{}', jsonb_build_array(jsonb_build_object('name', 'Personas formadas',
        'unit', 'personas', 'baseline', 0, 'target', target)), approved_at,
    partner, agencies, stage, confirmed_start, confirmed_end, place,
    CASE WHEN reported THEN jsonb_build_object(
        'participants_women', women, 'participants_men', men, 'participants_other', other,
        'institutions', jsonb_build_array(jsonb_build_object('name', institution, 'participants', women + men + other)),
        'countries', to_jsonb(countries), 'summary', 'Actividad realizada según lo previsto.',
        'actual_cost_eur', cost, 'indicators', jsonb_build_array(jsonb_build_object('actual', actual, 'note', 'Lista de asistencia')))
    END,
    stage = 'closed' OR (stage = 'delivered' AND k % 2 = 0),
    CASE WHEN reported THEN cost END, CASE WHEN reported THEN women END, CASE WHEN reported THEN men END,
    CASE WHEN reported THEN other END, least(now(), greatest(approved_at, end_date + interval '10 days')),
    CASE WHEN stage IN ('scheduled', 'in_progress', 'postponed') THEN end_date + interval '30 days' END,
    stage IN ('scheduled', 'in_progress', 'postponed') AND end_date + interval '30 days' < now(),
    CASE WHEN stage = 'closed' THEN least(now(), end_date + interval '45 days') END
FROM (
    SELECT *, stage IN ('delivered', 'closed') AS reported,
        CASE WHEN stage IN ('in_progress', 'delivered', 'closed') THEN start_date + (k % 3) END AS confirmed_start,
        CASE WHEN stage IN ('in_progress', 'delivered', 'closed') THEN end_date + (k % 3) END AS confirmed_end,
        CASE WHEN stage IN ('in_progress', 'delivered', 'closed')
            THEN (ARRAY['Lima', 'Bogotá', 'Ciudad de México', 'São Paulo', 'Santo Domingo', 'Paramaribo', 'Port-au-Prince'])[1 + k % 7]
            ELSE '' END AS place,
        round(budget * (80 + k % 40) / 100, 2) AS cost,
        5 + k % 30 AS women, 5 + (k * 3) % 30 AS men, (k % 7 = 0)::int AS other,
        greatest(0, target - 5 + k % 11) AS actual
    FROM (
        SELECT *, CASE WHEN end_date < current_date
                THEN (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'delivered', 'delivered',
                    'cancelled', 'postponed'])[1 + k % 10]
                ELSE (ARRAY['scheduled', 'scheduled', 'scheduled', 'scheduled', 'scheduled', 'in_progress',
                    'in_progress', 'in_progress', 'postponed', 'cancelled'])[1 + k % 10]
            END AS stage
        FROM (
            SELECT p.id, p.institution, p.countries, p.stage_entered_at AS approved_at, i, k,
                ($5::text[])[1 + k % cardinality($5::text[])] AS type,
                'Acción ' || i || ' de ' || p.ref || ': ' || p.title AS title,
                'Actividad sintética ' || i || ' de la prioridad ' || p.ref AS description,
                make_date(2023 + (k / 7) % 5, 1 + (k * 7) % 12, 1 + (k * 11) % 28) AS start_date,
                make_date(2023 + (k / 7) % 5, 1 + (k * 7) % 12, 1 + (k * 11) % 28) + (1 + k % 60) AS end_date,
                round(5000 + ((k::bigint * 7919) % 9500000) / 100.0, 2) AS budget,
                10 + k % 40 AS target,
                ($3::text[])[1 + (k / 3) % cardinality($3::text[])] AS partner,
                CASE WHEN k % 4 = 0 THEN '{}'::text[]
                    WHEN k % 4 = 1 THEN ARRAY[($4::text[])[1 + k % cardinality($4::text[])]]
                    ELSE ARRAY[($4::text[])[1 + k % cardinality($4::text[])], ($4::text[])[1 + (k + 3) % cardinality($4::text[])]]
                END AS agencies
            FROM generate_series($1::int, $2::int) AS g
                JOIN priorities p ON p.ref = 'BX-' || g AND p.stage = 'approved',
                generate_series(1, ` + syntheticActionsPer + `) AS i,
                LATERAL (SELECT g * 17 + i AS k) AS kk
        ) AS a
    ) AS b
) AS c`

// seedActions adds the support actions of the approved synthetic
// priorities first..last.
func (s *synthetic) seedActions(ctx context.Context, first, last int) error {
	partners := make([]string, len(pipeline.Partners))
	for i, p := range pipeline.Partners {
		partners[i] = p.Code
	}
	agencies := make([]string, len(pipeline.EUAgencies))
	for i, a := range pipeline.EUAgencies {
		agencies[i] = a.Code
	}
	if _, err := s.pool.Exec(ctx, syntheticActions, first, last, partners, agencies, pipeline.Lists.SupportTypes); err != nil {
		return fmt.Errorf("seed support actions %d-%d: %w", first, last, err)
	}
	return nil
}

// actionCount is how many support actions the database holds.
func (s *synthetic) actionCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM support_actions`).Scan(&n)
	return n, err
}

// publishedFilters are up to 20 IATI export filters (theme and country)
// that each publish something: a public approved priority of that theme
// and first country.
func (s *synthetic) publishedFilters(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT theme, countries[1] FROM priorities
		WHERE stage = 'approved' AND sensitivity <> 'restricted' ORDER BY 1, 2 LIMIT 20`)
	if err != nil {
		return nil, fmt.Errorf("published filters: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var theme, country string
		if err := rows.Scan(&theme, &country); err != nil {
			return nil, err
		}
		out = append(out, "theme="+theme+"&country="+country)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no public approved priority to export")
	}
	return out, nil
}

// setPartner makes a bench user a person of an implementing partner.
func (s *synthetic) setPartner(ctx context.Context, userID, partner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE users SET partner = $2 WHERE id = $1`, userID, partner)
	return err
}
