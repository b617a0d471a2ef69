package api

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

const workflowIDKey = "puente.workflow_id"

// httpMetrics are the API's request counters and latencies, by route.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "puente_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "puente_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .2, .3, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe traces, measures and logs every request: one JSON log line with the
// request ID and, for a priority, the workflow ID that its workflow's own log
// lines carry, so one request can be followed into its workflow.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	tracer := otel.Tracer("puente/api")
	return func(c echo.Context) error {
		req := c.Request()
		ctx := otel.GetTextMapPropagator().Extract(req.Context(), propagation.HeaderCarrier(req.Header))
		method, route := metricLabels(req.Method, c.Path(), 0)
		ctx, span := tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		c.SetRequest(req.WithContext(ctx))

		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the problem now, so the status below is the one sent
		}
		status := c.Response().Status
		elapsed := time.Since(start)
		method, route = metricLabels(req.Method, c.Path(), status)
		s.metrics.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
		span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.status_code", status))

		attrs := []any{"request_id", requestID(c), "method", method, "route", route,
			"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000}
		if wid, ok := c.Get(workflowIDKey).(string); ok {
			attrs = append(attrs, "workflow_id", wid)
		}
		if a := actorOf(c); a.ID != "" {
			attrs = append(attrs, "user_id", a.ID)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(ctx, level, "http request", attrs...)
		return nil
	}
}
