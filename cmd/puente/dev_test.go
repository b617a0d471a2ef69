package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/internal/testidp"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// devTools builds the tools `puente dev` starts (the Temporal CLI and
// Mailpit) into the project's bin dir, if they are not there yet, and
// returns that dir: on a machine with empty Go caches the first build takes
// minutes, which a test waiting for dev to come up must not count.
func devTools(t *testing.T) string {
	t.Helper()
	cli, mailpit := testenv.TemporalCLI(t), testenv.MailpitBinary(t)
	if filepath.Dir(cli) != filepath.Dir(mailpit) {
		t.Fatalf("the tools are in two dirs: %s, %s", cli, mailpit)
	}
	return filepath.Dir(cli)
}

// TestDevStack runs the real `puente dev` binary as a user would: it comes up,
// takes a priority, keeps it across a restart and leaves no server behind.
func TestDevStack(t *testing.T) {
	binDir := devTools(t)
	bin := filepath.Join(t.TempDir(), "puente")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// The data dir is a clone's .puente, as in `puente dev` run at its root.
	clone, err := os.MkdirTemp("", "puente-dev-test-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(clone, 0o755)
	t.Cleanup(func() { os.RemoveAll(clone) })
	dataDir := filepath.Join(clone, ".puente")
	if err := os.MkdirAll(filepath.Join(clone, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}

	ports := make([]int, 5)
	for i := range ports {
		if ports[i], err = devstack.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	// Single sign-on on, against a real provider, with the right secret:
	// dev starts and says so.
	idp := testidp.Start(t, testidp.Options{Clients: []testidp.Client{{ID: "puente-dev", Secret: "dev-s3cret",
		RedirectURI: "http://" + addr + sso.CallbackPath, PostLogoutRedirectURI: "http://" + addr + sso.SignedOutPath}}})
	out := &testenv.SyncBuffer{}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "dev", "--data-dir", dataDir, "--addr", addr,
			"--temporal-port", fmt.Sprint(ports[1]), "--temporal-ui-port", fmt.Sprint(ports[2]),
			"--mailpit-port", fmt.Sprint(ports[3]), "--mailpit-smtp-port", fmt.Sprint(ports[4]))
		cmd.Env = append(os.Environ(), "PUENTE_BIN_DIR="+binDir, "DATABASE_URL=", "PUENTE_LOG_FORMAT=json",
			"PUENTE_OIDC_ISSUER="+idp.Issuer, "PUENTE_OIDC_CLIENT_ID=puente-dev", "PUENTE_OIDC_CLIENT_SECRET=dev-s3cret")
		pr, pw := io.Pipe()
		cmd.Stdout, cmd.Stderr = io.MultiWriter(out, pw), out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		running := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "Puente is running") {
					close(running)
				}
			}
		}()
		select {
		case <-running:
		case <-time.After(3 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("puente dev did not come up:\n%s", out.String())
		}
		return cmd
	}
	stop := func(cmd *exec.Cmd) {
		t.Helper()
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("puente dev exited with %v after Ctrl-C", err)
			}
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Fatal("puente dev did not stop within a minute of Ctrl-C")
		}
		if left := processesMentioning(dataDir); len(left) > 0 {
			t.Fatalf("processes left after Ctrl-C: %v", left)
		}
	}

	cmd := start()
	base := "http://" + addr
	// `puente users` run in the clone, without DATABASE_URL, finds dev's
	// database (its port changes on every start).
	runUsers := func(args ...string) (string, error) {
		c := exec.Command(bin, append([]string{"users"}, args...)...)
		c.Dir = filepath.Join(clone, "docs")
		c.Env = append(os.Environ(), "DATABASE_URL=", "PUENTE_DATA_DIR=")
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := runUsers("add", "--name", "Rosa Quispe", "--email", "rosa.quispe@example.org", "--role", "manager"); err != nil ||
		!strings.Contains(out, `"token": "pte_`) || !strings.Contains(out, "using the database of puente dev") {
		t.Errorf("users add in the clone without DATABASE_URL: %v\n%s", err, out)
	}
	if out, err := runUsers("list"); err != nil || !strings.Contains(out, "rosa.quispe@example.org") {
		t.Errorf("users list in the clone without DATABASE_URL: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), `"msg":"single sign-on on"`) {
		t.Errorf("dev did not say single sign-on is on:\n%s", out.String())
	}
	if code, body := get(t, base+"/readyz", ""); code != http.StatusOK {
		t.Fatalf("readyz: %d %s", code, body)
	}
	// Mailpit is up where the banner says, and every demo user has an address.
	inbox := fmt.Sprintf("http://127.0.0.1:%d", ports[3])
	if !strings.Contains(out.String(), "Mailpit      "+inbox) {
		t.Errorf("the banner does not name Mailpit at %s:\n%s", inbox, out.String())
	}
	if code, body := get(t, inbox+"/readyz", ""); code != http.StatusOK {
		t.Errorf("mailpit readyz: %d %s", code, body)
	}
	// On the empty database dev told the demo's story, and said so.
	if n := strings.Count(out.String(), "seeded demo data"); n != 1 {
		t.Errorf("dev said %d times that it seeded demo data:\n%s", n, out.String())
	}
	users := readUsers(t, filepath.Join(dataDir, "dev-users.json"))
	for _, u := range users {
		if !strings.HasSuffix(u.Email, "@example.org") || !slices.Contains(store.Languages, u.Language) {
			t.Errorf("demo user %s: email %q, language %q", u.Name, u.Email, u.Language)
		}
	}
	fp := userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "focal_point" && slices.Contains(u.Countries, "PE") })
	userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "focal_point" && slices.Contains(u.Countries, "CO") })
	if n := count(users, "manager"); n < 2 {
		t.Errorf("%d managers seeded, four-eyes needs two", n)
	}
	for _, th := range pipeline.Lists.Themes {
		userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "expert" && slices.Contains(u.Themes, th.Code) })
	}
	for _, partner := range []string{"fiiapp", "expertise_france"} {
		im := userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "implementer" && u.Partner == partner })
		if code, body := get(t, base+"/v1/me", im.Token); code != http.StatusOK ||
			!strings.Contains(string(body), `"role":"implementer"`) || !strings.Contains(string(body), `"partner":"`+partner+`"`) {
			t.Errorf("the %s implementer's token: %d %s", partner, code, body)
		}
	}

	// The web app is at the printed URL: its sign-in page lists the demo
	// users, and one click signs in as one of them.
	if !strings.Contains(out.String(), "Web app      "+base+"/") {
		t.Errorf("the banner does not name the web app at %s/:\n%s", base, out.String())
	}
	code, page := get(t, base+"/", "")
	if code != http.StatusOK || !strings.Contains(string(page), `action="/signin/dev"`) || !strings.Contains(string(page), `value="`+fp.ID+`"`) {
		t.Errorf("GET / should land on the sign-in page listing the demo users: %d %.300s", code, page)
	}
	pick, _ := http.NewRequest("POST", base+"/signin/dev", strings.NewReader("user="+fp.ID))
	pick.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	pick.Header.Set("Origin", base)
	picked, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(pick)
	if err != nil {
		t.Fatal(err)
	}
	picked.Body.Close()
	if picked.StatusCode != http.StatusSeeOther || len(picked.Cookies()) == 0 {
		t.Errorf("one-click sign-in as a demo user: %s, cookies %v", picked.Status, picked.Cookies())
	}

	body := `{"title":"Intercambio seguro de información","description":"Canal seguro entre fiscalías","theme":"information_exchange","pillar":"justice","countries":["PE"],"institution":"Ministerio Público","urgency":"medium"}`
	req, _ := http.NewRequest("POST", base+"/v1/priorities", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fp.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	created, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
		t.Fatalf("submit: %s %s", resp.Status, created)
	}
	var p pipeline.Priority
	if err := json.Unmarshal(created, &p); err != nil || p.Stage != pipeline.Triage {
		t.Fatalf("created %s (%v)", created, err)
	}
	list, err := exec.Command(testenv.TemporalCLI(t), "workflow", "list",
		"--address", fmt.Sprintf("127.0.0.1:%d", ports[1])).CombinedOutput()
	if err != nil || !strings.Contains(string(list), "priority-"+p.ID) {
		t.Errorf("temporal workflow list does not show the priority (%v):\n%s", err, list)
	}

	// /metrics shows the HTTP, Temporal and business metrics after the move.
	mgr := userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "manager" })
	_, metrics := get(t, base+"/metrics", mgr.Token)
	for _, want := range []string{
		`puente_http_requests_total{method="POST",route="/v1/priorities",status="201"} 1`,
		`puente_priorities{stage="triage"} 2`, // the demo's and this one
		`temporal_workflow_task_execution_latency_seconds_count`,
		`temporal_request_total`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// One request ID and the workflow ID tie the request's log line to its workflow's.
	requestID := resp.Header.Get("X-Request-Id")
	var httpLine, workflowLine bool
	for _, line := range strings.Split(out.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["request_id"] != requestID {
			continue
		}
		httpLine = httpLine || (l["msg"] == "http request" && l["workflow_id"] == "priority-"+p.ID && l["status"] == float64(201))
		workflowLine = workflowLine || (l["msg"] == "priority changed" && l["WorkflowID"] == "priority-"+p.ID && l["kind"] == "submitted")
	}
	if !httpLine || !workflowLine {
		t.Errorf("logs do not tie request %s to workflow priority-%s (http line %v, workflow line %v)", requestID, p.ID, httpLine, workflowLine)
	}
	// A manager's accept emails the expert: the message lands in Mailpit.
	expert := userWhere(t, users, func(u devstack.DevUser) bool {
		return u.Role == "expert" && slices.Contains(u.Themes, "information_exchange")
	})
	accept, _ := http.NewRequest("POST", base+"/v1/priorities/"+p.ID+"/decisions", strings.NewReader(`{"decision":"accept"}`))
	accept.Header.Set("Authorization", "Bearer "+mgr.Token)
	accept.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(accept); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("accept: %v %v", resp, err)
	}
	var mails struct {
		Messages []struct{ To []struct{ Address string } } `json:"messages"`
	}
	for deadline := time.Now().Add(time.Minute); len(mails.Messages) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, list := get(t, inbox+"/api/v1/search?query=to:"+url.QueryEscape(expert.Email), "")
		_ = json.Unmarshal(list, &mails)
	}
	if len(mails.Messages) != 1 || mails.Messages[0].To[0].Address != expert.Email {
		t.Errorf("Mailpit holds %+v for %s, want the one email of the accept", mails.Messages, expert.Email)
	}
	stop(cmd)
	if out, err := runUsers("list"); err == nil || !strings.Contains(out, "set DATABASE_URL") {
		t.Errorf("users list once dev stopped: %v\n%s", err, out)
	}

	cmd = start()
	code, again := get(t, base+resp.Header.Get("Location"), fp.Token)
	if code != http.StatusOK || !strings.Contains(string(again), p.Ref) {
		t.Errorf("after restart: %d %s", code, again)
	}
	if n := strings.Count(out.String(), "seeded demo data"); n != 1 {
		t.Errorf("after a restart dev said %d times that it seeded demo data, want the first start's once", n)
	}
	if restarted := readUsers(t, filepath.Join(dataDir, "dev-users.json")); restarted[0].Token != users[0].Token {
		t.Error("dev tokens changed across a restart")
	}
	stop(cmd)
}

