package telemetry

import (
	"context"
	"io"
	"log/slog"
	"testing"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// TestNewWithOTLPEndpoint is the start-up every process does with tracing on:
// it used to fail on conflicting schema URLs, which made `puente api`,
// `worker` and `dev` exit 1 whenever OTEL_EXPORTER_OTLP_ENDPOINT was set.
func TestNewWithOTLPEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	tel, err := New(context.Background(), "puente-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("New with an OTLP endpoint: %v", err)
	}
	if !tel.Tracing() {
		t.Error("tracing is off with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	_ = tel.Shutdown(context.Background())
}

func TestResourceNamesTheServiceUnlessTheEnvironmentDoes(t *testing.T) {
	for _, tc := range []struct{ env, want string }{{"", "puente-api"}, {"edge-api", "edge-api"}} {
		t.Setenv("OTEL_SERVICE_NAME", tc.env)
		res, err := newResource(context.Background(), "puente-api")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := res.Set().Value(semconv.ServiceNameKey)
		if got.AsString() != tc.want {
			t.Errorf("OTEL_SERVICE_NAME=%q: service.name %q, want %q", tc.env, got.AsString(), tc.want)
		}
	}
}
