package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// selector finds the metric names of PromQL expressions: a name followed by
// a label matcher or a range. The dashboard and the rules write every
// metric that way.
var selector = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]`)

// synthetic metrics are made by Prometheus itself, not scraped.
var synthetic = []string{"up"}

// observedQueries returns, by file, the PromQL expressions of the Grafana
// dashboards and the alerting rules in deploy/observability.
func observedQueries(repo string) (map[string][]string, error) {
	out := map[string][]string{}
	dashboards, _ := filepath.Glob(filepath.Join(repo, "deploy/observability/grafana/dashboards/*.json"))
	for _, f := range dashboards {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var d struct {
			Panels []struct {
				Targets []struct{ Expr string }
			}
		}
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				out[rel(repo, f)] = append(out[rel(repo, f)], t.Expr)
			}
		}
	}
	rules, _ := filepath.Glob(filepath.Join(repo, "deploy/observability/rules/*.yml"))
	for _, f := range rules {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if e, ok := strings.CutPrefix(strings.TrimSpace(line), "expr:"); ok {
				out[rel(repo, f)] = append(out[rel(repo, f)], strings.TrimSpace(e))
			}
		}
	}
	if len(dashboards) == 0 || len(rules) == 0 {
		return nil, fmt.Errorf("no dashboards or no rules under deploy/observability")
	}
	return out, nil
}

// checkObserved fails unless every metric a dashboard or rule queries is
// exported by some process of the stack, and unless exactly one process
// exports the per-stage gauges.
func (s *stack) checkObserved() (string, error) {
	queries, err := observedQueries(s.repo)
	if err != nil {
		return "", err
	}
	exported := map[string][]string{} // metric name → processes
	for proc, body := range s.scraped {
		seen := map[string]bool{}
		for _, line := range strings.Split(body, "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			name := line[:strings.IndexAny(line+" ", "{ ")]
			if !seen[name] {
				seen[name] = true
				exported[name] = append(exported[name], proc)
			}
		}
	}
	var missing []string
	n := 0
	for file, exprs := range queries {
		for _, e := range exprs {
			for _, m := range selector.FindAllStringSubmatch(e, -1) {
				n++
				if name := m[1]; !slices.Contains(synthetic, name) && len(exported[name]) == 0 {
					missing = append(missing, fmt.Sprintf("%s queries %s, which no process exports", file, name))
				}
			}
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s", strings.Join(missing, "\n"))
	}
	if p := exported["puente_priorities"]; len(p) != 1 {
		return "", fmt.Errorf("puente_priorities exported by %v, want exactly one process", p)
	}
	return fmt.Sprintf("%d metric selectors of the dashboards and rules all exported; puente_priorities by %s alone", n, exported["puente_priorities"][0]), nil
}
