package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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
	var status string
	err := s.pool.QueryRow(ctx, `INSERT INTO mail_log (priority_id, seq, recipient_id, message_id, kind, email, language)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (priority_id, seq, recipient_id) DO UPDATE SET attempts = mail_log.attempts + 1
		WHERE mail_log.status = 'sending'
		RETURNING status`, m.PriorityID, m.Seq, m.RecipientID, m.MessageID, m.Kind, m.Email, m.Language).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim mail %s: %w", m.MessageID, err)
	}
	return true, nil
}

// MailDone records the outcome of sending the message: sent, or failed for
// good with the reason.
func (s *Store) MailDone(ctx context.Context, priorityID string, seq int, recipientID string, failure error) error {
	var err error
	if failure == nil {
		_, err = s.pool.Exec(ctx, `UPDATE mail_log SET status = 'sent', sent_at = now(), error = ''
			WHERE priority_id = $1 AND seq = $2 AND recipient_id = $3`, priorityID, seq, recipientID)
	} else {
		_, err = s.pool.Exec(ctx, `UPDATE mail_log SET status = 'failed', error = $4
			WHERE priority_id = $1 AND seq = $2 AND recipient_id = $3`, priorityID, seq, recipientID, failure.Error())
	}
	if err != nil {
		return fmt.Errorf("record mail of %s/%d to %s: %w", priorityID, seq, recipientID, err)
	}
	return nil
}

// Mails lists the mail log of a priority, by event and recipient.
func (s *Store) Mails(ctx context.Context, priorityID string) ([]Mail, error) {
	if _, err := uuid.Parse(priorityID); err != nil {
		return nil, ErrNotFound
	}
	rows, err := s.pool.Query(ctx, `SELECT priority_id::text, seq, recipient_id::text, message_id, kind, email, language,
		status, attempts, error, created_at, sent_at FROM mail_log WHERE priority_id = $1 ORDER BY seq, recipient_id`, priorityID)
	if err != nil {
		return nil, fmt.Errorf("mail log of %s: %w", priorityID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Mail])
}

// NotifyCandidates are the active users with an address whom an event of a
// priority of countries may concern: every manager, the focal points of
// those countries, and the users named by ids (assignee, submitter…).
func (s *Store) NotifyCandidates(ctx context.Context, countries []string, ids []string) ([]User, error) {
	valid := []string{}
	for _, id := range ids {
		if _, err := uuid.Parse(id); err == nil {
			valid = append(valid, id)
		}
	}
	if countries == nil {
		countries = []string{}
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.active AND u.email IS NOT NULL
		AND (u.role = 'manager' OR (u.role = 'focal_point' AND u.countries && $1) OR u.id = ANY($2::uuid[]))
		ORDER BY u.id`, countries, valid)
	if err != nil {
		return nil, fmt.Errorf("notify candidates: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
}
