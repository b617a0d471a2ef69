package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/puente-dev/puente/devstack"
)

// MailpitBinary returns Mailpit in the project's bin dir (PUENTE_BIN_DIR,
// else .puente/bin), building it the first time.
func MailpitBinary(t testing.TB) string {
	t.Helper()
	return tool(t, "Mailpit is required for the notification tests", devstack.EnsureMailpit)
}

// Inbox is a Mailpit of the test's own — its inbox and counters hold only
// what the test sent — read through Mailpit's REST API.
type Inbox struct {
	*devstack.Mailpit
}

// Mailpit starts a Mailpit for the test and stops it when the test ends.
func Mailpit(t testing.TB) *Inbox {
	t.Helper()
	bin := MailpitBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	m, err := devstack.StartMailpit(ctx, devstack.MailpitOptions{Binary: bin, DBFile: filepath.Join(dir, "mailpit.db"),
		LogPath: filepath.Join(dir, "mailpit.log")})
	if err != nil {
		t.Fatalf("testenv: start Mailpit: %v", err)
	}
	t.Cleanup(func() { _ = m.Stop(5 * time.Second) })
	return &Inbox{m}
}

// Address is a mailbox as Mailpit reports it.
type Address struct {
	Name, Address string
}

// Mail is a message in the inbox, as Mailpit's JSON names its fields.
type Mail struct {
	ID, MessageID, Subject string
	From                   Address
	To                     []Address
	Created                time.Time
	// Text and Headers are filled by Message only.
	Text    string
	Headers map[string][]string `json:"-"`
}

func (i *Inbox) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(i.URL + path)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

// Messages lists every message in the inbox, oldest first.
func (i *Inbox) Messages(t testing.TB) []Mail {
	t.Helper()
	var all []Mail
	for start := 0; ; {
		var page struct {
			Total    int    `json:"messages_count"`
			Messages []Mail `json:"messages"`
		}
		i.get(t, fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page)
		all = append(all, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			break
		}
	}
	slices.Reverse(all)
	return all
}

// Message reads one message whole: its text and headers.
func (i *Inbox) Message(t testing.TB, id string) Mail {
	t.Helper()
	var m Mail
	i.get(t, "/api/v1/message/"+id, &m)
	i.get(t, "/api/v1/message/"+id+"/headers", &m.Headers)
	return m
}

// Stats are Mailpit's SMTP counters: messages accepted (stored), and those
// accepted but ignored because the inbox held their Message-ID already.
type Stats struct {
	Accepted, Ignored int
}

// Stats reads the SMTP counters.
func (i *Inbox) Stats(t testing.TB) Stats {
	t.Helper()
	var info struct {
		RuntimeStats struct {
			SMTPAccepted, SMTPIgnored int
		}
	}
	i.get(t, "/api/v1/info", &info)
	return Stats{Accepted: info.RuntimeStats.SMTPAccepted, Ignored: info.RuntimeStats.SMTPIgnored}
}

// WaitFor polls the inbox until it holds at least n messages, failing the
// test after timeout, and returns them.
func (i *Inbox) WaitFor(t testing.TB, n int, timeout time.Duration) []Mail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := i.Messages(t)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit: %d messages after %s, want %d", len(ms), timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
