package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// commentBody is the body of a new comment or of an edit of one.
type commentBody struct {
	Text string `json:"text"`
}

// comments handles GET /v1/priorities/{id}/comments: the thread, oldest first.
func (s *Server) comments(c echo.Context) error {
	cs, err := s.svc.Thread(ctx(c), actorOf(c), priorityID(c))
	return reply(c, http.StatusOK, map[string]any{"items": cs}, err)
}

// postComment handles POST /v1/priorities/{id}/comments.
func (s *Server) postComment(c echo.Context) error {
	return s.comment(c, "", http.StatusCreated)
}

// editComment handles PATCH /v1/priorities/{id}/comments/{comment_id}.
func (s *Server) editComment(c echo.Context) error {
	return s.comment(c, c.Param("comment_id"), http.StatusOK)
}

// comment posts (commentID empty) or edits a comment through the service.
// As for every act, a body that did not decode is reported only after the
// checks that come before it (404, 409, 403), with the engine's findings
// on what did decode.
func (s *Server) comment(c echo.Context, commentID string, status int) error {
	id := priorityID(c)
	var in commentBody
	ps, err := bind(c, &in)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		err := s.svc.CheckComment(ctx(c), actorOf(c), id, commentID, in.Text)
		var e *pipeline.Error
		if errors.As(err, &e) && e.Kind != pipeline.KindInvalid {
			return err
		}
		if e != nil {
			ps = ps.Merge(e.Problems)
		}
		return invalid("the comment is not valid", ps)
	}
	var cm *pipeline.Comment
	if commentID == "" {
		cm, err = s.svc.PostComment(ctx(c), actorOf(c), id, in.Text)
	} else {
		cm, err = s.svc.EditComment(ctx(c), actorOf(c), id, commentID, in.Text)
	}
	return reply(c, status, cm, err)
}
