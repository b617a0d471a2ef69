package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// smtpProxy relays SMTP between the worker and Mailpit and sees each
// message the server accepts (its 250 after DATA). onAccept runs before
// that answer is relayed: killing the worker there leaves a message the
// server holds and the worker never heard was taken.
type smtpProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	accepted int
	onAccept func(n int)
}

func newSMTPProxy(t *testing.T, upstream string) *smtpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &smtpProxy{ln: ln, upstream: upstream}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c)
		}
	}()
	return p
}

func (p *smtpProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *smtpProxy) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	var mu sync.Mutex
	inData, sent := false, false // sent: a message's final dot went up, its answer not yet down
	go func() {
		r := bufio.NewReader(client)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				server.Close()
				return
			}
			mu.Lock()
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case !inData && cmd == "DATA":
				inData = true
			case inData && line == ".\r\n":
				inData, sent = false, true
			}
			mu.Unlock()
			if _, err := io.WriteString(server, line); err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(server)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		mu.Lock()
		accepted := sent && strings.HasPrefix(line, "250")
		if strings.HasPrefix(line, "250") || strings.HasPrefix(line, "4") || strings.HasPrefix(line, "5") {
			sent = false
		}
		mu.Unlock()
		if accepted {
			p.mu.Lock()
			p.accepted++
			n, hook := p.accepted, p.onAccept
			p.mu.Unlock()
			if hook != nil {
				hook(n)
			}
		}
		if _, err := io.WriteString(client, line); err != nil {
			return
		}
	}
}

// mailJourney is a real stack of processes: `puente api`, `puente worker`
// (restartable) and Mailpit behind the proxy, with the journey's people.
type mailJourney struct {
	bin, base string
	env       []string
	st        *store.Store
	inbox     *testenv.Inbox
	proxy     *smtpProxy
	mu        sync.Mutex
	worker    *process
	people    map[string]testPerson
}

// journeyNames are the people's names as they might type them: quotes,
// a comma, angle brackets, accents, Arabic (right to left) and Chinese.
// The expert's name tries to step out of its quotes and add mgr1, who gets
// no email in the journey, as a recipient.
var journeyNames = map[string]string{
	"fpPE":   `María "Mari" Quispe`,
	"fpCO":   "Gómez, Andrés",
	"expert": `Carmen" <mgr1@example.org>, "Díaz`,
	"mgr1":   "Ana <Ruiz>",
	"mgr2":   "جان دوبون",
	"mgr3":   "王丽 (Lucía Hernández)",
}

type testPerson struct {
	store.User
	Token string
}

