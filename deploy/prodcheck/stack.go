package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/journey"
)

// appRole is Puente's login role here: the local cluster's superuser is
// already called puente (devstack's initdb), so the check runs the compose
// file with PUENTE_DB_USER set to this instead.
const appRole = "puente_app"

// checkShards is Temporal's history shard count in the check: several, so
// that priorities spread over shards as on a real cluster, but fewer than
// the compose file's 16, for a quicker start.
const checkShards = 4

// topology is what up brings up beyond the compose file as .env.example
// sets it: compose variables set as an operator's .env would (KEY=VALUE),
// how many APIs and workers, and the Temporal server's dynamic config
// (a path relative to the repository, or absolute).
type topology struct {
	env           []string
	apis, workers int
	dynamicConfig string
}

// defaultDynamicConfig is the compose file's dynamic config of the server.
const defaultDynamicConfig = "deploy/temporal/dynamicconfig/puente.yaml"

// stack is the compose topology on this machine: one PostgreSQL, one
// Temporal server (all roles), two Puente APIs and two workers.
type stack struct {
	repo, work, secrets string
	puente, server      string // binaries
	sqlTool, cli        string
	project             *types.Project
	topo                topology
	logf                func(string, ...any)

	pg           *devstack.Postgres
	pgPort       int
	temporal     *proc
	temporalAddr string
	temporalMet  string // host:port of the server's Prometheus endpoint

	scraped map[string]string // /metrics of each process, at the end
	cast    journey.Cast      // the journeys' people, made with `puente users add`
	users   int               // people added so far

	mu      sync.Mutex
	apis    []*service
	workers []*service
}

// service is a running Puente process and where it answers HTTP.
type service struct {
	*proc
	addr string // API address, or the worker's metrics address
}

// loadCompose reads docker-compose.yml as `docker compose --env-file
// .env.example` would, with the few settings this machine needs instead and
// then the variables of env (KEY=VALUE), which win.
func loadCompose(ctx context.Context, repo string, env []string) (*types.Project, error) {
	vars := map[string]string{
		"POSTGRES_USER":         "puente", // devstack's initdb superuser
		"PUENTE_DB_USER":        appRole,
		"PUENTE_SHUTDOWN_DELAY": "1s",
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("compose variable %q: want KEY=VALUE", kv)
		}
		vars[k] = v
	}
	var list []string
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		list = append(list, k+"="+vars[k])
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(repo, "docker-compose.yml")},
		cli.WithName("puente"),
		cli.WithWorkingDirectory(repo),
		cli.WithEnvFiles(filepath.Join(repo, ".env.example")),
		cli.WithDotEnv,
		cli.WithEnv(list),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(ctx)
}

// env is a compose service's environment made local: service host names
// become 127.0.0.1 and their ports this machine's, /run/secrets the check's
// secrets directory. extra overrides keys (addresses that must differ per
// process). Nothing else is inherited but PATH.
func (s *stack) env(service string, extra map[string]string) []string {
	svc, ok := s.project.Services[service]
	if !ok {
		panic("docker-compose.yml has no service " + service)
	}
	m := map[string]string{}
	for k, v := range svc.Environment {
		if v == nil {
			continue
		}
		val := *v
		val = strings.ReplaceAll(val, "/run/secrets/", s.secrets+"/")
		val = strings.ReplaceAll(val, "@postgres:5432/", fmt.Sprintf("@127.0.0.1:%d/", s.pgPort))
		if s.temporalAddr != "" {
			val = strings.ReplaceAll(val, "temporal:7233", s.temporalAddr)
		}
		switch {
		case val == "postgres" && slices.Contains([]string{"PGHOST", "SQL_HOST", "POSTGRES_SEEDS"}, k):
			val = "127.0.0.1"
		case val == "5432" && slices.Contains([]string{"PGPORT", "SQL_PORT", "DB_PORT"}, k):
			val = strconv.Itoa(s.pgPort)
		}
		m[k] = val
	}
	maps.Copy(m, extra)
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.work, "TMPDIR=" + s.work}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out
}

// lowFreePorts returns n distinct free ports on 127.0.0.1 below 32768.
// Temporal keeps a member's port in a smallint column of cluster_membership
// (PostgreSQL schema), so a membership port from the kernel's ephemeral range
// (32768 and up) makes the server die at start with "36447 is greater than
// maximum value for int2".
func lowFreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for try := 0; len(out) < n && try < 1000; try++ {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		out = append(out, port)
	}
	if len(out) < n {
		return nil, fmt.Errorf("found %d free ports below 32768, want %d", len(out), n)
	}
	return out, nil
}

