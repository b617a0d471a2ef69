// Package people is the user lifecycle: who may use Puente, how to reach
// them, their API tokens and how a token becomes a user on each request. It
// validates every change once — for the CLI, the API and the web app alike —
// and leaves the SQL to the store.
package people

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// DefaultTokenTTL is how long an API token works when PUENTE_TOKEN_TTL is unset.
const DefaultTokenTTL = 90 * 24 * time.Hour

// TouchInterval is how stale a token's last-used time may get: a token used
// all day costs one write a minute, not one per request.
const TouchInterval = time.Minute

// Service changes users and checks tokens.
type Service struct {
	Store *store.Store
	// TokenTTL is the lifetime of tokens issued from now on; 0 means DefaultTokenTTL.
	TokenTTL time.Duration
	// Log receives failures that must not fail a request; nil: slog's default.
	Log *slog.Logger

	touching sync.Map // token ID → struct{}: a last-used write in flight
}

// Issued is a new token, shown once to its owner; only its hash is stored.
type Issued struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"token_expires_at"`
}

// InvalidError lists every problem of a user record, field by field.
type InvalidError struct{ Problems pipeline.Problems }

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + " " + i18n.English().Problem(p)
	}
	return "user not valid: " + strings.Join(parts, "; ")
}

// ErrUnknownToken is Authenticate's answer to a token nobody was given; the
// other refusals are the store's (store.Token.Check).
var ErrUnknownToken = errors.New("the token is not valid")

// ErrSelf refuses a manager's deactivation of their own account, which would
// lock them out mid-task.
var ErrSelf = errors.New("you cannot deactivate yourself")

func (s *Service) ttl() time.Duration {
	if s.TokenTTL > 0 {
		return s.TokenTTL
	}
	return DefaultTokenTTL
}

func (s *Service) issue() (Issued, []byte) {
	token, hash := store.NewToken()
	return Issued{Token: token, ExpiresAt: time.Now().Add(s.ttl()).UTC().Truncate(time.Second)}, hash
}

// Normalize trims the name, lower-cases the email, and fills the defaults:
// Spanish, an email per event.
func Normalize(u *store.User) {
	u.Name = strings.TrimSpace(u.Name)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Language == "" {
		u.Language = "es"
	}
	if u.Notify == "" {
		u.Notify = store.NotifyImmediate
	}
}

// MaxEmail is the longest address SMTP carries (RFC 5321's path limit).
const MaxEmail = 254

// Validate lists every problem of a user record: a name, a valid email, a
// known language, role and preference, and the scope the role needs.
func Validate(u store.User) pipeline.Problems {
	var ps pipeline.Problems
	ps.Text("name", u.Name, true, pipeline.MaxName)
	switch {
	case u.Email == "":
		ps.Add("email", pipeline.Required)
	case len(u.Email) > MaxEmail:
		ps.Add("email", pipeline.TooLong, "count", MaxEmail)
	default:
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || a.Name != "" {
			ps.Add("email", pipeline.NotAnEmail)
		}
	}
	ps.OneOf("language", u.Language, true, store.Languages)
	ps.OneOf("notify", u.Notify, true, store.NotifyModes)
	ps.OneOf("role", string(u.Role), true, []string{string(pipeline.FocalPoint), string(pipeline.Expert), string(pipeline.Manager)})
	if u.Role == pipeline.FocalPoint {
		ps.Countries("countries", u.Countries, 1)
	} else {
		ps.Countries("countries", u.Countries, 0)
	}
	if u.Role == pipeline.Expert && len(u.Themes) == 0 {
		ps.Add("themes", pipeline.ExpertNeedsTheme)
	}
	for i, t := range u.Themes {
		ps.OneOf(fmt.Sprintf("themes[%d]", i), t, true, pipeline.Lists.ThemeCodes())
	}
	return ps
}

func check(u store.User) error {
	if ps := Validate(u); len(ps) > 0 {
		return &InvalidError{Problems: ps}
	}
	return nil
}

// asInvalid turns the store's duplicate-email error into a field problem.
func asInvalid(err error) error {
	if errors.Is(err, store.ErrEmailTaken) {
		return &InvalidError{Problems: pipeline.Problems{pipeline.Problem("email", pipeline.EmailTaken)}}
	}
	return err
}

// Add creates a user and its first token.
func (s *Service) Add(ctx context.Context, u store.User) (store.User, Issued, error) {
	Normalize(&u)
	if err := check(u); err != nil {
		return store.User{}, Issued{}, err
	}
	iss, hash := s.issue()
	u, err := s.Store.AddUser(ctx, u, hash, iss.ExpiresAt)
	if err != nil {
		return store.User{}, Issued{}, asInvalid(err)
	}
	return u, iss, nil
}

// Update changes a user's name, email, language, preference or scope.
func (s *Service) Update(ctx context.Context, id string, c store.UserChanges) (store.User, error) {
	u, err := s.Store.Person(ctx, id)
	if err != nil {
		return store.User{}, err
	}
	u = c.Apply(u)
	Normalize(&u)
	if err := check(u); err != nil {
		return store.User{}, err
	}
	u, err = s.Store.UpdateUser(ctx, u)
	return u, asInvalid(err)
}

// SetPreferences is a user's own choice of language and notifications.
func (s *Service) SetPreferences(ctx context.Context, id, language, notify string) (store.User, error) {
	var ps pipeline.Problems
	ps.OneOf("language", language, true, store.Languages)
	ps.OneOf("notify", notify, true, store.NotifyModes)
	if len(ps) > 0 {
		return store.User{}, &InvalidError{Problems: ps}
	}
	return s.Store.SetPreferences(ctx, id, language, notify)
}

// List lists users by name, one keyset page at a time.
func (s *Service) List(ctx context.Context, f store.UserFilter, pg store.Page) ([]store.User, string, error) {
	return s.Store.Users(ctx, f, pg)
}

// Get returns a user, deactivated or not, with their tokens' dates.
func (s *Service) Get(ctx context.Context, id string) (store.User, []store.TokenInfo, error) {
	u, err := s.Store.Person(ctx, id)
	if err != nil {
		return store.User{}, nil, err
	}
	tokens, err := s.Store.Tokens(ctx, id)
	return u, tokens, err
}

// Deactivate ends a user's access at once: tokens and web sessions stop
// working with the transaction's commit. by is the manager doing it.
func (s *Service) Deactivate(ctx context.Context, by pipeline.Actor, id string) (store.User, error) {
	if by.ID == id {
		return store.User{}, ErrSelf
	}
	return s.Store.Deactivate(ctx, id)
}

// RotateToken revokes the user's tokens and issues a new one.
func (s *Service) RotateToken(ctx context.Context, id string) (Issued, error) {
	iss, hash := s.issue()
	if err := s.Store.RotateToken(ctx, id, hash, iss.ExpiresAt); err != nil {
		return Issued{}, err
	}
	return iss, nil
}

// Authenticate resolves a bearer token to its user, refusing an unknown,
// expired or revoked token and a deactivated user (ErrUnknownToken, or the
// error of store.Token.Check). It reads PostgreSQL on
// every call, with no cache: a revocation or deactivation committed anywhere
// is refused by every process from the next request on. The read is one
// indexed row; the last-used time is written in the background, at most once
// per TouchInterval.
func (s *Service) Authenticate(ctx context.Context, token string) (store.User, error) {
	t, err := s.Store.TokenByHash(ctx, store.HashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, ErrUnknownToken
	case err != nil:
		return store.User{}, err
	}
	if err := t.Check(time.Now()); err != nil {
		return store.User{}, err
	}
	if t.LastUsedAt == nil || time.Since(*t.LastUsedAt) >= TouchInterval {
		s.touch(t.ID)
	}
	return t.User, nil
}

// touch records a token's use without holding up the request. One write per
// token at a time in this process; the store's guard covers the others.
func (s *Service) touch(id string) {
	if _, busy := s.touching.LoadOrStore(id, struct{}{}); busy {
		return
	}
	go func() {
		defer s.touching.Delete(id)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Store.TouchToken(ctx, id, TouchInterval); err != nil {
			s.logger().Warn("record token use", "token_id", id, "error", err)
		}
	}()
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
