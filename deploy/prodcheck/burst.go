package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// groupCountries are the burst's working groups, one focal point each:
// each submits its country's priorities.
var groupCountries = []string{"PE", "CO", "MX", "BR", "AR", "CL"}

// burstResult is what the meeting burst did and found.
type burstResult struct {
	Priorities int     `json:"priorities"`
	Groups     int     `json:"working_groups"`
	Over       float64 `json:"submitted_over_seconds"`
	// Submitting: the last submission answered, from the first sent.
	SubmitSeconds float64 `json:"submit_seconds"`
	SubmitP50     float64 `json:"submit_p50_ms"`
	SubmitP99     float64 `json:"submit_p99_ms"`
	SubmitRetries int     `json:"submit_retries"`
	// Triage: two managers, each from the session page, until it lists none.
	Managers      []managerRun `json:"managers"`
	TriageSeconds float64      `json:"triage_seconds"` // first form sent to the last answered
	// Until every focal point's list of the session shows none of its
	// priorities in triage, and every expert's inbox holds all of theirs,
	// from the first form sent.
	FocalPointsSeeSeconds float64 `json:"focal_points_see_seconds"`
	ExpertsInboxSeconds   float64 `json:"experts_inbox_seconds"`
	// What PostgreSQL and the workflows hold.
	Found          int      `json:"found"`
	Lost           int      `json:"lost"`
	Duplicated     int      `json:"duplicated"`
	Accepted       int      `json:"triaged_once"` // priorities with exactly one accept event, in expert_review
	TriagedTwice   int      `json:"triaged_more_than_once"`
	OKTwice        int      `json:"ok_for_both_managers"`
	WorkflowsAgree int      `json:"workflows_agree"`
	Workflows      int      `json:"workflows_counted"`
	Problems       []string `json:"problems"`
}

// managerRun is one manager's bulk triage from the session page.
type managerRun struct {
	Name    string  `json:"name"`
	Forms   int     `json:"forms"`
	OK      int     `json:"triaged"`
	Refused int     `json:"refused"` // already triaged by the other: stale or conflict
	Seconds float64 `json:"seconds"`
	FormP50 float64 `json:"form_p50_ms"`
	FormMax float64 `json:"form_max_ms"`
	ok      []string
}

