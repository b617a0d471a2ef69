package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/puente-dev/puente/internal/i18n"
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

// How a user wants to hear of their tasks: an email per event, a daily
// digest, or both.
const (
	NotifyImmediate = "immediate"
	NotifyDigest    = "digest"
	NotifyBoth      = "both"
)

// NotifyModes lists the notification preferences.
var NotifyModes = []string{NotifyImmediate, NotifyDigest, NotifyBoth}

// Languages are the languages Puente speaks to its users, by ISO 639-1 code.
var Languages = i18n.Languages

// User is a person of the programme: the Actor the pipeline's rules judge,
// how to reach them, and whether they may still sign in.
type User struct {
	pipeline.Actor
	// Email is unique and stored in lower case; single sign-on matches it.
	Email         string     `json:"email"`
	Language      string     `json:"language"`
	Notify        string     `json:"notify"`
	Active        bool       `json:"active"`
	CreatedAt     time.Time  `json:"created_at"`
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
}

// ErrEmailTaken is returned when another user already has the email.
var ErrEmailTaken = errors.New("another user has this email")

// AddUser stores a user and its first token (by hash), valid until expires,
// in one transaction; an empty ID gets a new UUID. Callers validate first.
func (s *Store) AddUser(ctx context.Context, u User, tokenHash []byte, expires time.Time) (User, error) {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	u.Countries, u.Themes = nonNil(u.Countries), nonNil(u.Themes)
	if u.Notify == "" {
		u.Notify = NotifyImmediate
	}
	u.Active = true
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (id, name, role, countries, themes, email, language, notify, partner)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, $8, $9) RETURNING created_at`,
			u.ID, u.Name, string(u.Role), u.Countries, u.Themes, u.Email, u.Language, u.Notify, u.Partner).Scan(&u.CreatedAt)
		if err != nil {
			return emailTaken(err)
		}
		return insertToken(ctx, tx, u.ID, tokenHash, expires)
	})
	if err != nil {
		return User{}, fmt.Errorf("add user %q: %w", u.Name, err)
	}
	return u, nil
}

func insertToken(ctx context.Context, tx pgx.Tx, userID string, hash []byte, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`,
		uuid.NewString(), userID, hash, expires)
	return err
}

// revokeAll revokes every token of the user and ends their web sessions,
// inside the transaction that changes their credentials.
func revokeAll(ctx context.Context, tx pgx.Tx, userID string) error {
	if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return endWebSessions(ctx, tx, userID)
}

func emailTaken(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "users_email_key" {
		return ErrEmailTaken
	}
	return err
}

// userColumns are a user's columns named as User's fields.
const userColumns = `u.id::text AS id, u.name, u.role, u.countries, u.themes, coalesce(u.email, '') AS email, u.language,
	u.notify, u.active, u.created_at, u.deactivated_at, u.partner`

// Token is what an API request's bearer token resolves to: the token's row
// and its user, whatever their state; the caller judges expiry, revocation
// and deactivation, so it can say which one refused the token.
type Token struct {
	ID         string
	User       User
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Why a token that exists does not authenticate its user.
var (
	ErrTokenExpired = errors.New("the token has expired: ask for a new one")
	ErrTokenRevoked = errors.New("the token was revoked")
	ErrDeactivated  = errors.New("this user is deactivated")
)

// Check is the one rule of token authentication: nil when the token lets
// its user in at now, else why not — a deactivated user first, then a
// revoked token (rotation or revocation), then an expired one.
func (t Token) Check(now time.Time) error {
	switch {
	case !t.User.Active:
		return ErrDeactivated
	case t.RevokedAt != nil:
		return ErrTokenRevoked
	case !now.Before(t.ExpiresAt):
		return ErrTokenExpired
	}
	return nil
}

// UserByTokenHash returns the user a token lets in now; ErrNotFound for an
// unknown token and for one that Check refuses.
func (s *Store) UserByTokenHash(ctx context.Context, hash []byte) (pipeline.Actor, error) {
	t, err := s.TokenByHash(ctx, hash)
	if err != nil {
		return pipeline.Actor{}, err
	}
	if t.Check(time.Now()) != nil {
		return pipeline.Actor{}, ErrNotFound
	}
	return t.User.Actor, nil
}

// TokenByHash finds a bearer token and its user in one indexed read, with
// the people the user stands in for today (pipeline.Actor.StandsIn). It is
// on every API request's path, so it reads no more than that.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (Token, error) {
	var t Token
	u := &t.User
	err := s.pool.QueryRow(ctx, `SELECT t.id::text, t.expires_at, t.last_used_at, t.revoked_at, `+userColumns+`,
		`+standsInColumn("$2")+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash, time.Now()).
		Scan(&t.ID, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt, &u.ID, &u.Name, &u.Role, &u.Countries, &u.Themes,
			&u.Email, &u.Language, &u.Notify, &u.Active, &u.CreatedAt, &u.DeactivatedAt, &u.Partner, &u.StandsIn)
	return t, notFound(err)
}

