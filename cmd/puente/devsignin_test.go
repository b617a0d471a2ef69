package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestDevSignInIsOnlyForPuenteDev: `POST /signin/dev` opens a manager's
// session with no token in `puente dev` — and nowhere else. `puente api`
// and `puente serve` have no setting that reaches it (no flag, so no
// environment twin, names dev or demo users), and run with a demo users
// file in their data dir and every dev-sounding variable one might try,
// the real binaries answer a demo sign-in with a manager's id 404, set no session, and
// offer no demo users on the sign-in page.
func TestDevSignInIsOnlyForPuenteDev(t *testing.T) {
	for _, name := range []string{"api", "serve"} {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		var cfg config
		cfg.register(fs, "db", "temporal", "people", "http", "sso")
		fs.VisitAll(func(f *flag.Flag) {
			if n := strings.ToLower(f.Name + " " + f.Usage); strings.Contains(n, "dev") || strings.Contains(n, "demo") {
				t.Errorf("puente %s has a flag --%s (%s) that may concern demo users", name, f.Name, f.Usage)
			}
		})
	}

	ctx := context.Background()
	dbURL := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	token, hash := store.NewToken()
	ana, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: "Ana", Role: pipeline.Manager}, Email: "ana@puente.test", Language: "es"},
		hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// The demo users are in the database too, so that a seeding of the
	// demo history could run: neither command may start one.
	if _, err := devstack.SeedDevUsers(ctx, st, filepath.Join(t.TempDir(), "dev-users.json")); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	devUsers, _ := json.Marshal([]map[string]any{{"id": ana.ID, "name": ana.Name, "email": ana.Email, "language": "es",
		"role": "manager", "countries": []string{}, "themes": []string{}, "token": token}})
	if err := os.WriteFile(filepath.Join(dataDir, "dev-users.json"), devUsers, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"PUENTE_DATA_DIR="+dataDir, "PUENTE_DEV=1", "PUENTE_DEV_USERS="+filepath.Join(dataDir, "dev-users.json"),
		"PUENTE_DEV_SIGNIN=true", "PUENTE_DEMO_USERS=true", "PUENTE_MODE=dev", "PUENTE_ENV=development", "APP_ENV=development",
		"PUENTE_TEMPORAL_UI_URL=http://127.0.0.1:8233", "PUENTE_LOG_FORMAT=text")
	bin := puenteBinary(t)

	for _, name := range []string{"api", "serve"} {
		t.Run(name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			base := "http://" + addr
			p := startProcess(t, bin, append(env, "PUENTE_ADDR="+addr, "PUENTE_TASK_QUEUE=devsignin-"+uuid.NewString()[:8]), name)
			defer stopProcess(t, p)
			waitReady(t, base, p)

			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest(http.MethodPost, base+"/signin/dev", strings.NewReader(url.Values{"user": {ana.ID}, "next": {"/users"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("puente %s: demo sign-in as a manager answered %s, want 404", name, resp.Status)
			}
			for _, c := range resp.Cookies() {
				if c.Name == "puente_session" && c.Value != "" {
					t.Errorf("puente %s: demo sign-in set a session cookie", name)
				}
			}
			resp, err = http.Get(base + "/signin")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "/signin/dev") {
				t.Errorf("puente %s: the sign-in page (%s) offers demo users", name, resp.Status)
			}
			sessions, _, err := st.Sessions(ctx, store.Page{Limit: 10})
			if err != nil || len(sessions) != 0 {
				t.Errorf("puente %s seeded demo data: %d sessions (%v)", name, len(sessions), err)
			}
			priorities, _, err := st.Priorities(ctx, ana.Actor, store.Filter{}, store.Page{Limit: 10})
			if err != nil || len(priorities) != 0 {
				t.Errorf("puente %s seeded demo data: %d priorities (%v)", name, len(priorities), err)
			}
		})
	}
}
