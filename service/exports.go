package service

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/puente-dev/puente/export"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// ErrNothingPublished refuses an IATI export with nothing to publish: the
// IATI schema wants at least one activity.
var ErrNothingPublished = pipeline.Errorf(pipeline.KindNotFound, "no approved public plan to export yet")

// PublishedPriorities streams what Puente publishes (the IATI export) to
// fn: the approved priorities passing f, never a restricted one, whoever
// asks.
func (s *Service) PublishedPriorities(ctx context.Context, a pipeline.Actor, f store.Filter, fn func(*pipeline.Priority) error) error {
	f.Stage, f.PublicOnly = pipeline.Approved, true
	return s.ExportPriorities(ctx, a, f, fn)
}

// ExportCSV streams the priorities passing f to w as CSV (see WriteCSV).
func (s *Service) ExportCSV(ctx context.Context, a pipeline.Actor, f store.Filter, w http.ResponseWriter) (started bool, err error) {
	return WriteCSV(w, func(fn func(*pipeline.Priority) error) error { return s.ExportPriorities(ctx, a, f, fn) })
}

// ExportIATI streams the published priorities passing f to w as IATI 2.03
// activities (see WriteIATI).
func (s *Service) ExportIATI(ctx context.Context, a pipeline.Actor, f store.Filter, w http.ResponseWriter) (started bool, err error) {
	return WriteIATI(w, func(fn func(*pipeline.Priority) error) error { return s.PublishedPriorities(ctx, a, f, fn) })
}

// An export is a download streamed as it is read: its status and headers
// go out with its first priority. An error before them comes back with
// started false, for the caller to answer in its own protocol; after them a
// client can only see the body cut short, and the caller logs the error.

// WriteCSV writes every priority each yields to w as RFC 4180 CSV, with
// its header row even when there is none.
func WriteCSV(w http.ResponseWriter, each func(func(*pipeline.Priority) error) error) (started bool, err error) {
	var c *export.CSV
	start := func() error {
		if c == nil {
			download(w, "text/csv; charset=utf-8", "priorities-%s.csv")
			c = export.NewCSV(w)
			return c.Header()
		}
		return nil
	}
	err = each(func(p *pipeline.Priority) error {
		if err := start(); err != nil {
			return err
		}
		return c.Write(p)
	})
	if err == nil {
		if err = start(); err == nil {
			err = c.Flush()
		}
	}
	return c != nil, err
}

// WriteIATI writes every priority each yields to w as an IATI 2.03
// activity; with none, it writes nothing and returns ErrNothingPublished.
func WriteIATI(w http.ResponseWriter, each func(func(*pipeline.Priority) error) error) (started bool, err error) {
	var x *export.IATIWriter
	err = each(func(p *pipeline.Priority) error {
		if x == nil {
			download(w, "application/xml; charset=utf-8", "puente-iati-%s.xml")
			x = export.NewIATI(w, export.IATIOptions{})
		}
		return x.Write(export.Activity{Priority: p, ApprovedAt: p.StageEnteredAt})
	})
	switch {
	case x == nil && err == nil:
		return false, ErrNothingPublished
	case err == nil:
		err = x.Close()
	}
	return x != nil, err
}

// download starts a file's response: its type, its name stamped with
// today's date, and 200.
func download(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+fmt.Sprintf(name, time.Now().UTC().Format(time.DateOnly))+`"`)
	w.WriteHeader(http.StatusOK)
}
