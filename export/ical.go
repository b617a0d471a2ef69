package export

import (
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/emersion/go-ical"
)

// CalendarEvent is one all-day event of a calendar feed.
type CalendarEvent struct {
	// UID identifies the event for good: calendars update it in place.
	UID string
	// Start and End are the first and the last day, inclusive.
	Start, End  time.Time
	Summary     string
	Location    string
	Description string
	URL         *url.URL
	Cancelled   bool
	// Tentative marks dates not yet confirmed.
	Tentative bool
	// Changed is when the event last changed (DTSTAMP and LAST-MODIFIED).
	Changed time.Time
}

// calendarProductID names Puente as the feed's producer (RFC 5545 PRODID).
const calendarProductID = "-//Puente//Delivery calendar//EN"

// WriteCalendar writes events as an iCalendar (RFC 5545) feed named name:
// all-day DATE values, DTEND the day after the last one (exclusive), a
// STATUS for each event. A feed without events is a calendar with none,
// which calendar applications accept, although the RFC asks for one.
func WriteCalendar(w io.Writer, name string, events []CalendarEvent) error {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, calendarProductID)
	cal.Props.SetText(ical.PropName, name)
	cal.Props.SetText("X-WR-CALNAME", name)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	for _, e := range events {
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, e.UID)
		ev.Props.SetDateTime(ical.PropDateTimeStamp, e.Changed.UTC())
		ev.Props.SetDateTime(ical.PropLastModified, e.Changed.UTC())
		ev.Props.SetDate(ical.PropDateTimeStart, e.Start)
		ev.Props.SetDate(ical.PropDateTimeEnd, e.End.AddDate(0, 0, 1))
		ev.Props.SetText(ical.PropSummary, e.Summary)
		if e.Location != "" {
			ev.Props.SetText(ical.PropLocation, e.Location)
		}
		ev.Props.SetText(ical.PropDescription, e.Description)
		if e.URL != nil {
			ev.Props.SetURI(ical.PropURL, e.URL)
		}
		status := ical.EventConfirmed
		switch {
		case e.Cancelled:
			status = ical.EventCancelled
		case e.Tentative:
			status = ical.EventTentative
		}
		ev.SetStatus(status)
		ev.Props.SetText(ical.PropTransparency, "TRANSPARENT")
		cal.Children = append(cal.Children, ev.Component)
	}
	if len(cal.Children) == 0 {
		_, err := fmt.Fprintf(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:%s\r\nCALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n", calendarProductID)
		return err
	}
	return ical.NewEncoder(w).Encode(cal)
}
