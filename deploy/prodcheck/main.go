// Command prodcheck (`make prod-check`) runs Puente's production topology on
// this machine, without Docker, and proves that it works: the real Temporal
// server of the compose file's release, built from the Go module proxy, with
// several history shards, persistence and SQL visibility on a local
// PostgreSQL; the compose file's own jobs (deploy/postgres/roles.sh,
// deploy/temporal/schema.sh, deploy/temporal/namespace.sh) with the compose
// file's own settings; two `puente migrate` at once; two `puente api` and
// two `puente worker`. It drives complete journeys through both APIs in
// turn, kills one worker with SIGKILL midway and restarts it, and then checks
// every priority through each API, in PostgreSQL and in its workflow. Any
// difference fails the check.
//
// With -bench it measures the same topology instead (`make bench-prod`,
// docs/capacity.md): `puente bench`'s comparison of complete pipelines with
// a bare Temporal baseline on the same server (pipeline), a sweep of the
// pipelines in flight that names the first process to saturate and plots it
// (sweep), or the Annual Programme Meeting's burst of submissions and bulk
// triage, checked for exactly once (burst).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

func main() {
	repo := flag.String("repo", ".", "the repository's root")
	bin := flag.String("bin", ".puente/bin", "where tools are built and cached")
	puente := flag.String("puente", "", "the puente binary; empty: build ./cmd/puente into the work directory")
	n := flag.Int("priorities", 48, "journeys to drive")
	conc := flag.Int("concurrency", 6, "journeys in flight")
	keep := flag.Bool("keep", false, "keep the work directory (logs, data) afterwards")
	toolsOnly := flag.Bool("tools-only", false, "build the tools into -bin if they are not there, and stop")
	var o benchOptions
	flag.StringVar(&o.mode, "bench", "", "instead of the check, measure the topology: pipeline (against the bare baseline), sweep, or burst")
	flag.IntVar(&o.n, "n", 200, "bench: pipelines measured (pipeline), or measured at each step (sweep)")
	flag.IntVar(&o.c, "c", 20, "bench pipeline: pipelines in flight")
	sweep := flag.String("in-flight", "1,5,20,50,100", "bench sweep: the pipelines in flight at each step")
	flag.IntVar(&o.burst, "burst", 300, "bench burst: priorities submitted")
	flag.DurationVar(&o.over, "over", time.Minute, "bench burst: the time the submissions are spread over")
	flag.StringVar(&o.json, "json", "", "bench: write the result as JSON here (default bench-prod-<mode>.json)")
	flag.StringVar(&o.svg, "svg", "", "bench sweep: write the plot here as SVG")
	flag.DurationVar(&o.settle, "settle", 0, "bench: pause between phases or steps; 0: the bench's default")
	flag.Var((*envList)(&o.topo.env), "env", "bench: a compose variable, KEY=VALUE, as an operator's .env sets it (repeatable)")
	flag.IntVar(&o.topo.apis, "apis", 2, "bench: puente api processes")
	flag.IntVar(&o.topo.workers, "workers", 2, "bench: puente worker processes")
	flag.StringVar(&o.topo.dynamicConfig, "dynamic-config", defaultDynamicConfig, "bench: the Temporal server's dynamic config (relative to -repo, or absolute)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.mode != "" {
		var err error
		if o.inFlight, err = inFlightList(*sweep); err == nil {
			if o.json == "" {
				o.json = "bench-prod-" + o.mode + ".json"
			}
			o.keep = *keep
			err = benchmark(ctx, *repo, *bin, *puente, o)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench FAILED:", err)
			os.Exit(1)
		}
		return
	}
	if *toolsOnly {
		if _, err := buildTools(ctx, *repo, *bin); err != nil {
			fmt.Fprintln(os.Stderr, "prod-check tools FAILED:", err)
			os.Exit(1)
		}
		return
	}
	if err := check(ctx, *repo, *bin, *puente, *n, *conc, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "prod-check FAILED:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// buildTools returns a stack with its tools: the Temporal server and
// temporal-sql-tool, and the Temporal CLI that the namespace job uses,
// built into bin (relative to repo) in parallel the first time.
func buildTools(ctx context.Context, repo, bin string) (*stack, error) {
	repo, err := filepath.Abs(repo)
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(repo, bin)
	}
	s := &stack{repo: repo, logf: logf}
	cliErr := make(chan error, 1)
	go func() {
		var err error
		s.cli, err = devstack.EnsureTemporalCLI(ctx, bin, io.Discard)
		cliErr <- err
	}()
	s.server, s.sqlTool, err = ensureTemporalTools(ctx, repo, bin, logf)
	if cerr := <-cliErr; err == nil {
		err = cerr
	}
	return s, err
}

// up brings the production topology up and returns it running: the tools,
// the compose file's jobs and settings, PostgreSQL with its roles confined,
// the Temporal server, two migrations at once, topo's APIs and workers,
// each passing its compose healthcheck, and the journeys' people (s.cast).
// On an error, the stack returned holds what did start, for stop.
func up(ctx context.Context, repo, bin, puente string, topo topology) (s *stack, err error) {
	repo, _ = filepath.Abs(repo)
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(repo, p)
	}
	if s, err = buildTools(ctx, repo, bin); err != nil {
		return s, err
	}
	s.topo = topo
	// A work directory PostgreSQL can reach when it runs as another user.
	s.work, err = os.MkdirTemp("", "puente-prod-check-")
	if err != nil {
		return s, err
	}
	if err := os.Chmod(s.work, 0o755); err != nil {
		return s, err
	}
	logf("work directory %s", s.work)
	if puente == "" {
		// A binary of its own: .puente/bin may be shared with other checkouts.
		puente = filepath.Join(s.work, "puente")
		if _, err := run(ctx, repo, os.Environ(), "go", "build", "-o", puente, "./cmd/puente"); err != nil {
			return s, err
		}
	}
	s.puente = abs(puente)

	if s.project, err = loadCompose(ctx, repo, topo.env); err != nil {
		return s, fmt.Errorf("load docker-compose.yml: %w", err)
	}
	s.secrets = filepath.Join(s.work, "secrets")
	if out, err := run(ctx, repo, []string{"PATH=" + os.Getenv("PATH"), "PUENTE_DB_USER=" + appRole},
		"sh", "deploy/secrets.sh", s.secrets); err != nil {
		return s, err
	} else {
		logf("secrets: %s", strings.ReplaceAll(strings.TrimSpace(out), "\n", "; "))
	}

	if err := s.healthTools(ctx); err != nil {
		return s, err
	}
	if err := s.startPostgres(ctx); err != nil {
		return s, err
	}
	if err := s.healthcheck(ctx, "postgres", nil); err != nil {
		return s, err
	}
	logf("postgresql on 127.0.0.1:%d (passwords required for every role but the admin)", s.pgPort)
	if err := s.job(ctx, "db-roles"); err != nil {
		return s, err
	}
	if err := s.checkConfinement(ctx); err != nil {
		return s, err
	}
	if err := s.job(ctx, "temporal-schema"); err != nil {
		return s, err
	}
	if err := s.startTemporal(ctx); err != nil {
		return s, err
	}
	if err := s.job(ctx, "temporal-namespace"); err != nil {
		return s, fmt.Errorf("%w\ntemporal log:\n%s", err, s.temporal.tail())
	}
	if err := s.healthcheck(ctx, "temporal", map[string]string{"127.0.0.1:7233": s.temporalAddr}); err != nil {
		return s, err
	}
	logf("temporal %s (pid %d) serving on %s, %s history shards, SQL visibility on PostgreSQL, metrics on %s",
		temporalVersion, s.temporal.pid(), s.temporalAddr, s.shards(), s.temporalMet)

	outs, err := s.migrateTwice(ctx)
	if err != nil {
		return s, fmt.Errorf("two migrate at once: %w", err)
	}
	applied, err := s.checkMigrations(ctx)
	if err != nil {
		return s, err
	}
	logf("puente migrate ×2 at once: both exited 0; %d migrations applied once each\n    migrate-1: %s\n    migrate-2: %s",
		applied, lastLine(outs[0]), lastLine(outs[1]))

	s.cast, err = s.addUsers(ctx)
	if err != nil {
		return s, err
	}
	for i := 1; i <= max(topo.apis, topo.workers); i++ {
		if i <= topo.apis {
			a, err := s.startPuente(ctx, "api", i)
			if err != nil {
				return s, err
			}
			s.apis = append(s.apis, a)
		}
		if i <= topo.workers {
			w, err := s.startPuente(ctx, "worker", i)
			if err != nil {
				return s, err
			}
			s.workers = append(s.workers, w)
		}
	}
	for _, sv := range append(slices.Clone(s.apis), s.workers...) {
		kind, port := "api", "127.0.0.1:8080"
		if strings.HasPrefix(sv.name, "worker") {
			kind, port = "worker", "127.0.0.1:9090"
		}
		if err := s.healthcheck(ctx, kind, map[string]string{port: sv.addr}); err != nil {
			return s, err
		}
		logf("%-8s pid %-7d %s, compose healthcheck passes", sv.name, sv.pid(), sv.addr)
	}
	logf("the compose healthchecks of postgres and temporal pass too")
	return s, nil
}

