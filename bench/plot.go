package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// palette colours the processes' lines, in processOrder.
var palette = []string{"#1f77b4", "#2ca02c", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"}

// SVG draws the sweep: decision latency (p50 dashed, p99 solid, left axis)
// against pipelines in flight, and each process's share of the machine's
// processors (right axis), one line per process and one for all together. The steps are spaced
// evenly; each is labelled with its throughput.
func (r *SweepResult) SVG(w io.Writer) error {
	const width, height, left, right, top, bottom = 760.0, 440.0, 70.0, 190.0, 40.0, 70.0
	plotW, plotH := width-left-right, height-top-bottom
	if len(r.Steps) == 0 {
		return fmt.Errorf("no steps to plot")
	}
	maxMS := 0.0
	for _, s := range r.Steps {
		maxMS = max(maxMS, s.Decision.P99)
	}
	maxMS = niceCeil(maxMS)
	x := func(i int) float64 {
		if len(r.Steps) == 1 {
			return left + plotW/2
		}
		return left + plotW*float64(i)/float64(len(r.Steps)-1)
	}
	yMS := func(v float64) float64 { return top + plotH*(1-v/maxMS) }
	yShare := func(cores float64) float64 { return top + plotH*(1-cores/float64(r.Cores)) }
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%.0f" y="20" font-size="14">%s</text>`+"\n", left, html.EscapeString("Decision latency and processor share against pipelines in flight"))
	for k := 0; k <= 4; k++ {
		y := top + plotH*float64(k)/4
		p(`<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, left+plotW, y, y)
		p(`<text x="%.0f" y="%.1f" text-anchor="end">%.0f ms</text>`+"\n", left-6, y+4, maxMS*float64(4-k)/4)
		p(`<text x="%.0f" y="%.1f">%.0f %%</text>`+"\n", left+plotW+6, y+4, 100*float64(4-k)/4)
	}
	for i, s := range r.Steps {
		p(`<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x(i), top+plotH+18, s.C)
		p(`<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%.1f/s</text>`+"\n", x(i), top+plotH+34, s.Puente.PipelinesPerSec)
	}
	p(`<text x="%.0f" y="%.0f" text-anchor="middle">pipelines in flight (throughput below)</text>`+"\n", left+plotW/2, height-10)
	line := func(ys func(SweepStep) float64, colour, dash string, widthPx float64) {
		var pts []string
		for i, s := range r.Steps {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), ys(s)))
		}
		p(`<polyline fill="none" stroke="%s" stroke-width="%.1f" stroke-dasharray="%s" points="%s"/>`+"\n", colour, widthPx, dash, strings.Join(pts, " "))
	}
	legend := func(n int, colour, dash, label string) {
		y := top + 10 + 18*float64(n)
		p(`<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", left+plotW+45, left+plotW+70, y, y, colour, dash)
		p(`<text x="%.0f" y="%.1f">%s</text>`+"\n", left+plotW+75, y+4, html.EscapeString(label))
	}
	line(func(s SweepStep) float64 { return yMS(s.Decision.P99) }, "black", "none", 2.5)
	line(func(s SweepStep) float64 { return yMS(s.Decision.P50) }, "black", "6 4", 2.5)
	legend(0, "black", "none", "decision p99")
	legend(1, "black", "6 4", "decision p50")
	names := processOrder(r.Steps[len(r.Steps)-1].Cores)
	for k, name := range names {
		colour := palette[k%len(palette)]
		line(func(s SweepStep) float64 { return yShare(s.Cores[name]) }, colour, "none", 1.5)
		legend(k+2, colour, "none", name+" CPU")
	}
	line(func(s SweepStep) float64 { return yShare(s.busy()) }, "#999", "2 3", 2)
	legend(len(names)+2, "#999", "2 3", "all processes")
	p(`<text x="%.0f" y="%.0f" fill="#555">CPU: share of the %d cores</text>`+"\n", left+plotW+6, top-12, r.Cores)
	p(`<text x="%.0f" y="%.0f" fill="#555" text-anchor="end">latency</text>`+"\n", left-6, top-12)
	p("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}
