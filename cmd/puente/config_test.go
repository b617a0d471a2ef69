package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// writeKeyPair writes a self-signed certificate and its key as PEM files.
func writeKeyPair(t *testing.T) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "puente-worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

func TestTemporalOptions(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	base := config{TemporalAddress: "ns.a1b2c.tmprl.cloud:7233", TemporalNamespace: "ns.a1b2c", SLAs: pipeline.DefaultSLAs()}

	plain, err := base.temporalOptions(log)
	if err != nil || plain.ConnectionOptions.TLS != nil || plain.Credentials != nil {
		t.Fatalf("no TLS settings: TLS %v, credentials %v, err %v", plain.ConnectionOptions.TLS, plain.Credentials, err)
	}
	if _, ok := plain.ConnectionOptions.GrpcCompression.(*client.GrpcCompressionNone); !ok || plain.HostPort != base.TemporalAddress {
		t.Errorf("defaults: %+v", plain)
	}

	cert, key := writeKeyPair(t)
	mtls := base
	mtls.TemporalTLS = temporalTLS{Cert: cert, Key: key, CA: cert, ServerName: "temporal.internal", Compression: "gzip"}
	o, err := mtls.temporalOptions(log)
	if err != nil {
		t.Fatal(err)
	}
	tc := o.ConnectionOptions.TLS
	if tc == nil || len(tc.Certificates) != 1 || tc.RootCAs == nil || tc.ServerName != "temporal.internal" {
		t.Errorf("mTLS config %+v", tc)
	}
	if _, ok := o.ConnectionOptions.GrpcCompression.(*client.GrpcCompressionGzip); !ok {
		t.Error("gzip not honoured")
	}

	cloud := base
	cloud.TemporalTLS = temporalTLS{APIKey: "secret"}
	o, err = cloud.temporalOptions(log)
	if err != nil || o.Credentials == nil || o.ConnectionOptions.TLS == nil {
		t.Errorf("API key: credentials %v, TLS %v, err %v", o.Credentials, o.ConnectionOptions.TLS, err)
	}

	for name, bad := range map[string]temporalTLS{
		"missing key file":    {Cert: cert, Key: filepath.Join(t.TempDir(), "nope.key")},
		"CA without PEM":      {CA: key + ".missing"},
		"unknown compression": {Compression: "zstd"},
	} {
		c := base
		c.TemporalTLS = bad
		if _, err := c.temporalOptions(log); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// parseEnv parses the api command's settings from env and args.
func parseEnv(t *testing.T, env map[string]string, args ...string) (*config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var cfg config
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.register(fs, "db", "temporal", "http", "sso", "people")
	return &cfg, cfg.parse(fs, args)
}

func TestConfigReadsEnvironmentThenFlags(t *testing.T) {
	cfg, err := parseEnv(t, map[string]string{
		"DATABASE_URL": "postgres://env/db", "PUENTE_PG_MAX_CONNS": "12", "PUENTE_PG_TIMEOUT": "1500ms",
		"PUENTE_SLAS": "triage=2d", "PUENTE_SHUTDOWN_DELAY": "5s", "PUENTE_LOG_LEVEL": "warn", "PUENTE_ADDR": "0.0.0.0:9000",
	}, "--pg-max-conns", "20", "--addr", "127.0.0.1:9001")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://env/db" || cfg.PGTimeout != 1500*time.Millisecond || cfg.ShutdownDelay != 5*time.Second ||
		cfg.LogLevel != slog.LevelWarn || cfg.SLAs[pipeline.Triage] != 48*time.Hour {
		t.Errorf("environment not read: %+v", cfg)
	}
	if cfg.PGMaxConns != 20 || cfg.Addr != "127.0.0.1:9001" {
		t.Errorf("the flag must win over its variable: pg-max-conns %d, addr %s", cfg.PGMaxConns, cfg.Addr)
	}
	if cfg.SLAs[pipeline.Approval] != pipeline.DefaultSLAs()[pipeline.Approval] {
		t.Errorf("stages PUENTE_SLAS does not name keep their default: %v", cfg.SLAs)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := parseEnv(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PGTimeout != store.DefaultTimeout || cfg.PGMaxConns != 0 || cfg.TemporalAddress != "127.0.0.1:7233" ||
		cfg.TaskQueue != "puente" || cfg.LogFormat != "json" || cfg.LogLevel != slog.LevelInfo || cfg.Web.IdleTimeout != 30*time.Minute {
		t.Errorf("defaults: %+v", cfg)
	}
}

// A malformed value is an error naming the variable, never a silent zero,
// and parsing never exits the process.
func TestConfigRejectsMalformedValues(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env: map[string]string{"PUENTE_PG_MAX_CONNS": "abc"}, want: "PUENTE_PG_MAX_CONNS"},
		{env: map[string]string{"PUENTE_PG_MAX_CONNS": "-3"}, want: "pg-max-conns"},
		{env: map[string]string{"PUENTE_PG_TIMEOUT": "5"}, want: "PUENTE_PG_TIMEOUT"},
		{env: map[string]string{"PUENTE_SHUTDOWN_DELAY": "soon"}, want: "PUENTE_SHUTDOWN_DELAY"},
		{env: map[string]string{"PUENTE_SLAS": "triage=fast"}, want: "PUENTE_SLAS"},
		{env: map[string]string{"PUENTE_LOG_LEVEL": "loud"}, want: "PUENTE_LOG_LEVEL"},
		{env: map[string]string{"PUENTE_LOG_FORMAT": "xml"}, want: "log-format"},
		{env: map[string]string{"PUENTE_TOKEN_TTL": "forever"}, want: "PUENTE_TOKEN_TTL"},
		{env: map[string]string{"PUENTE_SESSION_IDLE_TIMEOUT": "30"}, want: "PUENTE_SESSION_IDLE_TIMEOUT"},
		{env: map[string]string{"PUENTE_SESSION_IDLE_TIMEOUT": "13h"}, want: "PUENTE_SESSION_IDLE_TIMEOUT"},
		{args: []string{"--pg-max-conns", "many"}, want: "pg-max-conns"},
		{env: map[string]string{"PUENTE_OIDC_ISSUER": "https://login.example.org"}, want: "PUENTE_OIDC_CLIENT_ID"},
		{env: map[string]string{"PUENTE_OIDC_CLIENT_ID": "puente"}, want: "PUENTE_OIDC_ISSUER"},
		{env: map[string]string{"PUENTE_OIDC_ISSUER": "login.example.org", "PUENTE_OIDC_CLIENT_ID": "puente", "PUENTE_OIDC_CLIENT_SECRET": "s"}, want: "oidc-issuer"},
		{env: map[string]string{"PUENTE_OIDC_ISSUER": "https://login.example.org", "PUENTE_OIDC_CLIENT_ID": "puente"}, want: "PUENTE_OIDC_CLIENT_SECRET_FILE"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := parseEnv(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v %v: error %v, want one naming %s", tc.env, tc.args, err, tc.want)
			}
			t.Log(err)
		})
	}
}

// A setting may come from the file <VAR>_FILE names (a mounted secret); the
// variable itself wins, and a file that cannot be read is an error.
func TestConfigReadsSecretFiles(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseEnv(t, map[string]string{"PUENTE_METRICS_TOKEN_FILE": token, "DATABASE_URL_FILE": token, "DATABASE_URL": "postgres://env/db"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MetricsToken != "s3cret" || cfg.DatabaseURL != "postgres://env/db" {
		t.Errorf("metrics token %q, database url %q", cfg.MetricsToken, cfg.DatabaseURL)
	}
	if _, err := parseEnv(t, map[string]string{"PUENTE_METRICS_TOKEN_FILE": filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "PUENTE_METRICS_TOKEN_FILE") {
		t.Errorf("a missing file: err = %v", err)
	}
}

// Single sign-on's settings: its client secret from a mounted file, as the
// other secrets; off when no issuer is set.
func TestConfigSingleSignOn(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	off, err := parseEnv(t, nil)
	if err != nil || off.SSO != (ssoConfig{}) {
		t.Errorf("no issuer: %+v, %v", off.SSO, err)
	}
	if p, err := off.SSO.provider(t.Context(), "", nil, log); p != nil || err != nil {
		t.Errorf("no issuer, yet a provider %v, %v", p, err)
	}
	secret := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secret, []byte("client-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseEnv(t, map[string]string{"PUENTE_OIDC_ISSUER": "https://login.example.org/realms/puente",
		"PUENTE_OIDC_CLIENT_ID": "puente-web", "PUENTE_OIDC_CLIENT_SECRET_FILE": secret})
	if err != nil {
		t.Fatal(err)
	}
	want := ssoConfig{Issuer: "https://login.example.org/realms/puente", ClientID: "puente-web", ClientSecret: "client-s3cret"}
	if cfg.SSO != want {
		t.Errorf("single sign-on settings %+v, want %+v", cfg.SSO, want)
	}
	if _, err := cfg.SSO.provider(t.Context(), "", nil, log); err == nil ||
		!strings.Contains(err.Error(), "PUENTE_BASE_URL") {
		t.Errorf("single sign-on without a base URL: %v", err)
	}
}