// check brings the topology up, drives the journeys through both APIs with
// a worker killed midway, and verifies every priority.
func check(ctx context.Context, repo, bin, puente string, n, conc int, keep bool) (err error) {
	began := time.Now()
	s, err := up(ctx, repo, bin, puente, topology{env: []string{fmt.Sprintf("TEMPORAL_NUM_HISTORY_SHARDS=%d", checkShards)},
		apis: 2, workers: 2, dynamicConfig: defaultDynamicConfig})
	if s != nil && s.work != "" {
		defer func() {
			if keep || err != nil {
				logf("logs and data kept in %s", s.work)
			} else {
				_ = os.RemoveAll(s.work)
			}
		}()
		defer s.stop()
	}
	if err != nil {
		return err
	}

	// The journeys, with worker-1 killed a third of the way through and
	// started again three seconds later: two in five approved, the others
	// ending each other way.
	themes := slices.Collect(maps.Keys(s.cast.Experts))
	slices.Sort(themes)
	scenarios := append([]journey.Scenario{journey.Approval, journey.Approval}, journey.Scenarios[1:]...)
	var js []*journey.Journey
	total := 0
	for i := range n {
		j := &journey.Journey{N: i + 1, Scenario: scenarios[i%len(scenarios)], Theme: themes[i%len(themes)]}
		js = append(js, j)
		total += 1 + len(j.Scenario.Steps)
	}
	tc, err := client.Dial(client.Options{HostPort: s.temporalAddr, Namespace: s.project.Environment["TEMPORAL_NAMESPACE"]})
	if err != nil {
		return err
	}
	defer tc.Close()
	d := journey.New(s.cast, "http://"+s.apis[0].addr, "http://"+s.apis[1].addr)
	d.Attempts, d.KeyPrefix = 10, "prod-check-"
	killed := make(chan string, 1)
	go s.killWorkerAt(ctx, d, tc, int64(total/3), killed)
	start := time.Now()
	runErr := d.RunAll(ctx, js, conc)
	end := time.Now()
	elapsed := end.Sub(start)
	select {
	case k := <-killed:
		logf("%s", k)
	default:
		return fmt.Errorf("the worker was never killed (%d of %d steps done): %v", d.Steps.Load(), total, runErr)
	}
	if runErr != nil {
		return fmt.Errorf("journeys: %w", runErr)
	}
	logf("%d journeys, %d steps through 2 APIs in %s", n, total, elapsed.Round(100*time.Millisecond))

	db, err := pgx.Connect(ctx, s.puenteURL())
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	t, err := verify(ctx, d, db, tc, js, end)
	if err != nil {
		return err
	}
	if err := s.checkMetrics(ctx); err != nil {
		return err
	}
	if msg, err := s.checkObserved(); err != nil {
		return err
	} else {
		logf("observability: %s", msg)
	}
	report(s, d, js, t)
	if len(t.mismatches) > 0 || t.duplicates > 0 || t.gaps > 0 {
		return fmt.Errorf("%d priorities not where they should be:\n  %s", len(t.mismatches), strings.Join(t.mismatches, "\n  "))
	}
	logf("prod-check passed in %s", time.Since(began).Round(time.Second))
	return nil
}

