package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// DeliveryParams are the query parameters of the delivery dashboard's
// filter, in the API and the web app alike.
var DeliveryParams = []string{"partner", "country", "pillar", "theme"}

// PartnerCodes are the codes of the implementing partners, in codelist order.
func PartnerCodes() []string {
	out := make([]string, len(pipeline.Partners))
	for i, p := range pipeline.Partners {
		out[i] = p.Code
	}
	return out
}

// CheckDeliveryFilter is the one rule of what the delivery dashboard may be
// narrowed by: a partner, country, pillar and theme of the codelists.
func CheckDeliveryFilter(f store.DeliveryFilter) pipeline.Problems {
	var ps pipeline.Problems
	ps.OneOf("partner", f.Partner, false, PartnerCodes())
	ps.OneOf("country", f.Country, false, pipeline.Lists.CountryCodes())
	ps.OneOf("pillar", f.Pillar, false, pipeline.Lists.Pillars)
	ps.OneOf("theme", f.Theme, false, pipeline.Lists.ThemeCodes())
	return ps
}

// ReadDeliveryFilter reads the delivery dashboard's filter from a query
// string and lists what breaks CheckDeliveryFilter.
func ReadDeliveryFilter(q url.Values) (store.DeliveryFilter, pipeline.Problems) {
	f := store.DeliveryFilter{Partner: q.Get("partner"), Country: q.Get("country"), Pillar: q.Get("pillar"), Theme: q.Get("theme")}
	return f, CheckDeliveryFilter(f)
}

// DeliveryDashboard is the view of delivery for a manager (every action) or
// an implementer (their partner's). A filter that breaks
// CheckDeliveryFilter is refused (KindInvalid).
func (s *Service) DeliveryDashboard(ctx context.Context, a pipeline.Actor, f store.DeliveryFilter) (*store.DeliveryDashboard, error) {
	if err := a.Demand(pipeline.ViewDelivery); err != nil {
		return nil, err
	}
	if err := badFilter(CheckDeliveryFilter(f)); err != nil {
		return nil, err
	}
	d, err := s.Store.DeliveryDashboard(ctx, a, f)
	return d, readFailed(err)
}

// DeliveryInbox lists what waits for an implementer on the day of now (UTC):
// dates to confirm, reports due or sent back. Empty for other roles.
func (s *Service) DeliveryInbox(ctx context.Context, a pipeline.Actor, now time.Time) ([]store.DeliveryTask, error) {
	items, err := s.Store.DeliveryInbox(ctx, a, now.UTC().Format(time.DateOnly))
	return items, readFailed(err)
}

// calendarTokenPrefix starts every calendar token, so that one pasted in
// the wrong place is recognised (API tokens start with "pte_").
const calendarTokenPrefix = "ptc_"

// NewCalendar gives the actor a private calendar feed and returns its
// token, shown this once: only its SHA-256 is kept. An earlier feed of
// theirs stops working.
func (s *Service) NewCalendar(ctx context.Context, a pipeline.Actor) (string, error) {
	token, _ := store.NewToken()
	token = calendarTokenPrefix + strings.TrimPrefix(token, "pte_")
	if err := s.Store.SetCalendarToken(ctx, a.ID, store.HashToken(token)); err != nil {
		return "", readFailed(err)
	}
	return token, nil
}

// RevokeCalendar ends the actor's calendar feed at once; KindNotFound when
// they have none.
func (s *Service) RevokeCalendar(ctx context.Context, a pipeline.Actor) error {
	return readFailed(s.Store.DeleteCalendarToken(ctx, a.ID))
}

// CalendarSince is when the actor's calendar feed was made, nil without one.
func (s *Service) CalendarSince(ctx context.Context, a pipeline.Actor) (*time.Time, error) {
	at, err := s.Store.CalendarSince(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, readFailed(err)
	}
	return &at, nil
}

// ErrNoCalendar answers a calendar token that opens no feed, whatever the
// reason (malformed, unknown, revoked, its owner deactivated): one answer,
// so that a guess learns nothing.
var ErrNoCalendar = pipeline.Errorf(pipeline.KindNotFound, "no such calendar")

// IsCalendarToken reports whether token has the shape of a calendar token,
// so that garbage is refused before any lookup.
func IsCalendarToken(token string) bool {
	if len(token) != len(calendarTokenPrefix)+43 || !strings.HasPrefix(token, calendarTokenPrefix) {
		return false
	}
	for _, r := range token[len(calendarTokenPrefix):] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// calendarHistory is how far back a feed reaches: actions that ended
// within the last year.
const calendarHistory = 365 * 24 * time.Hour

// CalendarFeed writes the calendar feed the token opens, at the instant
// now, to w: the approved actions that concern its owner within their
// scope, in their language, each linking to its page under base (the URL
// where people open Puente). ErrNoCalendar when the token opens none.
func (s *Service) CalendarFeed(ctx context.Context, token string, base *url.URL, now time.Time, w io.Writer) error {
	if !IsCalendarToken(token) {
		return ErrNoCalendar
	}
	a, lang, err := s.Store.UserByCalendarToken(ctx, store.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoCalendar
	}
	if err != nil {
		return readFailed(err)
	}
	actions, err := s.Store.CalendarActions(ctx, a, now.Add(-calendarHistory))
	if err != nil {
		return readFailed(err)
	}
	l := i18n.For(lang)
	events := make([]export.CalendarEvent, len(actions))
	for i, x := range actions {
		link := base.JoinPath("priorities", x.PriorityID, "actions", strconv.Itoa(x.Index))
		desc := []string{
			l.T("calendar.event_priority", "Ref", x.PriorityRef, "Title", x.PriorityTitle),
			l.T("calendar.event_stage", "Stage", l.T("dview.stage."+string(x.Stage))),
			l.Code("support_type", x.Type) + " · " + l.Countries(x.Countries),
		}
		if x.Partner != "" {
			desc = append(desc, l.Partner(x.Partner))
		}
		desc = append(desc, link.String())
		events[i] = export.CalendarEvent{
			UID:   fmt.Sprintf("action-%s-%d@puente", x.PriorityID, x.Index),
			Start: x.Start, End: x.End, Summary: x.Title, Location: x.Place, Description: strings.Join(desc, "\n"),
			URL: link, Cancelled: x.Stage == pipeline.Cancelled,
			Tentative: x.Stage == pipeline.Scheduled || x.Stage == pipeline.Postponed, Changed: x.Changed,
		}
	}
	return export.WriteCalendar(w, l.T("calendar.name", "Name", a.Name), events)
}
