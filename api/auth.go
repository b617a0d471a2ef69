package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

const userKey = "puente.user"

// authenticate resolves the bearer token to an active user: 401 without a
// valid one, saying why (unknown, expired, revoked, deactivated). There is no
// cache in front of the lookup, so a revocation committed by any process
// refuses the very next request.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return problem(http.StatusUnauthorized, "send Authorization: Bearer <token>")
		}
		client, now := s.authFails.Client(c.Request()), time.Now()
		if wait := s.authFails.Wait(client, now); wait > 0 {
			return tooManyFailures(c, wait)
		}
		u, err := s.people.Authenticate(c.Request().Context(), token)
		for _, refused := range []error{people.ErrUnknownToken, store.ErrTokenExpired, store.ErrTokenRevoked, store.ErrDeactivated} {
			if errors.Is(err, refused) {
				s.authFails.Fail(client, now)
				return problem(http.StatusUnauthorized, refused.Error())
			}
		}
		if err != nil {
			return err
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// may admits the actors with capability cap: 403 for the others, before
// the body is read. The service demands the same capability again.
func may(cap pipeline.Capability) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := actorOf(c).Demand(cap); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// userOf is the authenticated caller's user record.
func userOf(c echo.Context) store.User {
	u, _ := c.Get(userKey).(store.User)
	return u
}

// actorOf is the caller as the pipeline's rules see it.
func actorOf(c echo.Context) pipeline.Actor { return userOf(c).Actor }