// killWorkerAt waits until the driver has made at steps, then kills with
// SIGKILL the worker that ran the latest workflow task of most journeys under
// way (it holds them in its sticky cache, so their next tasks are on its
// queue), and starts a new worker three seconds later.
func (s *stack) killWorkerAt(ctx context.Context, d *journey.Driver, tc client.Client, at int64, done chan<- string) {
	for d.Steps.Load() < at {
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	owners := map[string]int{} // identity prefix "pid@" → journeys under way
	for _, id := range d.Active() {
		if who := lastWorker(ctx, tc, id); who != "" {
			owners[who]++
		}
	}
	s.mu.Lock()
	victim := s.workers[0]
	for _, w := range s.workers {
		if owners[fmt.Sprintf("%d@", w.pid())] > owners[fmt.Sprintf("%d@", victim.pid())] {
			victim = w
		}
	}
	s.mu.Unlock()
	inflight := d.InFlight.Load()
	victim.kill9()
	msg := fmt.Sprintf("kill -9 %s (pid %d) after %d steps, with %d requests in flight and the latest task of %d of the journeys under way",
		victim.name, victim.pid(), d.Steps.Load(), inflight, owners[fmt.Sprintf("%d@", victim.pid())])
	select {
	case <-ctx.Done():
		done <- msg
		return
	case <-time.After(3 * time.Second):
	}
	w3, err := s.startPuente(ctx, "worker", 3)
	if err != nil {
		done <- msg + "; restart failed: " + err.Error()
		return
	}
	s.mu.Lock()
	s.workers = append(s.workers, w3)
	s.mu.Unlock()
	done <- msg + fmt.Sprintf("; worker-3 (pid %d) started 3 s later, polling from step %d", w3.pid(), d.Steps.Load())
}

// lastWorker is the "pid@" prefix of the worker that completed the
// priority's latest workflow task, or "".
func lastWorker(ctx context.Context, tc client.Client, id string) string {
	who := ""
	it := tc.GetWorkflowHistory(ctx, workflows.ID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return ""
		}
		if a := e.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			who, _, _ = strings.Cut(a.Identity, "@")
			who += "@"
		}
	}
	return who
}

