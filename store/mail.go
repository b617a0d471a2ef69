package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// Mail is one notification email as the mail log records it.
type Mail struct {
	PriorityID  string     `json:"priority_id"`
	Seq         int        `json:"seq"`
	RecipientID string     `json:"recipient_id"`
	MessageID   string     `json:"message_id"`
	Kind        string     `json:"kind"`
	Email       string     `json:"email"`
	Language    string     `json:"language"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	Error       string     `json:"error"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at"`
}

// Mail statuses.
const (
	MailSending = "sending" // claimed: being sent, or the outcome of a crashed attempt is unknown
	MailSent    = "sent"
	MailFailed  = "failed" // refused for good by the mail server
)

// ClaimMail records that m is about to be sent, and reports whether it must
// be: yes for a new row and for one an earlier attempt left 'sending' (its
// outcome unknown), no once it was sent or failed for good.
func (s *Store) ClaimMail(ctx context.Context, m Mail) (bool, error) {
	return s.claim(ctx, "mail "+m.MessageID, `INSERT INTO mail_log (priority_id, seq, recipient_id, message_id, kind, email, language)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (priority_id, seq, recipient_id) DO UPDATE SET attempts = mail_log.attempts + 1
		WHERE mail_log.status = 'sending'
		RETURNING status`, m.PriorityID, m.Seq, m.RecipientID, m.MessageID, m.Kind, m.Email, m.Language)
}

// claim runs an insert of a log row that returns a row only when the
// message must be sent: new, or left 'sending' by an earlier attempt.
func (s *Store) claim(ctx context.Context, what, q string, args ...any) (bool, error) {
	var status string
	err := s.pool.QueryRow(ctx, q, args...).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", what, err)
	}
	return true, nil
}

// MailDone records the outcome of sending the message: sent, or failed for
// good with the reason.
func (s *Store) MailDone(ctx context.Context, priorityID string, seq int, recipientID string, failure error) error {
	status, reason := outcome(failure)
	_, err := s.pool.Exec(ctx, `UPDATE mail_log SET status = $4, error = $5,
		sent_at = CASE WHEN $4 = 'sent' THEN now() END
		WHERE priority_id = $1 AND seq = $2 AND recipient_id = $3`, priorityID, seq, recipientID, status, reason)
	if err != nil {
		return fmt.Errorf("record mail of %s/%d to %s: %w", priorityID, seq, recipientID, err)
	}
	return nil
}

// outcome is the log's status and error of a send that failed with failure
// (nil: sent).
func outcome(failure error) (status, reason string) {
	if failure != nil {
		return MailFailed, failure.Error()
	}
	return MailSent, ""
}

// Mails lists the mail log of a priority, by event and recipient.
func (s *Store) Mails(ctx context.Context, priorityID string) ([]Mail, error) {
	if !pipeline.IsID(priorityID) {
		return nil, ErrNotFound
	}
	return all[Mail](s.pool.Query(ctx, `SELECT priority_id::text AS priority_id, seq, recipient_id::text AS recipient_id,
		message_id, kind, email, language, status, attempts, error, created_at, sent_at
		FROM mail_log WHERE priority_id = $1 ORDER BY seq, recipient_id`, priorityID))
}

// NotifyCandidates are the active users with an address whom an event of a
// priority of countries may concern: every manager, the focal points of
// those countries, the implementers of partners (its actions'), and the
// users named by ids (assignee, submitter…).
func (s *Store) NotifyCandidates(ctx context.Context, countries, ids, partners []string) ([]User, error) {
	valid := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !pipeline.IsID(id) })
	return all[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.active AND u.email IS NOT NULL
		AND (u.role = 'manager' OR (u.role = 'focal_point' AND u.countries && $1) OR u.id = ANY($2::uuid[])
			OR (u.role = 'implementer' AND u.partner = ANY($3)))
		ORDER BY u.id`, nonNil(countries), nonNil(valid), nonNil(partners)))
}

// DigestReaders are the active users with an address who asked for the
// daily digest (alone or with immediate emails), by id.
func (s *Store) DigestReaders(ctx context.Context) ([]User, error) {
	return all[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.active AND u.email IS NOT NULL AND u.notify IN ('digest', 'both') ORDER BY u.id`))
}

// Digest is one day's digest email to one user, as the digest log records it.
type Digest struct {
	UserID    string
	Day       string // YYYY-MM-DD
	MessageID string
	Email     string
	Language  string
	Tasks     int
}

// ClaimDigest records that d is about to be sent, and reports whether it
// must be, as ClaimMail does for notifications.
func (s *Store) ClaimDigest(ctx context.Context, d Digest) (bool, error) {
	return s.claim(ctx, "digest "+d.MessageID, `INSERT INTO digest_log (user_id, day, message_id, email, language, tasks)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id, day) DO UPDATE SET attempts = digest_log.attempts + 1
		WHERE digest_log.status = 'sending'
		RETURNING status`, d.UserID, d.Day, d.MessageID, d.Email, d.Language, d.Tasks)
}

// DigestDone records the outcome of sending a digest: sent, or failed for
// good with the reason.
func (s *Store) DigestDone(ctx context.Context, userID, day string, failure error) error {
	status, reason := outcome(failure)
	_, err := s.pool.Exec(ctx, `UPDATE digest_log SET status = $3, error = $4,
		sent_at = CASE WHEN $3 = 'sent' THEN now() END WHERE user_id = $1 AND day = $2`, userID, day, status, reason)
	if err != nil {
		return fmt.Errorf("record digest of %s for %s: %w", day, userID, err)
	}
	return nil
}

// DigestStatus is a digest's status in the log: "" when none was claimed.
func (s *Store) DigestStatus(ctx context.Context, userID, day string) (string, error) {
	var status string
	err := s.pool.QueryRow(ctx, `SELECT status FROM digest_log WHERE user_id = $1 AND day = $2`, userID, day).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return status, err
}
