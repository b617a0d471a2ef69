package api_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/api"
	"github.com/puente-dev/puente/internal/contract"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// hardenedServer serves the app's API through api.NewHTTPServer with
// limits short enough to test, on a real TCP listener.
func hardenedServer(t *testing.T, app *testenv.App, l api.ServerLimits) string {
	t.Helper()
	srv := api.NewHTTPServer(api.New(api.Deps{Service: app.Service, Store: app.Store, Temporal: app.Temporal, Logger: quietLog}), l)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// readUntilClosed reads the connection until the server closes it (or
// limit passes) and returns what it sent and when it closed.
func readUntilClosed(t *testing.T, conn net.Conn, start time.Time, limit time.Duration) (string, time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(start.Add(limit))
	b, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v (got %q)", limit, b)
	}
	return string(b), time.Since(start)
}

// trickle writes s one byte every gap until the server stops taking them.
func trickle(conn net.Conn, s string, gap time.Duration) {
	for i := range len(s) {
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(gap)
	}
}

func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	app := testenv.NewApp(t, testenv.AppOptions{})
	fp := app.AddUser(t, pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}})
	limits := api.DefaultServerLimits()
	limits.ReadHeader, limits.Read, limits.Idle = 1*time.Second, 2*time.Second, 1*time.Second
	addr := hardenedServer(t, app, limits)

	t.Run("a body trickled one byte every 300 ms is cut at the read timeout", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "POST /v1/priorities HTTP/1.1\r\nHost: puente\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n", fp.Token)
		go trickle(conn, `{"title":"`+strings.Repeat("a", 990), 300*time.Millisecond)
		got, held := readUntilClosed(t, conn, start, 10*time.Second)
		t.Logf("trickled body: answered %q and closed after %v (read timeout %v)", firstLine(got), held.Round(time.Millisecond), limits.Read)
		if !strings.HasPrefix(got, "HTTP/1.1 408 ") || !strings.Contains(got, "application/problem+json") {
			t.Errorf("answer to a trickled body: %q", got)
		}
		if held > limits.Read+1500*time.Millisecond {
			t.Errorf("held %v, read timeout %v", held, limits.Read)
		}
	})

	t.Run("headers trickled one byte every 200 ms are cut at the header timeout", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		go trickle(conn, "GET /healthz HTTP/1.1\r\nHost: puente\r\nX-Slow: "+strings.Repeat("b", 100)+"\r\n\r\n", 200*time.Millisecond)
		got, held := readUntilClosed(t, conn, start, 10*time.Second)
		t.Logf("trickled headers: answered %q and closed after %v (header timeout %v)", firstLine(got), held.Round(time.Millisecond), limits.ReadHeader)
		if strings.HasPrefix(got, "HTTP/1.1 200") {
			t.Errorf("trickled headers were served: %q", got)
		}
		if held > limits.ReadHeader+1500*time.Millisecond {
			t.Errorf("held %v, header timeout %v", held, limits.ReadHeader)
		}
	})

	t.Run("an idle keep-alive connection is closed at the idle timeout", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: puente\r\n\r\n")
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		start := time.Now()
		_ = conn.SetReadDeadline(start.Add(10 * time.Second))
		_, err = br.ReadByte()
		idle := time.Since(start)
		t.Logf("idle keep-alive closed after %v (idle timeout %v)", idle.Round(time.Millisecond), limits.Idle)
		if err != io.EOF || idle > limits.Idle+1500*time.Millisecond {
			t.Errorf("idle connection: %v after %v", err, idle)
		}
	})

	t.Run("the limits of puente api", func(t *testing.T) {
		d := api.DefaultServerLimits()
		srv := api.NewHTTPServer(http.NotFoundHandler(), d)
		if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 30*time.Second ||
			srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
			t.Errorf("server limits %+v", srv)
		}
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		method, path, token string
		csp, noStore        bool
	}{
		{"GET", "/healthz", "", true, false},
		{"GET", "/openapi.yaml", "", true, false},
		{"GET", "/docs", "", true, false},
		{"GET", "/metrics", "", true, true},
		{"GET", "/v1/me", "", true, true},
		{"GET", "/v1/me", b.fpPE.Token, true, true},
		{"GET", "/v1/priorities?bogus=1", b.fpPE.Token, true, true},
		{"GET", "/v1/nowhere", b.fpPE.Token, true, true},
		{"GET", "/nowhere", "", true, false},
		{"XYZZY", "/healthz", "", true, false},
	} {
		r := b.app.Do(t, tc.method, tc.path, tc.token, nil)
		h := r.Header
		name := tc.method + " " + tc.path + " → " + r.Status
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
			h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", name, h)
		}
		csp := h.Get("Content-Security-Policy")
		if tc.csp && !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", name, csp)
		}
		if tc.path == "/docs" && (!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval")) {
			t.Errorf("%s: docs policy %q", name, csp)
		} else if tc.path != "/docs" && !strings.HasPrefix(csp, "default-src 'none'") {
			t.Errorf("%s: policy %q", name, csp)
		}
		if got := h.Get("Cache-Control") == "no-store"; got != tc.noStore {
			t.Errorf("%s: Cache-Control %q", name, h.Get("Cache-Control"))
		}
	}
}

