package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/web"
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
	PGTimeout         time.Duration
	MetricsAddr       string
	MetricsToken      string
	TrustedProxies    string
	ShutdownDelay     time.Duration
	UpdateTimeout     time.Duration
	TemporalTLS       temporalTLS
	People            peopleConfig
	SSO               ssoConfig
	// Web configures the web app; dev fills in its demo users.
	Web app.WebConfig
	// seed, set by dev only, runs once the worker is up and before the API
	// listens: it writes the demo history on an empty database.
	seed func(context.Context, *service.Service, *store.Store) error
	// TemporalPort, TemporalUIPort: the dev stack's Temporal server.
	TemporalPort, TemporalUIPort int
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

// twin sets flag name from the environment variable envName, as its
// default: the command line still wins. envName_FILE names a file that
// holds the value instead (a mounted secret), so that no secret need be in
// the environment.
func twin(fs *flag.FlagSet, name, envName string) error {
	v := os.Getenv(envName)
	if f := os.Getenv(envName + "_FILE"); v == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("%s_FILE: %w", envName, err)
		}
		v = strings.TrimRight(string(b), "\r\n")
	}
	if v == "" {
		return nil
	}
	if err := fs.Set(name, v); err != nil {
		typ, _ := flag.UnquoteUsage(fs.Lookup(name))
		if want, ok := wants[typ]; ok {
			return fmt.Errorf("%s=%q: want %s (as for --%s)", envName, v, want, name)
		}
		return fmt.Errorf("%s=%q (as for --%s): %w", envName, v, name, err)
	}
	return nil
}

// register adds the flags the named groups need to fs. A flag whose usage
// ends "(env NAME)" has NAME as its environment twin. Call parse, not
// fs.Parse: it reads the twins and reports values out of range.
func (c *config) register(fs *flag.FlagSet, groups ...string) {
	for _, g := range groups {
		switch g {
		case "db":
			fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (env DATABASE_URL)")
			fs.IntVar(&c.PGMaxConns, "pg-max-conns", 0, "pgx pool size; 0: pgx's default (env PUENTE_PG_MAX_CONNS)")
			fs.DurationVar(&c.PGTimeout, "pg-timeout", store.DefaultTimeout,
				"longest wait on PostgreSQL for a connection, a statement or the next rows; 0: no bound (env PUENTE_PG_TIMEOUT)")
		case "temporal":
			fs.StringVar(&c.TemporalAddress, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
			fs.StringVar(&c.TemporalNamespace, "temporal-namespace", "default", "Temporal namespace (env TEMPORAL_NAMESPACE)")
			fs.StringVar(&c.TaskQueue, "task-queue", workflows.TaskQueue, "Temporal task queue (env PUENTE_TASK_QUEUE)")
			c.SLAs = pipeline.DefaultSLAs()
			fs.Func("sla", "stage SLAs, e.g. triage=5d,approval=48h (env PUENTE_SLAS)", c.parseSLAs)
			t := &c.TemporalTLS
			fs.StringVar(&t.Cert, "temporal-tls-cert", "", "client certificate (PEM file) for mTLS (env TEMPORAL_TLS_CERT)")
			fs.StringVar(&t.Key, "temporal-tls-key", "", "client key (PEM file) for mTLS (env TEMPORAL_TLS_KEY)")
			fs.StringVar(&t.CA, "temporal-tls-ca", "", "CA bundle (PEM file) to verify the server; default: the system's (env TEMPORAL_TLS_CA)")
			fs.StringVar(&t.ServerName, "temporal-tls-server-name", "", "server name to verify, if not the address's host (env TEMPORAL_TLS_SERVER_NAME)")
			fs.StringVar(&t.APIKey, "temporal-api-key", "", "API key, e.g. for Temporal Cloud; implies TLS (env TEMPORAL_API_KEY)")
			fs.StringVar(&t.Compression, "temporal-grpc-compression", "none", "none or gzip; gzip pays off over a WAN only (env TEMPORAL_GRPC_COMPRESSION)")
			fs.DurationVar(&c.UpdateTimeout, "update-timeout", service.DefaultUpdateTimeout,
				"how long a change waits for its workflow before answering 504, may still apply (env PUENTE_UPDATE_TIMEOUT)")
		case "http":
			fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "HTTP listen address (env PUENTE_ADDR)")
			fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", 0, "on SIGTERM, answer /readyz 503 this long before closing (env PUENTE_SHUTDOWN_DELAY)")
			fs.StringVar(&c.Web.TemporalUI, "temporal-ui-url", "", "the Temporal Web UI's URL, for the web app's links to workflows; empty: no links (env PUENTE_TEMPORAL_UI_URL)")
			fs.BoolVar(&c.Web.SecureCookies, "secure-cookies", false, "mark the web session cookie Secure (behind a TLS-terminating proxy; direct TLS always does) (env PUENTE_SECURE_COOKIES)")
			fs.DurationVar(&c.Web.IdleTimeout, "session-idle-timeout", web.DefaultIdleTimeout,
				"sign people out of the web app after this long without a request (env PUENTE_SESSION_IDLE_TIMEOUT)")
			fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer token for /metrics besides a manager's (env PUENTE_METRICS_TOKEN)")
			fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "CIDRs of proxies whose X-Forwarded-For names the client (env PUENTE_TRUSTED_PROXIES)")
		case "metrics":
			fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "worker: serve /metrics and /healthz here; empty: off (env PUENTE_METRICS_ADDR)")
		case "people":
			c.People.register(fs)
		case "mail":
			c.People.registerMail(fs)
		case "sso":
			c.SSO.register(fs)
		case "dev":
			fs.StringVar(&c.DataDir, "data-dir", ".puente", "where the dev stack keeps its data (env PUENTE_DATA_DIR)")
			fs.IntVar(&c.TemporalPort, "temporal-port", 7233, "Temporal dev server gRPC port (env PUENTE_TEMPORAL_PORT)")
			fs.IntVar(&c.TemporalUIPort, "temporal-ui-port", 8233, "Temporal Web UI port (env PUENTE_TEMPORAL_UI_PORT)")
			fs.IntVar(&c.People.MailpitSMTPPort, "mailpit-smtp-port", 1025, "dev: Mailpit's SMTP port (env PUENTE_MAILPIT_SMTP_PORT)")
			fs.IntVar(&c.People.MailpitPort, "mailpit-port", 8025, "dev: Mailpit's web inbox port (env PUENTE_MAILPIT_PORT)")
		}
	}
	fs.Func("log-level", "debug, info, warn or error (env PUENTE_LOG_LEVEL)", func(s string) error { return c.LogLevel.UnmarshalText([]byte(s)) })
	fs.StringVar(&c.LogFormat, "log-format", "json", "json or text (env PUENTE_LOG_FORMAT)")
}

