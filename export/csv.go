package export

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// csvColumns are the columns of the priorities CSV, in order.
var csvColumns = []string{
	"id", "ref", "session_id", "title", "description", "theme", "pillar", "countries",
	"institution", "urgency", "sensitivity", "stage", "assignee", "overdue", "due_at",
	"version", "submitted_by", "created_at", "updated_at", "plan_actions", "plan_budget_eur",
}

// CSV streams priorities as CSV rows: RFC 4180 quoting, CRLF line ends, UTF-8.
type CSV struct {
	w *csv.Writer
}

// NewCSV returns a CSV writing to w. Rows are buffered until Flush.
func NewCSV(w io.Writer) *CSV {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &CSV{w: cw}
}

// Header writes the header row.
func (c *CSV) Header() error {
	return c.w.Write(csvColumns)
}

// Write writes one priority as a row. Text that comes from users is
// neutralised against formula injection (see cell); values formatted here
// (flags, numbers, RFC 3339 timestamps in UTC) are written as they are.
func (c *CSV) Write(p *pipeline.Priority) error {
	if p == nil {
		return errors.New("export: nil priority")
	}
	actions, budget := "0", ""
	if p.Plan != nil {
		actions, budget = strconv.Itoa(len(p.Plan.Actions)), total(p.Plan.Actions).String()
	}
	dueAt := ""
	if p.DueAt != nil {
		dueAt = timestamp(*p.DueAt)
	}
	row := []string{
		cell(p.ID), cell(p.Ref), cell(p.SessionID), cell(p.Title), cell(p.Description),
		cell(p.Theme), cell(p.Pillar), cell(strings.Join(p.Countries, ";")),
		cell(p.Institution), cell(p.Urgency), cell(p.Sensitivity), cell(string(p.Stage)),
		cell(p.Assignee), strconv.FormatBool(p.Overdue), dueAt,
		strconv.Itoa(p.Version), cell(p.SubmittedBy), timestamp(p.CreatedAt), timestamp(p.UpdatedAt),
		actions, budget,
	}
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("export: write priority %s: %w", p.Ref, err)
	}
	return nil
}

// Flush writes the buffered rows to the underlying writer and reports any
// error that happened while writing.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// cell neutralises spreadsheet formula injection as OWASP advises: a cell
// starting with =, +, -, @, tab or carriage return would be evaluated as a
// formula by Excel, LibreOffice or Google Sheets, so it gets a leading single
// quote, which spreadsheets read as "this is text".
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// timestamp formats t as RFC 3339 in UTC, or "" for the zero time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
