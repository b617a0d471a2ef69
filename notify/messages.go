package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Message is one email, ready to send.
type Message struct {
	// ID is the Message-ID without angle brackets; deterministic per
	// (priority, event, recipient), so a resend after a crash is recognisably
	// the same message.
	ID       string
	To       string
	ToName   string
	Language string
	Subject  string
	Body     string
}

// MessageID is the Message-ID of the email telling recipient of event seq of
// a priority: the same on every attempt, unique across them all.
func MessageID(priorityID string, seq int, recipientID, domain string) string {
	return fmt.Sprintf("%s.%d.%s@%s", priorityID, seq, recipientID, domain)
}

// Compose writes the email telling u of ev, in u's language (i18n's
// catalogues and fallback), with a link to the priority's page under baseURL.
func Compose(ev pipeline.Event, p *pipeline.Priority, u store.User, baseURL, domain string) (Message, error) {
	return ComposeFor(ev, p, Recipient{User: u}, baseURL, domain)
}

// ComposeFor is Compose for a recipient who may be a delegate: their email
// says first on whose behalf they receive it.
func ComposeFor(ev pipeline.Event, p *pipeline.Priority, r Recipient, baseURL, domain string) (Message, error) {
	u := r.User
	kind, ok := KindOf(ev)
	if !ok {
		return Message{}, fmt.Errorf("event %d (%s) has no message", ev.Seq, ev.Kind)
	}
	l := i18n.For(u.Language)
	stage := stageOf(ev, p)
	if kind == TaskAssigned || kind == Resubmitted {
		stage = ev.ToStage
	}
	args := []any{"Actor", ev.Actor.Name, "Ref", p.Ref, "Title", p.Title, "Stage", l.Stage(stage)}
	if i, ok := pipeline.EventAction(ev); ok && p.Plan != nil && i >= 0 && i < len(p.Plan.Actions) {
		args = append(args, "Action", p.Plan.Actions[i].Title)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", l.T("mail.greeting", "Name", u.Name))
	if r.For != nil {
		until, err := time.Parse(time.DateOnly, r.Until)
		if err != nil {
			return Message{}, fmt.Errorf("absence of %s until %q: %w", r.For.ID, r.Until, err)
		}
		fmt.Fprintf(&b, "%s\n\n", l.T("mail.on_behalf", "Name", r.For.Name, "Date", l.Date(until)))
	}
	fmt.Fprintf(&b, "%s\n", l.T("mail.lead."+string(kind), args...))
	if ev.Comment != "" {
		fmt.Fprintf(&b, "\n%s%s %s\n", l.T("mail.comment"), l.T("format.colon"), ev.Comment)
	}
	if p.DueAt != nil && p.Stage.Open() && kind != Escalated && kind != Mentioned {
		fmt.Fprintf(&b, "\n%s%s %s\n", l.T("mail.due"), l.T("format.colon"), l.Date(*p.DueAt))
	}
	fmt.Fprintf(&b, "\n%s%s %s/priorities/%s\n\n-- \n%s\n", l.T("mail.open"), l.T("format.colon"), strings.TrimRight(baseURL, "/"), p.ID, l.T("mail.footer"))
	return Message{
		ID:       MessageID(p.ID, ev.Seq, u.ID, domain),
		To:       u.Email,
		ToName:   u.Name,
		Language: l.Lang,
		Subject:  l.T("mail.subject."+string(kind), args...),
		Body:     b.String(),
	}, nil
}
