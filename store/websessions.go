package store

import (
	"context"
	"fmt"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// CreateWebSession stores a web sign-in session for the user under the hash
// of its ID, valid until expires. Expired sessions are purged on the way.
func (s *Store) CreateWebSession(ctx context.Context, idHash []byte, userID string, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("purge web sessions: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO web_sessions (id_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
		idHash, userID, expires)
	if err != nil {
		return fmt.Errorf("create web session: %w", err)
	}
	return nil
}

// WebSessionUser returns the user of an unexpired web session; ErrNotFound
// when the session does not exist, has expired or its user may no longer
// sign in.
func (s *Store) WebSessionUser(ctx context.Context, idHash []byte) (pipeline.Actor, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.id = (SELECT w.user_id FROM web_sessions w WHERE w.id_hash = $1 AND w.expires_at > now()) AND u.active`, idHash))
	return u.Actor, err
}

// DeleteWebSession revokes a web session (sign-out). Deleting one that does
// not exist is not an error.
func (s *Store) DeleteWebSession(ctx context.Context, idHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}
