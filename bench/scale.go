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
	"slices"
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
	Actions    int                `json:"support_actions"`
	SeedSecs   float64            `json:"seed_seconds"`
	Endpoints  map[string]Latency `json:"endpoints"`
	// PageBytes is the largest page of each web-app page timed.
	PageBytes map[string]int `json:"page_bytes,omitempty"`
	// Targets are the p95 targets in milliseconds of the endpoints that
	// have one; OverTarget names those whose p95 exceeded it.
	Targets    map[string]float64 `json:"p95_targets_ms,omitempty"`
	OverTarget []string           `json:"over_target,omitempty"`
	// NotServed names the endpoints this build does not serve yet (404):
	// pages other work adds, listed so that they are timed once it lands.
	NotServed []string `json:"not_served,omitempty"`
	Order     []string `json:"-"`
}

// scaleEndpoint is one read the scale benchmark times: through the API
// with a person's token, or as a web page with their signed-in session.
type scaleEndpoint struct {
	name string
	// as is whose token or session reads it.
	as string
	// web: a page of the web app (checked whole and within maxPageBytes);
	// else the API, whose body must be of kind.
	web  bool
	kind bodyKind
	path func(i int) string
	// p95Target, when set, is the page's target at 100,000 priorities.
	p95Target time.Duration
	// pending: another piece of work adds this route; a build that answers
	// 404 does not serve it yet, and the result says so instead of timing it.
	pending bool
}

// bodyKind is what an API read must answer.
type bodyKind int

const (
	jsonBody bodyKind = iota
	xmlBody
)

