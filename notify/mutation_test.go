package notify_test

import (
	"strings"
	"testing"

	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The tests of this file pin behaviour that mutation testing (make mutate,
// docs/mutation.md) found no test noticing when it changed.

// A digest counts the tasks it lists and those it does not, and says how
// many more there are only when there are.
func TestDigestCountsTheTasksItDoesNotList(t *testing.T) {
	t.Parallel()
	u := store.User{Actor: pipeline.Actor{ID: "u1", Name: "Ana"}, Email: "ana@example.org", Language: "en"}
	tasks := []*pipeline.Priority{{ID: "p1", Ref: "PE-1", Title: "One", Stage: pipeline.Triage},
		{ID: "p2", Ref: "PE-2", Title: "Two", Stage: pipeline.Triage}}
	m := notify.ComposeDigest(u, tasks, 3, "2027-01-02", "https://puente.example/", "puente.example")
	if !strings.HasSuffix(m.Subject, ": 5") || !strings.Contains(m.Body, "3 more") {
		t.Errorf("2 listed and 3 more: subject %q, body:\n%s", m.Subject, m.Body)
	}
	m = notify.ComposeDigest(u, tasks, 0, "2027-01-02", "https://puente.example/", "puente.example")
	if !strings.HasSuffix(m.Subject, ": 2") || strings.Contains(m.Body, "more") {
		t.Errorf("2 listed, none more: subject %q, body:\n%s", m.Subject, m.Body)
	}
}
