package notify

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// DigestLimit is how many tasks a digest lists; the rest are counted.
const DigestLimit = 30

// ComposeDigest writes u's digest of day: the tasks waiting for them,
// overdue first, then soonest due. more is how many are not listed.
func ComposeDigest(u store.User, tasks []*pipeline.Priority, more int, day, baseURL, domain string) Message {
	l := i18n.For(u.Language)
	base := strings.TrimRight(baseURL, "/")
	overdue := 0
	for _, p := range tasks {
		if p.Overdue {
			overdue++
		}
	}
	subject := l.T("mail.digest.subject", "N", l.Num(len(tasks)+more))
	if overdue > 0 {
		subject = l.T("mail.digest.subject_overdue", "N", l.Num(len(tasks)+more), "Overdue", l.Num(overdue))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n", l.T("mail.greeting", "Name", u.Name), l.T("mail.digest.intro"))
	for _, p := range tasks {
		fmt.Fprintf(&b, "\n- %s %s — %s", p.Ref, p.Title, l.Stage(p.Stage))
		if p.DueAt != nil {
			fmt.Fprintf(&b, " — %s%s %s", l.T("mail.due"), l.T("format.colon"), l.Date(*p.DueAt))
		}
		if p.Overdue {
			fmt.Fprintf(&b, " — %s", l.T("mail.digest.overdue"))
		}
		fmt.Fprintf(&b, "\n  %s/priorities/%s\n", base, p.ID)
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n%s%s %s/\n", l.T("mail.digest.more", "More", l.Num(more)), l.T("format.colon"), base)
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", l.T("mail.digest.footer"))
	return Message{
		ID:       fmt.Sprintf("digest.%s.%s@%s", day, u.ID, domain),
		To:       u.Email,
		ToName:   u.Name,
		Language: l.Lang,
		Subject:  subject,
		Body:     b.String(),
	}
}

// Digests sends day's digest to every user who asked for one and has tasks
// waiting, each once (the digest log, as for notifications). It returns how
// many it sent; a failure returns at once, for the activity to retry.
// progress is called for each reader, with tasks or not.
func (n *Notifier) Digests(ctx context.Context, day string, progress func()) (int, error) {
	readers, err := n.Store.DigestReaders(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range readers {
		tasks, next, err := n.Store.Tasks(ctx, u.Actor, store.Page{Limit: DigestLimit})
		if err != nil {
			return sent, fmt.Errorf("tasks of %s: %w", u.ID, err)
		}
		if progress != nil {
			progress()
		}
		if len(tasks) == 0 {
			continue
		}
		more := 0
		if next != "" {
			if more, err = n.countMore(ctx, u.Actor, next); err != nil {
				return sent, err
			}
		}
		slices.SortStableFunc(tasks, func(a, b *pipeline.Priority) int {
			if a.Overdue != b.Overdue {
				if a.Overdue {
					return -1
				}
				return 1
			}
			return cmp.Compare(dueOf(a), dueOf(b))
		})
		m := ComposeDigest(u, tasks, more, day, n.BaseURL, n.Domain)
		claimed, err := n.Store.ClaimDigest(ctx, store.Digest{UserID: u.ID, Day: day, MessageID: m.ID, Email: m.To,
			Language: m.Language, Tasks: len(tasks) + more})
		if err != nil {
			return sent, err
		}
		if !claimed {
			continue
		}
		rejected, err := n.deliver(ctx, m, "digest", "recipient_id", u.ID, "day", day)
		if err != nil {
			return sent, fmt.Errorf("digest of %s to %s: %w", day, u.ID, err)
		}
		if err := n.Store.DigestDone(ctx, u.ID, day, rejected); err != nil {
			return sent, err
		}
		if rejected == nil {
			sent++
		}
	}
	return sent, nil
}

// countMore counts the tasks past the digest's first page.
func (n *Notifier) countMore(ctx context.Context, a pipeline.Actor, cursor string) (int, error) {
	more := 0
	for cursor != "" {
		page, next, err := n.Store.Tasks(ctx, a, store.Page{Limit: 200, Cursor: cursor})
		if err != nil {
			return 0, err
		}
		more += len(page)
		cursor = next
	}
	return more, nil
}

func dueOf(p *pipeline.Priority) int64 {
	if p.DueAt == nil {
		return 1<<63 - 1
	}
	return p.DueAt.UnixNano()
}

// DigestDay is the day, in the time zone named tz, of a digest run started
// at t: the run's start is fixed in its workflow's history, so a retry after
// midnight still sends that day's digest, not a second one.
func DigestDay(t time.Time, tz string) (string, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return "", fmt.Errorf("digest time zone: %w", err)
	}
	return t.In(loc).Format(time.DateOnly), nil
}
