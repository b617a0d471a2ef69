package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"go.temporal.io/sdk/activity"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Mailer sends one message; *Sender is the real one.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Notifier sends the emails of a priority's events, each (event, recipient)
// once.
type Notifier struct {
	Store  *store.Store
	Mailer Mailer
	// BaseURL is where people open Puente, e.g. https://puente.example.org:
	// every email links to the priority's page under it.
	BaseURL string
	// Domain ends every Message-ID (the sender's domain).
	Domain string
	Log    *slog.Logger
}

// Notify tells the people each event of p concerns, in their language —
// or, for one absent when the event happened, their delegate, in the
// delegate's language (Redirect). p is the priority as it stands after the
// events.
//
// Each message is recorded before it goes to the mail server (ClaimMail)
// and marked sent after the server took it, under a Message-ID made of
// (priority, seq, recipient). A retry skips what was sent; a message whose
// attempt died between the two steps is sent again under the same
// Message-ID, for the receiving side to recognise. A permanent refusal is
// recorded and not retried; any other failure returns at once, for the
// caller (a Temporal activity) to retry with backoff. progress is called
// after each message.
func (n *Notifier) Notify(ctx context.Context, p *pipeline.Priority, events []pipeline.Event, progress func()) error {
	ids := []string{p.Assignee, p.SubmittedBy}
	for _, ev := range events {
		ids = append(ids, expertOf(ev, p))
		ids = append(ids, pipeline.MentionIDs(ev)...)
	}
	var users []store.User
	for _, ev := range events {
		kind, ok := KindOf(ev)
		if !ok {
			continue
		}
		if users == nil {
			var err error
			if users, err = n.Store.NotifyCandidates(ctx, p.Countries, ids, partners(p)); err != nil {
				return err
			}
		}
		rs := Recipients(ev, p, users)
		var covers map[string]store.Cover
		if len(rs) > 0 {
			ids := make([]string, len(rs))
			for i, u := range rs {
				ids[i] = u.ID
			}
			var err error
			if covers, err = n.Store.Covers(ctx, ids, pipeline.Day(ev.At)); err != nil {
				return err
			}
		}
		for _, u := range Redirect(ev, rs, covers) {
			if err := n.send(ctx, ev, kind, p, u); err != nil {
				return err
			}
			if progress != nil {
				progress()
			}
		}
	}
	return nil
}

func (n *Notifier) send(ctx context.Context, ev pipeline.Event, kind Kind, p *pipeline.Priority, u Recipient) error {
	m, err := ComposeFor(ev, p, u, n.BaseURL, n.Domain)
	if err != nil {
		return err
	}
	claimed, err := n.Store.ClaimMail(ctx, store.Mail{PriorityID: p.ID, Seq: ev.Seq, RecipientID: u.ID,
		MessageID: m.ID, Kind: string(kind), Email: m.To, Language: m.Language})
	if err != nil || !claimed {
		return err
	}
	rejected, err := n.deliver(ctx, m, "mail", "recipient_id", u.ID, "priority_id", p.ID, "ref", p.Ref,
		"seq", ev.Seq, "kind", string(kind))
	if err != nil {
		return fmt.Errorf("mail %s of priority %s event %d to %s: %w", kind, p.Ref, ev.Seq, u.ID, err)
	}
	return n.Store.MailDone(ctx, p.ID, ev.Seq, u.ID, rejected)
}

// deliver sends m. A permanent refusal is no error to retry: it is
// returned as rejected, for the caller to record, after leaving a sign
// (refused) of what, with args, was refused.
func (n *Notifier) deliver(ctx context.Context, m Message, what string, args ...any) (rejected, err error) {
	err = n.Mailer.Send(ctx, m)
	if !errors.Is(err, ErrRejected) {
		return nil, err
	}
	n.refused(ctx, what+" refused for good: this person gets no email until their address is fixed",
		append(args, "message_id", m.ID, "error", err)...)
	return err, nil
}

// RefusedMetric counts the messages the mail server refused for good,
// notifications and digests alike: each is a person who was not told.
const RefusedMetric = "puente_mail_refused"

// refused leaves a sign of a message refused for good, which is recorded
// as failed and never retried: an error in the log naming the recipient,
// and, inside a Temporal activity, one more on RefusedMetric in the
// worker's metrics.
func (n *Notifier) refused(ctx context.Context, msg string, args ...any) {
	cmp.Or(n.Log, slog.Default()).ErrorContext(ctx, msg, args...)
	if activity.IsActivity(ctx) {
		activity.GetMetricsHandler(ctx).Counter(RefusedMetric).Inc(1)
	}
}

// partners are the implementing partners of p's actions.
func partners(p *pipeline.Priority) []string {
	var out []string
	if p.Plan != nil {
		for _, x := range p.Plan.Actions {
			if x.Partner != "" && !slices.Contains(out, x.Partner) {
				out = append(out, x.Partner)
			}
		}
	}
	return out
}
