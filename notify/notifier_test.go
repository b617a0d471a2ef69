package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type bundle struct {
	ctx      context.Context
	url      string
	st       *store.Store
	inbox    *testenv.Inbox
	sender   *notify.Sender
	notifier *notify.Notifier
	fpPE     store.User // Spanish
	fpCO     store.User // Portuguese
	expert   store.User // English
	p        *pipeline.Priority
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	inbox := testenv.Mailpit(t)
	sender, err := notify.NewSender(smtpTo(inbox.Mailpit))
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{ctx: ctx, url: url, st: st, inbox: inbox, sender: sender}
	add := func(name, email, lang string, role pipeline.Role, countries, themes []string) store.User {
		_, hash := store.NewToken()
		u, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: name, Role: role, Countries: countries, Themes: themes},
			Email: email, Language: lang}, hash, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	b.fpPE = add("María Quispe", "maria@example.org", "es", pipeline.FocalPoint, []string{"PE"}, nil)
	b.fpCO = add("João Silva", "joao@example.org", "pt", pipeline.FocalPoint, []string{"CO"}, nil)
	b.expert = add("Carmen Díaz", "carmen@example.org", "en", pipeline.Expert, nil, []string{"money_laundering"})
	b.notifier = &notify.Notifier{Store: st, Mailer: sender, BaseURL: "http://puente.test", Domain: "puente.test"}
	b.p = &pipeline.Priority{ID: uuid.NewString(), Ref: "PE-2026-0001", Title: "Seguir el dinero",
		Countries: []string{"PE", "CO"}, Stage: pipeline.Validation, Assignee: b.expert.ID, SubmittedBy: b.fpPE.ID}
	return b
}

func smtpTo(m *devstack.Mailpit) notify.SMTPConfig {
	return notify.SMTPConfig{Host: m.SMTPHost, Port: m.SMTPPort, TLS: notify.TLSNone, From: "Puente <puente@puente.test>"}
}

// events: the expert asks the focal points for a revision (2 emails), then
// submits a plan to them (2 more), and the workflow records a reminder of
// validation (2 more).
func (b *bundle) events() []pipeline.Event {
	by := b.expert.Ref()
	return []pipeline.Event{
		{PriorityID: b.p.ID, Seq: 3, Kind: pipeline.EventOf(pipeline.RequestRevision), Actor: by, FromStage: pipeline.ExpertReview, ToStage: pipeline.Revision, Comment: "Precise"},
		{PriorityID: b.p.ID, Seq: 4, Kind: pipeline.EventPlanUpdated, Actor: by, FromStage: pipeline.Planning, ToStage: pipeline.Planning},
		{PriorityID: b.p.ID, Seq: 5, Kind: pipeline.EventOf(pipeline.SubmitPlan), Actor: by, FromStage: pipeline.Planning, ToStage: pipeline.Validation},
		{PriorityID: b.p.ID, Seq: 6, Kind: pipeline.EventReminder, Actor: pipeline.Ref{ID: "system", Name: "Puente", Role: "system"},
			Data: map[string]any{"stage": "validation"}},
	}
}

func TestNotifierSendsEachMessageOnceInItsLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	progress := 0
	if err := b.notifier.Notify(b.ctx, b.p, b.events(), func() { progress++ }); err != nil {
		t.Fatal(err)
	}
	mails := b.inbox.WaitFor(t, 6, 10*time.Second)
	if len(mails) != 6 || progress != 6 {
		t.Fatalf("%d messages, %d progress calls, want 6", len(mails), progress)
	}
	perRecipient := map[string]int{}
	for _, m := range mails {
		full := b.inbox.Message(t, m.ID)
		to := m.To[0].Address
		perRecipient[to]++
		lang := map[string]string{"maria@example.org": "es", "joao@example.org": "pt"}[to]
		if got := full.Headers["Content-Language"]; len(got) != 1 || got[0] != lang {
			t.Errorf("to %s: Content-Language %v, want %s", to, got, lang)
		}
		if !strings.Contains(full.Text, "http://puente.test/priorities/"+b.p.ID) {
			t.Errorf("to %s: no link in %q", to, full.Text)
		}
		if !strings.HasPrefix(m.MessageID, b.p.ID+".") || !strings.HasSuffix(m.MessageID, "@puente.test") {
			t.Errorf("Message-ID %q", m.MessageID)
		}
	}
	if perRecipient["maria@example.org"] != 3 || perRecipient["joao@example.org"] != 3 {
		t.Errorf("per recipient %v, want 3 each", perRecipient)
	}

	// A retry of the whole activity sends nothing again.
	if err := b.notifier.Notify(b.ctx, b.p, b.events(), nil); err != nil {
		t.Fatal(err)
	}
	if s := b.inbox.Stats(t); s.Accepted != 6 || s.Ignored != 0 {
		t.Errorf("after a retry: %+v, want 6 accepted, none resent", s)
	}
	log, err := b.st.Mails(b.ctx, b.p.ID)
	if err != nil || len(log) != 6 {
		t.Fatalf("mail log %v %v", log, err)
	}
	for _, m := range log {
		if m.Status != store.MailSent || m.Attempts != 1 || m.SentAt == nil {
			t.Errorf("logged %+v", m)
		}
	}
}