// report prints what each process did, then the totals.
func report(s *stack, d *journey.Driver, js []*journey.Journey, t *tally) {
	fmt.Println("\nper process:")
	for i, a := range s.apis {
		fmt.Printf("  %-8s pid %-7d %4d requests\n", a.name, a.pid(), d.Requests[i].Load())
	}
	for _, w := range s.workers {
		ids := map[string]bool{}
		for identity, set := range t.workerOf {
			if strings.HasPrefix(identity, fmt.Sprintf("%d@", w.pid())) {
				maps.Copy(ids, set)
			}
		}
		state := "running"
		if w.exited() {
			state = "killed -9"
		}
		fmt.Printf("  %-8s pid %-7d %-9s workflow tasks of %2d priorities\n", w.name, w.pid(), state, len(ids))
	}
	retries, resolved := 0, 0
	for _, j := range js {
		retries += j.Retries
		resolved += j.Resolved
		for _, a := range j.Answers {
			fmt.Printf("  %s retried after: %s\n", j.Ref, a)
		}
	}
	fmt.Printf("\npriorities %d (approved %d, rejected %d, withdrawn %d), events %d, duplicates %d, gaps %d, "+
		"read model = workflow for %d/%d, the last workflow completed %s after the last step; requests retried %d, found applied on re-read %d\n\n",
		t.priorities, t.byFinal[pipeline.Approved], t.byFinal[pipeline.Rejected], t.byFinal[pipeline.Withdrawn], t.events, t.duplicates, t.gaps,
		t.readModelOK, t.priorities, t.lastClose.Round(100*time.Millisecond), retries, resolved)
}

// addUsers creates the journeys' people with `puente users add`: one
// expert for each of two themes.
func (s *stack) addUsers(ctx context.Context) (journey.Cast, error) {
	var errs []error
	add := func(args ...string) journey.User {
		u, err := s.addUser(ctx, args...)
		errs = append(errs, err)
		return u
	}
	c := journey.Cast{
		FocalPoint:    add("--name", "Focal point PE+CO", "--role", "focal_point", "--countries", "PE,CO"),
		Manager:       add("--name", "Manager one", "--role", "manager"),
		SecondManager: add("--name", "Manager two", "--role", "manager"),
		Experts:       map[string]journey.User{},
	}
	for _, theme := range []string{"joint_investigation_teams", "money_laundering"} {
		c.Experts[theme] = add("--name", "Expert "+theme, "--role", "expert", "--themes", theme)
	}
	return c, errors.Join(errs...)
}

// addUser creates one person with `puente users add` args, each with an
// email of their own, and returns them with their token.
func (s *stack) addUser(ctx context.Context, args ...string) (journey.User, error) {
	s.users++
	args = append(args, "--email", fmt.Sprintf("prod-check-%d@example.org", s.users))
	out, err := run(ctx, s.work, s.env("migrate", nil), append([]string{s.puente, "users", "add"}, args...)...)
	var u journey.User
	if i := strings.IndexByte(out, '{'); err == nil && i >= 0 {
		err = json.NewDecoder(strings.NewReader(out[i:])).Decode(&u)
	} else if err == nil {
		err = fmt.Errorf("users add %v printed no user: %s", args, out)
	}
	return u, err
}