func newMailJourney(t *testing.T) *mailJourney {
	t.Helper()
	ctx := context.Background()
	j := &mailJourney{bin: buildPuente(t), inbox: testenv.Mailpit(t), people: map[string]testPerson{}}
	j.proxy = newSMTPProxy(t, fmt.Sprintf("%s:%d", j.inbox.SMTPHost, j.inbox.SMTPPort))
	dbURL := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	j.st = st
	for _, p := range []struct {
		key, name, lang string
		role            pipeline.Role
		countries       []string
		themes          []string
	}{
		{"fpPE", journeyNames["fpPE"], "es", pipeline.FocalPoint, []string{"PE"}, nil},
		{"fpCO", journeyNames["fpCO"], "pt", pipeline.FocalPoint, []string{"CO"}, nil},
		{"expert", journeyNames["expert"], "en", pipeline.Expert, nil, []string{"joint_investigation_teams"}},
		{"mgr1", journeyNames["mgr1"], "en", pipeline.Manager, nil, nil},
		{"mgr2", journeyNames["mgr2"], "pt", pipeline.Manager, nil, nil},
		{"mgr3", journeyNames["mgr3"], "es", pipeline.Manager, nil, nil},
	} {
		token, hash := store.NewToken()
		u, err := st.AddUser(ctx, store.User{Actor: pipeline.Actor{Name: p.name, Role: p.role, Countries: p.countries, Themes: p.themes},
			Email: strings.ToLower(p.key) + "@example.org", Language: p.lang}, hash, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		j.people[p.key] = testPerson{u, token}
	}
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	j.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	j.env = append(os.Environ(), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"PUENTE_TASK_QUEUE=mail-"+uuid.NewString()[:8], "PUENTE_ADDR="+j.base[len("http://"):], "PUENTE_LOG_FORMAT=text",
		"PUENTE_SMTP_HOST=127.0.0.1", fmt.Sprintf("PUENTE_SMTP_PORT=%d", j.proxy.port()), "PUENTE_SMTP_TLS=none",
		"PUENTE_MAIL_FROM=Puente <puente@puente.test>", "PUENTE_BASE_URL=http://puente.test")
	j.startWorker(t)
	api := startProcess(t, j.bin, j.env, "api")
	waitReady(t, j.base, api)
	return j
}

func (j *mailJourney) startWorker(t *testing.T) {
	t.Helper()
	w := startProcess(t, j.bin, j.env, "worker")
	j.mu.Lock()
	j.worker = w
	j.mu.Unlock()
}

// restartWorker starts a new worker from any goroutine; the test's cleanup
// stops it.
func (j *mailJourney) restartWorker(t *testing.T) error {
	w := &process{cmd: exec.Command(j.bin, "worker"), out: &testenv.SyncBuffer{}, done: make(chan error, 1)}
	w.cmd.Env = j.env
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		return err
	}
	go func() { w.done <- w.cmd.Wait() }()
	j.mu.Lock()
	j.worker = w
	j.mu.Unlock()
	return nil
}

// killWorker sends the worker SIGKILL, as `kill -9` does, and waits for it to die.
func (j *mailJourney) killWorker() {
	j.mu.Lock()
	w := j.worker
	j.mu.Unlock()
	_ = w.cmd.Process.Kill()
	<-w.done
}

