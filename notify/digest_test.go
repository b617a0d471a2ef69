package notify_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// record stores a priority in stage, due at due, for the digest to list.
func (b *bundle) record(t *testing.T, title string, stage pipeline.Stage, due time.Time, overdue bool) *pipeline.Priority {
	t.Helper()
	at := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Microsecond)
	p := &pipeline.Priority{ID: uuid.NewString(), Title: title, Description: "d", Theme: "money_laundering", Pillar: "justice",
		Countries: []string{"PE"}, Institution: "UIF", Urgency: "high", Sensitivity: pipeline.Public, Stage: stage,
		Assignee: b.expert.ID, StageEnteredAt: at, DueAt: &due, Overdue: overdue, Version: 2, SubmittedBy: b.fpPE.ID,
		CreatedAt: at, UpdatedAt: at}
	ref, err := b.st.ReserveRef(b.ctx, p.ID, p.Countries[0], at.Year())
	if err != nil {
		t.Fatal(err)
	}
	p.Ref = ref
	_, err = b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{{PriorityID: p.ID, Seq: 1, At: at,
		Actor: b.fpPE.Ref(), Kind: pipeline.EventSubmitted, ToStage: pipeline.Triage}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDigestListsPendingTasksOverdueFirstOncePerDay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now()
	soon := b.record(t, "Plan de lavado", pipeline.Planning, now.Add(72*time.Hour), false)
	late := b.record(t, "Revisión atrasada", pipeline.ExpertReview, now.Add(96*time.Hour), true)
	b.record(t, "Corrección en Perú", pipeline.Revision, now.Add(24*time.Hour), false)

	// The expert wants the digest only; María both; João nothing but emails.
	if _, err := b.st.SetPreferences(b.ctx, b.expert.ID, "en", store.NotifyDigest); err != nil {
		t.Fatal(err)
	}
	if _, err := b.st.SetPreferences(b.ctx, b.fpPE.ID, "es", store.NotifyBoth); err != nil {
		t.Fatal(err)
	}
	sent, err := b.notifier.Digests(b.ctx, "2026-03-02", nil)
	if err != nil || sent != 2 {
		t.Fatalf("sent %d digests (%v), want the expert's and María's", sent, err)
	}
	mails := b.inbox.WaitFor(t, 2, 10*time.Second)
	byTo := map[string]string{}
	for _, m := range mails {
		full := b.inbox.Message(t, m.ID)
		byTo[m.To[0].Address] = m.Subject + "\n" + full.Text
		if m.MessageID != "digest.2026-03-02."+map[string]string{"carmen@example.org": b.expert.ID, "maria@example.org": b.fpPE.ID}[m.To[0].Address]+"@puente.test" {
			t.Errorf("Message-ID %q", m.MessageID)
		}
	}
	exp := byTo["carmen@example.org"]
	if !strings.HasPrefix(exp, "Puente — pending tasks: 2, overdue: 1\n") {
		t.Errorf("expert's digest subject: %q", exp)
	}
	if i, j := strings.Index(exp, late.Ref), strings.Index(exp, soon.Ref); i < 0 || j < 0 || i > j ||
		!strings.Contains(exp, late.Ref+" Revisión atrasada — Expert review — Due: ") || !strings.Contains(exp, "— OVERDUE") {
		t.Errorf("the overdue task is not first, or not marked:\n%s", exp)
	}
	if !strings.Contains(exp, "http://puente.test/priorities/"+soon.ID) {
		t.Errorf("no link:\n%s", exp)
	}
	if maria := byTo["maria@example.org"]; !strings.HasPrefix(maria, "Puente — tareas pendientes: 1\n") || !strings.Contains(maria, "Corrección en Perú — Corrección") {
		t.Errorf("María's digest:\n%s", maria)
	}

	// The same day again (a retried run): nothing. The next day: again.
	if sent, err := b.notifier.Digests(b.ctx, "2026-03-02", nil); err != nil || sent != 0 {
		t.Errorf("the same day again sent %d (%v)", sent, err)
	}
	if sent, err := b.notifier.Digests(b.ctx, "2026-03-03", nil); err != nil || sent != 2 {
		t.Errorf("the next day sent %d (%v)", sent, err)
	}
	if s := b.inbox.Stats(t); s.Accepted != 4 || s.Ignored != 0 {
		t.Errorf("SMTP %+v, want 4 digests over two days", s)
	}
}

// TestARefusedDigestIsAnErrorNamingTheReader: a digest the mail server
// refuses for good is not retried, and leaves an error naming its reader.
func TestARefusedDigestIsAnErrorNamingTheReader(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.record(t, "Plan de lavado", pipeline.Planning, time.Now().Add(72*time.Hour), false)
	if _, err := b.st.SetPreferences(b.ctx, b.expert.ID, "en", store.NotifyDigest); err != nil {
		t.Fatal(err)
	}
	n := *b.notifier
	n.Mailer = refusing{b.sender, "carmen@example.org"}
	var logged strings.Builder
	n.Log = slog.New(slog.NewTextHandler(&logged, nil))
	for range 2 {
		if sent, err := n.Digests(b.ctx, "2026-03-02", nil); err != nil || sent != 0 {
			t.Fatalf("sent %d (%v), want the one digest refused", sent, err)
		}
	}
	if got := logged.String(); strings.Count(got, "level=ERROR") != 1 || !strings.Contains(got, "recipient_id="+b.expert.ID) {
		t.Errorf("want one error naming %s:\n%s", b.expert.ID, got)
	}
}
