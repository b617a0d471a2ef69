// Package people is the user lifecycle: who may use Puente, how to reach
// them, their API tokens and how a token becomes a user on each request. It
// decides who may make each change and validates it, once — for the CLI,
// the API and the web app alike — and leaves the SQL to the store.
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

// ErrUnknownToken is Authenticate's answer to a token nobody was given; the
// other refusals are the store's (store.Token.Check).
var ErrUnknownToken = errors.New("the token is not valid")

// The refusals of user management are *pipeline.Error values, whose kinds
// every caller maps as it maps the service's: a record's problems are
// KindInvalid, and these two are known by name.
var (
	// ErrNoUser answers a user id that names nobody.
	ErrNoUser = pipeline.Errorf(pipeline.KindNotFound, "no such user")
	// ErrSelf refuses a manager's deactivation of their own account, which
	// would lock them out mid-task.
	ErrSelf = pipeline.Errorf(pipeline.KindConflict, "you cannot deactivate yourself")
)

func (s *Service) issue() (Issued, []byte) {
	ttl := s.TokenTTL
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	token, hash := store.NewToken()
	return Issued{Token: token, ExpiresAt: time.Now().Add(ttl).UTC().Truncate(time.Second)}, hash
}

// Normalize trims the name, lower-cases the email, and fills the defaults:
// the language of the user's country (French for Haiti, Dutch for
// Suriname…), else Spanish; an email per event.
func Normalize(u *store.User) {
	u.Name = strings.TrimSpace(u.Name)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Language == "" {
		u.Language = i18n.DefaultLanguage(u.Countries)
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
	ps = append(ps, ValidatePreferences(u.Language, u.Notify)...)
	ps.OneOf("role", string(u.Role), true, roles())
	switch {
	case u.Role == pipeline.Implementer:
		ps.OneOf("partner", u.Partner, true, pipeline.PartnerCodes())
	case u.Partner != "":
		ps.Add("partner", pipeline.NotForRole)
	}
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

// roles are the role codes a user may have.
func roles() []string {
	out := make([]string, len(pipeline.Roles))
	for i, r := range pipeline.Roles {
		out[i] = string(r)
	}
	return out
}

func check(u store.User) error {
	if ps := Validate(u); len(ps) > 0 {
		return pipeline.Invalid("the user is not valid", ps)
	}
	return nil
}

// refused turns the store's answers that a caller shows into their kinds:
// no such user, a cursor it did not issue, an address already taken.
func refused(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNoUser
	case errors.Is(err, store.ErrBadCursor):
		return pipeline.Invalid("the query is not valid", pipeline.Problems{pipeline.Problem("cursor", pipeline.NotACursor)})
	case errors.Is(err, store.ErrEmailTaken):
		return pipeline.Invalid("the user is not valid", pipeline.Problems{pipeline.Problem("email", pipeline.EmailTaken)})
	}
	return err
}

// Console is the actor of `puente users`: whoever may open the database
// manages its users.
var Console = pipeline.Actor{Name: "puente users", Role: pipeline.Manager}

// mayManage and selfOrManager are the one rule of user management, for the
// CLI, the API and the web app alike: managers (pipeline.ManageUsers)
// manage every user; anyone reads their own record and rotates or revokes
// their own tokens. A refusal is a KindForbidden *pipeline.Error, checked
// before anything is read or changed.
func mayManage(by pipeline.Actor) error { return by.Demand(pipeline.ManageUsers) }

func selfOrManager(by pipeline.Actor, id string) error {
	if (by.ID != "" && by.ID == id) || by.May(pipeline.ManageUsers) {
		return nil
	}
	return pipeline.Errorf(pipeline.KindForbidden, "only a manager or the user themselves may do this")
}

// Add creates a user and its first token, for a manager.
func (s *Service) Add(ctx context.Context, by pipeline.Actor, u store.User) (store.User, Issued, error) {
	if err := mayManage(by); err != nil {
		return store.User{}, Issued{}, err
	}
	Normalize(&u)
	if err := check(u); err != nil {
		return store.User{}, Issued{}, err
	}
	iss, hash := s.issue()
	u, err := s.Store.AddUser(ctx, u, hash, iss.ExpiresAt)
	if err != nil {
		return store.User{}, Issued{}, refused(err)
	}
	return u, iss, nil
}

// Update changes a user's name, email, language, preference or scope, for
// a manager.
func (s *Service) Update(ctx context.Context, by pipeline.Actor, id string, c store.UserChanges) (store.User, error) {
	if err := mayManage(by); err != nil {
		return store.User{}, err
	}
	u, err := s.Store.Person(ctx, id)
	if err != nil {
		return store.User{}, refused(err)
	}
	u = c.Apply(u)
	Normalize(&u)
	if err := check(u); err != nil {
		return store.User{}, err
	}
	u, err = s.Store.UpdateUser(ctx, u)
	return u, refused(err)
}

// ValidatePreferences lists the problems of a language and a notification
// preference.
func ValidatePreferences(language, notify string) pipeline.Problems {
	var ps pipeline.Problems
	ps.OneOf("language", language, true, store.Languages)
	ps.OneOf("notify", notify, true, store.NotifyModes)
	return ps
}

// SetPreferences is a user's own choice of language and notifications.
func (s *Service) SetPreferences(ctx context.Context, id, language, notify string) (store.User, error) {
	if ps := ValidatePreferences(language, notify); len(ps) > 0 {
		return store.User{}, pipeline.Invalid("the preferences are not valid", ps)
	}
	u, err := s.Store.SetPreferences(ctx, id, language, notify)
	return u, refused(err)
}

// List lists users by name, one keyset page at a time, for a manager.
func (s *Service) List(ctx context.Context, by pipeline.Actor, f store.UserFilter, pg store.Page) ([]store.User, string, error) {
	if err := mayManage(by); err != nil {
		return nil, "", err
	}
	users, next, err := s.Store.Users(ctx, f, pg)
	return users, next, refused(err)
}

// Get returns a user, deactivated or not, with their tokens' dates, for a
// manager or the user themselves.
func (s *Service) Get(ctx context.Context, by pipeline.Actor, id string) (store.User, []store.TokenInfo, error) {
	if err := selfOrManager(by, id); err != nil {
		return store.User{}, nil, err
	}
	u, err := s.Store.Person(ctx, id)
	if err != nil {
		return store.User{}, nil, refused(err)
	}
	tokens, err := s.Store.Tokens(ctx, id)
	return u, tokens, err
}

// Deactivate ends a user's access at once: tokens and web sessions stop
// working with the transaction's commit. by is the manager doing it, who
// may not deactivate themselves (ErrSelf).
func (s *Service) Deactivate(ctx context.Context, by pipeline.Actor, id string) (store.User, error) {
	if err := mayManage(by); err != nil {
		return store.User{}, err
	}
	if by.ID == id {
		return store.User{}, ErrSelf
	}
	u, err := s.Store.Deactivate(ctx, id)
	return u, refused(err)
}

// RotateToken revokes the user's tokens and issues a new one, for a
// manager or the user themselves.
func (s *Service) RotateToken(ctx context.Context, by pipeline.Actor, id string) (Issued, error) {
	if err := selfOrManager(by, id); err != nil {
		return Issued{}, err
	}
	iss, hash := s.issue()
	if err := s.Store.RotateToken(ctx, id, hash, iss.ExpiresAt); err != nil {
		return Issued{}, refused(err)
	}
	return iss, nil
}

// RevokeTokens revokes every token of the user, for a manager or the user
// themselves.
func (s *Service) RevokeTokens(ctx context.Context, by pipeline.Actor, id string) error {
	if err := selfOrManager(by, id); err != nil {
		return err
	}
	return refused(s.Store.RevokeTokens(ctx, id))
}

// Authenticate resolves a bearer token to its user, refusing an unknown,
// expired or revoked token and a deactivated user (ErrUnknownToken, or the
// error of store.Token.Check). It reads PostgreSQL on every call, with no
// cache: a revocation or deactivation committed anywhere is refused by every
// process from the next request on. The read is one indexed row; the
// last-used time is written in the background, at most once per
// TouchInterval.
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
			log := s.Log
			if log == nil {
				log = slog.Default()
			}
			log.Warn("record token use", "token_id", id, "error", err)
		}
	}()
}