// journey takes a priority through the whole approval: 11 requests by 5
// people, fpCO asking for a change in validation.
func (j *mailJourney) journey(t *testing.T) string {
	t.Helper()
	as := func(who string) journey.User {
		p := j.people[who]
		return journey.User{ID: p.ID, Name: p.Name, Token: p.Token}
	}
	d := journey.New(journey.Cast{FocalPoint: as("fpPE"), OtherFocalPoint: as("fpCO"), Manager: as("mgr1"), SecondManager: as("mgr2"),
		Experts: map[string]journey.User{journey.Submission().Theme: as("expert")}}, j.base)
	p := &journey.Journey{Scenario: journey.Approval}
	if err := d.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// wantMail is what the journey must send, per recipient: how many
// messages, in which language. mgr1 triaged, so the four-eyes approval —
// and its notice — is mgr2's and mgr3's.
var wantMail = map[string]struct {
	n    int
	lang string
}{
	"expert@example.org": {4, "en"}, // accept, resubmit, request_changes, approved
	"fppe@example.org":   {4, "es"}, // request_revision, 2 × submit_plan, approved (submitter)
	"fpco@example.org":   {3, "pt"}, // request_revision, 2 × submit_plan
	"mgr2@example.org":   {1, "pt"}, // endorsed
	"mgr3@example.org":   {1, "es"}, // endorsed
}

const wantTotal = 13

// checkInbox counts the inbox per recipient and language, and checks each
// message is the journey's, once.
func (j *mailJourney) checkInbox(t *testing.T, priorityID string) map[string]int {
	t.Helper()
	j.inbox.WaitFor(t, wantTotal, 3*time.Minute)
	time.Sleep(3 * time.Second) // anything more would show now
	mails := j.inbox.Messages(t)
	got := map[string]int{}
	ids := map[string]bool{}
	names := map[string]string{}
	for key, p := range j.people {
		names[strings.ToLower(key)+"@example.org"] = p.Name
	}
	for _, m := range mails {
		full := j.inbox.Message(t, m.ID)
		if len(m.To) != 1 {
			t.Errorf("message %s has %d recipients, want one: %+v", m.MessageID, len(m.To), m.To)
			continue
		}
		to := m.To[0].Address
		if _, ok := wantMail[to]; !ok {
			t.Errorf("message %s went to %s, who should get none", m.MessageID, to)
		}
		if m.To[0].Name != names[to] {
			t.Errorf("message %s to %s is addressed to %q, want %q", m.MessageID, to, m.To[0].Name, names[to])
		}
		lang := ""
		if l := full.Headers["Content-Language"]; len(l) == 1 {
			lang = l[0]
		}
		got[to+" "+lang]++
		if ids[m.MessageID] {
			t.Errorf("message %s is in the inbox twice", m.MessageID)
		}
		ids[m.MessageID] = true
		if !strings.HasPrefix(m.MessageID, priorityID+".") || !strings.Contains(full.Text, "http://puente.test/priorities/"+priorityID) {
			t.Errorf("message %s to %s is not about the priority, or has no link:\n%s", m.MessageID, to, full.Text)
		}
	}
	for to, w := range wantMail {
		if got[to+" "+w.lang] != w.n {
			t.Errorf("%s: %d messages in %s, want %d (all: %v)", to, got[to+" "+w.lang], w.lang, w.n, got)
		}
	}
	if len(mails) != wantTotal {
		t.Errorf("%d messages in the inbox, want %d: %v", len(mails), wantTotal, got)
	}
	log, err := j.st.Mails(context.Background(), priorityID)
	if err != nil || len(log) != wantTotal {
		t.Fatalf("mail log: %d rows (%v), want %d", len(log), err, wantTotal)
	}
	for _, m := range log {
		if m.Status != store.MailSent {
			t.Errorf("logged %+v", m)
		}
	}
	return got
}

// TestJourneyMail takes a priority through the whole journey on real
// processes and a real Mailpit: exactly one message per (event,
// recipient), each in its recipient's language, addressed to them by
// their name whatever it holds (journeyNames), and to nobody else.
func TestJourneyMail(t *testing.T) {
	j := newMailJourney(t)
	id := j.journey(t)
	got := j.checkInbox(t, id)
	if s := j.inbox.Stats(t); s.Accepted != wantTotal || s.Ignored != 0 {
		t.Errorf("SMTP: %+v, want %d accepted and nothing sent twice", s, wantTotal)
	}
	t.Logf("messages per recipient and language: %v", got)
}

// TestJourneyMailSurvivesKill9 kills the worker with SIGKILL the moment the
// mail server accepts the third message — before the worker hears of it —
// and starts a new worker: the retried activity sends that message again
// under its Message-ID, the inbox keeps one copy, and every other message
// goes once.
func TestJourneyMailSurvivesKill9(t *testing.T) {
	j := newMailJourney(t)
	killed := make(chan struct{})
	j.proxy.mu.Lock()
	j.proxy.onAccept = func(n int) {
		if n == 3 {
			j.killWorker()
			close(killed)
		}
	}
	j.proxy.mu.Unlock()
	restarted := make(chan error, 1)
	go func() {
		<-killed
		restarted <- j.restartWorker(t)
	}()
	t.Cleanup(func() {
		j.mu.Lock()
		w := j.worker
		j.mu.Unlock()
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
		}
	})
	id := j.journey(t)
	select {
	case err := <-restarted:
		if err != nil {
			t.Fatalf("restart the worker: %v", err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("the third message never reached the mail server")
	}
	got := j.checkInbox(t, id)
	s := j.inbox.Stats(t)
	if s.Accepted != wantTotal || s.Ignored != 1 {
		t.Errorf("SMTP: %+v, want %d stored and the one resent after the kill ignored as a duplicate", s, wantTotal)
	}
	resent := 0
	log, _ := j.st.Mails(context.Background(), id)
	for _, m := range log {
		if m.Attempts > 1 {
			resent++
		}
	}
	if resent != 1 {
		t.Errorf("%d messages were claimed more than once, want the one in flight at the kill", resent)
	}
	t.Logf("after kill -9 at the 3rd accepted message: %v; SMTP %+v", got, s)
}
