package compose

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/puente-dev/puente/workflows"
)

const (
	composeFile = "../docker-compose.yml"
	envExample  = "../.env.example"
)

// The stack's services, by role.
var (
	allServices = []string{"postgres", "db-roles", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
		"migrate", "api", "worker", "prometheus", "grafana"}
	// Services of the observability profile, off unless asked for.
	observability = []string{"prometheus", "grafana"}
	// Long-running services that must have a healthcheck: others wait on them.
	healthChecked = []string{"postgres", "temporal", "api", "worker"}
	// One-shot jobs: run to completion, never restarted.
	oneShots = []string{"db-roles", "temporal-schema", "temporal-namespace", "migrate"}
	// Settings api and worker must agree on.
	sharedEnv = []string{"DATABASE_URL", "PGPASSFILE", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "PUENTE_TASK_QUEUE"}
	// Environment keys that would hold a secret: none may be set; *_FILE
	// keys name a file instead, which must be a mounted secret.
	secretKey = regexp.MustCompile(`(?i)(PASSWORD|PWD|SECRET|TOKEN|API_KEY)$`)
	// A pinned image: a tag with a version number, never latest.
	pinnedImage = regexp.MustCompile(`^[a-z0-9./-]+:v?[0-9]+\.[0-9]+[0-9A-Za-z.-]*$`)
	// A mounted secret's path in a container.
	secretPath = regexp.MustCompile(`^/run/secrets/([a-z_]+)$`)
)

// stack is a compose file as the tests see it.
type stack struct {
	raw      string            // the file's text
	project  *types.Project    // loaded and interpolated, as `docker compose --env-file` would
	verbatim map[string]any    // the YAML model without interpolation: ${…} left as written
	env      map[string]string // the env file
}

// load reads a compose file with compose-go, interpolating it from envFile
// only: the OS environment is left out so that the test sees what a fresh
// machine with that .env sees.
func load(t *testing.T, file, envFile string) *stack {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	env, err := dotenv.Read(envFile)
	if err != nil {
		t.Fatalf("read %s: %v", envFile, err)
	}
	s := &stack{raw: string(raw), env: env}
	for _, interpolate := range []bool{true, false} {
		opts, err := cli.NewProjectOptions([]string{file},
			cli.WithName("puente"),
			cli.WithWorkingDirectory(filepath.Dir(file)),
			cli.WithEnvFiles(envFile),
			cli.WithDotEnv,
			cli.WithProfiles([]string{"observability"}),
			cli.WithInterpolation(interpolate),
		)
		if err != nil {
			t.Fatal(err)
		}
		if interpolate {
			s.project, err = opts.LoadProject(context.Background())
		} else {
			s.verbatim, err = opts.LoadModel(context.Background())
		}
		if err != nil {
			t.Fatalf("compose-go cannot load %s (interpolation %v): %v", file, interpolate, err)
		}
	}
	return s
}

// verbatimEnv returns a service's environment as written in the file
// (anchors and merge keys resolved, variables not substituted).
func (s *stack) verbatimEnv(service string) map[string]string {
	out := map[string]string{}
	services, _ := s.verbatim["services"].(map[string]any)
	svc, _ := services[service].(map[string]any)
	switch env := svc["environment"].(type) {
	case map[string]any:
		for k, v := range env {
			out[k] = fmt.Sprint(v)
		}
	case []any:
		for _, kv := range env {
			k, v, _ := strings.Cut(fmt.Sprint(kv), "=")
			out[k] = v
		}
	}
	return out
}