func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func readUsers(t *testing.T, path string) []devstack.DevUser {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var users []devstack.DevUser
	if err := json.Unmarshal(b, &users); err != nil {
		t.Fatalf("dev users file: %v", err)
	}
	return users
}

func userWhere(t *testing.T, users []devstack.DevUser, f func(devstack.DevUser) bool) devstack.DevUser {
	t.Helper()
	i := slices.IndexFunc(users, f)
	if i < 0 {
		t.Fatalf("no such dev user in %d users", len(users))
	}
	if users[i].Token == "" || users[i].ID == "" {
		t.Fatalf("dev user without id or token: %+v", users[i])
	}
	return users[i]
}

func count(users []devstack.DevUser, role string) int {
	n := 0
	for _, u := range users {
		if u.Role == role {
			n++
		}
	}
	return n
}

// processesMentioning lists live processes whose command line names dir: the
// dev stack's postgres and temporal both do.
func processesMentioning(dir string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && bytes.Contains(st, []byte(") Z ")) {
			continue // a zombie already exited
		}
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
	}
	return out
}

// TestDevSaysWhenDatabaseURLDoesNotAnswer: a DATABASE_URL left exported
// from an earlier run stops `puente dev` at once, with one sentence saying
// so and what to do, before it starts anything.
func TestDevSaysWhenDatabaseURLDoesNotAnswer(t *testing.T) {
	dataDir := t.TempDir()
	cmd := exec.Command(puenteBinary(t), "dev", "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), "DATABASE_URL=postgres://puente:s3cret@127.0.0.1:1/puente?sslmode=disable", "PUENTE_OIDC_ISSUER=")
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err == nil || len(lines) != 1 ||
		!strings.HasPrefix(lines[0], "puente: DATABASE_URL postgres://puente:xxxxx@127.0.0.1:1/puente?sslmode=disable does not answer (") ||
		!strings.HasSuffix(lines[0], "connection refused): unset DATABASE_URL for puente dev to run its own PostgreSQL, or start the server it names") {
		t.Errorf("puente dev with a dead DATABASE_URL: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("dev started something in its data dir: %v", entries)
	}
}