// The people whose reads are timed.
const (
	asManager     = "manager"
	asFocalPoint  = "focal point"
	asImplementer = "implementer"
)

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
	if res.Actions, err = syn.actionCount(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "database holds %d priorities, %d events and %d support actions (seeding took %.1f s)\n",
		res.Priorities, res.Events, res.Actions, res.SeedSecs)
	implementer, err := addUser(ctx, st, pipeline.Actor{Name: "Bench implementer", Role: pipeline.Implementer})
	if err != nil {
		return nil, err
	}
	if err := syn.setPartner(ctx, implementer.ID, pipeline.Partners[0].Code); err != nil {
		return nil, err
	}

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
	year := min(max(time.Now().Year(), 2023), 2027) // the synthetic actions' years
	published, err := syn.publishedFilters(ctx)
	if err != nil {
		return nil, err
	}
	// The API's reads with a bearer token, then the web app's pages as
	// signed-in people load them, through the same server. One line each.
	endpoints := []scaleEndpoint{
		{name: "GET /v1/pipeline", as: asManager, path: func(int) string { return "/v1/pipeline" }},
		{name: "GET /v1/pipeline?theme&country", as: asManager, path: func(i int) string {
			return fmt.Sprintf("/v1/pipeline?theme=%s&country=%s", themes[i%len(themes)], countries[i%len(countries)])
		}},
		{name: "GET /v1/priorities?stage&country&q (manager)", as: asManager, path: func(i int) string { return "/v1/priorities?limit=50&" + filters(i) }},
		{name: "GET /v1/priorities?theme&q (focal point)", as: asFocalPoint, path: func(i int) string {
			return fmt.Sprintf("/v1/priorities?theme=%s&q=%s&limit=50", themes[i%len(themes)], url.QueryEscape(words[i%len(words)]))
		}},
		{name: "GET /v1/priorities?overdue&stage (manager)", as: asManager, path: func(i int) string {
			return fmt.Sprintf("/v1/priorities?overdue=true&stage=%s&limit=50", stages[i%4])
		}},
		{name: "GET /v1/support-actions (manager)", as: asManager, path: func(int) string { return "/v1/support-actions?limit=50" }},
		{name: "GET /v1/support-actions?country&theme (manager)", as: asManager, path: func(i int) string {
			return fmt.Sprintf("/v1/support-actions?country=%s&theme=%s&limit=50", countries[i%len(countries)], themes[i%len(themes)])
		}},
		{name: "GET /v1/support-actions (implementer)", as: asImplementer, path: func(int) string { return "/v1/support-actions?limit=50" }},
		{name: "GET /v1/export/iati.xml?theme&country (manager)", as: asManager, kind: xmlBody, path: func(i int) string {
			return "/v1/export/iati.xml?" + published[i%len(published)]
		}},
		{name: "UI /dashboard (manager)", as: asManager, web: true, path: func(int) string { return "/dashboard" }},
		{name: "UI / inbox (focal point)", as: asFocalPoint, web: true, path: func(int) string { return "/" }},
		{name: "UI / inbox (manager)", as: asManager, web: true, path: func(int) string { return "/" }},
		{name: "UI /priorities?stage&country&q (manager)", as: asManager, web: true, path: func(i int) string { return "/priorities?" + filters(i) }},
		{name: "UI /priorities/{id} (manager)", as: asManager, web: true, path: func(i int) string { return "/priorities/" + ids[i%len(ids)] }},
		{name: "UI /annual-plan?year (manager)", as: asManager, web: true, pending: true, p95Target: 100 * time.Millisecond,
			path: func(int) string { return fmt.Sprintf("/annual-plan?year=%d", year) }},
		{name: "UI /delivery (manager)", as: asManager, web: true, pending: true, p95Target: 50 * time.Millisecond,
			path: func(int) string { return "/delivery" }},
	}
	tokens := map[string]string{asManager: manager, asFocalPoint: focal, asImplementer: implementer.Token}
	sessions := map[string]*http.Client{asManager: managerWeb, asFocalPoint: focalWeb}
	res.PageBytes, res.Targets = map[string]int{}, map[string]float64{}
	for _, e := range endpoints {
		c, token := hc, tokens[e.as]
		if e.web {
			c, token = sessions[e.as], ""
		}
		if c == nil {
			return nil, fmt.Errorf("%s: no signed-in session of the %s", e.name, e.as)
		}
		if e.pending {
			served, err := served(ctx, c, base+e.path(0), token)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.name, err)
			}
			if !served {
				fmt.Fprintf(o.Log, "%s: not served by this build (404), not timed\n", e.name)
				res.NotServed = append(res.NotServed, e.name)
				continue
			}
		}
		warm := max(o.Requests/10, 5)
		var ds []time.Duration
		for i := range warm + o.Requests {
			t0 := time.Now()
			body, err := journey.Fetch(ctx, c, base+e.path(i), token)
			if err == nil {
				err = e.check(body)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.name, err)
			}
			if i >= warm {
				ds = append(ds, time.Since(t0))
			}
			if e.web {
				res.PageBytes[e.name] = max(res.PageBytes[e.name], len(body))
			}
		}
		if res.PageBytes[e.name] > maxPageBytes {
			return nil, fmt.Errorf("%s: a page of %d bytes is over the %d-byte budget", e.name, res.PageBytes[e.name], maxPageBytes)
		}
		l := summarize(ds)
		res.Endpoints[e.name] = l
		res.Order = append(res.Order, e.name)
		if e.p95Target > 0 {
			res.Targets[e.name] = ms(e.p95Target)
			if l.P95 > ms(e.p95Target) {
				res.OverTarget = append(res.OverTarget, e.name)
			}
		}
	}
	return res, nil
}

// check judges a body: a whole page, valid JSON, or an IATI document.
func (e scaleEndpoint) check(body []byte) error {
	switch {
	case e.web && !strings.Contains(string(body), "</html>"):
		return fmt.Errorf("not a whole page")
	case !e.web && e.kind == jsonBody && !json.Valid(body):
		return fmt.Errorf("invalid JSON body")
	case !e.web && e.kind == xmlBody && !strings.Contains(string(body), "</iati-activities>"):
		return fmt.Errorf("not a whole IATI file")
	}
	return nil
}

// Print writes the result as a table.
func (r *ScaleResult) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%d priorities, %d events, %d support actions\n", r.Priorities, r.Events, r.Actions)
	for _, name := range r.Order {
		size := ""
		if n, ok := r.PageBytes[name]; ok {
			size = fmt.Sprintf("  %6.1f KB", float64(n)/1024)
		}
		if t, ok := r.Targets[name]; ok {
			verdict := "met"
			if slices.Contains(r.OverTarget, name) {
				verdict = "OVER"
			}
			size += fmt.Sprintf("  p95 target %.0f ms: %s", t, verdict)
		}
		fmt.Fprintf(w, "  %-52s %s%s\n", name, r.Endpoints[name], size)
	}
	for _, name := range r.NotServed {
		fmt.Fprintf(w, "  %-52s not served by this build (404): not timed\n", name)
	}
}