// checkConfinement shows that each role reaches its own databases and not
// the other's, and that passwords are checked.
func (s *stack) checkConfinement(ctx context.Context) error {
	env := s.project.Environment
	roles := map[string]string{}
	for _, f := range []string{"puente_pgpass", "temporal_pgpass"} {
		b, err := os.ReadFile(filepath.Join(s.secrets, f))
		if err != nil {
			return err
		}
		parts := strings.SplitN(strings.TrimSpace(string(b)), ":", 5)
		roles[parts[3]] = parts[4]
	}
	connect := func(role, pw, db string) error {
		c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", role, pw, s.pgPort, db))
		if err == nil {
			c.Close(ctx)
		}
		return err
	}
	temporalRole := env["TEMPORAL_DB_USER"]
	cases := []struct {
		role, pw, db string
		ok           bool
	}{
		{appRole, roles[appRole], env["PUENTE_DB"], true},
		{appRole, roles[appRole], env["TEMPORAL_DB"], false},
		{appRole, roles[appRole], env["TEMPORAL_VISIBILITY_DB"], false},
		{appRole, "wrong", env["PUENTE_DB"], false},
		{temporalRole, roles[temporalRole], env["TEMPORAL_DB"], true},
		{temporalRole, roles[temporalRole], env["TEMPORAL_VISIBILITY_DB"], true},
		{temporalRole, roles[temporalRole], env["PUENTE_DB"], false},
	}
	var lines []string
	for _, c := range cases {
		err := connect(c.role, c.pw, c.db)
		if (err == nil) != c.ok {
			return fmt.Errorf("role %s connecting to %s (password ok: %v): err = %v, want success %v", c.role, c.db, c.pw != "wrong", err, c.ok)
		}
		verdict := "connects"
		if err != nil {
			verdict = "refused"
		}
		if c.pw == "wrong" {
			verdict += " with a wrong password"
		}
		lines = append(lines, fmt.Sprintf("%s→%s %s", c.role, c.db, verdict))
	}
	logf("roles confined: %s", strings.Join(lines, ", "))
	return nil
}

// checkMigrations counts goose's versions, each of which must appear once.
func (s *stack) checkMigrations(ctx context.Context) (int, error) {
	db, err := pgx.Connect(ctx, s.puenteURL())
	if err != nil {
		return 0, err
	}
	defer db.Close(ctx)
	var versions, rows int
	if err := db.QueryRow(ctx, `SELECT count(DISTINCT version_id), count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions, &rows); err != nil {
		return 0, err
	}
	files, _ := filepath.Glob(filepath.Join(s.repo, "store/migrations/*.sql"))
	if versions != len(files) || rows != versions {
		return 0, fmt.Errorf("goose_db_version: %d versions in %d rows, want %d once each", versions, rows, len(files))
	}
	var owner string
	if err := db.QueryRow(ctx, `SELECT tableowner FROM pg_tables WHERE tablename = 'priorities'`).Scan(&owner); err != nil || owner != appRole {
		return 0, fmt.Errorf("priorities owned by %q (%v), want %s", owner, err, appRole)
	}
	return versions, nil
}

// checkMetrics scrapes every process: Temporal's server metrics, each API's
// and each live worker's /metrics, and each live worker's /healthz.
func (s *stack) checkMetrics(ctx context.Context) error {
	// The API's /metrics wants the token Prometheus sends (the compose
	// secret puente_metrics_token); the others are open.
	token, err := os.ReadFile(filepath.Join(s.secrets, "puente_metrics_token"))
	if err != nil {
		return err
	}
	get := func(url string) (string, error) {
		b, err := journey.Fetch(ctx, http.DefaultClient, url, strings.TrimSpace(string(token)))
		return string(b), err
	}
	var lines []string
	s.scraped = map[string]string{}
	defer func() {
		for name, body := range s.scraped {
			_ = os.WriteFile(filepath.Join(s.work, "metrics-"+name+".txt"), []byte(body), 0o644)
		}
	}()
	body, err := get("http://" + s.temporalMet + "/metrics")
	if err != nil {
		return fmt.Errorf("temporal metrics: %w", err)
	}
	lines = append(lines, fmt.Sprintf("temporal %d series", strings.Count(body, "\n")))
	s.scraped["temporal"] = body
	for _, a := range s.apis {
		if body, err = get("http://" + a.addr + "/metrics"); err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%s %d series", a.name, strings.Count(body, "\n")))
		s.scraped[a.name] = body
	}
	for _, w := range s.workers {
		if w.exited() {
			continue
		}
		if _, err := get("http://" + w.addr + "/healthz"); err != nil {
			return fmt.Errorf("%s health: %w", w.name, err)
		}
		if body, err = get("http://" + w.addr + "/metrics"); err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%s %d series, healthy", w.name, strings.Count(body, "\n")))
		s.scraped[w.name] = body
	}
	logf("metrics: %s", strings.Join(lines, ", "))
	return nil
}
