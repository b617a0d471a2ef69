package compose

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// requirement returns the version a tools module's go.mod requires of module.
func requirement(t *testing.T, gomod, module string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + `\s+(v\S+)`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("%s requires no %s", gomod, module)
	}
	return m[1]
}

// TestToolsMatchCompose: what prod-check and CI build from the module proxy
// is the release the compose file and the chart run.
func TestToolsMatchCompose(t *testing.T) {
	s := load(t, composeFile, envExample)
	server := requirement(t, "tools/temporal/go.mod", "go.temporal.io/server") // v1.29.7
	release := strings.TrimPrefix(server, "v")
	if img := s.project.Services["temporal"].Image; img != "temporalio/server:"+release {
		t.Errorf("temporal runs %s, prod-check builds go.temporal.io/server %s", img, server)
	}
	for _, job := range []string{"temporal-schema", "temporal-namespace"} {
		if img := s.project.Services[job].Image; !strings.HasPrefix(img, "temporalio/admin-tools:"+release+"-") {
			t.Errorf("%s runs %s, want admin-tools of server %s", job, img, release)
		}
	}
	src, err := os.ReadFile("prodcheck/tools.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), fmt.Sprintf("const temporalVersion = %q", server)) {
		t.Errorf("deploy/prodcheck/tools.go does not name %s as temporalVersion", server)
	}
	values, err := os.ReadFile("../charts/puente/examples/temporal-values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(values), "tag: "+release+"\n") {
		t.Errorf("the chart's Temporal values do not run server %s", release)
	}

	// Prometheus v3.M.P is the Go module github.com/prometheus/prometheus v0.3MM.P.
	prom := requirement(t, "tools/promtool/go.mod", "github.com/prometheus/prometheus")
	var minor, patch int
	if _, err := fmt.Sscanf(prom, "v0.3%02d.%d", &minor, &patch); err != nil {
		t.Fatalf("prometheus module version %s: %v", prom, err)
	}
	if img, want := s.project.Services["prometheus"].Image, fmt.Sprintf("prom/prometheus:v3.%d.%d", minor, patch); img != want {
		t.Errorf("prometheus runs %s, promtool is built from %s (%s)", img, prom, want)
	}
}