// burst is the Annual Programme Meeting: n priorities submitted over one
// session's working groups within over, then the session's new priorities
// triaged in bulk (accepted) from the session page by two managers at once.
// It then checks PostgreSQL and every workflow: nothing lost, nothing twice,
// each priority triaged exactly once.
func (s *stack) burst(ctx context.Context, d *journey.Driver, tc client.Client, n int, over time.Duration) (*burstResult, error) {
	r := &burstResult{Priorities: n, Groups: len(groupCountries), Over: over.Seconds()}
	themes := slices.Sorted(maps.Keys(s.cast.Experts))
	var focal []journey.User
	for _, c := range groupCountries {
		u, err := s.addUser(ctx, "--name", "Working group "+c, "--role", "focal_point", "--countries", c)
		if err != nil {
			return nil, err
		}
		focal = append(focal, u)
	}
	sid, err := createSession(ctx, d)
	if err != nil {
		return nil, err
	}
	logf("burst: session %s; %d priorities from %d working groups over %s", sid, n, len(focal), over)

	// Submissions at an even pace, each group in turn, the APIs in turn.
	ids := make([]string, n)
	themeOf := map[string]string{}
	var mu sync.Mutex
	var lat []time.Duration
	var errs []error
	var wg sync.WaitGroup
	start := time.Now()
	var lastAnswer time.Time
	for i := range n {
		at := start.Add(time.Duration(i) * over / time.Duration(n))
		select {
		case <-time.After(time.Until(at)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wg.Go(func() {
			body := journey.SubmissionBody()
			body["session_id"] = sid
			body["title"] = fmt.Sprintf("Prioridad %d de la sesión de diálogo", i+1)
			body["countries"] = []string{groupCountries[i%len(groupCountries)]}
			body["theme"] = themes[i%len(themes)]
			id, took, retries, err := submitOnce(ctx, d, i, focal[i%len(focal)], body)
			mu.Lock()
			defer mu.Unlock()
			r.SubmitRetries += retries
			if err != nil {
				errs = append(errs, err)
				return
			}
			ids[i], themeOf[id] = id, body["theme"].(string)
			lat = append(lat, took)
			if now := time.Now(); now.After(lastAnswer) {
				lastAnswer = now
			}
		})
	}
	wg.Wait()
	r.SubmitSeconds = lastAnswer.Sub(start).Seconds()
	r.SubmitP50, r.SubmitP99 = percentile(lat, 0.5), percentile(lat, 0.99)
	if err := errors.Join(errs...); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%d submissions failed: %v", len(errs), err))
	}
	logf("burst: %d submissions answered in %.1f s (p50 %.0f ms, p99 %.0f ms)", len(lat), r.SubmitSeconds, r.SubmitP50, r.SubmitP99)

	// The bulk triage, two managers at once, and the people who watch.
	managers := []journey.User{s.cast.Manager, s.cast.SecondManager}
	r.Managers = make([]managerRun, len(managers))
	triageStart := time.Now()
	watchCtx, stopWatch := context.WithTimeout(ctx, 10*time.Minute)
	defer stopWatch()
	seen := make(chan [2]time.Duration, 1)
	go func() { seen <- watch(watchCtx, d, sid, focal, s.cast.Experts, themeOf, triageStart) }()
	var triageErrs [2]error
	for k, m := range managers {
		wg.Go(func() {
			base := d.APIs[k%len(d.APIs)]
			r.Managers[k], triageErrs[k] = bulkTriage(ctx, base, sid, m, themeOf)
		})
	}
	wg.Wait()
	r.TriageSeconds = time.Since(triageStart).Seconds()
	if err := errors.Join(triageErrs[:]...); err != nil {
		r.Problems = append(r.Problems, "triage: "+err.Error())
		stopWatch()
	}
	w := <-seen
	r.FocalPointsSeeSeconds, r.ExpertsInboxSeconds = w[0].Seconds(), w[1].Seconds()
	logf("burst: triage by %d managers in %.1f s; focal points see it after %.1f s, experts' inboxes hold it after %.1f s",
		len(managers), r.TriageSeconds, r.FocalPointsSeeSeconds, r.ExpertsInboxSeconds)

	okBy := map[string]int{}
	for _, m := range r.Managers {
		for _, id := range m.ok {
			okBy[id]++
		}
	}
	for _, c := range okBy {
		if c > 1 {
			r.OKTwice++
		}
	}
	return r, s.checkBurst(ctx, tc, r, sid, ids)
}

// submitOnce submits one priority as u through the driver, retrying a
// transient failure with the same Idempotency-Key.
func submitOnce(ctx context.Context, d *journey.Driver, i int, u journey.User, body map[string]any) (id string, took time.Duration, retries int, err error) {
	key := fmt.Sprintf("burst-%d", i)
	for attempt := 0; ; attempt++ {
		t0 := time.Now()
		resp, err := d.Do(ctx, (i+attempt)%len(d.APIs), "POST", "/v1/priorities", u.Token, body, "Idempotency-Key", key)
		if err == nil && resp.Status == http.StatusCreated {
			var p journey.Priority
			if err := json.Unmarshal(resp.Body, &p); err != nil {
				return "", 0, attempt, err
			}
			return p.ID, time.Since(t0), attempt, nil
		}
		if attempt >= 4 || (err == nil && resp.Status < 500) {
			if err == nil {
				err = fmt.Errorf("%d %s", resp.Status, resp.Body)
			}
			return "", 0, attempt, fmt.Errorf("submission %d: %w", i, err)
		}
		time.Sleep(time.Second)
	}
}

// createSession creates the meeting's dialogue session as the first manager.
func createSession(ctx context.Context, d *journey.Driver) (string, error) {
	resp, err := d.Do(ctx, 0, "POST", "/v1/sessions", d.Cast.Manager.Token, map[string]any{
		"title": "Reunión Anual del Programa: diálogo político", "kind": "political_dialogue", "date": "2027-03-15",
		"venue": "Lima", "countries": groupCountries,
	})
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusCreated {
		return "", fmt.Errorf("create session: %d %s", resp.Status, resp.Body)
	}
	var sess pipeline.Session
	return sess.ID, json.Unmarshal(resp.Body, &sess)
}

var (
	// The session page's triage rows carry each priority's version.
	triageRow = regexp.MustCompile(`name="version-([0-9a-f-]{36})" value="(\d+)"`)
	// Its results list each decision's outcome.
	triageOutcome = regexp.MustCompile(`<li class="(ok|failed)"><a href="/priorities/([0-9a-f-]{36})"`)
)

// bulkTriage is one manager at the session page: sign in, open the page,
// accept every priority it lists for triage in one form, and again until
// the page lists none.
func bulkTriage(ctx context.Context, base, sid string, m journey.User, themeOf map[string]string) (run managerRun, err error) {
	run.Name = m.Name
	c, err := signIn(ctx, base, m.Token)
	if err != nil {
		return run, err
	}
	start := time.Now()
	var forms []time.Duration
	defer func() {
		run.Seconds = time.Since(start).Seconds()
		run.FormP50, run.FormMax = percentile(forms, 0.5), percentile(forms, 1)
	}()
	for range 100 {
		page, err := web(ctx, c, base, "GET", "/sessions/"+sid, nil)
		if err != nil {
			return run, err
		}
		rows := triageRow.FindAllStringSubmatch(page, -1)
		if len(rows) == 0 {
			return run, nil
		}
		form := url.Values{}
		for _, row := range rows {
			id := row[1]
			form.Add("id", id)
			form.Set("version-"+id, row[2])
			form.Set("decision-"+id, string(pipeline.Accept))
			form.Set("theme-"+id, themeOf[id])
		}
		t0 := time.Now()
		page, err = web(ctx, c, base, "POST", "/sessions/"+sid+"/triage", form)
		if err != nil {
			return run, err
		}
		forms = append(forms, time.Since(t0))
		run.Forms++
		for _, o := range triageOutcome.FindAllStringSubmatch(page, -1) {
			if o[1] == "ok" {
				run.OK++
				run.ok = append(run.ok, o[2])
			} else {
				run.Refused++
			}
		}
	}
	return run, fmt.Errorf("%s: the session page still lists priorities to triage after 100 forms", m.Name)
}

// signIn signs in to the web app with a personal token, as its sign-in
// page does, and keeps the session cookie.
func signIn(ctx context.Context, base, token string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Jar: jar, Timeout: 2 * time.Minute}
	if _, err := web(ctx, c, base, "POST", "/signin", url.Values{"token": {token}}); err != nil {
		return nil, err
	}
	u, _ := url.Parse(base)
	if len(jar.Cookies(u)) == 0 {
		return nil, fmt.Errorf("sign-in at %s: no session cookie", base)
	}
	return c, nil
}

