package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// recordEnv is a real PostgreSQL and a real Mailpit behind the Record
// activity, run by the SDK's activity test environment.
type recordEnv struct {
	st     *store.Store
	inbox  *testenv.Inbox
	acts   *activities.Activities
	expert store.User
	p      pipeline.Priority // accepted, with the expert assigned
	events []pipeline.Event  // submission, accept
}

func newRecordEnv(t *testing.T, mailer notify.Mailer) *recordEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.DatabaseURL(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	e := &recordEnv{st: st, inbox: testenv.Mailpit(t)}
	if mailer == nil {
		if mailer, err = notify.NewSender(notify.SMTPConfig{Host: e.inbox.SMTPHost, Port: e.inbox.SMTPPort,
			TLS: notify.TLSNone, From: "puente@puente.test"}); err != nil {
			t.Fatal(err)
		}
	}
	_, hash := store.NewToken()
	e.expert, err = st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: "Carmen Díaz", Role: pipeline.Expert,
		Themes: []string{"money_laundering"}}, Email: "carmen@example.org", Language: "en"}, hash, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e.acts = &activities.Activities{Store: st,
		Notifier: &notify.Notifier{Store: st, Mailer: mailer, BaseURL: "http://puente.test", Domain: "puente.test"}}

	fp := pipeline.Actor{ID: uuid.NewString(), Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}
	manager := pipeline.Actor{ID: uuid.NewString(), Name: "Ana Ruiz", Role: pipeline.Manager}
	id := uuid.NewString()
	at := time.Now().UTC().Truncate(time.Microsecond)
	ref, err := st.ReserveRef(ctx, id, "PE", at.Year())
	if err != nil {
		t.Fatal(err)
	}
	submitted := pipeline.Submit(pipeline.Submitted{Actor: fp, ID: id, Ref: ref, RequestHash: "h", At: at,
		Submission: pipeline.Submission{Title: "Seguir el dinero", Description: "Lavado de activos en la frontera",
			Theme: "money_laundering", Pillar: "justice", Countries: []string{"PE"}, Institution: "Fiscalía", Urgency: "high"}},
		pipeline.DefaultSLAs())
	expert := e.expert.Actor
	accepted := pipeline.Apply(manager, submitted.Priority,
		pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.Accept}, Expert: &expert}, at.Add(time.Minute), pipeline.DefaultSLAs())
	e.p, e.events = accepted.Priority, []pipeline.Event{submitted.Event, accepted.Event}
	return e
}

func (e *recordEnv) record(t *testing.T, in activities.RecordInput) activities.RecordResult {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(e.acts)
	v, err := env.ExecuteActivity(e.acts.Record, in)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	var res activities.RecordResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// requireRecorded checks that the read model holds the priority at the
// accept, with both events.
func (e *recordEnv) requireRecorded(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	got, err := e.st.Priority(ctx, e.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.st.Events(ctx, e.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != pipeline.ExpertReview || got.Version != e.p.Version || len(evs) != 2 {
		t.Fatalf("read model: %s v%d with %d events, want %s v%d with 2", got.Stage, got.Version, len(evs),
			pipeline.ExpertReview, e.p.Version)
	}
}

// TestRecordSendsTheMailOfItsWrite: the flush that writes the accept emails
// the expert its new task in the same activity, once, even when the
// activity runs twice.
func TestRecordSendsTheMailOfItsWrite(t *testing.T) {
	t.Parallel()
	e := newRecordEnv(t, nil)
	in := activities.RecordInput{Priority: e.p, Events: e.events, Notify: e.events[1:]}
	for range 2 { // a retried activity
		if res := e.record(t, in); !res.Notified {
			t.Fatal("Notified = false with the mail server up")
		}
	}
	e.requireRecorded(t)
	msgs := e.inbox.Messages(t)
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0].Address != e.expert.Email {
		t.Fatalf("mail sent: %+v, want one message to %s", msgs, e.expert.Email)
	}
}

// TestRecordWithTheMailServerDown: the write stands and the activity
// succeeds, reporting the mail unsent for the Notify activity to retry;
// nothing reaches the (other) mail server.
func TestRecordWithTheMailServerDown(t *testing.T) {
	t.Parallel()
	port, err := devstack.FreePort() // nobody listens there
	if err != nil {
		t.Fatal(err)
	}
	down, err := notify.NewSender(notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: notify.TLSNone,
		From: "puente@puente.test", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := newRecordEnv(t, down)
	if res := e.record(t, activities.RecordInput{Priority: e.p, Events: e.events, Notify: e.events[1:]}); res.Notified {
		t.Fatal("Notified = true with the mail server down")
	}
	e.requireRecorded(t)
	if n := len(e.inbox.Messages(t)); n != 0 {
		t.Fatalf("%d messages reached Mailpit", n)
	}
}
