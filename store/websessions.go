package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// SessionTouchInterval is how stale a web session's last-seen time may get:
// a person clicking all day costs one write a minute, not one per page, and
// the idle timeout may end a session up to this much early.
const SessionTouchInterval = time.Minute

// WebSession is a live web sign-in session: whose it is, and its absolute
// end, however busy its person.
type WebSession struct {
	User      pipeline.Actor
	ExpiresAt time.Time
}

// CreateWebSession stores a web sign-in session for the user under the hash
// of its ID, opened (and last seen) at now, valid until expires at the
// latest. Expired sessions are purged on the way.
func (s *Store) CreateWebSession(ctx context.Context, idHash []byte, userID string, now, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("purge web sessions: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO web_sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $3, $4)`, idHash, userID, now, expires)
	if err != nil {
		return fmt.Errorf("create web session: %w", err)
	}
	return nil
}

// WebSession returns the web session under idHash as it stands at now, and
// records its use: ErrNotFound when it does not exist, has expired, has
// gone idle (no use for idle or longer), or its user may no longer sign in.
// The last-seen time is written only when older than SessionTouchInterval.
func (s *Store) WebSession(ctx context.Context, idHash []byte, now time.Time, idle time.Duration) (WebSession, error) {
	var ws WebSession
	var lastSeen time.Time
	u := &ws.User
	err := s.pool.QueryRow(ctx, `SELECT w.expires_at, w.last_seen_at, u.id::text, u.name, u.role, u.countries, u.themes, u.partner
		FROM web_sessions w JOIN users u ON u.id = w.user_id
		WHERE w.id_hash = $1 AND w.expires_at > $2 AND w.last_seen_at > $3 AND u.active`, idHash, now, now.Add(-idle)).
		Scan(&ws.ExpiresAt, &lastSeen, &u.ID, &u.Name, &u.Role, &u.Countries, &u.Themes, &u.Partner)
	if err = notFound(err); err != nil {
		return WebSession{}, err
	}
	if now.Sub(lastSeen) >= SessionTouchInterval {
		if _, err := s.pool.Exec(ctx, `UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`,
			idHash, now); err != nil {
			return WebSession{}, fmt.Errorf("touch web session: %w", err)
		}
	}
	return ws, nil
}

// DeleteWebSession revokes a web session (sign-out). Deleting one that does
// not exist is not an error.
func (s *Store) DeleteWebSession(ctx context.Context, idHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// endWebSessions ends every web session of the user, inside the
// transaction that changes their credentials: a session opened with a token
// that no longer works, or by a person who may no longer sign in, must not
// outlive the change. Sessions do not record how they were opened, so all
// of them end, single sign-on's included.
func endWebSessions(ctx context.Context, tx pgx.Tx, userID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("end web sessions: %w", err)
	}
	return nil
}

// SetWebSessionIDToken keeps the identity provider's ID token with the web
// session under idHash, opened by single sign-on: sign-out hands it back
// to the provider.
func (s *Store) SetWebSessionIDToken(ctx context.Context, idHash []byte, idToken string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE web_sessions SET id_token = $2 WHERE id_hash = $1`, idHash, idToken); err != nil {
		return fmt.Errorf("keep the ID token of a web session: %w", err)
	}
	return nil
}

// WebSessionIDToken is the ID token kept with the web session under
// idHash: empty for a session single sign-on did not open, or one that
// does not exist, which is not an error.
func (s *Store) WebSessionIDToken(ctx context.Context, idHash []byte) (string, error) {
	var idToken string
	err := s.pool.QueryRow(ctx, `SELECT coalesce(id_token, '') FROM web_sessions WHERE id_hash = $1`, idHash).Scan(&idToken)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("read the ID token of a web session: %w", err)
	}
	return idToken, nil
}