// problems lists every way the stack falls short of what Puente needs; an
// empty list means it is sound. The tests below feed it broken copies too,
// so each rule is shown to fire.
func problems(s *stack) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	svc := func(name string) (types.ServiceConfig, bool) {
		c, ok := s.project.Services[name]
		return c, ok
	}
	env := func(service, key string) string {
		c, ok := svc(service)
		if !ok || c.Environment[key] == nil {
			return ""
		}
		return *c.Environment[key]
	}
	needs := func(service, dep, condition string) {
		c, ok := svc(service)
		if !ok {
			return
		}
		d, ok := c.DependsOn[dep]
		switch {
		case !ok:
			bad("%s: no depends_on %s", service, dep)
		case d.Condition != condition:
			bad("%s: depends_on %s with condition %q, want %q", service, dep, d.Condition, condition)
		}
	}

	for _, name := range allServices {
		if _, ok := svc(name); !ok {
			bad("service %s missing", name)
		}
	}
	for name, c := range s.project.Services {
		// Third-party images are pinned; Puente's own is built from this tree.
		if c.Build == nil && !pinnedImage.MatchString(c.Image) {
			bad("%s: image %q is not pinned to a version", name, c.Image)
		}
	}

	for _, name := range healthChecked {
		c, ok := svc(name)
		if !ok {
			continue
		}
		if h := c.HealthCheck; h == nil || h.Disable || len(h.Test) == 0 || h.Test[0] == "NONE" {
			bad("%s: no healthcheck", name)
		}
	}
	if c, ok := svc("api"); ok && c.HealthCheck != nil && !strings.Contains(strings.Join(c.HealthCheck.Test, " "), "127.0.0.1:8080/readyz") {
		bad("api: healthcheck %q does not probe /readyz on the API's port", c.HealthCheck.Test)
	}

	for _, name := range oneShots {
		if c, ok := svc(name); ok && c.Restart != types.RestartPolicyNo {
			bad("%s: restart %q, want \"no\" for a one-shot job", name, c.Restart)
		}
	}
	needs("db-roles", "postgres", types.ServiceConditionHealthy)
	needs("temporal-schema", "db-roles", types.ServiceConditionCompletedSuccessfully)
	needs("temporal", "temporal-schema", types.ServiceConditionCompletedSuccessfully)
	needs("temporal-namespace", "temporal", types.ServiceConditionHealthy)
	needs("temporal-ui", "temporal", types.ServiceConditionHealthy)
	needs("migrate", "db-roles", types.ServiceConditionCompletedSuccessfully)
	for _, name := range []string{"api", "worker"} {
		needs(name, "migrate", types.ServiceConditionCompletedSuccessfully)
		needs(name, "temporal", types.ServiceConditionHealthy)
		needs(name, "temporal-namespace", types.ServiceConditionCompletedSuccessfully)
	}
	for _, name := range observability {
		if c, ok := svc(name); ok && !slices.Equal(c.Profiles, []string{"observability"}) {
			bad("%s: profiles %v, want [observability] (off by default)", name, c.Profiles)
		}
	}

	// api and worker: one database, one Temporal, one namespace, one task queue.
	for _, key := range sharedEnv {
		a, w := env("api", key), env("worker", key)
		switch {
		case a == "":
			bad("api: %s not set", key)
		case a != w:
			bad("api and worker disagree on %s: %q vs %q", key, a, w)
		}
	}
	if ns, job := env("api", "TEMPORAL_NAMESPACE"), env("temporal-namespace", "TEMPORAL_NAMESPACE"); ns != job {
		bad("api uses namespace %q but temporal-namespace creates %q", ns, job)
	}
	if a := env("api", "TEMPORAL_ADDRESS"); a != "temporal:7233" {
		bad("api: TEMPORAL_ADDRESS %q, want the temporal service (temporal:7233)", a)
	}
	if a := env("api", "PUENTE_ADDR"); a != "0.0.0.0:8080" {
		bad("api: PUENTE_ADDR %q, want 0.0.0.0:8080 (reachable from outside the container)", a)
	}

	// Least privilege: Puente and Temporal each connect as a role of their
	// own, neither the superuser, to databases db-roles gives that role.
	super := env("postgres", "POSTGRES_USER")
	puenteRole, temporalRole := "", env("temporal", "POSTGRES_USER")
	if u, err := url.Parse(env("api", "DATABASE_URL")); err != nil || u.User == nil {
		bad("api: DATABASE_URL is not a postgres:// URL with a user")
	} else {
		puenteRole = u.User.Username()
		if _, has := u.User.Password(); has {
			bad("api: DATABASE_URL holds a password, want it from PGPASSFILE")
		}
		if u.Hostname() != "postgres" || strings.TrimPrefix(u.Path, "/") != env("db-roles", "PUENTE_DB") {
			bad("api: DATABASE_URL does not name the database db-roles makes for Puente")
		}
	}
	switch {
	case puenteRole == "" || puenteRole == super:
		bad("api: Puente connects as %q, the superuser; want a role of its own", puenteRole)
	case temporalRole == "" || temporalRole == super:
		bad("temporal: Temporal connects as %q, the superuser; want a role of its own", temporalRole)
	case puenteRole == temporalRole:
		bad("Puente and Temporal share the role %q", puenteRole)
	}
	if u := env("temporal-schema", "SQL_USER"); u != temporalRole {
		bad("temporal-schema: SQL_USER %q, want Temporal's role %q", u, temporalRole)
	}
	for _, k := range []string{"DBNAME", "VISIBILITY_DBNAME"} {
		if a, b := env("temporal", k), env("temporal-schema", k); a != b {
			bad("temporal and temporal-schema disagree on %s: %q vs %q", k, a, b)
		}
	}
	if a, b := env("temporal", "DBNAME"), env("db-roles", "TEMPORAL_DB"); a != b {
		bad("temporal: DBNAME %q, but db-roles makes %q", a, b)
	}
	// The pgx driver reads PGPASSFILE when the password is empty.
	for _, name := range []string{"temporal", "temporal-schema"} {
		key := map[string]string{"temporal": "DB", "temporal-schema": "SQL_PLUGIN"}[name]
		if p := env(name, key); p != "postgres12_pgx" {
			bad("%s: %s %q, want postgres12_pgx (reads the password from PGPASSFILE)", name, key, p)
		}
	}

	// Temporal's server metrics, and Prometheus scrapes every process.
	if e := env("temporal", "PROMETHEUS_ENDPOINT"); e != "0.0.0.0:8000" {
		bad("temporal: PROMETHEUS_ENDPOINT %q, want 0.0.0.0:8000 (scraped by prometheus)", e)
	}

	// Puente's search attributes, registered before api and worker start,
	// must be the ones the workflow upserts.
	var want []string
	for _, k := range workflows.SearchAttributes {
		want = append(want, k.GetName()+"="+k.GetValueType().String())
	}
	got := strings.Fields(env("temporal-namespace", "PUENTE_SEARCH_ATTRIBUTES"))
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		bad("temporal-namespace: PUENTE_SEARCH_ATTRIBUTES %v, want %v (workflows.SearchAttributes)", got, want)
	}

	// Data lives in named volumes, declared at the top level.
	for name, c := range s.project.Services {
		for _, v := range c.Volumes {
			if v.Type != types.VolumeTypeVolume {
				continue
			}
			if v.Source == "" {
				bad("%s: anonymous volume at %s, want a named volume", name, v.Target)
			} else if _, ok := s.project.Volumes[v.Source]; !ok {
				bad("%s: volume %s is not declared under volumes:", name, v.Source)
			}
		}
	}
	if c, ok := svc("postgres"); ok && !slices.ContainsFunc(c.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && v.Source != "" && v.Target == "/var/lib/postgresql/data"
	}) {
		bad("postgres: its data directory is not on a named volume")
	}

	// Secrets: no setting holds one; a setting may only name a file under
	// /run/secrets, which the service must mount, from a file in ./secrets.
	for name, c := range s.project.Services {
		for key, v := range s.verbatimEnv(name) {
			if secretKey.MatchString(key) {
				bad("%s: %s puts a secret in the environment, want %s_FILE or PGPASSFILE", name, key, key)
			}
			if !strings.HasSuffix(key, "_FILE") && key != "PGPASSFILE" {
				continue
			}
			m := secretPath.FindStringSubmatch(v)
			if m == nil {
				bad("%s: %s=%q is not a mounted secret (/run/secrets/<name>)", name, key, v)
				continue
			}
			if !slices.ContainsFunc(c.Secrets, func(r types.ServiceSecretConfig) bool { return r.Source == m[1] }) {
				bad("%s: %s names secret %s, which the service does not list under secrets:", name, key, m[1])
			}
		}
		for _, r := range c.Secrets {
			def, ok := s.project.Secrets[r.Source]
			if !ok {
				bad("%s: secret %s is not declared under secrets:", name, r.Source)
			} else if rel, err := filepath.Rel(filepath.Join(s.project.WorkingDir, "secrets"), def.File); err != nil || strings.HasPrefix(rel, "..") {
				bad("secret %s: file %s is not in ./secrets (where deploy/secrets.sh writes)", r.Source, def.File)
			}
		}
	}
	for key := range s.env {
		if secretKey.MatchString(key) {
			bad("the env file sets %s: secrets belong in ./secrets", key)
		}
	}
	return out
}