// TestACrashBetweenSendAndRecordResendsTheSameMessage: a row left 'sending'
// (the worker died after the server took the message, before recording it)
// is sent again under the same Message-ID, and the inbox keeps one copy.
func TestACrashBetweenSendAndRecordResendsTheSameMessage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	evs := b.events()[:1]
	if err := b.notifier.Notify(b.ctx, b.p, evs, nil); err != nil {
		t.Fatal(err)
	}
	// What the crash leaves: sent, but recorded as still sending.
	conn, err := pgx.Connect(b.ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(b.ctx)
	if _, err := conn.Exec(b.ctx, `UPDATE mail_log SET status = 'sending', sent_at = NULL WHERE priority_id = $1 AND recipient_id = $2`,
		b.p.ID, b.fpCO.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.notifier.Notify(b.ctx, b.p, evs, nil); err != nil {
		t.Fatal(err)
	}
	if s := b.inbox.Stats(t); s.Accepted != 2 || s.Ignored != 1 {
		t.Errorf("SMTP %+v: want 2 stored and the resend ignored as a duplicate", s)
	}
	if n := len(b.inbox.Messages(t)); n != 2 {
		t.Errorf("%d messages in the inbox, want 2", n)
	}
	log, _ := b.st.Mails(b.ctx, b.p.ID)
	for _, m := range log {
		want := 1
		if m.RecipientID == b.fpCO.ID {
			want = 2
		}
		if m.Status != store.MailSent || m.Attempts != want {
			t.Errorf("logged %+v, want sent after %d attempts", m, want)
		}
	}
}

// TestAMailServerThatIsDownDelaysMail: the notifier fails (for its activity
// to retry later) and leaves nothing half-recorded; once the server is back,
// every message goes, once.
func TestAMailServerThatIsDownDelaysMail(t *testing.T) {
	t.Parallel()
	b := setup(t)
	port, err := devstack.FreePort() // nobody listens there
	if err != nil {
		t.Fatal(err)
	}
	down, err := notify.NewSender(notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: notify.TLSNone,
		From: "puente@puente.test", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n := *b.notifier
	n.Mailer = down
	if err := n.Notify(b.ctx, b.p, b.events(), nil); err == nil {
		t.Fatal("no error with the mail server down")
	}
	if err := b.notifier.Notify(b.ctx, b.p, b.events(), nil); err != nil {
		t.Fatal(err)
	}
	if s := b.inbox.Stats(t); s.Accepted != 6 || s.Ignored != 0 {
		t.Errorf("SMTP %+v after the server came back, want 6 sent once", s)
	}
}

// refusing is a mail server that refuses one address for good.
type refusing struct {
	notify.Mailer
	address string
}

func (r refusing) Send(ctx context.Context, m notify.Message) error {
	if m.To == r.address {
		return fmt.Errorf("%w: 550 no such mailbox", notify.ErrRejected)
	}
	return r.Mailer.Send(ctx, m)
}

// TestAPermanentRefusalIsRecordedNotRetried: one bad address neither blocks
// the others nor loops, and each refused message is an error in the log
// naming its recipient — never silence.
func TestAPermanentRefusalIsRecordedNotRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	n := *b.notifier
	n.Mailer = refusing{b.sender, "joao@example.org"}
	var logged strings.Builder
	n.Log = slog.New(slog.NewTextHandler(&logged, nil))
	for range 2 {
		if err := n.Notify(b.ctx, b.p, b.events(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if s := b.inbox.Stats(t); s.Accepted != 3 {
		t.Errorf("SMTP %+v, want María's 3", s)
	}
	log, _ := b.st.Mails(b.ctx, b.p.ID)
	failed := 0
	for _, m := range log {
		if m.RecipientID == b.fpCO.ID && (m.Status != store.MailFailed || m.Attempts != 1 || !strings.Contains(m.Error, "550")) {
			t.Errorf("refused mail logged %+v", m)
		}
		if m.Status == store.MailFailed {
			failed++
		}
	}
	errs := strings.Count(logged.String(), "level=ERROR")
	if failed != 3 || errs != failed || strings.Count(logged.String(), "recipient_id="+b.fpCO.ID) != failed {
		t.Errorf("%d messages refused, %d errors logged, want 3 naming %s:\n%s", failed, errs, b.fpCO.ID, logged.String())
	}
}

// TestAbsentRecipientsMailGoesToTheDelegate: the assigned expert is away;
// the focal point's resubmission, which tells the expert, reaches the
// delegate expert instead, once, in the delegate's language (Dutch), saying
// on whose behalf and until when; the absentee gets nothing. After the
// absence is cancelled, the next event reaches the expert again.
func TestAbsentRecipientsMailGoesToTheDelegate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, hash := store.NewToken()
	delegate, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: "Jan de Vries", Role: pipeline.Expert,
		Themes: []string{"money_laundering"}}, Email: "jan@example.org", Language: "nl"}, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	until := now.AddDate(0, 0, 3)
	x, err := b.st.AddAbsence(b.ctx, pipeline.Absence{UserID: b.expert.ID, DelegateID: delegate.ID, From: pipeline.Day(now),
		To: pipeline.Day(until), CreatedBy: b.expert.ID}, func([]pipeline.Absence) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	resubmit := func(seq int) pipeline.Event {
		return pipeline.Event{PriorityID: b.p.ID, Seq: seq, At: now, Kind: pipeline.EventOf(pipeline.Resubmit), Actor: b.fpPE.Ref(),
			FromStage: pipeline.Revision, ToStage: pipeline.ExpertReview}
	}
	if err := b.notifier.Notify(b.ctx, b.p, []pipeline.Event{resubmit(7)}, nil); err != nil {
		t.Fatal(err)
	}
	mails := b.inbox.WaitFor(t, 1, 10*time.Second)
	if len(mails) != 1 || mails[0].To[0].Address != "jan@example.org" {
		t.Fatalf("mails: %+v", mails)
	}
	full := b.inbox.Message(t, mails[0].ID)
	if got := full.Headers["Content-Language"]; len(got) != 1 || got[0] != "nl" {
		t.Errorf("Content-Language %v, want nl", got)
	}
	want := "U ontvangt dit bericht als vervanger van Carmen Díaz, die tot en met " + i18n.For("nl").Date(until) + " afwezig is."
	if !strings.Contains(full.Text, want) || !strings.Contains(full.Text, "Geachte Jan de Vries,") {
		t.Errorf("the delegate's mail does not say on whose behalf (%q):\n%s", want, full.Text)
	}
	if mails[0].MessageID != notify.MessageID(b.p.ID, 7, delegate.ID, "puente.test") {
		t.Errorf("Message-ID %q", mails[0].MessageID)
	}

	if err := b.st.CancelAbsence(b.ctx, x.ID, b.expert.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := b.notifier.Notify(b.ctx, b.p, []pipeline.Event{resubmit(8)}, nil); err != nil {
		t.Fatal(err)
	}
	mails = b.inbox.WaitFor(t, 2, 10*time.Second)
	var to []string
	for _, m := range mails {
		to = append(to, m.To[0].Address)
	}
	if len(mails) != 2 || !slices.Contains(to, "carmen@example.org") {
		t.Errorf("after the cancellation: %v", to)
	}
}
