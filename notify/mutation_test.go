package notify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

// Past DigestLimit tasks, the digest lists the first ones, says how many
// more wait, and its log counts them all.
func TestADigestPastItsLimitCountsTheRest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now()
	for i := range notify.DigestLimit + 2 {
		b.record(t, fmt.Sprintf("Plan %d", i), pipeline.Planning, now.Add(time.Duration(i+1)*time.Hour), false)
	}
	if _, err := b.st.SetPreferences(b.ctx, b.expert.ID, "en", store.NotifyDigest); err != nil {
		t.Fatal(err)
	}
	if sent, err := b.notifier.Digests(b.ctx, "2026-03-02", nil); err != nil || sent != 1 {
		t.Fatalf("sent %d digests (%v), want the expert's", sent, err)
	}
	m := b.inbox.WaitFor(t, 1, 10*time.Second)[0]
	full := b.inbox.Message(t, m.ID)
	if want := fmt.Sprintf("pending tasks: %d", notify.DigestLimit+2); !strings.HasPrefix(m.Subject, "Puente — "+want) || !strings.Contains(full.Text, "and 2 more") {
		t.Errorf("digest: %q\n%s", m.Subject, full.Text)
	}
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(b.ctx)
	var tasks int
	if err := conn.QueryRow(b.ctx, `SELECT tasks FROM digest_log WHERE user_id = $1`, b.expert.ID).Scan(&tasks); err != nil || tasks != notify.DigestLimit+2 {
		t.Errorf("digest log counts %d tasks (%v), want %d", tasks, err, notify.DigestLimit+2)
	}
}

// An assignment names the stage the event entered, even once the priority
// has moved on; a reminder names the stage its data records.
func TestMessagesNameTheirEventsStage(t *testing.T) {
	t.Parallel()
	p := &pipeline.Priority{ID: "p1", Ref: "PE-1", Title: "ECI", Countries: []string{"PE"}, Stage: pipeline.Planning}
	u := store.User{Actor: pipeline.Actor{ID: "u1", Name: "Ana"}, Email: "ana@example.org", Language: "en"}
	for _, c := range []struct {
		ev   pipeline.Event
		want string
	}{
		{pipeline.Event{Seq: 2, Kind: pipeline.EventOf(pipeline.Accept), FromStage: pipeline.Triage, ToStage: pipeline.ExpertReview,
			Actor: pipeline.Ref{ID: "m1", Name: "Rosa"}}, "You are responsible for the stage “Expert review”."},
		{pipeline.Event{Seq: 3, Kind: pipeline.EventReminder, Data: map[string]any{"stage": pipeline.Triage}},
			"is waiting for you in the stage “Triage”."},
	} {
		m, err := notify.Compose(c.ev, p, u, "https://x", "example.org")
		if err != nil || !strings.Contains(m.Body, c.want) {
			t.Errorf("%s: %v\n%s\nwant %q", c.ev.Kind, err, m.Body, c.want)
		}
	}
}
