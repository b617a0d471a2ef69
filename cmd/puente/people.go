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
	"github.com/puente-dev/puente/worker"
)

// peopleConfig are the settings of users, their tokens and their email.
type peopleConfig struct {
	TokenTTL time.Duration
	// BaseURL is where people open Puente: the links in emails.
	BaseURL          string
	SMTP             notify.SMTPConfig
	SMTPPasswordFile string
	DigestTime       string
	DigestTimeZone   string
	// MailpitPort and MailpitSMTPPort are the dev stack's Mailpit's.
	MailpitPort, MailpitSMTPPort int
}

// twinFunc gives a flag its environment twin (config.twin).
type twinFunc func(fs *flag.FlagSet, name, envName string)

// register adds the user and token settings to fs.
func (p *peopleConfig) register(fs *flag.FlagSet, twin twinFunc) {
	p.TokenTTL = people.DefaultTokenTTL
	fs.Func("token-ttl", "lifetime of the API tokens issued from now on, e.g. 90d or 36h (env PUENTE_TOKEN_TTL)", p.setTokenTTL)
	twin(fs, "token-ttl", "PUENTE_TOKEN_TTL")
	fs.StringVar(&p.BaseURL, "base-url", "", "where people open Puente, e.g. https://puente.example.org: the links in emails (env PUENTE_BASE_URL)")
	twin(fs, "base-url", "PUENTE_BASE_URL")
}

// registerMail adds the mail settings to fs: the SMTP server and the digest.
func (p *peopleConfig) registerMail(fs *flag.FlagSet, twin twinFunc) {
	s := &p.SMTP
	for _, f := range []struct {
		dst        *string
		name, env  string
		def, usage string
	}{
		{&s.Host, "smtp-host", "PUENTE_SMTP_HOST", "", "SMTP server host; empty: no email is sent"},
		{&s.TLS, "smtp-tls", "PUENTE_SMTP_TLS", notify.TLSStartTLS, "starttls (refuse to send without it), tls (implicit, e.g. port 465) or none (a server on this machine only)"},
		{&s.User, "smtp-user", "PUENTE_SMTP_USER", "", "SMTP login; empty: none"},
		{&s.Password, "smtp-password", "PUENTE_SMTP_PASSWORD", "", "SMTP password (prefer --smtp-password-file)"},
		{&p.SMTPPasswordFile, "smtp-password-file", "PUENTE_SMTP_PASSWORD_FILE", "", "file holding the SMTP password, e.g. a mounted secret"},
		{&s.From, "mail-from", "PUENTE_MAIL_FROM", "Puente <puente@localhost>", "sender of every email; its domain ends the Message-IDs"},
		{&p.DigestTime, "digest-time", "PUENTE_DIGEST_TIME", "07:00", "time of day of the daily digest, HH:MM"},
		{&p.DigestTimeZone, "digest-timezone", "PUENTE_DIGEST_TIMEZONE", "UTC", "time zone of the digest's time and day, e.g. America/Lima"},
	} {
		fs.StringVar(f.dst, f.name, f.def, f.usage+" (env "+f.env+")")
		twin(fs, f.name, f.env)
	}
	fs.IntVar(&s.Port, "smtp-port", 587, "SMTP server port (env PUENTE_SMTP_PORT)")
	twin(fs, "smtp-port", "PUENTE_SMTP_PORT")
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
	cfg := p.SMTP
	if p.SMTPPasswordFile != "" {
		b, err := os.ReadFile(p.SMTPPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("smtp password file: %w", err)
		}
		cfg.Password = strings.TrimRight(string(b), "\r\n")
	}
	sender, err := notify.NewSender(cfg)
	if err != nil {
		return nil, err
	}
	return &notify.Notifier{Store: st, Mailer: sender, BaseURL: p.BaseURL, Domain: cfg.Domain(), Log: log}, nil
}

// digestTime is when the daily digest runs.
func (p *peopleConfig) digestTime() (worker.DigestTime, error) {
	return worker.ParseDigestTime(p.DigestTime, p.DigestTimeZone)
}

// registerDevMail adds the ports of the dev stack's Mailpit to fs.
func (p *peopleConfig) registerDevMail(fs *flag.FlagSet, twin twinFunc) {
	fs.IntVar(&p.MailpitSMTPPort, "mailpit-smtp-port", 1025, "dev: Mailpit's SMTP port (env PUENTE_MAILPIT_SMTP_PORT)")
	twin(fs, "mailpit-smtp-port", "PUENTE_MAILPIT_SMTP_PORT")
	fs.IntVar(&p.MailpitPort, "mailpit-port", 8025, "dev: Mailpit's web inbox port (env PUENTE_MAILPIT_PORT)")
	twin(fs, "mailpit-port", "PUENTE_MAILPIT_PORT")
}

// devMail starts `puente dev`'s Mailpit, supervised (restarted if it dies),
// keeping its messages under the data dir, and sends Puente's mail there —
// unless an SMTP server is configured, which then gets the mail instead. It
// returns the inbox's URL (empty when Mailpit is not used) and its
// supervisor (nil then). A Mailpit that cannot be kept up delays mail, not
// decisions: dev goes on.
func (p *peopleConfig) devMail(ctx context.Context, bin, dataDir, logDir, addr string, log *slog.Logger) (string, *devstack.Supervisor, error) {
	if p.BaseURL == "" {
		p.BaseURL = "http://" + localAddr(addr)
	}
	if p.mailOn() {
		return "", nil, nil
	}
	opts := devstack.MailpitOptions{Binary: bin, DBFile: filepath.Join(dataDir, "mailpit.db"),
		SMTPPort: p.MailpitSMTPPort, UIPort: p.MailpitPort, LogPath: filepath.Join(logDir, "mailpit.log")}
	mp, err := devstack.StartMailpit(ctx, opts)
	if err != nil {
		return "", nil, fmt.Errorf("start Mailpit: %w", err)
	}
	p.SMTP.Host, p.SMTP.Port, p.SMTP.TLS = mp.SMTPHost, mp.SMTPPort, notify.TLSNone
	sup := devstack.Supervise("mailpit", mp.Process, func(ctx context.Context) (*devstack.Process, error) {
		mp, err := devstack.StartMailpit(ctx, opts)
		if err != nil {
			return nil, err
		}
		return mp.Process, nil
	}, log)
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

// inboxText says where dev's emails can be read.
func inboxText(inboxURL, smtpHost string) string {
	if inboxURL == "" {
		return "not started: mail goes to " + smtpHost
	}
	return inboxURL
}
