package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestTracing runs `puente api` and `puente worker` as two processes
// exporting to an in-test OTLP/HTTP receiver, takes a decision, and follows
// it in the spans: the API's server span, the Temporal update it sends, the
// worker's handling of that update, and SQL, all in one trace.
func TestTracing(t *testing.T) {
	ctx := context.Background()
	recv := newOTLPReceiver(t)
	bin := buildPuente(t)
	dbURL := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fp := addUser(t, st, pipeline.Actor{Name: "María", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	mgr := addUser(t, st, pipeline.Actor{Name: "Ana", Role: pipeline.Manager})
	addUser(t, st, pipeline.Actor{Name: "Experta", Role: pipeline.Expert, Themes: []string{"cybercrime"}})

	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"PUENTE_TASK_QUEUE=tracing-"+uuid.NewString()[:8], "PUENTE_ADDR="+base[len("http://"):],
		"OTEL_EXPORTER_OTLP_ENDPOINT="+recv.URL, "OTEL_BSP_SCHEDULE_DELAY=100", "PUENTE_LOG_FORMAT=text")
	worker := startProcess(t, bin, env, "worker")
	api := startProcess(t, bin, env, "api")
	waitReady(t, base, api)

	code, body := send(t, "POST", base+"/v1/priorities", fp,
		`{"title":"Ciberdelito","description":"Unidad conjunta","theme":"cybercrime","pillar":"police","countries":["PE"],"institution":"PNP","urgency":"low"}`)
	if code != http.StatusCreated {
		t.Fatalf("submit: %d %s", code, body)
	}
	var p pipeline.Priority
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	decisions := "/v1/priorities/:id/decisions"
	if code, body := send(t, "POST", base+"/v1/priorities/"+p.ID+"/decisions", mgr, `{"decision":"accept"}`); code != http.StatusOK {
		t.Fatalf("accept: %d %s", code, body)
	}

	// The decision's server span names the trace; the rest must be in it.
	var trace string
	want := map[string]func(s span) bool{
		"the API's span of the Temporal update": func(s span) bool {
			return s.service == "puente-api" && strings.HasPrefix(s.name, "UpdateWorkflow:")
		},
		"the worker's span handling the update": func(s span) bool {
			return s.service == "puente-worker" && strings.HasPrefix(s.name, "HandleUpdate:")
		},
		"a SQL span": func(s span) bool { return s.attrs["db.system.name"] == "postgresql" },
	}
	deadline := time.Now().Add(30 * time.Second)
	var missing []string
	for {
		spans := recv.spans()
		for _, s := range spans {
			if s.service == "puente-api" && s.name == "POST "+decisions {
				trace = s.trace
			}
		}
		missing = missing[:0]
		for what, match := range want {
			found := false
			for _, s := range spans {
				found = found || (trace != "" && s.trace == trace && match(s))
			}
			if !found {
				missing = append(missing, what)
			}
		}
		if trace != "" && len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, no server span for POST %s (trace %q) or missing in its trace: %v\nspans received:\n%s",
				decisions, trace, missing, recv.summary())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Both processes export SQL spans: the API's reads and writes, the
	// worker's flush of the same changes, seconds after them.
	for _, svc := range []string{"puente-api", "puente-worker"} {
		found := false
		for deadline := time.Now().Add(30 * time.Second); !found && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			for _, s := range recv.spans() {
				found = found || (s.service == svc && s.attrs["db.system.name"] == "postgresql")
			}
		}
		if !found {
			t.Errorf("no SQL span from %s within 30 s:\n%s", svc, recv.summary())
		}
	}
	stopProcess(t, api)
	stopProcess(t, worker)
}

// span is what the test reads of an exported span.
type span struct {
	service, name, trace string
	attrs                map[string]string
}

// otlpReceiver is a minimal OTLP/HTTP trace endpoint: it keeps every span.
type otlpReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []span
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(req.Body)
		var in coltrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(b, &in)
		}
		if req.URL.Path != "/v1/traces" || err != nil {
			t.Errorf("OTLP receiver: %s %s: %v", req.Method, req.URL.Path, err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range in.ResourceSpans {
			service := ""
			for _, a := range rs.GetResource().GetAttributes() {
				if a.Key == "service.name" {
					service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					attrs := map[string]string{}
					for _, a := range s.Attributes {
						attrs[a.Key] = a.GetValue().GetStringValue()
					}
					r.got = append(r.got, span{service: service, name: s.Name, trace: hex.EncodeToString(s.TraceId), attrs: attrs})
				}
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *otlpReceiver) spans() []span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]span(nil), r.got...)
}

func (r *otlpReceiver) summary() string {
	var b strings.Builder
	for _, s := range r.spans() {
		fmt.Fprintf(&b, "  %s %s %q\n", s.trace[:8], s.service, s.name)
	}
	return b.String()
}

// buildPuente builds the puente binary into the test's temp dir.
func buildPuente(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "puente")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// process is a puente command run by a test, with its output kept.
type process struct {
	cmd  *exec.Cmd
	out  *testenv.SyncBuffer
	done chan error
}

func startProcess(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), out: &testenv.SyncBuffer{}, done: make(chan error, 1)}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
	})
	return p
}

// stopProcess sends SIGTERM and expects a clean exit within a minute.
func stopProcess(t *testing.T, p *process) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("puente %s exited with %v:\n%s", p.cmd.Args[1], err, p.out.String())
		}
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		t.Errorf("puente %s did not stop within a minute of SIGTERM", p.cmd.Args[1])
	}
}

// waitReady waits until the API answers /readyz 200, failing at once if the
// process exits.
func waitReady(t *testing.T, base string, p *process) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-p.done:
			t.Fatalf("puente %s exited (%v) before it was ready:\n%s", p.cmd.Args[1], err, p.out.String())
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("puente %s not ready after 2 minutes:\n%s", p.cmd.Args[1], p.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func addUser(t *testing.T, st *store.Store, a pipeline.Actor) string {
	t.Helper()
	token, hash := store.NewToken()
	a.ID = uuid.NewString()
	u := store.User{Actor: a, Email: "user-" + a.ID[:8] + "@puente.test", Language: "en"}
	if _, err := st.AddUser(context.Background(), u, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return token
}

// send makes a JSON request with a bearer token.
func send(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
