package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

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
		case "dev":
			fs.StringVar(&c.DataDir, "data-dir", env("PUENTE_DATA_DIR", ".puente"), "where the dev stack keeps its data (env PUENTE_DATA_DIR)")
		}
	}
	fs.Func("log-level", "debug, info, warn or error (env PUENTE_LOG_LEVEL)", func(s string) error { return c.LogLevel.UnmarshalText([]byte(s)) })
	_ = c.LogLevel.UnmarshalText([]byte(env("PUENTE_LOG_LEVEL", "info")))
	fs.StringVar(&c.LogFormat, "log-format", env("PUENTE_LOG_FORMAT", "json"), "json or text (env PUENTE_LOG_FORMAT)")
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
