package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

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
	var idToken *string
	err := s.pool.QueryRow(ctx, `SELECT id_token FROM web_sessions WHERE id_hash = $1`, idHash).Scan(&idToken)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("read the ID token of a web session: %w", err)
	}
	if idToken == nil {
		return "", nil
	}
	return *idToken, nil
}