func TestComposeFile(t *testing.T) {
	s := load(t, composeFile, envExample)
	for _, p := range problems(s) {
		t.Error(p)
	}
	if t.Failed() {
		return
	}
	api := s.project.Services["api"]
	for _, key := range sharedEnv {
		v := *api.Environment[key]
		if u, err := url.Parse(v); err == nil && u.User != nil {
			v = u.Redacted()
		}
		t.Logf("api and worker: %s=%s", key, v)
	}
}

// TestSecretsScript: deploy/secrets.sh writes every secret the compose file
// declares, in the formats its users read, in a private directory; a second
// run keeps them.
func TestSecretsScript(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	run := func() ([]byte, error) {
		cmd := exec.Command("sh", "secrets.sh", dir)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PUENTE_DB_USER=app", "TEMPORAL_DB_USER=tmp"}
		return cmd.CombinedOutput()
	}
	if out, err := run(); err != nil {
		t.Fatalf("secrets.sh: %v\n%s", err, out)
	}
	s := load(t, composeFile, envExample)
	if len(s.project.Secrets) == 0 {
		t.Fatal("the compose file declares no secrets")
	}
	for name, def := range s.project.Secrets {
		file := filepath.Join(dir, filepath.Base(def.File))
		b, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("secret %s: %v", name, err)
			continue
		}
		if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644 (read by the containers' own users)", file, fi.Mode().Perm())
		}
		line := strings.TrimSpace(string(b))
		if strings.HasSuffix(name, "_pgpass") {
			f := strings.Split(line, ":")
			role := map[string]string{"puente_pgpass": "app", "temporal_pgpass": "tmp"}[name]
			if len(f) != 5 || f[0] != "*" || f[1] != "*" || f[2] != "*" || f[3] != role || len(f[4]) != 48 {
				t.Errorf("%s: %q, want *:*:*:%s:<48 hex digits>", name, line, role)
			}
		} else if !regexp.MustCompile(`^[0-9a-f]{48}$`).MatchString(line) {
			t.Errorf("%s: not 48 hex digits", name)
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: mode %v, want 0700", dir, fi.Mode().Perm())
	}
	before, _ := os.ReadFile(filepath.Join(dir, "puente_pgpass"))
	if out, err := run(); err != nil {
		t.Fatalf("secrets.sh again: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "puente_pgpass")); string(after) != string(before) {
		t.Error("a second run replaced an existing secret")
	}
}

// brokenCopies are edits of docker-compose.yml that problems must catch:
// each replaces text that occurs exactly once in the file.
var brokenCopies = []struct {
	name, old, new, want string
}{
	{
		name: "api healthcheck removed",
		old:  `      test: ["CMD", "/healthcheck", "http://127.0.0.1:8080/readyz"]`,
		new:  `      disable: true`,
		want: "api: no healthcheck",
	},
	{
		name: "postgres healthcheck removed",
		old:  `      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U \"$${POSTGRES_USER}\" -d postgres"]`,
		new:  `      test: ["NONE"]`,
		want: "postgres: no healthcheck",
	},
	{
		name: "migrate does not wait for the roles",
		old:  "    command: [\"migrate\"]\n    environment: *puente-env\n    depends_on:\n      db-roles:\n        condition: service_completed_successfully",
		new:  "    command: [\"migrate\"]\n    environment: *puente-env\n    depends_on:\n      db-roles:\n        condition: service_started",
		want: `migrate: depends_on db-roles with condition "service_started", want "service_completed_successfully"`,
	},
	{
		name: "api and worker start before migrations finished",
		old:  "    depends_on: &puente-depends\n      migrate:\n        condition: service_completed_successfully",
		new:  "    depends_on: &puente-depends\n      migrate:\n        condition: service_started",
		want: `worker: depends_on migrate with condition "service_started", want "service_completed_successfully"`,
	},
	{
		name: "worker on another task queue",
		old:  "      PUENTE_METRICS_ADDR: 0.0.0.0:9090\n",
		new:  "      PUENTE_METRICS_ADDR: 0.0.0.0:9090\n      PUENTE_TASK_QUEUE: elsewhere\n",
		want: `api and worker disagree on PUENTE_TASK_QUEUE: "puente" vs "elsewhere"`,
	},
	{
		name: "password in the environment",
		old:  "      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password\n    secrets: [postgres_password]\n    command:",
		new:  "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n    secrets: [postgres_password]\n    command:",
		want: "postgres: POSTGRES_PASSWORD puts a secret in the environment",
	},
	{
		name: "a secret the service does not mount",
		old:  "    secrets: [temporal_pgpass]\n    volumes:\n      - ./deploy/temporal/dynamicconfig",
		new:  "    volumes:\n      - ./deploy/temporal/dynamicconfig",
		want: "temporal: PGPASSFILE names secret temporal_pgpass, which the service does not list",
	},
	{
		name: "Puente on the superuser",
		old:  "  DATABASE_URL: postgres://${PUENTE_DB_USER:-puente}@postgres",
		new:  "  DATABASE_URL: postgres://${POSTGRES_USER:-postgres}@postgres",
		want: `api: Puente connects as "postgres", the superuser`,
	},
	{
		name: "a password in DATABASE_URL",
		old:  "  DATABASE_URL: postgres://${PUENTE_DB_USER:-puente}@postgres",
		new:  "  DATABASE_URL: postgres://${PUENTE_DB_USER:-puente}:hunter2@postgres",
		want: "api: DATABASE_URL holds a password",
	},
	{
		name: "Temporal on the lib/pq driver",
		old:  "  DB: postgres12_pgx",
		new:  "  DB: postgres12",
		want: `temporal: DB "postgres12", want postgres12_pgx`,
	},
	{
		name: "Grafana on by default",
		old:  "    image: grafana/grafana:12.1.0\n    profiles: [observability]\n",
		new:  "    image: grafana/grafana:12.1.0\n",
		want: "grafana: profiles [], want [observability]",
	},
	{
		name: "anonymous data volume",
		old:  "      - pgdata:/var/lib/postgresql/data",
		new:  "      - /var/lib/postgresql/data",
		want: "postgres: anonymous volume at /var/lib/postgresql/data",
	},
	{
		name: "a search attribute forgotten",
		old:  " PuenteOverdue=Bool",
		new:  "",
		want: "temporal-namespace: PUENTE_SEARCH_ATTRIBUTES",
	},
	{
		name: "unpinned Temporal server",
		old:  "    image: temporalio/server:1.29.7",
		new:  "    image: temporalio/server:latest",
		want: `temporal: image "temporalio/server:latest" is not pinned`,
	},
}

// TestProblemsCatchBrokenCopies shows that each rule of problems can fail:
// a copy of the compose file with one thing broken is loaded the same way,
// and must be reported.
func TestProblemsCatchBrokenCopies(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, compose string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".env.example"), env, 0o600); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "docker-compose.yml")
		if err := os.WriteFile(file, []byte(compose), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	// The copy itself is sound: only the edit can make it fail.
	file := write(t, string(raw))
	if ps := problems(load(t, file, filepath.Join(filepath.Dir(file), ".env.example"))); len(ps) > 0 {
		t.Fatalf("an unedited copy has problems: %q", ps)
	}
	for _, tc := range brokenCopies {
		t.Run(tc.name, func(t *testing.T) {
			if n := strings.Count(string(raw), tc.old); n != 1 {
				t.Fatalf("the text to break occurs %d times in %s, want once — update this case:\n%s", n, composeFile, tc.old)
			}
			file := write(t, strings.Replace(string(raw), tc.old, tc.new, 1))
			ps := problems(load(t, file, filepath.Join(filepath.Dir(file), ".env.example")))
			if !slices.ContainsFunc(ps, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Fatalf("problems = %q, want one containing %q", ps, tc.want)
			}
		})
	}
}

