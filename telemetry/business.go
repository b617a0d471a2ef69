package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/puente-dev/puente/pipeline"
)

// StageTotals reads, per stage, how many priorities are in it and how many of
// those are overdue. It returns ErrNotReporter when another process reports
// them.
type StageTotals func(ctx context.Context) (map[pipeline.Stage][2]int, error)

// ErrNotReporter says that this process leaves the business gauges to
// another: a scrape of it reports none, and that is no error.
var ErrNotReporter = errors.New("another process reports the stage gauges")

// stageCollector reports the business gauges at scrape time, from the read
// model's counters: a scrape costs one small query, not a scan.
type stageCollector struct {
	totals  StageTotals
	count   *prometheus.Desc
	overdue *prometheus.Desc
	errors  prometheus.Counter
}

// RegisterStageGauges adds puente_priorities{stage} and
// puente_priorities_overdue{stage} to the registry.
func (t *Telemetry) RegisterStageGauges(totals StageTotals) {
	c := &stageCollector{
		totals:  totals,
		count:   prometheus.NewDesc("puente_priorities", "Priorities per stage.", []string{"stage"}, nil),
		overdue: prometheus.NewDesc("puente_priorities_overdue", "Overdue priorities per stage.", []string{"stage"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "puente_metrics_read_errors_total",
			Help: "Scrapes whose business gauges could not be read."}),
	}
	t.Registry.MustRegister(c, c.errors)
}

func (c *stageCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.count
	ch <- c.overdue
}

func (c *stageCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	totals, err := c.totals(ctx)
	if errors.Is(err, ErrNotReporter) {
		return
	}
	if err != nil {
		c.errors.Inc()
		return
	}
	for _, s := range pipeline.Stages {
		ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(totals[s][0]), string(s))
		ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, float64(totals[s][1]), string(s))
	}
}
