package notify

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"strings"
	"testing"
)

// composeForTest writes m as the sender would and reads it back; nil when
// either fails (reported).
func composeForTest(t *testing.T, m Message) *mail.Message {
	t.Helper()
	s, err := NewSender(SMTPConfig{Host: "127.0.0.1", Port: 25, TLS: TLSNone, From: "Puente <puente@puente.test>"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.compose(m)
	if err != nil {
		t.Errorf("compose to %q <%s>: %v", m.ToName, m.To, err)
		return nil
	}
	if rcpts, err := msg.GetRecipients(); err != nil || len(rcpts) != 1 || strings.Trim(rcpts[0], "<>") != m.To {
		t.Errorf("envelope recipients of %q: %q (%v), want exactly %s", m.ToName, rcpts, err, m.To)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(&buf)
	if err != nil {
		t.Errorf("read back the message to %q: %v\n%s", m.ToName, err, buf.String())
		return nil
	}
	return parsed
}

// TestRecipientNameRoundTrips sends to names as people type them: the To
// header parses back to exactly one recipient with exactly that name and
// address, and nothing spills into another header.
func TestRecipientNameRoundTrips(t *testing.T) {
	for _, name := range []string{
		"María Quispe",
		`Sean O"Brien`,
		`x" <attacker@evil.example>, "y`,
		`"Mari" Quispe`,
		"Gómez, Andrés",
		"<Carmen> Díaz",
		"Ana (jefa) Ruiz; Lima",
		`C:\Users\ana`,
		"王丽",
		"محمد الأمين",
		"שרה לוי",
		"\u202Egnp.exe Ana",
		"Jean-Luc \"JL\" Dupont, <PhD> (Suriname) — ‘Ün’ 王",
		"=?utf-8?q?Administrator?=",
		"Ana\r\nBcc: attacker@evil.example",
		strings.Repeat("Lucía Hernández de la Fuente ", 6),
		"",
	} {
		m := Message{ID: "p.1.u@puente.test", To: "ana@example.org", ToName: name, Language: "es", Subject: "Nueva tarea", Body: "Hola"}
		parsed := composeForTest(t, m)
		if parsed == nil {
			continue
		}
		to, err := parsed.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != name || to[0].Address != m.To {
			t.Errorf("To %q: parsed back as %q (%v), want exactly %q <%s>", name, to, err, name, m.To)
		}
		for _, h := range []string{"Cc", "Bcc", "Reply-To"} {
			if v := parsed.Header.Get(h); v != "" {
				t.Errorf("To %q: a %s header appeared: %q", name, h, v)
			}
		}
	}
}

// TestSubjectCannotAddHeaders puts a priority's title, as a person typed
// it, into the Subject: it decodes back to that title and adds no header.
func TestSubjectCannotAddHeaders(t *testing.T) {
	for _, subject := range []string{
		`Nueva tarea: PE-2026-0001 "ECI" <Colombia>, fase 2`,
		"Nueva tarea: PE-2026-0001 título\r\nBcc: attacker@evil.example",
		"Nueva tarea: PE-2026-0001 联合调查组 — فريق التحقيق",
	} {
		m := Message{ID: "p.1.u@puente.test", To: "ana@example.org", ToName: "Ana", Language: "es", Subject: subject, Body: "Hola"}
		parsed := composeForTest(t, m)
		if parsed == nil {
			continue
		}
		got, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
		if err != nil || got != subject {
			t.Errorf("Subject %q: decoded back as %q (%v)", subject, got, err)
		}
		for _, h := range []string{"Cc", "Bcc", "Reply-To"} {
			if v := parsed.Header.Get(h); v != "" {
				t.Errorf("Subject %q: a %s header appeared: %q", subject, h, v)
			}
		}
	}
}

// TestRecipientAddressMustBeOneBareAddress refuses for good an address
// field that holds a list or a name: it would reach other people.
func TestRecipientAddressMustBeOneBareAddress(t *testing.T) {
	s, err := NewSender(SMTPConfig{Host: "127.0.0.1", Port: 25, TLS: TLSNone, From: "puente@puente.test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"ana@example.org, attacker@evil.example", "Ana <attacker@evil.example>", "not an address", ""} {
		if _, err := s.compose(Message{ID: "p.1.u@puente.test", To: to, ToName: "Ana"}); !errors.Is(err, ErrRejected) {
			t.Errorf("to %q: %v, want ErrRejected", to, err)
		}
	}
}
