package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// ScaleOptions configure the scale benchmark.
type ScaleOptions struct {
	// DatabaseURL is a migrated database; Seed fills it unless it already holds Priorities.
	DatabaseURL string
	Priorities  int
	// EventsPer is the number of audit events per priority.
	EventsPer int
	// Requests per measured endpoint, after a warm-up of a tenth as many.
	Requests int
	Log      io.Writer
}

// ScaleResult is what the scale benchmark measured.
type ScaleResult struct {
	Priorities int                `json:"priorities"`
	Events     int                `json:"events"`
	SeedSecs   float64            `json:"seed_seconds"`
	Endpoints  map[string]Latency `json:"endpoints"`
	// PageBytes is the largest page of each web-app page timed.
	PageBytes map[string]int `json:"page_bytes,omitempty"`
	Order     []string       `json:"-"`
}

// Scale seeds the database (when it holds fewer priorities than asked for)
// and measures the managers' reads through the real HTTP stack.
func Scale(ctx context.Context, o ScaleOptions) (*ScaleResult, error) {
	// Seeding runs statements of many seconds: no bound on waits here.
	st, err := store.Open(ctx, o.DatabaseURL, 4, store.WithTimeout(0))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	syn, err := openSynthetic(ctx, o.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer syn.close()
	res := &ScaleResult{Endpoints: map[string]Latency{}}
	began := time.Now()
	manager, focal, err := seedScale(ctx, st, syn, o)
	if err != nil {
		return nil, err
	}
	res.SeedSecs = time.Since(began).Seconds()
	if res.Priorities, res.Events, err = syn.counts(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "database holds %d priorities and %d events (seeding took %.1f s)\n", res.Priorities, res.Events, res.SeedSecs)

	// The API needs a Temporal client only to change state; reads never touch it.
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		return nil, err
	}
	defer tc.Close()
	puente := app.New(app.Config{Store: st, Temporal: tc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), API: true})
	srv := &http.Server{Handler: puente.Handler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	managerWeb, err := webClient(ctx, base, manager)
	if err != nil {
		return nil, fmt.Errorf("sign in the manager: %w", err)
	}
	focalWeb, err := webClient(ctx, base, focal)
	if err != nil {
		return nil, fmt.Errorf("sign in the focal point: %w", err)
	}
	ids, err := priorityIDs(ctx, base, manager)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	countries := []string{"PE", "CO", "MX", "BR", "AR", "EC", "CL", "BO"}
	words := []string{"investigacion", "lavado", "cooperación", "fiscalía", "money", "network", "crimen", "judicial"}
	stages := []string{"triage", "expert_review", "planning", "validation", "approved"}
	themes := pipeline.Lists.ThemeCodes()
	filters := func(i int) string {
		return fmt.Sprintf("stage=%s&country=%s&q=%s", stages[i%len(stages)], countries[i%len(countries)], url.QueryEscape(words[i%len(words)]))
	}
	// The API's reads with a bearer token, then the web app's pages as
	// signed-in people load them, through the same server.
	endpoints := []struct {
		name  string
		c     *http.Client
		token string // empty: a web page, with the client's session
		path  func(i int) string
	}{
		{"GET /v1/pipeline", hc, manager, func(int) string { return "/v1/pipeline" }},
		{"GET /v1/pipeline?theme&country", hc, manager, func(i int) string {
			return fmt.Sprintf("/v1/pipeline?theme=%s&country=%s", themes[i%len(themes)], countries[i%len(countries)])
		}},
		{"GET /v1/priorities?stage&country&q (manager)", hc, manager, func(i int) string { return "/v1/priorities?limit=50&" + filters(i) }},
		{"GET /v1/priorities?theme&q (focal point)", hc, focal, func(i int) string {
			return fmt.Sprintf("/v1/priorities?theme=%s&q=%s&limit=50", themes[i%len(themes)], url.QueryEscape(words[i%len(words)]))
		}},
		{"GET /v1/priorities?overdue&stage (manager)", hc, manager, func(i int) string {
			return fmt.Sprintf("/v1/priorities?overdue=true&stage=%s&limit=50", stages[i%4])
		}},
		{"UI /dashboard (manager)", managerWeb, "", func(int) string { return "/dashboard" }},
		{"UI / inbox (focal point)", focalWeb, "", func(int) string { return "/" }},
		{"UI / inbox (manager)", managerWeb, "", func(int) string { return "/" }},
		{"UI /priorities?stage&country&q (manager)", managerWeb, "", func(i int) string { return "/priorities?" + filters(i) }},
		{"UI /priorities/{id} (manager)", managerWeb, "", func(i int) string { return "/priorities/" + ids[i%len(ids)] }},
	}
	res.PageBytes = map[string]int{}
	for _, e := range endpoints {
		warm := max(o.Requests/10, 5)
		var ds []time.Duration
		for i := range warm + o.Requests {
			t0 := time.Now()
			body, err := journey.Fetch(ctx, e.c, base+e.path(i), e.token)
			switch {
			case err != nil:
			case e.token != "" && !json.Valid(body):
				err = fmt.Errorf("invalid JSON body")
			case e.token == "" && !strings.Contains(string(body), "</html>"):
				err = fmt.Errorf("not a whole page")
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.name, err)
			}
			if i >= warm {
				ds = append(ds, time.Since(t0))
			}
			if e.token == "" {
				res.PageBytes[e.name] = max(res.PageBytes[e.name], len(body))
			}
		}
		if res.PageBytes[e.name] > maxPageBytes {
			return nil, fmt.Errorf("%s: a page of %d bytes is over the %d-byte budget", e.name, res.PageBytes[e.name], maxPageBytes)
		}
		res.Endpoints[e.name] = summarize(ds)
		res.Order = append(res.Order, e.name)
	}
	return res, nil
}

// Print writes the result as a table.
func (r *ScaleResult) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%d priorities, %d events\n", r.Priorities, r.Events)
	for _, name := range r.Order {
		size := ""
		if n, ok := r.PageBytes[name]; ok {
			size = fmt.Sprintf("  %6.1f KB", float64(n)/1024)
		}
		fmt.Fprintf(w, "  %-48s %s%s\n", name, r.Endpoints[name], size)
	}
}
