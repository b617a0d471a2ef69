package api_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/plantest"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// dbTotals are the figures of the year's counted actions as PostgreSQL sums
// them, in cents and people, for the country given (all when "").
func dbTotals(t *testing.T, url, country string) [5]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var out [5]int64
	err = conn.QueryRow(ctx, `SELECT count(*), (sum(sa.budget_eur) * 100)::int8, (coalesce(sum(sa.actual_cost_eur), 0) * 100)::int8,
			coalesce(sum(sa.participants_women), 0), coalesce(sum(sa.participants_men), 0)
		FROM support_actions sa JOIN priorities p ON p.id = sa.priority_id
		WHERE p.stage = 'approved' AND sa.delivery_stage <> 'cancelled' AND sa.start_date >= make_date($1, 1, 1)
			AND sa.start_date < make_date($1 + 1, 1, 1) AND ($2 = '' OR $2 = ANY(sa.countries))`, plantest.Year, country).
		Scan(&out[0], &out[1], &out[2], &out[3], &out[4])
	require.NoError(t, err)
	return out
}

// totalsRow reads the last row of sheet whose first cell is name: its
// actions, budget and actual cost (in cents) and women and men, from the
// columns given, as numbers.
func totalsRow(t *testing.T, f *excelize.File, sheet, name string, cols [5]int) [5]int64 {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	var out [5]int64
	var r []string
	for _, row := range rows {
		if len(row) > 0 && row[0] == name {
			r = row
		}
	}
	require.NotNil(t, r, "%s has no row %q", sheet, name)
	{
		for i, c := range cols {
			v, err := strconv.ParseFloat(r[c], 64)
			require.NoError(t, err, "%s %q column %d: %q", sheet, name, c, r[c])
			if i == 1 || i == 2 {
				v *= 100
			}
			out[i] = int64(math.Round(v))
		}
	}
	return out
}

// TestAnnualPlanXLSXEqualsTheDatabase reads the annual plan's workbook back
// with excelize: one summary sheet and one sheet per country, named in the
// caller's language, amounts stored as numbers in the euro format, and the
// grand total and each country's total equal to PostgreSQL's own sums; the
// JSON plan agrees.
func TestAnnualPlanXLSXEqualsTheDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := plantest.Seed(context.Background(), b.app.DatabaseURL)
	require.NoError(t, err)
	l := i18n.For("en")

	var plan pipeline.AnnualPlan
	b.app.Do(t, "GET", fmt.Sprintf("/v1/annual-plan?year=%d", plantest.Year), b.manager.Token, nil).JSON(t, &plan)
	want := dbTotals(t, b.app.DatabaseURL, "")
	require.Equal(t, want, [5]int64{int64(plan.Total.Actions), plan.Total.BudgetEUR.Cents(), plan.Total.ActualCostEUR.Cents(),
		int64(plan.Total.ParticipantsWomen), int64(plan.Total.ParticipantsMen)})

	r := b.app.Do(t, "GET", fmt.Sprintf("/v1/annual-plan.xlsx?year=%d", plantest.Year), b.manager.Token, nil)
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.Body))
	require.Equal(t, `attachment; filename="annual-plan-2027.xlsx"`, r.Header.Get("Content-Disposition"))
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	require.NoError(t, err)
	defer f.Close()
	summary := l.T("annual.xlsx.summary")
	require.Equal(t, []string{summary, l.Country("CO"), l.Country("HT"), l.Country("PE")}, f.GetSheetList())

	require.Equal(t, want, totalsRow(t, f, summary, l.T("annual.totals.grand"), [5]int{1, 2, 3, 4, 5}))
	for _, c := range []string{"CO", "HT", "PE"} {
		require.Equal(t, dbTotals(t, b.app.DatabaseURL, c), totalsRow(t, f, summary, l.Country(c), [5]int{1, 2, 3, 4, 5}), c)
		total := totalsRow(t, f, l.Country(c), l.T("annual.totals.country", "Country", l.Country(c)), [5]int{1, 10, 11, 12, 13})
		require.Equal(t, dbTotals(t, b.app.DatabaseURL, c), total, c)
	}
	// The amounts are numbers shown in euros, the headers translated.
	header, err := f.GetCellValue(l.Country("PE"), "K1")
	require.NoError(t, err)
	require.Equal(t, l.T("annual.col.budget"), header)
	typ, err := f.GetCellType(l.Country("PE"), "K2")
	require.NoError(t, err)
	require.NotEqual(t, excelize.CellTypeSharedString, typ)
	require.NotEqual(t, excelize.CellTypeInlineString, typ)
	style, err := f.GetCellStyle(l.Country("PE"), "K2")
	require.NoError(t, err)
	st, err := f.GetStyle(style)
	require.NoError(t, err)
	require.NotNil(t, st.CustomNumFmt)
	require.Contains(t, *st.CustomNumFmt, "€")
}

// TestAnnualPlanAnswersInTheCallersLanguage: the workbook's sheets and
// headers are in the caller's preferred language, and a session outcome's
// workbook holds the session's priorities.
func TestAnnualPlanAnswersInTheCallersLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fx, err := plantest.Seed(context.Background(), b.app.DatabaseURL)
	require.NoError(t, err)
	fr := b.app.AddPerson(t, store.User{Actor: pipeline.Actor{ID: uuid.NewString(), Name: "Claire Joseph", Role: pipeline.Manager},
		Email: "claire@puente.test", Language: "fr", Notify: "immediate"})
	l := i18n.For("fr")
	r := b.app.Do(t, "GET", "/v1/annual-plan.xlsx?year=2027&session="+fx.Session1, fr.Token, nil)
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.Body))
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	require.NoError(t, err)
	require.Equal(t, []string{l.T("annual.xlsx.summary"), l.Country("CO"), l.Country("HT"), l.Country("PE")}, f.GetSheetList())

	r = b.app.Do(t, "GET", "/v1/sessions/"+fx.Session1+"/outcome.xlsx", fr.Token, nil)
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.Body))
	f, err = excelize.OpenReader(bytes.NewReader(r.Body))
	require.NoError(t, err)
	rows, err := f.GetRows(l.T("annual.outcome.sheet"))
	require.NoError(t, err)
	var refs []string
	for _, row := range rows[3:] {
		if len(row) > 0 && row[0] != "" && row[0] != l.T("annual.totals.grand") {
			refs = append(refs, row[0]+" "+row[5])
		}
	}
	require.Equal(t, []string{"HT-2026-0002 " + l.Stage(pipeline.Approved), "HT-2026-0002 " + l.Stage(pipeline.Approved),
		"PE-2026-0001 " + l.Stage(pipeline.Approved), "PE-2026-0001 " + l.Stage(pipeline.Approved),
		"PE-2026-0004 " + l.Stage(pipeline.Planning)}, refs)

	var o pipeline.SessionOutcome
	b.app.Do(t, "GET", "/v1/sessions/"+fx.Session1+"/outcome", fr.Token, nil).JSON(t, &o)
	require.Len(t, o.Priorities, 3)
	require.Equal(t, 3, o.Total.Actions)
}
