package bench

import (
	"bytes"
	"strings"
	"testing"
)

// Each kind of timed read refuses a body of another kind.
func TestScaleEndpointChecksItsBody(t *testing.T) {
	t.Parallel()
	page := []byte("<!doctype html><html><body>x</body></html>")
	iati := []byte(`<?xml version="1.0"?><iati-activities version="2.03"></iati-activities>`)
	js := []byte(`{"items":[]}`)
	cases := []struct {
		e    scaleEndpoint
		body []byte
		ok   bool
	}{
		{scaleEndpoint{web: true}, page, true},
		{scaleEndpoint{web: true}, js, false},
		{scaleEndpoint{}, js, true},
		{scaleEndpoint{}, page, false},
		{scaleEndpoint{kind: xmlBody}, iati, true},
		{scaleEndpoint{kind: xmlBody}, iati[:40], false},
		{scaleEndpoint{kind: xmlBody}, js, false},
	}
	for i, c := range cases {
		if err := c.e.check(c.body); (err == nil) != c.ok {
			t.Errorf("case %d: check(%.20q) = %v, want ok %v", i, c.body, err, c.ok)
		}
	}
}

// The printed table says which targets were met, which were not, and
// which pages were not served.
func TestScaleResultPrintsTargetsAndPending(t *testing.T) {
	t.Parallel()
	r := &ScaleResult{
		Priorities: 10, Events: 20, Actions: 25,
		Endpoints:  map[string]Latency{"fast": {N: 3, P95: 20}, "slow": {N: 3, P95: 80}},
		Targets:    map[string]float64{"fast": 50, "slow": 50},
		OverTarget: []string{"slow"}, NotServed: []string{"UI /later"},
		Order: []string{"fast", "slow"},
	}
	var buf bytes.Buffer
	r.Print(&buf)
	out := buf.String()
	for _, want := range []string{"10 priorities, 20 events, 25 support actions", "p95 target 50 ms: met", "p95 target 50 ms: OVER",
		"UI /later", "not served by this build (404): not timed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Split(out, "\n"); !strings.Contains(lines[2], "fast") || !strings.HasSuffix(lines[2], "met") || !strings.HasSuffix(lines[3], "OVER") {
		t.Errorf("verdicts on the wrong lines:\n%s", out)
	}
}