// parse reads the environment twins, then the command line over them, then
// checks what no parser can: a value out of range.
func (c *config) parse(fs *flag.FlagSet, args []string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if _, envName, ok := strings.Cut(f.Usage, "(env "); ok {
			errs = append(errs, twin(fs, f.Name, strings.TrimSuffix(envName, ")")))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	return c.validate()
}

// wants says what a flag of each type reads, by flag.UnquoteUsage's type name.
var wants = map[string]string{"int": "a whole number", "duration": "a duration such as 800ms, 5s or 1m30s"}

// validate rejects values each parser accepts but no setting means.
func (c *config) validate() error {
	switch {
	case c.PGMaxConns < 0:
		return fmt.Errorf("pg-max-conns (PUENTE_PG_MAX_CONNS) %d: want 0 (pgx's default) or more", c.PGMaxConns)
	case c.PGTimeout < 0:
		return fmt.Errorf("pg-timeout (PUENTE_PG_TIMEOUT) %s: want 0 (no bound) or more", c.PGTimeout)
	case c.UpdateTimeout < 0:
		return fmt.Errorf("update-timeout (PUENTE_UPDATE_TIMEOUT) %s: want more than 0", c.UpdateTimeout)
	case c.Web.IdleTimeout < 0 || c.Web.IdleTimeout > web.DefaultSessionTTL:
		return fmt.Errorf("session-idle-timeout (PUENTE_SESSION_IDLE_TIMEOUT) %s: want a positive duration of at most %s (a sign-in's longest life)",
			c.Web.IdleTimeout, web.DefaultSessionTTL)
	case c.ShutdownDelay < 0:
		return fmt.Errorf("shutdown-delay (PUENTE_SHUTDOWN_DELAY) %s: want 0 or more", c.ShutdownDelay)
	case c.LogFormat != "json" && c.LogFormat != "text":
		return fmt.Errorf("log-format (PUENTE_LOG_FORMAT) %q: want json or text", c.LogFormat)
	}
	return c.SSO.validate()
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
