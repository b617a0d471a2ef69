package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/worker"
	"github.com/puente-dev/puente/workflows"
)

// TestDigestSchedule: the schedule is created once and updated in place by
// every later start; triggered, it runs the Digest workflow, whose activity
// emails a reader their task through a real mail server.
func TestDigestSchedule(t *testing.T) {
	ctx := context.Background()
	c, err := client.Dial(client.Options{HostPort: testenv.TemporalAddress(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	st, err := store.Open(ctx, testenv.DatabaseURL(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	inbox := testenv.Mailpit(t)
	sender, err := notify.NewSender(notify.SMTPConfig{Host: inbox.SMTPHost, Port: inbox.SMTPPort, TLS: notify.TLSNone, From: "puente@puente.test"})
	if err != nil {
		t.Fatal(err)
	}
	queue := "digest-" + uuid.NewString()[:8]
	w := worker.New(c, queue, &activities.Activities{Store: st,
		Notifier: &notify.Notifier{Store: st, Mailer: sender, BaseURL: "http://puente.test", Domain: "puente.test"}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	// A reader of digests with one task: a priority in triage, for a manager.
	_, hash := store.NewToken()
	mgr, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager},
		Email: "ana@example.org", Language: "pt", Notify: store.NotifyDigest}, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	due := at.Add(5 * 24 * time.Hour)
	p := &pipeline.Priority{ID: uuid.NewString(), Title: "Ciberdelito", Description: "d", Theme: "cybercrime", Pillar: "police",
		Countries: []string{"CO"}, Institution: "Policía", Urgency: "low", Sensitivity: pipeline.Public, Stage: pipeline.Triage,
		StageEnteredAt: at, DueAt: &due, Version: 1, SubmittedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	if p.Ref, err = st.ReserveRef(ctx, p.ID, p.Countries[0], at.Year()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Record(ctx, store.Change{Priority: p, Events: []pipeline.Event{{PriorityID: p.ID, Seq: 1, At: at,
		Actor: pipeline.Ref{ID: p.SubmittedBy, Name: "FP", Role: pipeline.FocalPoint}, Kind: pipeline.EventSubmitted}}}); err != nil {
		t.Fatal(err)
	}

	first, err := worker.ParseDigestTime("07:00", "America/Lima")
	if err != nil {
		t.Fatal(err)
	}
	if err := worker.EnsureDigestSchedule(ctx, c, queue, first); err != nil {
		t.Fatal(err)
	}
	// A later start with another time updates the one schedule.
	later, _ := worker.ParseDigestTime("06:30", "UTC")
	if err := worker.EnsureDigestSchedule(ctx, c, queue, later); err != nil {
		t.Fatal(err)
	}
	h := c.ScheduleClient().GetHandle(ctx, workflows.DigestScheduleID)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	desc, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal := desc.Schedule.Spec.Calendars
	if len(cal) != 1 || cal[0].Hour[0].Start != 6 || cal[0].Minute[0].Start != 30 || desc.Schedule.Spec.TimeZoneName != "UTC" {
		t.Errorf("spec after the update: %+v", desc.Schedule.Spec)
	}
	if next := desc.Info.NextActionTimes; len(next) == 0 || next[0].UTC().Hour() != 6 || next[0].UTC().Minute() != 30 {
		t.Errorf("next runs %v, want at 06:30 UTC", next)
	}
	n := 0
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for it.HasNext() {
		s, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if s.ID == workflows.DigestScheduleID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d digest schedules, want 1", n)
	}

	// Run it now, as at 06:30.
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	mails := inbox.WaitFor(t, 1, time.Minute)
	m := inbox.Message(t, mails[0].ID)
	if mails[0].To[0].Address != "ana@example.org" || !strings.HasPrefix(mails[0].Subject, "Puente — tarefas pendentes: 1") ||
		!strings.Contains(m.Text, "Ciberdelito — Triagem") {
		t.Errorf("digest %q:\n%s", mails[0].Subject, m.Text)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	if status, err := st.DigestStatus(ctx, mgr.ID, day); err != nil || status != store.MailSent {
		t.Errorf("digest log of %s: %q %v", day, status, err)
	}
}
