package api

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// deliveryDashboard handles GET /v1/delivery/dashboard (managers and
// implementers): actions per delivery stage, overdue reports, budget and
// actual cost, indicators at target and participants by sex, in all and by
// partner, country, pillar and theme.
func (s *Server) deliveryDashboard(c echo.Context) error {
	q := newQuery(c, service.DeliveryParams...)
	f, ps := service.ReadDeliveryFilter(q.v)
	q.ps = append(q.ps, ps...)
	if q.v.Has("limit") || q.v.Has("cursor") {
		q.ps.Add("limit", pipeline.NotPaginated)
	}
	if err := q.err(); err != nil {
		return err
	}
	d, err := s.svc.DeliveryDashboard(ctx(c), actorOf(c), f)
	return reply(c, http.StatusOK, d, err)
}

// calendarIssued is the answer to POST /v1/me/calendar: the feed's private
// URL, shown this once.
type calendarIssued struct {
	URL string `json:"url"`
}

// newCalendar handles POST /v1/me/calendar: a new private calendar feed
// for the caller, replacing theirs if any.
func (s *Server) newCalendar(c echo.Context) error {
	token, err := s.svc.NewCalendar(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	u := baseURL(c).JoinPath("calendar", token+".ics")
	return c.JSON(http.StatusCreated, calendarIssued{URL: u.String()})
}

// revokeCalendar handles DELETE /v1/me/calendar: the caller's feed stops
// at once (404 when they have none).
func (s *Server) revokeCalendar(c echo.Context) error {
	if err := s.svc.RevokeCalendar(ctx(c), actorOf(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// calendarFeed handles GET /calendar/{token}.ics, without sign-in: the
// token is the credential. A token that opens nothing is 404, counted as a
// failed authentication of the client, like a bad bearer token.
func (s *Server) calendarFeed(c echo.Context) error {
	client, now := s.authFails.Client(c.Request()), time.Now()
	if wait := s.authFails.Wait(client, now); wait > 0 {
		return tooManyFailures(c, wait)
	}
	token, ok := strings.CutSuffix(c.Param("token"), ".ics")
	var body bytes.Buffer
	var err error = service.ErrNoCalendar
	if ok {
		err = s.svc.CalendarFeed(ctx(c), token, baseURL(c), now, &body)
	}
	if pipeline.KindOfError(err) == pipeline.KindNotFound {
		s.authFails.Fail(client, now)
		return problem(http.StatusNotFound, "no such calendar")
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body.Bytes())
}

// baseURL is where the request reached Puente, for the links it hands out:
// the calendar's URL and each event's link.
func baseURL(c echo.Context) *url.URL {
	return &url.URL{Scheme: c.Scheme(), Host: c.Request().Host}
}
