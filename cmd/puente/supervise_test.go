package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// TestDevSupervisesItsChildren runs `puente dev` from a clone inside a 0700
// folder (as a clone under /root is), SIGKILLs its Temporal server, then its
// PostgreSQL: each time dev says so at error level, restarts it, and the API
// works again. Then it breaks the cluster and kills PostgreSQL once more:
// dev cannot restart it, and exits non-zero saying why, leaving no process.
func TestDevSupervisesItsChildren(t *testing.T) {
	binDir := devTools(t)
	bin := buildPuente(t)
	private, err := os.MkdirTemp("", "puente-private-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(private) })
	dataDir := filepath.Join(private, "clone", ".puente")
	ports := make([]int, 5)
	for i := range ports {
		if ports[i], err = devstack.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	cmd := exec.Command(bin, "dev", "--data-dir", dataDir, "--addr", base[len("http://"):],
		"--temporal-port", fmt.Sprint(ports[1]), "--temporal-ui-port", fmt.Sprint(ports[2]),
		"--mailpit-port", fmt.Sprint(ports[3]), "--mailpit-smtp-port", fmt.Sprint(ports[4]))
	cmd.Env = append(os.Environ(), "PUENTE_BIN_DIR="+binDir, "DATABASE_URL=",
		"PUENTE_LOG_FORMAT=text", "PUENTE_PG_TIMEOUT=2s", "OTEL_EXPORTER_OTLP_ENDPOINT=")
	out := &testenv.SyncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = io.MultiWriter(out, pw), io.MultiWriter(out, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	// await waits for a line of dev's output containing want.
	await := func(want string, limit time.Duration) {
		t.Helper()
		deadline := time.After(limit)
		for {
			select {
			case l := <-lines:
				if strings.Contains(l, want) {
					if strings.Contains(l, "level=") {
						t.Log(l)
					}
					return
				}
			case err := <-exited:
				t.Fatalf("puente dev exited (%v) while waiting for %q:\n%s", err, want, out.String())
			case <-deadline:
				t.Fatalf("no %q from puente dev within %s:\n%s", want, limit, out.String())
			}
		}
	}
	await("Puente is running", 4*time.Minute)

	users := readUsers(t, filepath.Join(dataDir, "dev-users.json"))
	fp := userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "focal_point" && slices.Contains(u.Countries, "PE") })
	mgr := userWhere(t, users, func(u devstack.DevUser) bool { return u.Role == "manager" })
	submit := func(what string) pipeline.Priority {
		t.Helper()
		code, body := send(t, "POST", base+"/v1/priorities", fp.Token,
			`{"title":"Lavado de activos","description":"Seguir el dinero","theme":"money_laundering","pillar":"justice","countries":["PE"],"institution":"UIF","urgency":"high"}`)
		if code != http.StatusCreated {
			t.Fatalf("%s: submit answered %d %s", what, code, body)
		}
		var p pipeline.Priority
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	decide := func(what string, p pipeline.Priority, decision string) {
		t.Helper()
		code, body := send(t, "POST", base+"/v1/priorities/"+p.ID+"/decisions", mgr.Token, decision)
		if code != http.StatusOK {
			t.Fatalf("%s: decision %s answered %d %s", what, decision, code, body)
		}
	}
	first := submit("before any fault")

	// 1. Temporal dies.
	kill(t, child(t, cmd.Process.Pid, "temporal"), "temporal")
	await("temporal exited unexpectedly: restarting it", 30*time.Second)
	await("temporal restarted", 3*time.Minute)
	waitReadyWithin(t, base, "after Temporal's restart", time.Minute)
	decide("after Temporal's restart", first, `{"decision":"accept"}`)
	second := submit("after Temporal's restart")

	// 2. PostgreSQL dies.
	postmaster := child(t, cmd.Process.Pid, "postgres")
	cluster := clusterDir(t, postmaster)
	if os.Geteuid() == 0 {
		// The 0700 folder keeps the postgres account out: the cluster lives elsewhere.
		t.Cleanup(func() { os.RemoveAll(cluster) })
		if strings.HasPrefix(cluster, private) {
			t.Errorf("as root, the cluster is in %s, inside the 0700 folder", cluster)
		}
	}
	kill(t, postmaster, "postgres")
	await("postgres exited unexpectedly: restarting it", 30*time.Second)
	await("postgres restarted", 2*time.Minute)
	waitReadyWithin(t, base, "after PostgreSQL's restart", time.Minute)
	decide("after PostgreSQL's restart", second, `{"decision":"accept"}`)
	if code, body := get(t, base+"/v1/priorities/"+first.ID+"/events", mgr.Token); code != http.StatusOK || !strings.Contains(string(body), `"accept"`) {
		t.Errorf("after PostgreSQL's restart, the first priority's events: %d %s", code, body)
	}
	submit("after PostgreSQL's restart")

	// 3. PostgreSQL dies and cannot come back: dev stops, saying why.
	if err := os.Rename(filepath.Join(cluster, "PG_VERSION"), filepath.Join(cluster, "PG_VERSION.hidden")); err != nil {
		t.Fatal(err)
	}
	kill(t, child(t, cmd.Process.Pid, "postgres"), "postgres")
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if err == nil || !asExit(err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("puente dev ended with %v, want a non-zero exit", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("puente dev still runs 2 minutes after its PostgreSQL could not restart:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "puente: postgres exited (signal: killed) and did not restart after 5 attempts") {
		t.Errorf("dev's last words do not say why it stopped:\n%s", tail(out.String(), 30))
	}
	for _, dir := range []string{dataDir, cluster} {
		if left := processesMentioning(dir); len(left) > 0 {
			t.Errorf("processes left behind: %v", left)
		}
	}
}

// child finds the process of a child of pid whose command is name.
func child(t *testing.T, pid int, name string) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cpid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		comm := s[strings.IndexByte(s, '(')+1 : strings.LastIndexByte(s, ')')]
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && strings.HasPrefix(comm, name) && f[0] != "Z" {
			return cpid
		}
	}
	t.Fatalf("no %s process under %d", name, pid)
	return 0
}

// clusterDir reads the data directory from the postmaster's command line.
func clusterDir(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(string(b), "\x00")
	if i := slices.Index(args, "-D"); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	t.Fatalf("no -D in the postmaster's command line %q", args)
	return ""
}

func kill(t *testing.T, pid int, name string) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s (%d): %v", name, pid, err)
	}
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