func TestFailedAuthenticationIsRateLimited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	counts := map[int]int{}
	retryAfter := 0
	start := time.Now()
	for i := range 1000 {
		// A forged X-Forwarded-For does not make another client.
		r := b.app.Do(t, "GET", "/v1/me", fmt.Sprintf("pte_guess-%d", i), nil, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i%250))
		counts[r.StatusCode]++
		if r.StatusCode == http.StatusTooManyRequests {
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("429 as %s", r.Header.Get("Content-Type"))
			}
			n, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || n < 1 {
				t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			retryAfter = n
		}
	}
	took := time.Since(start)
	t.Logf("1,000 bad tokens in %s: %d × 401, %d × 429 (Retry-After %d s)", took.Round(time.Millisecond), counts[401], counts[429], retryAfter)
	// A burst of 20, then one more per 3 s the flood lasted (a slow machine
	// takes more than 3 s to send a thousand requests).
	refills := int(took / (3 * time.Second))
	if n := counts[http.StatusUnauthorized]; n < 20 || n > 20+refills || counts[http.StatusTooManyRequests] != 1000-n || len(counts) != 2 {
		t.Errorf("1,000 bad tokens in %s answered %v: want 20 (+%d) × 401, the rest 429", took, counts, refills)
	}
	// The client waits whatever token it sends: the lookup is what is spared.
	if r := b.app.Do(t, "GET", "/v1/me", b.manager.Token, nil); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a valid token from the flooding client: %s", r.Status)
	}
	// /metrics counts its failures with the others.
	if r := b.app.Do(t, "GET", "/metrics", "pte_guess", nil); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("/metrics during the flood: %s", r.Status)
	}
	// After Retry-After, one more attempt is looked up.
	time.Sleep(time.Duration(retryAfter) * time.Second)
	if r := b.app.Do(t, "GET", "/v1/me", b.manager.Token, nil); r.StatusCode != http.StatusOK {
		t.Errorf("after Retry-After: %s", r.Status)
	}

	// Behind a trusted proxy, clients are told apart by the address it adds:
	// one client's flood does not hold up another.
	proxied := httptest.NewServer(contract.Wrap(t, api.New(api.Deps{Service: b.app.Service, Store: b.app.Store, Temporal: b.app.Temporal,
		Logger: quietLog, TrustedProxies: mustProxies(t, "127.0.0.1")})))
	defer proxied.Close()
	through := testenv.App{URL: proxied.URL}
	for i := range 30 {
		through.Do(t, "GET", "/v1/me", fmt.Sprintf("pte_guess-%d", i), nil, "X-Forwarded-For", "203.0.113.7")
	}
	if r := through.Do(t, "GET", "/v1/me", "pte_guess", nil, "X-Forwarded-For", "203.0.113.7"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the flooding client behind the proxy: %s", r.Status)
	}
	if r := through.Do(t, "GET", "/v1/me", b.manager.Token, nil, "X-Forwarded-For", "198.51.100.1"); r.StatusCode != http.StatusOK {
		t.Errorf("another client behind the same proxy: %s", r.Status)
	}
}

