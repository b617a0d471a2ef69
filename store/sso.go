package store

import (
	"context"
	"fmt"
	"time"
)

// SSOLogin is a single sign-on attempt between the redirect to the identity
// provider and its callback.
type SSOLogin struct {
	Nonce    string
	Verifier string
	// Next is where to send the person once signed in.
	Next string
}

// StartSSOLogin records an attempt under the hash of its state, valid until
// expires; expired attempts are purged on the way.
func (s *Store) StartSSOLogin(ctx context.Context, stateHash []byte, l SSOLogin, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sso_logins WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("purge sign-on attempts: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sso_logins (state_hash, nonce, verifier, next, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		stateHash, l.Nonce, l.Verifier, l.Next, expires)
	if err != nil {
		return fmt.Errorf("record sign-on attempt: %w", err)
	}
	return nil
}

// TakeSSOLogin returns the attempt of a state and deletes it, in one
// statement: of two callbacks with one state, one gets it. ErrNotFound for
// a state never issued, already used or expired.
func (s *Store) TakeSSOLogin(ctx context.Context, stateHash []byte) (SSOLogin, error) {
	var l SSOLogin
	var live bool
	err := s.pool.QueryRow(ctx, `DELETE FROM sso_logins WHERE state_hash = $1 RETURNING nonce, verifier, next, expires_at > now()`,
		stateHash).Scan(&l.Nonce, &l.Verifier, &l.Next, &live)
	if err != nil {
		return SSOLogin{}, notFound(err)
	}
	if !live {
		return SSOLogin{}, ErrNotFound
	}
	return l, nil
}
