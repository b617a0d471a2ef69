package compose

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// mountedAt is the host path a service mounts at target, relative to the
// repository, or "".
func mountedAt(c types.ServiceConfig, target string) string {
	for _, v := range c.Volumes {
		if v.Target == target {
			r, _ := filepath.Rel(filepath.Dir(mustAbs(composeFile)), v.Source)
			return r
		}
	}
	return ""
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

// TestPrometheusScrapesEveryProcess: each process that serves metrics is a
// scrape target on the port it listens on, and the rule files Prometheus
// loads are the ones in this tree.
func TestPrometheusScrapesEveryProcess(t *testing.T) {
	s := load(t, composeFile, envExample)
	prom := s.project.Services["prometheus"]
	if got := mountedAt(prom, "/etc/prometheus/prometheus.yml"); got != "deploy/observability/prometheus.yml" {
		t.Fatalf("prometheus mounts %q as its config", got)
	}
	b, err := os.ReadFile("observability/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			Authorization struct {
				CredentialsFile string `yaml:"credentials_file"`
			}
			StaticConfigs []struct {
				Targets []string
			} `yaml:"static_configs"`
			DNSSDConfigs []struct {
				Names []string
				Port  int
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		// A token file must be a secret Prometheus mounts, the one the API checks.
		if f := sc.Authorization.CredentialsFile; f != "" {
			m := secretPath.FindStringSubmatch(f)
			if m == nil || !slices.ContainsFunc(prom.Secrets, func(r types.ServiceSecretConfig) bool { return r.Source == m[1] }) {
				t.Errorf("job %s sends the token in %s, which prometheus does not mount", sc.JobName, f)
			}
			if v := s.project.Services["api"].Environment["PUENTE_METRICS_TOKEN_FILE"]; sc.JobName == "puente-api" && (v == nil || *v != f) {
				t.Errorf("job %s sends %s, the API checks PUENTE_METRICS_TOKEN_FILE", sc.JobName, f)
			}
		}
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				targets[tg] = true
			}
		}
		for _, d := range sc.DNSSDConfigs {
			for _, n := range d.Names {
				targets[net.JoinHostPort(n, strconv.Itoa(d.Port))] = true
			}
		}
	}
	env := func(service, key string) string {
		if v := s.project.Services[service].Environment[key]; v != nil {
			return *v
		}
		return ""
	}
	// Where each process serves /metrics, from its own settings.
	for service, key := range map[string]string{"api": "PUENTE_ADDR", "worker": "PUENTE_METRICS_ADDR", "temporal": "PROMETHEUS_ENDPOINT"} {
		_, port, err := net.SplitHostPort(env(service, key))
		if err != nil {
			t.Errorf("%s: %s %q: %v", service, key, env(service, key), err)
			continue
		}
		if !targets[net.JoinHostPort(service, port)] {
			t.Errorf("prometheus.yml does not scrape %s:%s (%s %s); targets %v", service, port, service, key, targets)
		}
		delete(targets, net.JoinHostPort(service, port))
	}
	if len(targets) > 0 {
		t.Errorf("prometheus.yml scrapes targets no service serves: %v", targets)
	}
	rules := mountedAt(prom, "/etc/prometheus/rules")
	if rules != "deploy/observability/rules" || !slices.Contains(cfg.RuleFiles, "/etc/prometheus/rules/*.yml") {
		t.Errorf("rule files %v from %q, want /etc/prometheus/rules/*.yml from deploy/observability/rules", cfg.RuleFiles, rules)
	}
}

// TestGrafanaProvisioning: Grafana's data source is the prometheus service
// and its dashboard provider reads the directory compose mounts, whose
// dashboards use that data source.
func TestGrafanaProvisioning(t *testing.T) {
	s := load(t, composeFile, envExample)
	g := s.project.Services["grafana"]
	if got := mountedAt(g, "/etc/grafana/provisioning"); got != "deploy/observability/grafana/provisioning" {
		t.Fatalf("grafana mounts %q as provisioning", got)
	}
	var ds struct {
		Datasources []struct{ UID, Type, URL string }
	}
	readYAML(t, "observability/grafana/provisioning/datasources/prometheus.yml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" {
		t.Fatalf("data sources %+v, want one prometheus", ds.Datasources)
	}
	u, err := url.Parse(ds.Datasources[0].URL)
	if _, ok := s.project.Services[u.Hostname()]; err != nil || u.Hostname() != "prometheus" || !ok || u.Port() != "9090" {
		t.Errorf("data source URL %q, want the prometheus service on 9090", ds.Datasources[0].URL)
	}
	var prov struct {
		Providers []struct {
			Options struct{ Path string }
		}
	}
	readYAML(t, "observability/grafana/provisioning/dashboards/puente.yml", &prov)
	if len(prov.Providers) != 1 {
		t.Fatalf("providers %+v", prov.Providers)
	}
	dir := mountedAt(g, prov.Providers[0].Options.Path)
	if dir != "deploy/observability/grafana/dashboards" {
		t.Fatalf("the provider reads %s, where compose mounts %q", prov.Providers[0].Options.Path, dir)
	}
	files, _ := filepath.Glob("observability/grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Title  string
			Panels []struct {
				Title      string
				Datasource struct{ UID string }
				Targets    []struct{ Expr string }
			}
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var titles []string
		for _, p := range d.Panels {
			titles = append(titles, strings.ToLower(p.Title))
			if p.Datasource.UID != ds.Datasources[0].UID || len(p.Targets) == 0 {
				t.Errorf("%s: panel %q: data source %q with %d queries", f, p.Title, p.Datasource.UID, len(p.Targets))
			}
		}
		// What the dashboard is for.
		for _, want := range []string{"per stage", "sla", "decision latency", "temporal"} {
			if !slices.ContainsFunc(titles, func(s string) bool { return strings.Contains(s, want) }) {
				t.Errorf("%s: no panel about %q", f, want)
			}
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
