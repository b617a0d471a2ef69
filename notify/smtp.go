package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of the SMTP connection.
const (
	// TLSNone sends in the clear: only for a server on this machine (Mailpit).
	TLSNone = "none"
	// TLSStartTLS upgrades a plain connection and refuses to send without it.
	TLSStartTLS = "starttls"
	// TLSImplicit opens a TLS connection (SMTPS, usually port 465).
	TLSImplicit = "tls"
)

// TLSModes lists the TLS modes.
var TLSModes = []string{TLSNone, TLSStartTLS, TLSImplicit}

// SMTPConfig is how to reach the mail server.
type SMTPConfig struct {
	Host string
	Port int
	// TLS is TLSNone, TLSStartTLS or TLSImplicit.
	TLS      string
	User     string
	Password string
	// From is the sender address, e.g. "Puente <puente@example.org>"; its
	// domain also ends every Message-ID.
	From string
	// Timeout bounds each connection and command; 0 means 30 s.
	Timeout time.Duration
}

// Validate lists what is wrong with the settings, for a clear start-up error.
func (c SMTPConfig) Validate() error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, errors.New("no host"))
	}
	if c.Port <= 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d", c.Port))
	}
	if !slices.Contains(TLSModes, c.TLS) {
		errs = append(errs, fmt.Errorf("TLS mode %q: want %s", c.TLS, strings.Join(TLSModes, ", ")))
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("from address %q: %w", c.From, err))
	}
	return errors.Join(errs...)
}

// Domain is the sender's domain, the right-hand side of every Message-ID.
func (c SMTPConfig) Domain() string {
	a, err := mail.ParseAddress(c.From)
	if err != nil {
		return "puente.invalid"
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return domain
}

// Sender sends messages over SMTP, one connection per message: a message
// is either accepted by the server or not, never half of a batch.
type Sender struct {
	cfg SMTPConfig
}

// NewSender checks the settings and returns a sender; it connects nowhere yet.
func NewSender(cfg SMTPConfig) (*Sender, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("smtp settings: %w", err)
	}
	return &Sender{cfg: cfg}, nil
}

// ErrRejected wraps a permanent refusal of a message (an SMTP 5xx): sending
// it again would fail again.
var ErrRejected = errors.New("the mail server refused the message for good")

// Send delivers m to the mail server. A permanent refusal wraps ErrRejected;
// any other error (server down, 4xx, timeout) is worth retrying later.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	err = c.DialAndSendWithContext(ctx, msg)
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	if err != nil {
		return fmt.Errorf("send %s to the mail server: %w", m.ID, err)
	}
	return nil
}

// compose builds the message's headers and body. The recipient's name is
// whatever the person typed — quotes, commas, angle brackets, any script —
// so it goes in as a typed net/mail.Address, which quotes or encodes it
// (RFC 5322, RFC 2047); pasted into a string and parsed back, a quote in a
// name would end the quoted name early. The address alone must be one bare
// address: a list or a name smuggled into it is refused for good.
func (s *Sender) compose(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil || to.Name != "" || to.Address != m.To {
		return nil, fmt.Errorf("%w: recipient %q is not one bare address", ErrRejected, m.To)
	}
	msg.AddToMailAddress(&mail.Address{Name: m.ToName, Address: to.Address})
	msg.SetMessageIDWithValue(m.ID)
	msg.SetDate()
	msg.Subject(m.Subject)
	msg.SetGenHeader(gomail.HeaderContentLang, m.Language)
	// An automatic message: no out-of-office replies, please (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}