// startPostgres starts a private cluster, then makes it check passwords over
// TCP for every role but the cluster's own superuser, as a real server would:
// otherwise the roles' confinement below could not be seen.
func (s *stack) startPostgres(ctx context.Context) error {
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{
		Dir: filepath.Join(s.work, "pg"), LogPath: filepath.Join(s.work, "postgres.log"), Database: "postgres",
	})
	if err != nil {
		return err
	}
	s.pg = pg
	u, _ := url.Parse(pg.AdminURL)
	s.pgPort, _ = strconv.Atoi(u.Port())
	hba := "local all all trust\n" +
		"host all puente 127.0.0.1/32 trust\n" +
		"host all all 127.0.0.1/32 scram-sha-256\n"
	hbaPath := filepath.Join(s.work, "pg", "pg_hba.conf")
	if err := os.WriteFile(hbaPath, []byte(hba), 0o644); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, pg.AdminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_reload_conf()").Scan(&ok); err != nil || !ok {
		return fmt.Errorf("reload pg_hba.conf: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // the postmaster re-reads it on SIGHUP
	return nil
}

// renderTemporalConfig renders the config template of the temporalio/server
// image (docker/config_template.yaml of the same server module) the way the
// image's entrypoint does, from the temporal service's environment.
func renderTemporalConfig(templatePath, out string, env []string) error {
	src, err := os.ReadFile(templatePath)
	if err != nil {
		return err
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	// dockerize's functions, as the template uses them: default takes the
	// value first and the fallback second.
	funcs := template.FuncMap{
		"default": func(v, def string) string {
			if v == "" {
				return def
			}
			return v
		},
		"lower": strings.ToLower,
		"split": strings.Split,
		"trim":  strings.TrimSpace,
	}
	t, err := template.New("config").Option("missingkey=zero").Funcs(funcs).Parse(string(src))
	if err != nil {
		return fmt.Errorf("parse %s: %w", templatePath, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ Env map[string]string }{vars}); err != nil {
		return fmt.Errorf("render %s: %w", templatePath, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

// startTemporal renders the server's config and starts it with every role
// in one process, as the compose service does.
func (s *stack) startTemporal(ctx context.Context) error {
	serverDir, err := moduleDir(ctx, s.repo, "go.temporal.io/server")
	if err != nil {
		return err
	}
	ports, err := lowFreePorts(10)
	if err != nil {
		return err
	}
	s.temporalAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	s.temporalMet = fmt.Sprintf("127.0.0.1:%d", ports[9])
	names := []string{"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT",
		"HISTORY_GRPC_PORT", "HISTORY_MEMBERSHIP_PORT", "MATCHING_GRPC_PORT", "MATCHING_MEMBERSHIP_PORT",
		"WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT"}
	if !filepath.IsAbs(s.topo.dynamicConfig) {
		s.topo.dynamicConfig = filepath.Join(s.repo, s.topo.dynamicConfig)
	}
	extra := map[string]string{
		"BIND_ON_IP":               "127.0.0.1",
		"PROMETHEUS_ENDPOINT":      s.temporalMet,
		"DYNAMIC_CONFIG_FILE_PATH": s.topo.dynamicConfig,
	}
	for i, n := range names {
		extra[n] = strconv.Itoa(ports[i])
	}
	env := s.env("temporal", extra)
	root := filepath.Join(s.work, "temporal")
	if err := renderTemporalConfig(filepath.Join(serverDir, "docker/config_template.yaml"),
		filepath.Join(root, "config", "docker.yaml"), env); err != nil {
		return err
	}
	// The server only warns about an unknown key: a warning fails here.
	out, err := run(ctx, s.work, env, s.server, "validate-dynamic-config", extra["DYNAMIC_CONFIG_FILE_PATH"])
	if err != nil || strings.Contains(out, "warning") || strings.Contains(out, "error") {
		return fmt.Errorf("the dynamic config does not validate: %v\n%s", err, out)
	}
	s.logf("dynamic config %s: every key known to the server", rel(s.repo, extra["DYNAMIC_CONFIG_FILE_PATH"]))
	s.temporal, err = startProc(s.work, "temporal", env, s.server, "--root", root, "--config", "config", "--env", "docker", "--allow-no-auth", "start")
	return err
}

// scriptEnv adds what a job script needs outside its container: where the
// tools are that the admin-tools image has on its PATH.
func (s *stack) scriptEnv(service string) []string {
	return s.env(service, map[string]string{"TEMPORAL_SQL_TOOL": s.sqlTool, "TEMPORAL_CLI": s.cli, "SECRETS_DIR": s.secrets})
}

// composeScript is the script a compose job runs, as a path in this tree:
// its command names /opt/puente/<file>, mounted from its first volume.
func (s *stack) composeScript(service string) (string, error) {
	svc := s.project.Services[service]
	if len(svc.Command) != 1 || !strings.HasPrefix(svc.Command[0], "/opt/puente/") || len(svc.Volumes) == 0 {
		return "", fmt.Errorf("%s: want command [/opt/puente/<script>] with the script's directory mounted, got %v", service, svc.Command)
	}
	for _, v := range svc.Volumes {
		if v.Target == "/opt/puente" {
			return filepath.Join(v.Source, strings.TrimPrefix(svc.Command[0], "/opt/puente/")), nil
		}
	}
	return "", fmt.Errorf("%s: nothing mounted at /opt/puente", service)
}

// job runs a compose one-shot job's script with sh, as its entrypoint does.
func (s *stack) job(ctx context.Context, service string) error {
	script, err := s.composeScript(service)
	if err != nil {
		return err
	}
	start := time.Now()
	if s.temporal != nil {
		// A job that waits for the server stops waiting when it dies.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-s.temporal.done:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	out, err := run(ctx, s.work, s.scriptEnv(service), "sh", script)
	if err != nil {
		return fmt.Errorf("job %s: %w", service, err)
	}
	s.logf("job %-18s %s (%s, %s)", service, lastLine(out), rel(s.repo, script), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// migrateTwice runs two `puente migrate` at once, as two deploys racing
// would: both must succeed and each migration must be applied once.
func (s *stack) migrateTwice(ctx context.Context) ([2]string, error) {
	var outs [2]string
	var errs [2]error
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			outs[i], errs[i] = run(ctx, s.work, s.env("migrate", nil), s.puente, "migrate")
		})
	}
	wg.Wait()
	return outs, errors.Join(errs[0], errs[1])
}

// startPuente starts one api or worker with its compose service's
// environment, on its own address.
func (s *stack) startPuente(ctx context.Context, kind string, n int) (*service, error) {
	port, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	name := fmt.Sprintf("%s-%d", kind, n)
	key, probe := "PUENTE_ADDR", "/readyz"
	if kind == "worker" {
		key, probe = "PUENTE_METRICS_ADDR", "/healthz"
	}
	p, err := startProc(s.work, name, s.env(kind, map[string]string{key: addr}), s.puente, kind)
	if err != nil {
		return nil, err
	}
	if err := p.waitHTTP(ctx, "http://"+addr+probe, 2*time.Minute); err != nil {
		p.stop(5 * time.Second)
		return nil, err
	}
	return &service{proc: p, addr: addr}, nil
}

func (s *stack) stop() {
	for _, sv := range append(append([]*service{}, s.apis...), s.workers...) {
		sv.stop(40 * time.Second)
	}
	s.temporal.stop(20 * time.Second)
	if s.pg != nil {
		_ = s.pg.Stop(10 * time.Second)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil {
		return r
	}
	return path
}

// healthcheck runs a compose service's healthcheck command against the
// local process: "127.0.0.1:<container port>" becomes the process's address,
// /healthcheck the probe built from deploy/healthcheck, and the Temporal
// CLI is `temporal` on PATH, as in the server image.
func (s *stack) healthcheck(ctx context.Context, service string, replace map[string]string) error {
	svc := s.project.Services[service]
	if svc.HealthCheck == nil || len(svc.HealthCheck.Test) < 2 {
		return fmt.Errorf("%s: no healthcheck in docker-compose.yml", service)
	}
	test := slices.Clone(svc.HealthCheck.Test)
	for i := range test {
		for from, to := range replace {
			test[i] = strings.ReplaceAll(test[i], from, to)
		}
	}
	bin := filepath.Join(s.work, "healthcheck-bin")
	env := append(s.env(service, nil), "PATH="+bin+":"+os.Getenv("PATH"), fmt.Sprintf("PGPORT=%d", s.pgPort))
	var argv []string
	switch test[0] {
	case "CMD-SHELL":
		argv = []string{"sh", "-c", test[1]}
	case "CMD":
		argv = test[1:]
		if argv[0] == "/healthcheck" {
			argv[0] = filepath.Join(bin, "healthcheck")
		}
	default:
		return fmt.Errorf("%s: healthcheck %v", service, test)
	}
	// A repeated key's last value wins: this PATH, with the tools first.
	if _, err := run(ctx, s.work, env, argv...); err != nil {
		return fmt.Errorf("%s's compose healthcheck fails here: %w", service, err)
	}
	return nil
}

// healthTools puts what the images' healthchecks call on a PATH of their
// own: the Temporal CLI as `temporal`, and /healthcheck built from
// deploy/healthcheck.
func (s *stack) healthTools(ctx context.Context) error {
	bin := filepath.Join(s.work, "healthcheck-bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(s.cli, filepath.Join(bin, "temporal")); err != nil {
		return err
	}
	_, err := run(ctx, s.repo, os.Environ(), "go", "build", "-o", filepath.Join(bin, "healthcheck"), "./deploy/healthcheck")
	return err
}

// shards is the temporal service's history shard count, as the compose
// file sets it.
func (s *stack) shards() string {
	if v := s.project.Services["temporal"].Environment["NUM_HISTORY_SHARDS"]; v != nil {
		return *v
	}
	return "?"
}