// web sends one request of the web app, a form if there is one, as the
// browser on its own page would (same origin), and returns a 200's body.
func web(ctx context.Context, c *http.Client, base, method, path string, form url.Values) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %s %.300s", method, path, resp.Status, b)
	}
	return string(b), err
}

// watch polls, as each focal point, the session's priorities still in
// triage, and as each expert, the inbox: it returns how long after start
// every focal point saw none of its priorities in triage, and every expert's
// inbox held all of its theme's.
func watch(ctx context.Context, d *journey.Driver, sid string, focal []journey.User, experts map[string]journey.User,
	themeOf map[string]string, start time.Time) [2]time.Duration {
	want := map[string]int{}
	for _, th := range themeOf {
		want[th]++
	}
	var out [2]time.Duration
	for i := 0; ctx.Err() == nil && (out[0] == 0 || out[1] == 0); i++ {
		if out[0] == 0 && focalPointsSee(ctx, d, i, sid, focal) {
			out[0] = time.Since(start)
		}
		if out[1] == 0 && inboxesHold(ctx, d, i, experts, want) {
			out[1] = time.Since(start)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return out
}

func focalPointsSee(ctx context.Context, d *journey.Driver, i int, sid string, focal []journey.User) bool {
	for k, u := range focal {
		var page struct{ Items []json.RawMessage }
		resp, err := d.Do(ctx, (i+k)%len(d.APIs), "GET", "/v1/priorities?limit=1&stage=triage&session_id="+sid, u.Token, nil)
		if err != nil || resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &page) != nil || len(page.Items) > 0 {
			return false
		}
	}
	return true
}

func inboxesHold(ctx context.Context, d *journey.Driver, i int, experts map[string]journey.User, want map[string]int) bool {
	for theme, u := range experts {
		n, cursor := 0, ""
		for {
			var page struct {
				Items      []json.RawMessage `json:"items"`
				NextCursor string            `json:"next_cursor"`
			}
			resp, err := d.Do(ctx, i%len(d.APIs), "GET", "/v1/tasks?limit=200&cursor="+url.QueryEscape(cursor), u.Token, nil)
			if err != nil || resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &page) != nil {
				return false
			}
			n += len(page.Items)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if n < want[theme] {
			return false
		}
	}
	return true
}

// checkBurst reads PostgreSQL and every workflow: the session holds each
// submitted priority once, each was accepted exactly once and is in expert
// review, and its workflow holds the same.
func (s *stack) checkBurst(ctx context.Context, tc client.Client, r *burstResult, sid string, ids []string) error {
	db, err := pgx.Connect(ctx, s.puenteURL())
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	var rows, titles int
	if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT title) FROM priorities WHERE session_id = $1`, sid).Scan(&rows, &titles); err != nil {
		return err
	}
	r.Duplicated = rows - titles
	type row struct {
		stage   pipeline.Stage
		version int
		accepts int
	}
	got := map[string]row{}
	q, err := db.Query(ctx, `SELECT p.id::text, p.stage, p.version,
		(SELECT count(*) FROM events e WHERE e.priority_id = p.id AND e.kind = 'accept')
		FROM priorities p WHERE p.session_id = $1`, sid)
	if err != nil {
		return err
	}
	var id string
	var rw row
	if _, err := pgx.ForEachRow(q, []any{&id, &rw.stage, &rw.version, &rw.accepts}, func() error { got[id] = rw; return nil }); err != nil {
		return err
	}
	for i, id := range ids {
		p, ok := got[id]
		switch {
		case id == "" || !ok:
			r.Lost++
			r.Problems = append(r.Problems, fmt.Sprintf("submission %d (%q) not in PostgreSQL", i, id))
			continue
		case p.accepts == 1 && p.stage == pipeline.ExpertReview:
			r.Accepted++
		case p.accepts > 1:
			r.TriagedTwice++
			r.Problems = append(r.Problems, fmt.Sprintf("%s accepted %d times", id, p.accepts))
		default:
			r.Problems = append(r.Problems, fmt.Sprintf("%s in %s with %d accept events", id, p.stage, p.accepts))
		}
		r.Found++
		v, err := tc.QueryWorkflow(ctx, workflows.ID(id), "", workflows.QueryPriority)
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("query %s: %v", id, err))
			continue
		}
		var wp pipeline.Priority
		if err := v.Get(&wp); err != nil {
			return err
		}
		if wp.Stage == p.stage && wp.Version == p.version {
			r.WorkflowsAgree++
		} else {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: workflow %s v%d, PostgreSQL %s v%d", id, wp.Stage, wp.Version, p.stage, p.version))
		}
	}
	// Every priority workflow Temporal knows, counted by its visibility
	// store (which follows within a second or so): one per priority.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		c, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowPriority)})
		if err != nil {
			return fmt.Errorf("count workflows: %w", err)
		}
		r.Workflows = int(c.GetCount())
		if r.Workflows == len(ids) || time.Now().After(deadline) {
			break
		}
	}
	if r.Workflows > rows {
		r.Duplicated += r.Workflows - rows
	}
	return nil
}

// verdict fails the burst unless every priority was submitted and triaged
// exactly once, and PostgreSQL and the workflows agree.
func (r *burstResult) verdict() error {
	okTotal := 0
	for _, m := range r.Managers {
		okTotal += m.OK
	}
	if r.Lost > 0 || r.Duplicated > 0 || r.Accepted != r.Priorities || r.TriagedTwice > 0 || r.OKTwice > 0 ||
		okTotal != r.Priorities || r.WorkflowsAgree != r.Priorities || r.Workflows != r.Priorities || len(r.Problems) > 0 {
		return fmt.Errorf("the burst is not exactly once: %d lost, %d duplicated, %d triaged once of %d, %d twice, "+
			"%d reported triaged to both managers, %d triaged in the pages' results, %d workflows agree, %d workflows counted; %s",
			r.Lost, r.Duplicated, r.Accepted, r.Priorities, r.TriagedTwice, r.OKTwice, okTotal, r.WorkflowsAgree, r.Workflows,
			strings.Join(first(r.Problems, 10), "; "))
	}
	return nil
}

func (r *burstResult) print(w io.Writer) {
	fmt.Fprintf(w, "\nmeeting burst: %d priorities from %d working groups over %.0f s, then triaged in bulk from the session page by %d managers at once\n",
		r.Priorities, r.Groups, r.Over, len(r.Managers))
	fmt.Fprintf(w, "  submissions answered in    %6.1f s   p50 %.0f ms  p99 %.0f ms  (%d retried)\n", r.SubmitSeconds, r.SubmitP50, r.SubmitP99, r.SubmitRetries)
	fmt.Fprintf(w, "  bulk triage                %6.1f s   from the first form sent to the last answered\n", r.TriageSeconds)
	for _, m := range r.Managers {
		fmt.Fprintf(w, "    %-14s %3d forms  %3d triaged  %3d refused (already triaged)  %5.1f s  form p50 %.0f ms  max %.0f ms\n",
			m.Name, m.Forms, m.OK, m.Refused, m.Seconds, m.FormP50, m.FormMax)
	}
	fmt.Fprintf(w, "  every focal point sees it  %6.1f s   after the first form: none of its priorities left in triage\n", r.FocalPointsSeeSeconds)
	fmt.Fprintf(w, "  every expert's inbox       %6.1f s   after the first form: all of its theme's priorities\n", r.ExpertsInboxSeconds)
	fmt.Fprintf(w, "  PostgreSQL: %d of %d found, %d lost, %d duplicated; %d triaged exactly once, %d more than once, %d reported to both managers\n",
		r.Found, r.Priorities, r.Lost, r.Duplicated, r.Accepted, r.TriagedTwice, r.OKTwice)
	fmt.Fprintf(w, "  workflows: %d counted, %d agree with PostgreSQL\n", r.Workflows, r.WorkflowsAgree)
	for _, p := range first(r.Problems, 10) {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// percentile is the p-th of ds in milliseconds (p = 1: the largest).
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := max(0, min(len(s)-1, int(float64(len(s))*p+0.5)-1))
	return float64(s[i].Microseconds()) / 1000
}
