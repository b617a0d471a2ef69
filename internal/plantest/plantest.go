// Package plantest writes a small, known programme year into a test's
// database — approved priorities, a restricted one, one still in planning,
// and their support actions with partners and delivery figures — for the
// tests of the annual action plan and the session outcome. The rows go in
// directly, as the read model holds them, so that the plan's reads are
// tested against figures computed by hand (see Expected).
package plantest

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// Year is the year the fixture's plan is for.
const Year = 2027

// Fixture names what Seed wrote.
type Fixture struct {
	// Session1 had P1 (PE, CO), P2 (HT, restricted) and P4 (PE, in
	// planning) raised; Session2 had P3 (PE).
	Session1, Session2 string
	P1, P2, P3, P4     string
	// P2Assignee is the expert assigned to the restricted P2: an id for
	// the test to give to a user of its own.
	P2Assignee string
}

// The fixture's priorities and actions, as comments the tests can read:
//
//	P1 PE-2026-0001 PE,CO justice  public     S1 approved
//	   0: PE,CO 2027-02-01 45 000.50 fiiapp            delivered, report validated: 21 women, 17 men, 1 other, cost 43 800.00, actual 39 of 40
//	   1: CO    2027-03-15 20 000.00 civipol           scheduled
//	P2 HT-2026-0002 HT     penitentiary restricted S1 approved (assigned expert P2Assignee)
//	   0: HT    2027-09-01 75 500.00 expertise_france  in_progress, confirmed 2027-09-02..30
//	   1: HT    2027-05-10 12 000.00 expertise_france  cancelled
//	P3 PE-2026-0003 PE     police  public     S2 approved
//	   0: PE    2027-11-01 31 000.00 fiiapp            closed: 5 women, 10 men, cost 29 999.99
//	   1: PE    2028-01-10  9 999.00 fiiapp            (next year)
//	   2: PE    2026-12-31  1 111.00 fiiapp            (last year)
//	P4 PE-2026-0004 PE     police  public     S1 planning
//	   0: PE    2027-06-01  5 000.00 fiiapp            (a stray row of a priority not approved: never shown)
//
// Every priority's theme is money_laundering; P1 and P3 were submitted by a
// focal point of PE, P2 by one of HT.

