package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

const actorKey = "puente.actor"

// authenticate resolves the bearer token to a user: 401 without a valid one.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return problem(http.StatusUnauthorized, "send Authorization: Bearer <token>")
		}
		a, err := s.users.lookup(c.Request().Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			return problem(http.StatusUnauthorized, "the token is not valid")
		}
		if err != nil {
			return err
		}
		c.Set(actorKey, a)
		return next(c)
	}
}

// only admits the given roles: 403 for the others.
func only(roles ...pipeline.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a := actorOf(c); !slices.Contains(roles, a.Role) {
				return problem(http.StatusForbidden, "this needs the role "+roleList(roles)+", not "+string(a.Role))
			}
			return next(c)
		}
	}
}

func roleList(roles []pipeline.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, " or ")
}

func actorOf(c echo.Context) pipeline.Actor {
	a, _ := c.Get(actorKey).(pipeline.Actor)
	return a
}
