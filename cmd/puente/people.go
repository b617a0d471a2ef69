package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/notify"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/store"
)

// peopleConfig are the settings of users, their tokens and their email.
type peopleConfig struct {
	TokenTTL time.Duration
	// BaseURL is where people open Puente: the links in emails.
	BaseURL        string
	SMTP           notify.SMTPConfig
	DigestTime     string
	DigestTimeZone string
	// MailpitPort and MailpitSMTPPort are the dev stack's Mailpit's.
	MailpitPort, MailpitSMTPPort int
}

// register adds the user and token settings to fs.
func (p *peopleConfig) register(fs *flag.FlagSet) {
	p.TokenTTL = people.DefaultTokenTTL
	fs.Func("token-ttl", "lifetime of the API tokens issued from now on, e.g. 90d or 36h (env PUENTE_TOKEN_TTL)", p.setTokenTTL)
	fs.StringVar(&p.BaseURL, "base-url", "", "where people open Puente, e.g. https://puente.example.org: the links in emails (env PUENTE_BASE_URL)")
}

// registerMail adds the mail settings to fs: the SMTP server and the digest.
func (p *peopleConfig) registerMail(fs *flag.FlagSet) {
	s := &p.SMTP
	fs.StringVar(&s.Host, "smtp-host", "", "SMTP server host; empty: no email is sent (env PUENTE_SMTP_HOST)")
	fs.IntVar(&s.Port, "smtp-port", 587, "SMTP server port (env PUENTE_SMTP_PORT)")
	fs.StringVar(&s.TLS, "smtp-tls", notify.TLSStartTLS,
		"starttls (refuse to send without it), tls (implicit, e.g. port 465) or none (a server on this machine only) (env PUENTE_SMTP_TLS)")
	fs.StringVar(&s.User, "smtp-user", "", "SMTP login; empty: none (env PUENTE_SMTP_USER)")
	fs.StringVar(&s.Password, "smtp-password", "", "SMTP password (prefer --smtp-password-file) (env PUENTE_SMTP_PASSWORD)")
	fs.Func("smtp-password-file", "file holding the SMTP password, e.g. a mounted secret (env PUENTE_SMTP_PASSWORD_FILE)", func(path string) error {
		b, err := os.ReadFile(path)
		if err == nil {
			s.Password = strings.TrimRight(string(b), "\r\n")
		}
		return err
	})
	fs.StringVar(&s.From, "mail-from", "Puente <puente@localhost>", "sender of every email; its domain ends the Message-IDs (env PUENTE_MAIL_FROM)")
	fs.StringVar(&p.DigestTime, "digest-time", "07:00", "time of day of the daily digest, HH:MM (env PUENTE_DIGEST_TIME)")
	fs.StringVar(&p.DigestTimeZone, "digest-timezone", "UTC", "time zone of the digest's time and day, e.g. America/Lima (env PUENTE_DIGEST_TIMEZONE)")
}

func (p *peopleConfig) setTokenTTL(v string) error {
	d, err := parseDays(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration such as 90d or 36h", v)
	}
	p.TokenTTL = d
	return nil
}

// mailOn reports whether an SMTP server is configured.
func (p *peopleConfig) mailOn() bool { return p.SMTP.Host != "" }

// notifier is the worker's mail sender, or nil when mail is off.
func (p *peopleConfig) notifier(st *store.Store, log *slog.Logger) (*notify.Notifier, error) {
	if !p.mailOn() {
		log.Info("mail is off: set PUENTE_SMTP_HOST to send notifications")
		return nil, nil
	}
	if p.BaseURL == "" {
		return nil, errors.New("set PUENTE_BASE_URL (--base-url): every email links to Puente there")
	}
	sender, err := notify.NewSender(p.SMTP)
	if err != nil {
		return nil, err
	}
	return &notify.Notifier{Store: st, Mailer: sender, BaseURL: p.BaseURL, Domain: p.SMTP.Domain(), Log: log}, nil
}

// devMail starts `puente dev`'s Mailpit, supervised (restarted if it dies),
// keeping its messages under the data dir, and sends Puente's mail there —
// unless an SMTP server is configured, which then gets the mail instead. It
// returns where dev's emails can be read and Mailpit's supervisor (nil
// without Mailpit). A Mailpit that cannot be kept up delays mail, not
// decisions: dev goes on.
func (p *peopleConfig) devMail(ctx context.Context, bin, dataDir, logDir string, log *slog.Logger) (string, *devstack.Supervisor, error) {
	if p.mailOn() {
		return "not started: mail goes to " + p.SMTP.Host, nil, nil
	}
	mp, sup, err := devstack.Supervised(ctx, "mailpit", devstack.StartMailpit, devstack.MailpitOptions{Binary: bin,
		DBFile: filepath.Join(dataDir, "mailpit.db"), SMTPPort: p.MailpitSMTPPort, UIPort: p.MailpitPort, LogPath: filepath.Join(logDir, "mailpit.log")}, log)
	if err != nil {
		return "", nil, fmt.Errorf("start Mailpit: %w", err)
	}
	p.SMTP.Host, p.SMTP.Port, p.SMTP.TLS = mp.SMTPHost, mp.SMTPPort, notify.TLSNone
	return mp.URL, sup, nil
}

// localAddr is a listen address as a browser on this machine reaches it.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}