// Seed writes the fixture into the database at url.
func Seed(ctx context.Context, url string) (Fixture, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return Fixture{}, err
	}
	defer conn.Close(ctx)
	f := Fixture{Session1: uuid.NewString(), Session2: uuid.NewString(), P1: uuid.NewString(), P2: uuid.NewString(),
		P3: uuid.NewString(), P4: uuid.NewString(), P2Assignee: uuid.NewString()}
	fpPE, fpHT, mgr := uuid.NewString(), uuid.NewString(), uuid.NewString()
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO users (id, name, role, countries, language) VALUES ($1, 'Rosa Quispe', 'focal_point', '{PE}', 'es'),
		($2, 'Jean Pierre', 'focal_point', '{HT}', 'fr'), ($3, 'Ana Ruiz', 'manager', '{}', 'es')`, fpPE, fpHT, mgr)
	b.Queue(`INSERT INTO sessions (id, title, kind, date, venue, countries, created_by) VALUES
		($1, 'Reunión Anual 2026', 'political_dialogue', '2026-06-20', 'Lima', '{PE,CO,HT}', $3),
		($2, 'Sesión de trabajo de policía', 'working_session', '2026-09-10', 'Bogotá', '{PE}', $3)`, f.Session1, f.Session2, mgr)
	prio := func(id, ref, session, pillar, sensitivity, stage, submitter string, countries []string, assignee any) {
		b.Queue(`INSERT INTO priorities (id, ref, session_id, title, description, theme, pillar, countries, institution, urgency,
			sensitivity, stage, assignee, stage_entered_at, version, submitted_by, created_at, updated_at)
			VALUES ($1, $2, $3, 'Priority ' || $2::text, 'Seguir el dinero', 'money_laundering', $4, $5, 'Fiscalía', 'high', $6, $7, $8,
			'2026-10-01T10:00:00Z', 9, $9, '2026-07-01T10:00:00Z', '2026-10-01T10:00:00Z')`,
			id, ref, session, pillar, countries, sensitivity, stage, assignee, submitter)
	}
	prio(f.P1, "PE-2026-0001", f.Session1, "justice", "public", "approved", fpPE, []string{"PE", "CO"}, nil)
	prio(f.P2, "HT-2026-0002", f.Session1, "penitentiary", "restricted", "approved", fpHT, []string{"HT"}, f.P2Assignee)
	prio(f.P3, "PE-2026-0003", f.Session2, "police", "public", "approved", fpPE, []string{"PE"}, nil)
	prio(f.P4, "PE-2026-0004", f.Session1, "police", "public", "planning", fpPE, []string{"PE"}, nil)
	type report struct {
		women, men, other int
		cost              string
		validated         bool
		actuals           []float64
	}
	action := func(p string, idx int, countries []string, start, end, budget, partner string, stage pipeline.DeliveryStage,
		confirmed [2]any, r *report) {
		var doc, cost, women, men, other any
		validated := false
		if r != nil {
			rep := pipeline.DeliveryReport{ParticipantsWomen: r.women, ParticipantsMen: r.men, ParticipantsOther: r.other,
				Summary: "Taller realizado", Countries: countries}
			rep.ActualCostEUR, _ = pipeline.ParseEUR(r.cost)
			for _, a := range r.actuals {
				rep.Indicators = append(rep.Indicators, pipeline.IndicatorActual{Actual: a})
			}
			doc, cost, women, men, other, validated = rep, r.cost, r.women, r.men, r.other, r.validated
		}
		b.Queue(`INSERT INTO support_actions (priority_id, idx, type, title, description, beneficiaries, countries, start_date,
			end_date, budget_eur, eu_partners, indicators, approved_at, partner, delivery_stage, confirmed_start, confirmed_end,
			report, report_validated, actual_cost_eur, participants_women, participants_men, participants_other, stage_entered_at)
			VALUES ($1, $2, 'training', 'Taller ' || $2::int, 'Formación', '{Fiscalía}', $3, $4, $5, $6, '{Europol}',
			'[{"name":"Fiscales formados","unit":"personas","baseline":0,"target":40}]', '2026-10-01T10:00:00Z', $7, $8, $9, $10,
			$11, $12, $13, $14, $15, $16, '2026-10-02T10:00:00Z')`,
			p, idx, countries, start, end, budget, partner, stage, confirmed[0], confirmed[1], doc, validated, cost, women, men, other)
	}
	none := [2]any{nil, nil}
	action(f.P1, 0, []string{"PE", "CO"}, "2027-02-01", "2027-02-05", "45000.50", "fiiapp", pipeline.Delivered,
		[2]any{"2027-02-02", "2027-02-06"}, &report{21, 17, 1, "43800.00", true, []float64{39}})
	action(f.P1, 1, []string{"CO"}, "2027-03-15", "2027-03-19", "20000.00", "civipol", pipeline.Scheduled, none, nil)
	action(f.P2, 0, []string{"HT"}, "2027-09-01", "2027-09-30", "75500.00", "expertise_france", pipeline.InProgress,
		[2]any{"2027-09-02", "2027-09-30"}, nil)
	action(f.P2, 1, []string{"HT"}, "2027-05-10", "2027-05-12", "12000.00", "expertise_france", pipeline.Cancelled, none, nil)
	action(f.P3, 0, []string{"PE"}, "2027-11-01", "2027-11-03", "31000.00", "fiiapp", pipeline.Closed, none,
		&report{5, 10, 0, "29999.99", true, []float64{44}})
	action(f.P3, 1, []string{"PE"}, "2028-01-10", "2028-01-12", "9999.00", "fiiapp", pipeline.Scheduled, none, nil)
	action(f.P3, 2, []string{"PE"}, "2026-12-31", "2026-12-31", "1111.00", "fiiapp", pipeline.Scheduled, none, nil)
	action(f.P4, 0, []string{"PE"}, "2027-06-01", "2027-06-02", "5000.00", "fiiapp", pipeline.Scheduled, none, nil)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return Fixture{}, fmt.Errorf("seed the annual plan: %w", err)
	}
	return f, nil
}
