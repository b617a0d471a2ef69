package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/sso"
)

// TestSingleSignOnIsCheckedAtStart: with the issuer set and no client
// secret, or a wrong one, `puente api`, `serve` and `dev` stop at start
// with one sentence naming the setting, before they connect to anything;
// with the right one they start and say so.
func TestSingleSignOnIsCheckedAtStart(t *testing.T) {
	bin := puenteBinary(t)
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	idp := testidp.Start(t, testidp.Options{Clients: []testidp.Client{{ID: "puente-web", Secret: "client-s3cret",
		RedirectURI: base + sso.CallbackPath, PostLogoutRedirectURI: base + sso.SignedOutPath}}})
	// Nothing answers at these: a command that got past the check would
	// fail on them, with another message.
	deadDB := "postgres://puente@127.0.0.1:1/puente?sslmode=disable"
	env := func(secret string, extra ...string) []string {
		return append(append(os.Environ(), "DATABASE_URL="+deadDB, "TEMPORAL_ADDRESS=127.0.0.1:1", "PUENTE_LOG_FORMAT=text",
			"PUENTE_ADDR="+strings.TrimPrefix(base, "http://"), "PUENTE_BASE_URL="+base, "PUENTE_DATA_DIR="+t.TempDir(),
			"PUENTE_OIDC_ISSUER="+idp.Issuer, "PUENTE_OIDC_CLIENT_ID=puente-web", "PUENTE_OIDC_CLIENT_SECRET="+secret,
			"PUENTE_OIDC_CLIENT_SECRET_FILE="), extra...)
	}
	run := func(cmd string, env []string) string {
		t.Helper()
		c := exec.Command(bin, cmd)
		c.Env = env
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { out, err = c.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.Process.Kill()
			t.Fatalf("puente %s did not stop within 30 s", cmd)
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("puente %s: %v, want exit status 1:\n%s", cmd, err, out)
		}
		return string(out)
	}
	last := func(out string) string {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1]
	}
	for _, cmd := range []string{"api", "serve", "dev"} {
		out := run(cmd, env("not-the-secret"))
		if l := last(out); !strings.HasPrefix(l, "puente: single sign-on: the identity provider refuses Puente's client ID and secret") ||
			!strings.Contains(l, "PUENTE_OIDC_CLIENT_SECRET") || strings.Contains(out, "single sign-on on") {
			t.Errorf("puente %s with a wrong secret:\n%s", cmd, out)
		}
		out = run(cmd, env(""))
		if l := last(out); !strings.HasPrefix(l, "puente: oidc-client-secret (PUENTE_OIDC_CLIENT_SECRET") {
			t.Errorf("puente %s without a secret:\n%s", cmd, out)
		}
		t.Logf("puente %s, wrong secret: %s", cmd, last(run(cmd, env("not-the-secret"))))
	}

	// With the right secret, dev says single sign-on is on, then that the
	// exported DATABASE_URL does not answer.
	out := run("dev", env("client-s3cret"))
	if !strings.Contains(out, `msg="single sign-on on"`) || !strings.Contains(out, "client_secret_sent_with=client_secret_basic") ||
		!strings.HasPrefix(last(out), "puente: DATABASE_URL postgres://puente@127.0.0.1:1/puente?sslmode=disable does not answer") ||
		!strings.Contains(last(out), "unset DATABASE_URL for puente dev to run its own PostgreSQL") {
		t.Errorf("puente dev with the right secret and a dead DATABASE_URL:\n%s", out)
	}
	t.Logf("puente dev, right secret, dead DATABASE_URL:\n%s", out)

	// And api starts, saying so.
	p := startProcess(t, bin, env("client-s3cret", "DATABASE_URL="+testenv.DatabaseURL(t), "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"PUENTE_TASK_QUEUE=ssocheck-"+uuid.NewString()[:8]), "api")
	waitReady(t, base, p)
	if !strings.Contains(p.out.String(), `msg="single sign-on on"`) {
		t.Errorf("api did not say single sign-on is on:\n%s", p.out.String())
	}
	stopProcess(t, p)
}
