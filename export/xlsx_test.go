package export

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
)

// TestSheetNamesAreValid: Excel refuses a sheet name over 31 characters,
// with any of : \ / ? * [ ], or already taken (case aside); the workbook
// makes each name valid and unique, and the file opens with them.
func TestSheetNamesAreValid(t *testing.T) {
	t.Parallel()
	b, err := newWorkbook(i18n.For("en"))
	require.NoError(t, err)
	for _, in := range []string{"Summary", "Saint Vincent and the Grenadines", "A/B: [x]?*", "summary",
		"Saint Vincent and the Grenadines", "'quoted'"} {
		_, err := b.sheet(in)
		require.NoError(t, err, in)
	}
	require.Equal(t, []string{"Summary", "Saint Vincent and the Grenadine", "A-B- -x---", "summary (2)",
		"Saint Vincent and the Grena (2)", "quoted"}, b.f.GetSheetList())
	var buf bytes.Buffer
	require.NoError(t, write(b.f, &buf))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	require.Len(t, f.GetSheetList(), 6)
}

// TestAnnualPlanXLSXEmptyYear: a year without actions is still a workbook,
// its summary's grand total zero.
func TestAnnualPlanXLSXEmptyYear(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := i18n.For("nl")
	require.NoError(t, AnnualPlanXLSX(&buf, pipeline.NewAnnualPlan(2030, "", nil), l))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	require.Equal(t, []string{l.T("annual.xlsx.summary")}, f.GetSheetList())
	rows, err := f.GetRows(l.T("annual.xlsx.summary"), excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	last := rows[len(rows)-4]
	require.Equal(t, []string{l.T("annual.totals.grand"), "0", "0", "0", "0", "0", "0"}, last)
}
