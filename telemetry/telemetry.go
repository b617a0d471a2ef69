// Package telemetry wires Puente's observability: a Prometheus registry for
// /metrics that also carries the Temporal SDK's client and worker metrics
// (through OpenTelemetry), business gauges read from the read model, and
// OpenTelemetry traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Telemetry holds what the processes share: the registry /metrics serves and
// the Temporal client options that feed it.
type Telemetry struct {
	// Registry is served at /metrics.
	Registry *prometheus.Registry
	metrics  client.MetricsHandler
	tracing  interceptor.ClientInterceptor
	shutdown []func(context.Context) error
}

// New sets telemetry up for service. Traces are exported only when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set;
// the exporter reads the other standard OTEL_* variables itself.
func New(ctx context.Context, service string, log *slog.Logger) (*Telemetry, error) {
	t := &Telemetry{Registry: prometheus.NewRegistry()}
	t.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	exporter, err := otelprom.New(otelprom.WithRegisterer(t.Registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	t.shutdown = append(t.shutdown, meters.Shutdown)
	t.metrics = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                meters.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		OnError:              func(err error) { log.Warn("temporal metric", "error", err) },
	})

	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otlp trace exporter: %w", err)
		}
		res, err := newResource(ctx, service)
		if err != nil {
			return nil, err
		}
		traces := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		otel.SetTracerProvider(traces)
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
		t.shutdown = append(t.shutdown, traces.Shutdown)
		if t.tracing, err = temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{}); err != nil {
			return nil, fmt.Errorf("temporal tracing: %w", err)
		}
		log.Info("exporting traces over OTLP", "service", service)
	}
	return t, nil
}

// newResource describes this process to the trace backend. The service name
// is given without a schema URL, and the detectors all use the SDK's own
// semconv version, so no two schema URLs can conflict whatever the SDK's
// version; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override.
func newResource(ctx context.Context, service string) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service)),
		resource.WithTelemetrySDK(), resource.WithHost(), resource.WithProcessPID(),
		resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("otel resource: %w", err)
	}
	return res, nil
}

// Tracing reports whether traces are exported.
func (t *Telemetry) Tracing() bool { return t.tracing != nil }

// Temporal adds the metrics handler and, with tracing on, the tracing
// interceptor to Temporal client options.
func (t *Telemetry) Temporal(o *client.Options) {
	o.MetricsHandler = t.metrics
	if t.tracing != nil {
		o.Interceptors = append(o.Interceptors, t.tracing)
	}
}

// Shutdown flushes the exporters.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range t.shutdown {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}