// TouchToken records that the token was used now, unless it already was
// within the last interval: a write at most once per interval per token,
// however many requests and processes use it (concurrent touches of one row
// serialize on its lock, and the later ones find it fresh).
func (s *Store) TouchToken(ctx context.Context, id string, interval time.Duration) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
		id, interval.Seconds())
	if err != nil {
		return fmt.Errorf("touch token %s: %w", id, err)
	}
	return nil
}

// RotateToken revokes every token of the user, ends their web sessions and
// stores a new token (by hash), valid until expires, in one transaction. A
// deactivated user gets none: ErrNotFound.
func (s *Store) RotateToken(ctx context.Context, userID string, hash []byte, expires time.Time) error {
	if !pipeline.IsID(userID) {
		return ErrNotFound
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&active)
		if err = notFound(err); err != nil {
			return err
		}
		if !active {
			return ErrNotFound
		}
		if err := revokeAll(ctx, tx, userID); err != nil {
			return err
		}
		return insertToken(ctx, tx, userID, hash, expires)
	})
}

// RevokeTokens revokes every token of the user and ends their web
// sessions, at once, in one transaction.
func (s *Store) RevokeTokens(ctx context.Context, userID string) error {
	if !pipeline.IsID(userID) {
		return ErrNotFound
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT true FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&exists); err != nil {
			return notFound(err)
		}
		return revokeAll(ctx, tx, userID)
	})
	if err != nil {
		return fmt.Errorf("revoke tokens of %s: %w", userID, err)
	}
	return nil
}

// TokenInfo describes one of a user's tokens, never the token itself.
type TokenInfo struct {
	ID         string     `json:"id"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Tokens lists the user's tokens, newest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]TokenInfo, error) {
	return all[TokenInfo](s.pool.Query(ctx, `SELECT id::text AS id, created_at, expires_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`, userID))
}

// Deactivate marks the user inactive, revokes their tokens and ends their web
// sessions in one transaction: from its commit on, nothing of theirs
// authenticates. Their open tasks then show as needing reassignment.
func (s *Store) Deactivate(ctx context.Context, id string) (User, error) {
	if !pipeline.IsID(id) {
		return User{}, ErrNotFound
	}
	var u User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		u, err = one[User](tx.Query(ctx, `UPDATE users u SET active = false, deactivated_at = coalesce(deactivated_at, now())
			WHERE id = $1 RETURNING `+userColumns, id))
		if err != nil {
			return err
		}
		return revokeAll(ctx, tx, id)
	})
	if err != nil {
		return User{}, fmt.Errorf("deactivate user %s: %w", id, err)
	}
	return u, nil
}

// UserChanges are the fields a manager may change; nil leaves a field as it is.
type UserChanges struct {
	Name      *string   `json:"name,omitempty"`
	Email     *string   `json:"email,omitempty"`
	Language  *string   `json:"language,omitempty"`
	Notify    *string   `json:"notify,omitempty"`
	Countries *[]string `json:"countries,omitempty"`
	Themes    *[]string `json:"themes,omitempty"`
}

// Apply returns u with the changes made.
func (c UserChanges) Apply(u User) User {
	set(&u.Name, c.Name)
	set(&u.Email, c.Email)
	set(&u.Language, c.Language)
	set(&u.Notify, c.Notify)
	set(&u.Countries, c.Countries)
	set(&u.Themes, c.Themes)
	return u
}

func set[T any](dst, v *T) {
	if v != nil {
		*dst = *v
	}
}

// nonNil is an empty list for nil: the columns are NOT NULL arrays.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UpdateUser writes the user's changeable fields as u has them.
func (s *Store) UpdateUser(ctx context.Context, u User) (User, error) {
	if !pipeline.IsID(u.ID) {
		return User{}, ErrNotFound
	}
	u.Countries, u.Themes = nonNil(u.Countries), nonNil(u.Themes)
	out, err := one[User](s.pool.Query(ctx, `UPDATE users u SET name = $2, email = NULLIF($3, ''), language = $4,
		notify = $5, countries = $6, themes = $7, partner = $8 WHERE id = $1 RETURNING `+userColumns,
		u.ID, u.Name, u.Email, u.Language, u.Notify, u.Countries, u.Themes, u.Partner))
	if err != nil {
		return User{}, fmt.Errorf("update user %s: %w", u.ID, emailTaken(err))
	}
	return out, nil
}

// Person returns a user by id, deactivated or not: for the managers' pages.
func (s *Store) Person(ctx context.Context, id string) (User, error) {
	if !pipeline.IsID(id) {
		return User{}, ErrNotFound
	}
	return one[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE id = $1`, id))
}

