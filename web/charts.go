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
	peak := 1
	for _, s := range d.Stages {
		counts[s.Stage] = s.Count
		if s.Count > peak && (s.Stage.Open() || s.Stage == pipeline.Approved) {
			peak = s.Count
		}
	}
	const w, rowH = 640.0, 40.0
	// The labels' column is as wide as the longest stage name needs (about
	// 7.5 units a character at the chart's size): "Beoordeling door expert"
	// is longer than "Expert review".
	labelW := 170.0
	h := rowH * float64(len(stages))
	var b strings.Builder
	title := l.T("dash.funnel")
	var desc []string
	for _, s := range stages {
		desc = append(desc, l.Stage(s)+": "+l.Num(counts[s]))
		labelW = max(labelW, 20+7.5*float64(utf8.RuneCountInString(l.Stage(s))))
	}
	fmt.Fprintf(&b, `<svg class="chart funnel" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="funnel-t funnel-d" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&b, `<title id="funnel-t">%s</title><desc id="funnel-d">%s</desc>`, html.EscapeString(title), html.EscapeString(strings.Join(desc, "; ")))
	barArea := w - labelW - 70
	for i, s := range stages {
		y := float64(i) * rowH
		bw := max(2, barArea*float64(counts[s])/float64(peak))
		x := labelW + (barArea-bw)/2
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="chart-label" text-anchor="end">%s</text>`, labelW-10, y+rowH/2+5, html.EscapeString(l.Stage(s)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="4" class="bar bar-%s"/>`, x, y+6, bw, rowH-12, s)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="chart-value">%s</text>`, labelW+barArea+10, y+rowH/2+5, html.EscapeString(l.Num(counts[s])))
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
