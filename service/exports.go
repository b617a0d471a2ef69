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
	return s.ExportPriorities(ctx, a, published(f), fn)
}

// published narrows f to what Puente publishes: approved, never restricted.
func published(f store.Filter) store.Filter {
	f.Stage, f.PublicOnly = pipeline.Approved, true
	return f
}

// ExportCSV streams the priorities passing f to w as CSV, each with the
// delivery of its approved actions (see WriteCSVDelivery).
func (s *Service) ExportCSV(ctx context.Context, a pipeline.Actor, f store.Filter, w http.ResponseWriter) (started bool, err error) {
	return WriteCSVDelivery(w, func(fn func(*pipeline.Priority, []export.ActionRecord) error) error {
		return s.exportWithActions(ctx, a, f, fn)
	})
}

// ExportIATI streams the published priorities passing f to w as IATI 2.03
// activities, each with its approved actions' delivery (see
// WriteIATIDelivery).
func (s *Service) ExportIATI(ctx context.Context, a pipeline.Actor, f store.Filter, w http.ResponseWriter) (started bool, err error) {
	return WriteIATIDelivery(w, func(fn func(*pipeline.Priority, []export.ActionRecord) error) error {
		return s.exportWithActions(ctx, a, published(f), fn)
	})
}

// exportWithActions streams the priorities passing f to fn, as
// ExportPriorities does, each with the approved support actions the actor
// may see, read a page of priorities at a time.
func (s *Service) exportWithActions(ctx context.Context, a pipeline.Actor, f store.Filter, fn func(*pipeline.Priority, []export.ActionRecord) error) error {
	if err := mayExport(a, f); err != nil {
		return err
	}
	return readFailed(s.Store.EachPriorityPage(ctx, a, f, func(page []*pipeline.Priority) error {
		var ids []string
		for _, p := range page {
			if p.Stage == pipeline.Approved {
				ids = append(ids, p.ID)
			}
		}
		rows, err := s.Store.ActionRows(ctx, a, ids)
		if err != nil {
			return err
		}
		for _, p := range page {
			if err := fn(p, actionRecords(rows[p.ID])); err != nil {
				return err
			}
		}
		return nil
	}))
}

// mayExport is nil when the actor may export the priorities passing f: a
// manager's, with a filter CheckFilter accepts.
func mayExport(a pipeline.Actor, f store.Filter) error {
	if err := a.Demand(pipeline.ExportData); err != nil {
		return err
	}
	return badFilter(CheckFilter(f))
}

// actionRecords are the store's action rows as the export writes them.
func actionRecords(rows []store.ActionRow) []export.ActionRecord {
	out := make([]export.ActionRecord, len(rows))
	for i, r := range rows {
		out[i] = export.ActionRecord{SupportAction: r.SupportAction, ClosedAt: r.ClosedAt}
	}
	return out
}

// An export is a download streamed as it is read: its status and headers
// go out with its first priority. An error before them comes back with
// started false, for the caller to answer in its own protocol; after them a
// client can only see the body cut short, and the caller logs the error.

// WriteCSV writes every priority each yields to w as RFC 4180 CSV, with
// its header row even when there is none, and no delivery.
func WriteCSV(w http.ResponseWriter, each func(func(*pipeline.Priority) error) error) (started bool, err error) {
	return WriteCSVDelivery(w, withoutActions(each))
}

// WriteIATI writes every priority each yields to w as an IATI 2.03
// activity, with its plan's actions as scheduled.
func WriteIATI(w http.ResponseWriter, each func(func(*pipeline.Priority) error) error) (started bool, err error) {
	return WriteIATIDelivery(w, withoutActions(each))
}

func withoutActions(each func(func(*pipeline.Priority) error) error) func(func(*pipeline.Priority, []export.ActionRecord) error) error {
	return func(fn func(*pipeline.Priority, []export.ActionRecord) error) error {
		return each(func(p *pipeline.Priority) error { return fn(p, nil) })
	}
}

// WriteCSVDelivery writes every priority each yields, with its approved
// actions, to w as RFC 4180 CSV, with its header row even when there is
// none.
func WriteCSVDelivery(w http.ResponseWriter, each func(func(*pipeline.Priority, []export.ActionRecord) error) error) (started bool, err error) {
	var c *export.CSV
	start := func() error {
		if c == nil {
			download(w, "text/csv; charset=utf-8", "priorities-%s.csv")
			c = export.NewCSV(w)
			return c.Header()
		}
		return nil
	}
	err = each(func(p *pipeline.Priority, actions []export.ActionRecord) error {
		if err := start(); err != nil {
			return err
		}
		return c.Write(p, actions...)
	})
	if err == nil {
		if err = start(); err == nil {
			err = c.Flush()
		}
	}
	return c != nil, err
}

// WriteIATIDelivery writes every priority each yields, with its approved
// actions, to w as an IATI 2.03 activity; with none, it writes nothing and
// returns ErrNothingPublished.
func WriteIATIDelivery(w http.ResponseWriter, each func(func(*pipeline.Priority, []export.ActionRecord) error) error) (started bool, err error) {
	var x *export.IATIWriter
	err = each(func(p *pipeline.Priority, actions []export.ActionRecord) error {
		if x == nil {
			download(w, "application/xml; charset=utf-8", "puente-iati-%s.xml")
			x = export.NewIATI(w, export.IATIOptions{})
		}
		return x.Write(export.Activity{Priority: p, Actions: actions, ApprovedAt: p.StageEnteredAt})
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
