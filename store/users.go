package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// NewToken returns a fresh random bearer token and the SHA-256 hash to store.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	token = "pte_" + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how tokens are stored: only their SHA-256 hash.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// AddUser stores a user with the hash of its token; an empty ID gets a new UUID.
func (s *Store) AddUser(ctx context.Context, u pipeline.Actor, tokenHash []byte) (pipeline.Actor, error) {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	if u.Countries == nil {
		u.Countries = []string{}
	}
	if u.Themes == nil {
		u.Themes = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO users (id, name, role, countries, themes, token_hash)
		VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, u.Name, string(u.Role), u.Countries, u.Themes, tokenHash)
	if err != nil {
		return pipeline.Actor{}, fmt.Errorf("add user %q: %w", u.Name, err)
	}
	return u, nil
}

const userColumns = `id::text, name, role, countries, themes`

func scanUser(row pgx.Row) (pipeline.Actor, error) {
	var u pipeline.Actor
	err := row.Scan(&u.ID, &u.Name, &u.Role, &u.Countries, &u.Themes)
	return u, notFound(err)
}

// UserByTokenHash finds the user a bearer token belongs to.
func (s *Store) UserByTokenHash(ctx context.Context, hash []byte) (pipeline.Actor, error) {
	return scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE token_hash = $1`, hash))
}

// User finds a user by id.
func (s *Store) User(ctx context.Context, id string) (pipeline.Actor, error) {
	if _, err := uuid.Parse(id); err != nil {
		return pipeline.Actor{}, ErrNotFound
	}
	return scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// LeastLoadedExpert is the expert of theme with the fewest open priorities
// assigned (ties: the one registered first).
func (s *Store) LeastLoadedExpert(ctx context.Context, theme string) (pipeline.Actor, error) {
	return scanUser(s.pool.QueryRow(ctx, `
		SELECT u.id::text, u.name, u.role, u.countries, u.themes
		FROM users u
		LEFT JOIN LATERAL (
			SELECT count(*) AS n FROM priorities p
			WHERE p.assignee = u.id AND p.stage NOT IN ('approved', 'rejected', 'withdrawn')
		) load ON true
		WHERE u.role = 'expert' AND $1 = ANY(u.themes)
		ORDER BY load.n, u.created_at, u.id
		LIMIT 1`, theme))
}
