package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
)

// eurFormat shows an amount in euros with two decimals; the spreadsheet
// writes the separators of its reader's locale.
const eurFormat = `#,##0.00\ "€"`

// workbook is an XLSX being written in one language: its styles, and the
// sheet names already taken.
type workbook struct {
	f                     *excelize.File
	l                     *i18n.Locale
	header, eur, eurTotal int
	date, total, wrap     int
	names                 map[string]bool
}

func newWorkbook(l *i18n.Locale) (*workbook, error) {
	b := &workbook{f: excelize.NewFile(), l: l, names: map[string]bool{}}
	styles := []struct {
		id *int
		s  excelize.Style
	}{
		{&b.header, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE7F0"}}}},
		{&b.eur, excelize.Style{CustomNumFmt: ptr(eurFormat), Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&b.eurTotal, excelize.Style{CustomNumFmt: ptr(eurFormat), Font: &excelize.Font{Bold: true}}},
		{&b.date, excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd"), Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&b.total, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&b.wrap, excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	}
	for _, st := range styles {
		id, err := b.f.NewStyle(&st.s)
		if err != nil {
			return nil, fmt.Errorf("xlsx style: %w", err)
		}
		*st.id = id
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

// sheet adds a sheet named name, made valid (at most 31 characters, none of
// : \ / ? * [ ]) and unique in the workbook; the first replaces the default
// sheet.
func (b *workbook) sheet(name string) (string, error) {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, strings.Trim(name, "'"))
	base := []rune(name)
	if len(base) > 31 {
		base = base[:31]
	}
	name = string(base)
	for i := 2; b.names[strings.ToLower(name)] || strings.EqualFold(name, "history"); i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		name = string(base[:min(len(base), 31-len(suffix))]) + suffix
	}
	if len(b.names) == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return "", err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return "", err
	}
	b.names[strings.ToLower(name)] = true
	return name, nil
}

// xcell is one value of a row with its style (0: none).
type xcell struct {
	v     any
	style int
}

// row writes cells at row n of sheet.
func (b *workbook) row(sheet string, n int, cells ...xcell) error {
	for i, c := range cells {
		ref, err := excelize.CoordinatesToCellName(i+1, n)
		if err != nil {
			return err
		}
		if err := b.f.SetCellValue(sheet, ref, c.v); err != nil {
			return err
		}
		if c.style != 0 {
			if err := b.f.SetCellStyle(sheet, ref, ref, c.style); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *workbook) headerRow(sheet string, n int, keys ...string) error {
	cells := make([]xcell, len(keys))
	for i, k := range keys {
		cells[i] = xcell{b.l.T(k), b.header}
	}
	return b.row(sheet, n, cells...)
}

func euros(e pipeline.EUR) float64 { return float64(e.Cents()) / 100 }

// day is a YYYY-MM-DD date as a spreadsheet date, or empty.
func day(s string) any {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return ""
	}
	return d
}

// totalsHeader are the columns of a totals row after its name.
var totalsHeader = []string{"annual.col.actions", "annual.col.budget", "annual.col.actual_cost",
	"annual.col.women", "annual.col.men", "annual.col.other"}

func (b *workbook) totalsRow(sheet string, n int, name string, t pipeline.Totals, bold bool) error {
	style, money := 0, b.eur
	if bold {
		style, money = b.total, b.eurTotal
	}
	return b.row(sheet, n, xcell{name, style}, xcell{t.Actions, style}, xcell{euros(t.BudgetEUR), money},
		xcell{euros(t.ActualCostEUR), money}, xcell{t.ParticipantsWomen, style}, xcell{t.ParticipantsMen, style},
		xcell{t.ParticipantsOther, style})
}

// actionHeader are the columns of an action's row.
var actionHeader = []string{"annual.col.pillar", "field.ref", "annual.col.session", "annual.col.requested_by",
	"annual.col.action", "annual.col.type", "annual.col.partner", "annual.col.start", "annual.col.end",
	"annual.col.confirmed", "annual.col.budget", "annual.col.actual_cost", "annual.col.women", "annual.col.men",
	"annual.col.other", "annual.col.indicators", "annual.col.status"}

func (b *workbook) actionRow(sheet string, n int, a pipeline.PlannedAction) error {
	l := b.l
	var cost, women, men, other any = "", "", "", ""
	if r := a.Delivery.Report; r != nil {
		cost, women, men, other = euros(r.ActualCostEUR), r.ParticipantsWomen, r.ParticipantsMen, r.ParticipantsOther
	}
	confirmed := l.T("annual.dates_planned")
	if a.Confirmed() {
		confirmed = l.T("annual.dates_confirmed")
	}
	return b.row(sheet, n, xcell{l.Code("pillar", a.Pillar), b.wrap}, xcell{a.PriorityRef, b.wrap},
		xcell{a.SessionTitle, b.wrap}, xcell{l.Countries(a.PriorityCountries), b.wrap}, xcell{a.Title, b.wrap},
		xcell{l.Code("support_type", a.Type), b.wrap}, xcell{PartnerName(l, a.Partner), b.wrap},
		xcell{day(a.Start()), b.date}, xcell{day(a.End()), b.date}, xcell{confirmed, b.wrap},
		xcell{euros(a.BudgetEUR), b.eur}, xcell{cost, b.eur}, xcell{women, 0}, xcell{men, 0}, xcell{other, 0},
		xcell{strings.Join(Indicators(l, a), "\n"), b.wrap}, xcell{DeliveryStatus(l, a), b.wrap})
}

// PartnerName names an implementing partner, or says there is none.
func PartnerName(l *i18n.Locale, code string) string {
	if code == "" {
		return l.T("annual.no_partner")
	}
	return l.Partner(code)
}

// Indicators describes an action's indicators, one line each: its target
// and, once reported, its actual value.
func Indicators(l *i18n.Locale, a pipeline.PlannedAction) []string {
	out := make([]string, len(a.Indicators))
	for i, in := range a.Indicators {
		if actual, ok := a.Actual(i); ok {
			out[i] = l.T("annual.indicator_actual", "Name", in.Name, "Target", l.Num(in.Target), "Unit", in.Unit,
				"Actual", l.Num(actual))
		} else {
			out[i] = l.T("annual.indicator", "Name", in.Name, "Target", l.Num(in.Target), "Unit", in.Unit)
		}
	}
	return out
}

// DeliveryStatus says where an action's delivery stands: its stage, and
// whether its report is validated or overdue.
func DeliveryStatus(l *i18n.Locale, a pipeline.PlannedAction) string {
	s := l.Code("annual.delivery", string(a.Delivery.Stage))
	switch {
	case a.Delivery.Overdue:
		s += " · " + l.T("annual.delivery.overdue")
	case a.Delivery.ReportValidated:
		s += " · " + l.T("annual.delivery.validated")
	}
	return s
}

func (b *workbook) widths(sheet string, widths ...float64) error {
	for i, w := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := b.f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	return nil
}

// AnnualPlanXLSX writes the annual plan as an XLSX workbook in l's
// language: a summary sheet with the totals by country, partner and pillar
// and the grand total, then one sheet per country with its actions by
// pillar and its total. Amounts are numbers in a euro format, dates are
// dates.
func AnnualPlanXLSX(w io.Writer, p pipeline.AnnualPlan, l *i18n.Locale) error {
	b, err := newWorkbook(l)
	if err != nil {
		return err
	}
	if err := b.summary(p); err != nil {
		return fmt.Errorf("annual plan summary: %w", err)
	}
	for _, c := range p.Countries {
		if err := b.country(c); err != nil {
			return fmt.Errorf("annual plan %s: %w", c.Country, err)
		}
	}
	return write(b.f, w)
}

func (b *workbook) summary(p pipeline.AnnualPlan) error {
	l := b.l
	sh, err := b.sheet(l.T("annual.xlsx.summary"))
	if err != nil {
		return err
	}
	if err := b.row(sh, 1, xcell{l.T("annual.title_year", "Year", p.Year), b.total}); err != nil {
		return err
	}
	n := 3
	section := func(title string, names []string, totals []pipeline.Totals) error {
		if err := b.headerRow(sh, n, append([]string{title}, totalsHeader...)...); err != nil {
			return err
		}
		n++
		for i := range names {
			if err := b.totalsRow(sh, n, names[i], totals[i], false); err != nil {
				return err
			}
			n++
		}
		n++
		return nil
	}
	var names []string
	var totals []pipeline.Totals
	for _, c := range p.Countries {
		names, totals = append(names, l.Country(c.Country)), append(totals, c.Total)
	}
	if err := section("annual.col.country", names, totals); err != nil {
		return err
	}
	names, totals = nil, nil
	for _, pa := range p.ByPartner {
		names, totals = append(names, PartnerName(l, pa.Partner)), append(totals, pa.Totals)
	}
	if err := section("annual.col.partner", names, totals); err != nil {
		return err
	}
	names, totals = nil, nil
	for _, pl := range p.ByPillar {
		names, totals = append(names, l.Code("pillar", pl.Pillar)), append(totals, pl.Totals)
	}
	if err := section("annual.col.pillar", names, totals); err != nil {
		return err
	}
	if err := b.headerRow(sh, n, append([]string{"annual.totals.grand"}, totalsHeader...)...); err != nil {
		return err
	}
	if err := b.totalsRow(sh, n+1, l.T("annual.totals.grand"), p.Total, true); err != nil {
		return err
	}
	if err := b.row(sh, n+3, xcell{l.T("annual.totals.note"), 0}); err != nil {
		return err
	}
	if err := b.row(sh, n+4, xcell{l.T("annual.cancelled_note"), 0}); err != nil {
		return err
	}
	return b.widths(sh, 48, 10, 18, 18, 10, 10, 10)
}

func (b *workbook) country(c pipeline.CountryPlan) error {
	l := b.l
	sh, err := b.sheet(l.Country(c.Country))
	if err != nil {
		return err
	}
	if err := b.headerRow(sh, 1, actionHeader...); err != nil {
		return err
	}
	n := 2
	for _, pp := range c.Pillars {
		for _, a := range pp.Actions {
			if err := b.actionRow(sh, n, a); err != nil {
				return err
			}
			n++
		}
	}
	t := c.Total
	if err := b.row(sh, n, xcell{l.T("annual.totals.country", "Country", l.Country(c.Country)), b.total},
		xcell{t.Actions, b.total}, xcell{"", 0}, xcell{"", 0}, xcell{"", 0}, xcell{"", 0}, xcell{"", 0}, xcell{"", 0},
		xcell{"", 0}, xcell{"", 0}, xcell{euros(t.BudgetEUR), b.eurTotal}, xcell{euros(t.ActualCostEUR), b.eurTotal},
		xcell{t.ParticipantsWomen, b.total}, xcell{t.ParticipantsMen, b.total}, xcell{t.ParticipantsOther, b.total}); err != nil {
		return err
	}
	if err := b.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return b.widths(sh, 14, 14, 24, 18, 36, 18, 22, 12, 12, 12, 16, 16, 9, 9, 9, 40, 18)
}

// SessionOutcomeXLSX writes a session's outcome as an XLSX workbook in l's
// language: one row per approved action (and one per priority without
// any), with its priority's stage, and a last row of totals.
func SessionOutcomeXLSX(w io.Writer, o pipeline.SessionOutcome, l *i18n.Locale) error {
	b, err := newWorkbook(l)
	if err != nil {
		return err
	}
	sh, err := b.sheet(l.T("annual.outcome.sheet"))
	if err != nil {
		return err
	}
	if err := b.row(sh, 1, xcell{l.T("annual.outcome.title_session", "Session", o.Session.Title), b.total}); err != nil {
		return err
	}
	if err := b.headerRow(sh, 3, "field.ref", "field.title", "field.countries", "field.theme", "annual.col.pillar",
		"field.stage", "annual.col.action", "annual.col.partner", "annual.col.start", "annual.col.end",
		"annual.col.budget", "annual.col.actual_cost", "annual.col.women", "annual.col.men", "annual.col.other",
		"annual.col.indicators", "annual.col.status"); err != nil {
		return err
	}
	n := 4
	for _, p := range o.Priorities {
		head := []xcell{{p.Ref, b.wrap}, {p.Title, b.wrap}, {l.Countries(p.Countries), b.wrap},
			{l.Theme(p.Theme), b.wrap}, {l.Code("pillar", p.Pillar), b.wrap}, {l.Stage(p.Stage), b.wrap}}
		if len(p.Actions) == 0 {
			if err := b.row(sh, n, head...); err != nil {
				return err
			}
			n++
		}
		for _, a := range p.Actions {
			var cost, women, men, other any = "", "", "", ""
			if r := a.Delivery.Report; r != nil {
				cost, women, men, other = euros(r.ActualCostEUR), r.ParticipantsWomen, r.ParticipantsMen, r.ParticipantsOther
			}
			cells := append(head[:6:6], xcell{a.Title, b.wrap}, xcell{PartnerName(l, a.Partner), b.wrap},
				xcell{day(a.Start()), b.date}, xcell{day(a.End()), b.date}, xcell{euros(a.BudgetEUR), b.eur},
				xcell{cost, b.eur}, xcell{women, 0}, xcell{men, 0}, xcell{other, 0},
				xcell{strings.Join(Indicators(l, a), "\n"), b.wrap}, xcell{DeliveryStatus(l, a), b.wrap})
			if err := b.row(sh, n, cells...); err != nil {
				return err
			}
			n++
		}
	}
	t := o.Total
	if err := b.row(sh, n, xcell{l.T("annual.totals.grand"), b.total}, xcell{"", 0}, xcell{"", 0}, xcell{"", 0},
		xcell{"", 0}, xcell{"", 0}, xcell{l.T("annual.outcome.actions", "count", t.Actions), b.total}, xcell{"", 0},
		xcell{"", 0}, xcell{"", 0}, xcell{euros(t.BudgetEUR), b.eurTotal}, xcell{euros(t.ActualCostEUR), b.eurTotal},
		xcell{t.ParticipantsWomen, b.total}, xcell{t.ParticipantsMen, b.total}, xcell{t.ParticipantsOther, b.total}); err != nil {
		return err
	}
	if err := b.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := b.widths(sh, 14, 36, 18, 22, 14, 14, 36, 22, 12, 12, 16, 16, 9, 9, 9, 40, 18); err != nil {
		return err
	}
	return write(b.f, w)
}

func write(f *excelize.File, w io.Writer) error {
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return f.Close()
}
