package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
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
