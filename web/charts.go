package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The dashboard's charts are SVG drawn here, with no script: each is an
// image with a title and a description, followed by a table holding the
// same numbers for screen readers and for anyone who prefers figures.
// Colours come from the stylesheet (classes), with text at AA contrast.

// funnelChart draws the open stages and approved as centred bars whose
// widths follow their counts.
func funnelChart(l *i18n.Locale, d *store.Dashboard) template.HTML {
	stages := append(append([]pipeline.Stage{}, pipeline.OpenStages...), pipeline.Approved)
	counts := map[pipeline.Stage]int{}
	for _, s := range d.Stages {
		counts[s.Stage] = s.Count
	}
	rows := make([]barRow, len(stages))
	for i, s := range stages {
		rows[i] = barRow{Label: l.Stage(s), Bars: []bar{{Value: float64(counts[s]), Text: l.Num(counts[s]), Class: "bar-" + string(s)}}}
	}
	return hbarChart("funnel", l.T("dash.funnel"), rows, true)
}

// bar is one bar of hbarChart: its value, the text written beside it, and
// its colour's class.
type bar struct {
	Value float64
	Text  string
	Class string
}

// barRow is one row of hbarChart: a label and one bar or more, stacked.
type barRow struct {
	Label string
	Bars  []bar
}

// hbarChart draws rows of horizontal bars with their labels on the left and
// each bar's text on its right, every bar scaled to the largest value;
// centred centres them (a funnel). The description says every row's
// figures; id names the chart's title and description.
func hbarChart(id, title string, rows []barRow, centred bool) template.HTML {
	const w, rowH = 640.0, 40.0
	// The labels' column is as wide as the longest label needs (about 7.5
	// units a character at the chart's size): "Beoordeling door expert" is
	// longer than "Expert review".
	labelW := 170.0
	peak := 1.0
	n := 1
	// Beside the bars, room for the longest text (a little wider than the
	// labels' characters: the values are bold).
	textW := 70.0
	var desc []string
	for _, r := range rows {
		texts := make([]string, len(r.Bars))
		for i, b := range r.Bars {
			peak, texts[i] = max(peak, b.Value), b.Text
			textW = max(textW, 20+8.5*float64(utf8.RuneCountInString(b.Text)))
		}
		n = max(n, len(r.Bars))
		desc = append(desc, r.Label+": "+strings.Join(texts, ", "))
		labelW = max(labelW, 20+7.5*float64(utf8.RuneCountInString(r.Label)))
	}
	// One bar a row is rowH high; several share it, each a little thinner.
	bh, step := rowH-12, rowH-12
	if n > 1 {
		bh, step = 20, 24
	}
	rowHeight := func(r barRow) float64 { return 12 + step*float64(len(r.Bars)) - (step - bh) }
	h := 0.0
	for _, r := range rows {
		h += rowHeight(r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart %s" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, id, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(strings.Join(desc, "; ")))
	barArea := w - labelW - textW
	y := 0.0
	for _, r := range rows {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="chart-label" text-anchor="end">%s</text>`, labelW-10, y+rowHeight(r)/2+5, html.EscapeString(r.Label))
		for i, br := range r.Bars {
			by := y + 6 + float64(i)*step
			bw := max(2, barArea*br.Value/peak)
			x, tx := labelW, labelW+bw+8
			if centred {
				x, tx = labelW+(barArea-bw)/2, labelW+barArea+10
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="4" class="bar %s"/>`, x, by, bw, bh, br.Class)
			fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="chart-value">%s</text>`, tx, by+bh/2+5, html.EscapeString(br.Text))
		}
		y += rowHeight(r)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// weeklyChart draws approvals per week as vertical bars, the week's Monday
// under every other bar.
func weeklyChart(l *i18n.Locale, weeks []store.Count) template.HTML {
	const w, h, top, bottom, left = 640.0, 260.0, 20.0, 40.0, 40.0
	peak := 1
	var desc []string
	for _, c := range weeks {
		if c.Count > peak {
			peak = c.Count
		}
		desc = append(desc, l.T("dash.week_of", "Date", l.ShortDate(c.Key))+": "+l.Num(c.Count))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart weekly" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="weekly-t weekly-d" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&b, `<title id="weekly-t">%s</title><desc id="weekly-d">%s</desc>`, html.EscapeString(l.T("dash.weekly")), html.EscapeString(strings.Join(desc, "; ")))
	plotH := h - top - bottom
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" class="axis"/>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="chart-small" text-anchor="end">%s</text>`, left-6, top+4, html.EscapeString(l.Num(peak)))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="chart-small" text-anchor="end">0</text>`, left-6, h-bottom+4)
	n := float64(max(1, len(weeks)))
	slot := (w - left) / n
	for i, c := range weeks {
		bh := plotH * float64(c.Count) / float64(peak)
		x := left + float64(i)*slot + slot*0.15
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="bar bar-approved"/>`, x, h-bottom-bh, slot*0.7, bh)
		if c.Count > 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="chart-small" text-anchor="middle">%s</text>`, x+slot*0.35, h-bottom-bh-4, html.EscapeString(l.Num(c.Count)))
		}
		if i%2 == len(weeks)%2 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" class="chart-small" text-anchor="middle">%s</text>`, x+slot*0.35, h-bottom+18, html.EscapeString(l.ShortDate(c.Key)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
