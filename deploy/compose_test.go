package deploy

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
	allServices = []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "api", "worker"}
	// Long-running services that must have a healthcheck: others wait on them.
	healthChecked = []string{"postgres", "temporal", "api"}
	// One-shot jobs: run to completion, never restarted.
	oneShots = []string{"temporal-schema", "temporal-namespace", "migrate"}
	// Settings api and worker must agree on.
	sharedEnv = []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "PUENTE_TASK_QUEUE"}
	// Environment keys that hold secrets: their values must come from .env.
	secretKey = regexp.MustCompile(`(?i)(PASSWORD|PWD|SECRET|TOKEN|API_KEY)$`)
	// A pinned image: a tag with a version number, never latest.
	pinnedImage = regexp.MustCompile(`^[a-z0-9./-]+:[0-9]+\.[0-9]+[0-9A-Za-z.-]*$`)
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
	needs("temporal-schema", "postgres", types.ServiceConditionHealthy)
	needs("temporal", "temporal-schema", types.ServiceConditionCompletedSuccessfully)
	needs("temporal-namespace", "temporal", types.ServiceConditionHealthy)
	needs("temporal-ui", "temporal", types.ServiceConditionHealthy)
	needs("migrate", "postgres", types.ServiceConditionHealthy)
	for _, name := range []string{"api", "worker"} {
		needs(name, "migrate", types.ServiceConditionCompletedSuccessfully)
		needs(name, "temporal", types.ServiceConditionHealthy)
		needs(name, "temporal-namespace", types.ServiceConditionCompletedSuccessfully)
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
	if u, err := url.Parse(env("api", "DATABASE_URL")); err != nil || u.User == nil {
		bad("api: DATABASE_URL is not a postgres:// URL with credentials")
	} else {
		pw, _ := u.User.Password()
		if u.Hostname() != "postgres" || strings.TrimPrefix(u.Path, "/") != env("postgres", "POSTGRES_DB") ||
			u.User.Username() != env("postgres", "POSTGRES_USER") || pw != env("postgres", "POSTGRES_PASSWORD") {
			bad("api: DATABASE_URL does not name the postgres service's database and credentials")
		}
	}
	if a, b := env("temporal", "POSTGRES_PWD"), env("postgres", "POSTGRES_PASSWORD"); a != b {
		bad("temporal: POSTGRES_PWD differs from postgres' POSTGRES_PASSWORD")
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

	// Secrets: every secret-looking setting is a ${…} reference in the file,
	// and the example password appears nowhere in it.
	for name := range s.project.Services {
		for key, v := range s.verbatimEnv(name) {
			if secretKey.MatchString(key) && !strings.HasPrefix(v, "${") {
				bad("%s: %s is written in the compose file, want a ${VARIABLE} from .env", name, key)
			}
		}
	}
	if pw := s.env["POSTGRES_PASSWORD"]; pw == "" {
		bad("the env file sets no POSTGRES_PASSWORD")
	} else if strings.Contains(s.raw, pw) {
		bad("the compose file contains the password %q", pw)
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

// TestComposeFileNeedsPassword: without POSTGRES_PASSWORD the file does not
// load at all, rather than starting a database with an empty password.
func TestComposeFileNeedsPassword(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "env")
	example, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(example), "\n") {
		if !strings.HasPrefix(line, "POSTGRES_PASSWORD=") {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(env, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{composeFile}, cli.WithName("puente"),
		cli.WithWorkingDirectory(".."), cli.WithEnvFiles(env), cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = opts.LoadProject(context.Background())
	if err == nil || !strings.Contains(err.Error(), "set POSTGRES_PASSWORD in .env") {
		t.Fatalf("loading without POSTGRES_PASSWORD: err = %v, want the file's own message", err)
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
		old:  `      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U \"$${POSTGRES_USER}\" -d \"$${POSTGRES_DB}\""]`,
		new:  `      test: ["NONE"]`,
		want: "postgres: no healthcheck",
	},
	{
		name: "migrate does not wait for a healthy postgres",
		old:  "    command: [\"migrate\"]\n    environment: *puente-env\n    depends_on:\n      postgres:\n        condition: service_healthy",
		new:  "    command: [\"migrate\"]\n    environment: *puente-env\n    depends_on:\n      postgres:\n        condition: service_started",
		want: `migrate: depends_on postgres with condition "service_started", want "service_healthy"`,
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
		name: "password written into the file",
		old:  "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env (cp .env.example .env)}",
		new:  "      POSTGRES_PASSWORD: change-me-before-first-start",
		want: "postgres: POSTGRES_PASSWORD is written in the compose file",
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
	noPassword := filepath.Join(dir, "env")
	if err := os.WriteFile(noPassword, []byte("POSTGRES_USER=puente\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = dockerCompose(t, "--env-file", noPassword, "-f", composeFile, "config", "-q")
	if err == nil || !strings.Contains(out, "set POSTGRES_PASSWORD in .env") {
		t.Fatalf("docker-compose accepted an env file without POSTGRES_PASSWORD: err=%v\n%s", err, out)
	}
}

// TestTemporalScriptsParse: the one-shot jobs' scripts are at least valid
// POSIX shell (the admin-tools image runs them with busybox sh).
func TestTemporalScriptsParse(t *testing.T) {
	scripts, err := filepath.Glob("temporal/*.sh")
	if err != nil || len(scripts) < 2 {
		t.Fatalf("scripts: %v %v", scripts, err)
	}
	for _, s := range scripts {
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", s, err, out)
		}
	}
	// Every script the compose file runs exists.
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`/opt/puente/([a-z-]+\.sh)`).FindAllStringSubmatch(string(raw), -1) {
		if _, err := os.Stat(filepath.Join("temporal", m[1])); err != nil {
			t.Errorf("docker-compose.yml runs %s: %v", m[0], err)
		}
	}
}
