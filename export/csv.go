package export

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// csvColumns are the columns of the priorities CSV, in order: the
// priority's, then its approved actions' delivery (see Write).
var csvColumns = []string{
	"id", "ref", "session_id", "title", "description", "theme", "pillar", "countries",
	"institution", "urgency", "sensitivity", "stage", "assignee", "overdue", "due_at",
	"version", "submitted_by", "created_at", "updated_at", "plan_actions", "plan_budget_eur",
	"partner", "eu_agencies", "delivery_stage", "confirmed_start", "confirmed_end", "place",
	"actual_cost_eur", "participants_women", "participants_men", "participants_other",
	"report_validated", "closed_at",
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

// Write writes one priority as a row, with the delivery of its approved
// support actions (none before approval). Text that comes from users is
// neutralised against formula injection (see cell); values formatted here
// (flags, numbers, RFC 3339 timestamps in UTC) are written as they are.
//
// A row is a priority, as before delivery existed, so the delivery columns
// hold its actions: partner, delivery_stage, confirmed_start, confirmed_end,
// place, report_validated and closed_at one value per action in plan order,
// separated by ";" (an action without the value keeps its empty place, and
// a ";" typed in a place becomes ","), so that the n-th values of these
// columns are one action's; eu_agencies the codes of every action, each
// once; actual_cost_eur and participants_* the sums over the reported
// actions, empty until one is reported.
func (c *CSV) Write(p *pipeline.Priority, actions ...ActionRecord) error {
	if p == nil {
		return errors.New("export: nil priority")
	}
	planActions, budget := "0", ""
	if p.Plan != nil {
		planActions, budget = strconv.Itoa(len(p.Plan.Actions)), total(p.Plan.Actions).String()
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
		planActions, budget,
	}
	row = append(row, deliveryCells(actions)...)
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("export: write priority %s: %w", p.Ref, err)
	}
	return nil
}

// deliveryCells are the delivery columns of a priority with these actions.
func deliveryCells(actions []ActionRecord) []string {
	recs := slices.Clone(actions)
	slices.SortStableFunc(recs, func(x, y ActionRecord) int { return x.Index - y.Index })
	var (
		partner, stage, start, end, place, validated, closedAt, agencies []string
		cost                                                             pipeline.EUR
		women, men, other, reported                                      int
	)
	for _, r := range recs {
		d := r.Delivery
		partner = append(partner, r.Partner)
		stage = append(stage, string(d.Stage))
		start = append(start, d.ConfirmedStart)
		end = append(end, d.ConfirmedEnd)
		place = append(place, strings.ReplaceAll(d.Place, ";", ","))
		validated = append(validated, strconv.FormatBool(d.ReportValidated))
		at := ""
		if r.ClosedAt != nil {
			at = timestamp(*r.ClosedAt)
		}
		closedAt = append(closedAt, at)
		for _, a := range r.EUAgencies {
			if !slices.Contains(agencies, a) {
				agencies = append(agencies, a)
			}
		}
		if d.Report != nil {
			reported++
			cost = cost.Add(d.Report.ActualCostEUR)
			women += d.Report.ParticipantsWomen
			men += d.Report.ParticipantsMen
			other += d.Report.ParticipantsOther
		}
	}
	sums := []string{"", "", "", ""}
	if reported > 0 {
		sums = []string{cost.String(), strconv.Itoa(women), strconv.Itoa(men), strconv.Itoa(other)}
	}
	join := func(ss []string) string { return strings.Join(ss, ";") }
	return append([]string{
		cell(join(partner)), cell(join(agencies)), join(stage), join(start), join(end), cell(join(place)),
	}, append(sums, join(validated), join(closedAt))...)
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