func mustProxies(t *testing.T, s string) []*net.IPNet {
	t.Helper()
	n, err := api.ParseTrustedProxies(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMetricsNeedAManagerOrTheMetricsToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		token string
		want  int
	}{{"", 401}, {"pte_nope", 401}, {b.fpPE.Token, 403}, {b.expert.Token, 403}, {b.manager.Token, 200}} {
		if r := b.app.Do(t, "GET", "/metrics", tc.token, nil); r.StatusCode != tc.want {
			t.Errorf("/metrics with %q: %s, want %d", tc.token, r.Status, tc.want)
		}
	}
	srv := api.New(api.Deps{Service: b.app.Service, Store: b.app.Store, Temporal: b.app.Temporal, Logger: quietLog, MetricsToken: "scrape-secret"})
	for token, want := range map[string]int{"scrape-secret": 200, "scrape-secreT": 401} {
		req, _ := http.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("/metrics with the metrics token %q: %d, want %d", token, rec.Code, want)
		}
	}
}

var requestSeries = regexp.MustCompile(`(?m)^puente_http_requests_total\{[^}]*\}`)

func TestMetricLabelsComeFromTheRouteTable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	series := func() []string {
		r := b.app.Do(t, "GET", "/metrics", b.manager.Token, nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("/metrics: %s", r.Status)
		}
		return requestSeries.FindAllString(string(r.Body), -1)
	}
	// One of each kind of nonsense first: the series they may create.
	b.app.Do(t, "XYZZY0", "/healthz", "", nil)
	b.app.Do(t, "GET", "/nowhere/0", "", nil)
	b.app.Do(t, "GET", "/v1/nowhere/0", b.fpPE.Token, nil)
	before := series()
	for i := 1; i <= 50; i++ {
		b.app.Do(t, fmt.Sprintf("XYZZY%d", i), "/healthz", "", nil)
		b.app.Do(t, fmt.Sprintf("M%d", i), fmt.Sprintf("/nowhere/%d", i), "", nil)
		b.app.Do(t, "GET", fmt.Sprintf("/nowhere/%d", i), "", nil)
		b.app.Do(t, "GET", fmt.Sprintf("/v1/nowhere/%d", i), b.fpPE.Token, nil)
		b.app.Do(t, fmt.Sprintf("P%d", i), fmt.Sprintf("/v1/priorities/%d", i), b.fpPE.Token, nil)
	}
	after := series()
	t.Logf("250 requests with invented methods and paths: %d series before, %d after:\n%s",
		len(before), len(after), strings.Join(after, "\n"))
	var added []string
	for _, s := range after {
		if !strings.Contains(strings.Join(before, "\n"), s) {
			added = append(added, s)
		}
	}
	// Only the metrics scrape itself and the new method labels' "other" may appear.
	for _, s := range added {
		if !strings.Contains(s, `route="/metrics"`) && !strings.Contains(s, `method="other"`) {
			t.Errorf("invented requests added the series %s", s)
		}
	}
	for _, s := range after {
		if strings.Contains(s, "XYZZY") || strings.Contains(s, "nowhere") {
			t.Errorf("a client's method or path became a label: %s", s)
		}
	}
	if len(after)-len(before) > 4 {
		t.Errorf("%d series added", len(after)-len(before))
	}
}

var quietLog = slog.New(slog.DiscardHandler)

// TestRequestIDsAreAdoptedOnlyWhenPlain: a proxy's correlation id is kept,
// one a client stuffed with anything is replaced by a generated one before it
// reaches the logs and the workflow.
func TestRequestIDsAreAdoptedOnlyWhenPlain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for id, kept := range map[string]bool{
		"edge-7f3a9c:42":         true,
		strings.Repeat("a", 128): true,
		strings.Repeat("a", 129): false,
		"a b":                    false,
		"<script>":               false,
		"caf\xc3\xa9":            false,
		"\xff":                   false,
	} {
		r := b.app.Do(t, "GET", "/v1/me", b.fpPE.Token, nil, "X-Request-Id", id)
		got := r.Header.Get("X-Request-Id")
		if (got == id) != kept || got == "" || len(got) > 128 {
			t.Errorf("X-Request-Id %.20q answered as %.20q, want kept %v", id, got, kept)
		}
	}
}
