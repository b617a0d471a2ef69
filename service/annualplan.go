package service

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
)

// AnnualPlanQuery chooses an annual action plan: a year, and optionally one
// dialogue session.
type AnnualPlanQuery struct {
	Year      int
	SessionID string
}

// AnnualPlanParams are the query parameters of an annual plan, in the API
// and the web app alike.
var AnnualPlanParams = []string{"year", "session"}

// The years an annual plan may be asked for: those a date may hold.
const (
	MinPlanYear = 1990
	MaxPlanYear = 2100
)

// CheckAnnualPlanQuery is the one rule of what an annual plan may be asked
// for: a year of MinPlanYear–MaxPlanYear and, optionally, a session's UUID.
func CheckAnnualPlanQuery(q AnnualPlanQuery) pipeline.Problems {
	var ps pipeline.Problems
	if q.Year < MinPlanYear || q.Year > MaxPlanYear {
		ps.Add("year", pipeline.OutOfRange, "min", MinPlanYear, "max", MaxPlanYear)
	}
	ps.UUID("session", q.SessionID, false)
	return ps
}

// ReadAnnualPlanQuery reads an annual plan's query from a query string, for
// every caller: year is required and a whole number; then
// CheckAnnualPlanQuery.
func ReadAnnualPlanQuery(v url.Values) (AnnualPlanQuery, pipeline.Problems) {
	q := AnnualPlanQuery{SessionID: v.Get("session")}
	var ps pipeline.Problems
	y := strings.TrimSpace(v.Get("year"))
	n, err := strconv.Atoi(y)
	switch {
	case y == "":
		ps.Add("year", pipeline.Required)
	case err != nil:
		ps.Add("year", pipeline.NotAnInteger)
	default:
		q.Year = n
		ps = append(ps, CheckAnnualPlanQuery(q)...)
		return q, ps
	}
	ps.UUID("session", q.SessionID, false)
	return q, ps
}

// AnnualPlan is the annual action plan of q as the actor may see it: only
// the actions of priorities the actor sees (an implementer: their
// partner's). A query with problems is refused (KindInvalid); a session
// that does not exist is not found.
func (s *Service) AnnualPlan(ctx context.Context, a pipeline.Actor, q AnnualPlanQuery) (*pipeline.AnnualPlan, error) {
	if err := badFilter(CheckAnnualPlanQuery(q)); err != nil {
		return nil, err
	}
	if q.SessionID != "" {
		if _, err := s.session(ctx, q.SessionID); err != nil {
			return nil, err
		}
	}
	actions, err := s.Store.AnnualPlanActions(ctx, a, q.Year, q.SessionID)
	if err != nil {
		return nil, readFailed(err)
	}
	p := pipeline.NewAnnualPlan(q.Year, q.SessionID, actions)
	return &p, nil
}

// SessionOutcome is what became of every priority raised at the session
// id, as the actor may see it.
func (s *Service) SessionOutcome(ctx context.Context, a pipeline.Actor, id string) (*pipeline.SessionOutcome, error) {
	ses, err := s.session(ctx, id)
	if err != nil {
		return nil, err
	}
	priorities, actions, err := s.Store.SessionOutcome(ctx, a, ses.ID)
	if err != nil {
		return nil, readFailed(err)
	}
	o := pipeline.NewSessionOutcome(ses, priorities, actions)
	return &o, nil
}

// session looks a dialogue session up; an id that is not a UUID, or names
// none, is not found.
func (s *Service) session(ctx context.Context, id string) (pipeline.Session, error) {
	if !pipeline.IsID(id) {
		return pipeline.Session{}, pipeline.Errorf(pipeline.KindNotFound, "no session %s", id)
	}
	ses, err := s.Store.Session(ctx, id)
	if err != nil {
		if err = readFailed(err); pipeline.KindOfError(err) == pipeline.KindNotFound {
			err = pipeline.Errorf(pipeline.KindNotFound, "no session %s", id)
		}
		return pipeline.Session{}, err
	}
	return ses, nil
}

// XLSXType is the media type of an XLSX workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// AnnualPlanXLSX answers w with the annual plan of q as an XLSX workbook
// in l's language (see export.AnnualPlanXLSX). The workbook is written
// whole before the answer starts, so a failure is still the caller's to
// answer.
func (s *Service) AnnualPlanXLSX(ctx context.Context, a pipeline.Actor, q AnnualPlanQuery, l *i18n.Locale, w http.ResponseWriter) error {
	p, err := s.AnnualPlan(ctx, a, q)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("annual-plan-%d.xlsx", q.Year)
	return writeXLSX(w, name, func(out io.Writer) error { return export.AnnualPlanXLSX(out, *p, l) })
}

// SessionOutcomeXLSX answers w with the outcome of session id as an XLSX
// workbook in l's language (see export.SessionOutcomeXLSX).
func (s *Service) SessionOutcomeXLSX(ctx context.Context, a pipeline.Actor, id string, l *i18n.Locale, w http.ResponseWriter) error {
	o, err := s.SessionOutcome(ctx, a, id)
	if err != nil {
		return err
	}
	return writeXLSX(w, "session-outcome-"+o.Session.Date+".xlsx", func(out io.Writer) error {
		return export.SessionOutcomeXLSX(out, *o, l)
	})
}

func writeXLSX(w http.ResponseWriter, name string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}