// UserByEmail returns the user with the email (any case), deactivated or not.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return one[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE email = lower($1)`, email))
}

// User returns an active user by id: one who may act and be assigned work.
// A deactivated user is ErrNotFound here.
func (s *Store) User(ctx context.Context, id string) (pipeline.Actor, error) {
	if !pipeline.IsID(id) {
		return pipeline.Actor{}, ErrNotFound
	}
	u, err := one[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE id = $1 AND active`, id))
	return u.Actor, err
}

// UserFilter narrows the list of users. Zero values do not filter.
type UserFilter struct {
	Role pipeline.Role
	// Active, when set, keeps only active (true) or deactivated (false) users.
	Active *bool
	// Theme keeps the users whose themes include it.
	Theme string
}

// Users lists users by name, one keyset page at a time.
func (s *Store) Users(ctx context.Context, f UserFilter, pg Page) ([]User, string, error) {
	var w where
	w.opt("u.role = ?", string(f.Role))
	if f.Active != nil {
		w.add("u.active = ?", *f.Active)
	}
	w.opt("? = ANY(u.themes)", f.Theme)
	if pg.Cursor != "" {
		name, id, err := decodeNameCursor(pg.Cursor)
		if err != nil {
			return nil, "", err
		}
		w.add("(u.name, u.id) > (?, ?::uuid)", name, id)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE `+w.sql()+
		` ORDER BY u.name, u.id LIMIT `+strconv.Itoa(pg.Limit+1), w.args...)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return cut(items, pg, func(u User) string { return base64.RawURLEncoding.EncodeToString([]byte(u.ID + "|" + u.Name)) })
}

func decodeNameCursor(c string) (name, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 37 || b[36] != '|' || !pipeline.IsID(string(b[:36])) {
		return "", "", ErrBadCursor
	}
	return string(b[37:]), string(b[:36]), nil
}

// LeastLoadedExpert is the active expert of theme with the fewest open
// priorities assigned (ties: the one registered first).
func (s *Store) LeastLoadedExpert(ctx context.Context, theme string) (pipeline.Actor, error) {
	u, err := one[User](s.pool.Query(ctx, `
		SELECT `+userColumns+`
		FROM users u
		LEFT JOIN LATERAL (
			SELECT count(*) AS n FROM priorities p
			WHERE p.assignee = u.id AND p.stage NOT IN ('approved', 'rejected', 'withdrawn')
		) load ON true
		WHERE u.role = 'expert' AND u.active AND $1 = ANY(u.themes)
		ORDER BY load.n, u.created_at, u.id
		LIMIT 1`, theme))
	return u.Actor, err
}

// Expert finds the user an accept or reassign names by id or, when id is
// empty, the least-loaded expert of theme (see pipeline.ExpertWanted). It
// returns whoever the id names, expert or not: the engine judges.
func (s *Store) Expert(ctx context.Context, id, theme string) (pipeline.Actor, error) {
	if id != "" {
		return s.User(ctx, id)
	}
	return s.LeastLoadedExpert(ctx, theme)
}

// SetPreferences sets how the user reads Puente and hears of their tasks.
func (s *Store) SetPreferences(ctx context.Context, id, language, notify string) (User, error) {
	if !pipeline.IsID(id) {
		return User{}, ErrNotFound
	}
	return one[User](s.pool.Query(ctx, `UPDATE users u SET language = $2, notify = $3 WHERE id = $1 RETURNING `+userColumns,
		id, language, notify))
}

// Orphan is an open priority assigned to a deactivated user: a manager must
// reassign it, since nobody else may act on it.
type Orphan struct {
	ID           string         `json:"id"`
	Ref          string         `json:"ref"`
	Title        string         `json:"title"`
	Stage        pipeline.Stage `json:"stage"`
	AssigneeID   string         `json:"assignee_id"`
	AssigneeName string         `json:"assignee_name"`
	DueAt        *time.Time     `json:"due_at"`
}

// needsReassignment lists the open priorities passing f that are assigned
// to deactivated users, soonest due first, at most limit of them. It reads the
// assignee index for the few deactivated users only, however many priorities
// there are.
func needsReassignment(ctx context.Context, tx pgx.Tx, f DashboardFilter, limit int) ([]Orphan, error) {
	var w where
	w.add("assignee IN (SELECT id FROM users WHERE NOT active)")
	w.add("stage NOT IN ('approved', 'rejected', 'withdrawn')")
	f.narrow(&w)
	return all[Orphan](tx.Query(ctx, `SELECT id::text AS id, ref, title, stage, assignee::text AS assignee_id,
		(SELECT name FROM users WHERE id = assignee) AS assignee_name, due_at
		FROM priorities WHERE `+w.sql()+` ORDER BY due_at NULLS LAST, id LIMIT `+strconv.Itoa(limit), w.args...))
}
