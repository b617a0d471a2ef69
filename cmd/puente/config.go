package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// config is every setting of every command. Each is an environment variable
// with a flag twin; the flag wins. The README's configuration table lists them.
type config struct {
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string
	Addr              string
	DataDir           string
	SLAs              pipeline.SLAs
	LogLevel          slog.Level
	LogFormat         string
	PGMaxConns        int
	MetricsAddr       string
	ShutdownDelay     time.Duration
	TemporalTLS       temporalTLS
	People            peopleConfig
}

// temporalTLS is how Puente authenticates to a real Temporal cluster or to
// Temporal Cloud: mTLS client certificates, an API key, or neither.
type temporalTLS struct {
	Cert, Key, CA, ServerName string
	APIKey                    string
	Compression               string
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// register adds the flags the named groups need to fs, with env defaults.
func (c *config) register(fs *flag.FlagSet, groups ...string) {
	for _, g := range groups {
		switch g {
		case "db":
			fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL (env DATABASE_URL)")
			fs.IntVar(&c.PGMaxConns, "pg-max-conns", atoi(env("PUENTE_PG_MAX_CONNS", "0")), "pgx pool size; 0: pgx's default (env PUENTE_PG_MAX_CONNS)")
		case "temporal":
			fs.StringVar(&c.TemporalAddress, "temporal-address", env("TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
			fs.StringVar(&c.TemporalNamespace, "temporal-namespace", env("TEMPORAL_NAMESPACE", "default"), "Temporal namespace (env TEMPORAL_NAMESPACE)")
			fs.StringVar(&c.TaskQueue, "task-queue", env("PUENTE_TASK_QUEUE", workflows.TaskQueue), "Temporal task queue (env PUENTE_TASK_QUEUE)")
			fs.Func("sla", "stage SLAs, e.g. triage=5d,approval=48h (env PUENTE_SLAS)", c.parseSLAs)
			t := &c.TemporalTLS
			fs.StringVar(&t.Cert, "temporal-tls-cert", env("TEMPORAL_TLS_CERT", ""), "client certificate (PEM file) for mTLS (env TEMPORAL_TLS_CERT)")
			fs.StringVar(&t.Key, "temporal-tls-key", env("TEMPORAL_TLS_KEY", ""), "client key (PEM file) for mTLS (env TEMPORAL_TLS_KEY)")
			fs.StringVar(&t.CA, "temporal-tls-ca", env("TEMPORAL_TLS_CA", ""), "CA bundle (PEM file) to verify the server; default: the system's (env TEMPORAL_TLS_CA)")
			fs.StringVar(&t.ServerName, "temporal-tls-server-name", env("TEMPORAL_TLS_SERVER_NAME", ""), "server name to verify, if not the address's host (env TEMPORAL_TLS_SERVER_NAME)")
			fs.StringVar(&t.APIKey, "temporal-api-key", env("TEMPORAL_API_KEY", ""), "API key, e.g. for Temporal Cloud; implies TLS (env TEMPORAL_API_KEY)")
			fs.StringVar(&t.Compression, "temporal-grpc-compression", env("TEMPORAL_GRPC_COMPRESSION", "none"), "none or gzip; gzip pays off over a WAN only (env TEMPORAL_GRPC_COMPRESSION)")
			c.SLAs = pipeline.DefaultSLAs()
			if v := os.Getenv("PUENTE_SLAS"); v != "" {
				if err := c.parseSLAs(v); err != nil {
					fmt.Fprintln(os.Stderr, "PUENTE_SLAS:", err)
					os.Exit(2)
				}
			}
		case "http":
			fs.StringVar(&c.Addr, "addr", env("PUENTE_ADDR", "127.0.0.1:8080"), "HTTP listen address (env PUENTE_ADDR)")
			delay, err := time.ParseDuration(env("PUENTE_SHUTDOWN_DELAY", "0s"))
			if err != nil {
				fmt.Fprintln(os.Stderr, "PUENTE_SHUTDOWN_DELAY:", err)
				os.Exit(2)
			}
			fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", delay, "on SIGTERM, answer /readyz 503 this long before closing (env PUENTE_SHUTDOWN_DELAY)")
		case "metrics":
			fs.StringVar(&c.MetricsAddr, "metrics-addr", env("PUENTE_METRICS_ADDR", ""), "worker: serve /metrics and /healthz here; empty: off (env PUENTE_METRICS_ADDR)")
		case "people":
			c.People.register(fs)
		case "dev":
			fs.StringVar(&c.DataDir, "data-dir", env("PUENTE_DATA_DIR", ".puente"), "where the dev stack keeps its data (env PUENTE_DATA_DIR)")
		}
	}
	fs.Func("log-level", "debug, info, warn or error (env PUENTE_LOG_LEVEL)", func(s string) error { return c.LogLevel.UnmarshalText([]byte(s)) })
	_ = c.LogLevel.UnmarshalText([]byte(env("PUENTE_LOG_LEVEL", "info")))
	fs.StringVar(&c.LogFormat, "log-format", env("PUENTE_LOG_FORMAT", "json"), "json or text (env PUENTE_LOG_FORMAT)")
}

// temporalOptions are the Temporal client options of every command.
func (c *config) temporalOptions(log *slog.Logger) (client.Options, error) {
	o := client.Options{HostPort: c.TemporalAddress, Namespace: c.TemporalNamespace, Logger: tlog.NewStructuredLogger(log)}
	t := c.TemporalTLS
	switch t.Compression {
	case "none", "":
		o.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	case "gzip":
		o.ConnectionOptions.GrpcCompression = &client.GrpcCompressionGzip{}
	default:
		return o, fmt.Errorf("TEMPORAL_GRPC_COMPRESSION %q: want none or gzip", t.Compression)
	}
	if t.Cert == "" && t.Key == "" && t.CA == "" && t.APIKey == "" && t.ServerName == "" {
		return o, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.Cert != "" || t.Key != "" {
		pair, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return o, fmt.Errorf("temporal client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return o, fmt.Errorf("temporal CA: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return o, fmt.Errorf("temporal CA %s: no PEM certificate in it", t.CA)
		}
	}
	o.ConnectionOptions.TLS = tc
	if t.APIKey != "" {
		o.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	return o, nil
}

func (c *config) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// parseSLAs reads "stage=duration" pairs; durations are Go durations or whole days ("5d").
func (c *config) parseSLAs(s string) error {
	if c.SLAs == nil {
		c.SLAs = pipeline.DefaultSLAs()
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		st := pipeline.Stage(k)
		if !ok || !st.Open() {
			return fmt.Errorf("%q: want stage=duration with an open stage", kv)
		}
		d, err := parseDays(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q: %q is not a positive duration such as 5d or 36h", kv, v)
		}
		c.SLAs[st] = d
	}
	return nil
}

func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