// dockerCompose runs Debian's docker-compose with only PATH and HOME from the
// environment, so that nothing but the env file feeds the interpolation. A
// missing docker-compose is a failure, not a skip.
func dockerCompose(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Fatalf("docker-compose is not installed (%v): install Debian's docker-compose package "+
			"(`bash scripts/deps.sh` does, as root; `make test` runs it)", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestDockerComposeConfig validates the file with a second implementation:
// `docker-compose config -q` parses, interpolates and checks it against the
// Compose schema, all without a Docker engine.
func TestDockerComposeConfig(t *testing.T) {
	if out, err := dockerCompose(t, "version"); err != nil {
		t.Fatalf("docker-compose version: %v\n%s", err, out)
	} else {
		t.Logf("%s", strings.SplitN(out, "\n", 2)[0])
	}
	if out, err := dockerCompose(t, "--env-file", envExample, "-f", composeFile, "config", "-q"); err != nil {
		t.Fatalf("docker-compose config -q: %v\n%s", err, out)
	}

	// docker-compose must also refuse what is wrong, or its yes means little.
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	broken := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(broken, []byte(strings.ReplaceAll(string(raw),
		"condition: service_completed_successfully", "condition: service_finished")), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := dockerCompose(t, "--env-file", envExample, "-f", broken, "config", "-q")
	if err == nil || !strings.Contains(out, "service_finished") {
		t.Fatalf("docker-compose accepted an unknown depends_on condition: err=%v\n%s", err, out)
	}
	if out, err := dockerCompose(t, "--env-file", envExample, "-f", composeFile, "--profile", "observability", "config", "-q"); err != nil {
		t.Fatalf("docker-compose --profile observability config -q: %v\n%s", err, out)
	}
}

// TestTemporalScriptsParse: the one-shot jobs' scripts are at least valid
// POSIX shell (the admin-tools image runs them with busybox sh).
func TestTemporalScriptsParse(t *testing.T) {
	scripts, err := filepath.Glob("*/*.sh")
	if err != nil || len(scripts) < 3 {
		t.Fatalf("scripts: %v %v", scripts, err)
	}
	for _, s := range scripts {
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", s, err, out)
		}
	}
	// Every script the compose file runs exists.
	s := load(t, composeFile, envExample)
	for name, c := range s.project.Services {
		if len(c.Command) == 0 || !strings.HasPrefix(c.Command[0], "/opt/puente/") {
			continue
		}
		i := slices.IndexFunc(c.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/opt/puente" })
		if i < 0 {
			t.Errorf("%s runs %s but mounts nothing at /opt/puente", name, c.Command[0])
			continue
		}
		script := filepath.Join(c.Volumes[i].Source, strings.TrimPrefix(c.Command[0], "/opt/puente/"))
		if _, err := os.Stat(script); err != nil {
			t.Errorf("%s runs %s: %v", name, c.Command[0], err)
		}
	}
}
