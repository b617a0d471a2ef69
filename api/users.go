package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// userInput is the body of POST /v1/users.
type userInput struct {
	Name      string        `json:"name"`
	Email     string        `json:"email"`
	Language  string        `json:"language"`
	Notify    string        `json:"notify"`
	Role      pipeline.Role `json:"role"`
	Countries []string      `json:"countries"`
	Themes    []string      `json:"themes"`
	Partner   string        `json:"partner"`
}

// newUser is a created user with its first token, shown this once.
type newUser struct {
	store.User
	people.Issued
}

// userDetail is a user with their tokens (never the tokens themselves).
type userDetail struct {
	store.User
	Tokens []store.TokenInfo `json:"tokens"`
}

// preferences is the body of PUT /v1/me/preferences.
type preferences struct {
	Language string `json:"language"`
	Notify   string `json:"notify"`
}

// me handles GET /v1/me: the caller's own record.
func (s *Server) me(c echo.Context) error {
	return c.JSON(http.StatusOK, userOf(c))
}

// setPreferences handles PUT /v1/me/preferences: the caller's language and
// how they hear of their tasks.
func (s *Server) setPreferences(c echo.Context) error {
	var in preferences
	if err := read(c, &in, "the preferences are not valid", nil); err != nil {
		return err
	}
	u, err := s.people.SetPreferences(c.Request().Context(), userOf(c).ID, in.Language, in.Notify)
	return reply(c, http.StatusOK, u, err)
}

// listUsers handles GET /v1/users (managers), by name.
func (s *Server) listUsers(c echo.Context) error {
	q := newQuery(c, "role", "active")
	f := store.UserFilter{Role: pipeline.Role(q.oneOf("role", roleNames())), Active: q.boolean("active")}
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.people.List(c.Request().Context(), actorOf(c), f, pg)
	return reply(c, http.StatusOK, newPage(items, next), err)
}

func roleNames() []string {
	out := make([]string, len(pipeline.Roles))
	for i, r := range pipeline.Roles {
		out[i] = string(r)
	}
	return out
}

// addUser handles POST /v1/users (managers): 201 with the user's first token.
func (s *Server) addUser(c echo.Context) error {
	var in userInput
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	u := store.User{Actor: pipeline.Actor{Name: in.Name, Role: in.Role, Countries: in.Countries, Themes: in.Themes,
		Partner: in.Partner},
		Email: in.Email, Language: in.Language, Notify: in.Notify}
	if len(ps) > 0 {
		people.Normalize(&u)
		return invalid("the user is not valid", ps.Merge(people.Validate(u)))
	}
	u, iss, err := s.people.Add(c.Request().Context(), actorOf(c), u)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/users/"+u.ID)
	return c.JSON(http.StatusCreated, newUser{u, iss})
}

// getUser handles GET /v1/users/{id} (managers): the user and their tokens.
func (s *Server) getUser(c echo.Context) error {
	u, tokens, err := s.people.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	return reply(c, http.StatusOK, userDetail{u, tokens}, err)
}

// patchUser handles PATCH /v1/users/{id} (managers): name, email, language,
// preference, countries and themes. A role is not changed: add a new user.
func (s *Server) patchUser(c echo.Context) error {
	var in store.UserChanges
	if err := read(c, &in, "the changes are not valid", nil); err != nil {
		return err
	}
	u, err := s.people.Update(c.Request().Context(), actorOf(c), c.Param("id"), in)
	return reply(c, http.StatusOK, u, err)
}

// deactivateUser handles POST /v1/users/{id}/deactivate (managers): the
// user's tokens and sessions stop working at once.
func (s *Server) deactivateUser(c echo.Context) error {
	u, err := s.people.Deactivate(c.Request().Context(), actorOf(c), c.Param("id"))
	return reply(c, http.StatusOK, u, err)
}

// rotateToken handles POST /v1/users/{id}/token (managers, or the user):
// every token of the user is revoked and a new one is shown, once.
func (s *Server) rotateToken(c echo.Context) error {
	iss, err := s.people.RotateToken(c.Request().Context(), actorOf(c), c.Param("id"))
	return reply(c, http.StatusCreated, iss, err)
}

// revokeTokens handles DELETE /v1/users/{id}/token (managers, or the user).
func (s *Server) revokeTokens(c echo.Context) error {
	if err := s.people.RevokeTokens(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
