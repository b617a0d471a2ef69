package service

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
	"github.com/puente-dev/puente/workflows"
)

// DefaultUploadWindow is how long after its content is stored an upload's
// attach may still be applied by the workflow (pipeline.Document.Expires).
const DefaultUploadWindow = 2 * time.Minute

// sweepGrace is how long past an upload's deadline the sweep waits before
// deleting it, for the clocks of the API and Temporal's to disagree.
const sweepGrace = time.Minute

// sweepBatch is how many documents one sweep deletes at most.
const sweepBatch = 100

// Upload is a file a person attaches: its name as they gave it, what it is
// and what it is attached to, and its content staged on disk.
type Upload struct {
	Name, Kind, Target string
	Content            *documents.Staged
}

// MayAttach is nil when the actor may attach a document to the priority
// now: the checks that come before the body (404, 409, 403), so that a
// caller who may not is refused before their file is read.
func (s *Service) MayAttach(ctx context.Context, a pipeline.Actor, id string) error {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return err
	}
	_, err = pipeline.Authorize(a, p, 0, pipeline.AttachDocument)
	return err
}

// Attach lists an uploaded file among the priority's documents, in two
// phases (docs/documents.md): its row (pending) and content are stored,
// then the workflow's update attaches it and records the event. An upload
// either ends listed, or leaves nothing: a refused update deletes what the
// first phase stored at once; an update whose outcome is unknown leaves it
// to the sweep, which deletes it once its deadline has passed unless the
// workflow holds it.
func (s *Service) Attach(ctx context.Context, a pipeline.Actor, id string, up Upload) (*store.Document, error) {
	mediaType, code := up.Content.Type()
	if code != "" {
		ps := pipeline.Problems{pipeline.Problem("file", code)}
		if code == pipeline.DocumentUnsupported {
			ps[0].Params = map[string]any{"allowed": pipeline.AllowedDocumentTypes()}
		}
		if p, err := s.Priority(ctx, a, id); err != nil {
			return nil, err
		} else if _, err := pipeline.Authorize(a, p, 0, pipeline.AttachDocument); err != nil {
			return nil, err
		}
		return nil, pipeline.Invalid("the file is not accepted", ps)
	}
	doc := pipeline.Document{ID: uuid.NewString(), Name: up.Name, Kind: up.Kind, Target: up.Target, MediaType: mediaType,
		Size: up.Content.Size, SHA256: up.Content.SHA256, Expires: time.Now().Add(s.UploadWindow).UTC().Truncate(time.Microsecond)}
	act := pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.AttachDocument}, Document: &doc}
	p, a, act, err := s.judge(ctx, a, id, 0, act)
	if err != nil {
		return nil, uploadFields(err)
	}
	row := store.Document{Document: doc, PriorityID: p.ID, Uploader: a.Ref(), Status: store.DocumentPending}
	if err := s.Store.PendDocument(ctx, row); err != nil {
		return nil, readFailed(err)
	}
	if _, err := s.Blobs.Put(ctx, doc.ID, up.Content.Reader()); err != nil {
		s.Logger.WarnContext(ctx, "document content not stored", "document_id", doc.ID, "error", err)
		s.discard(ctx, row)
		return nil, errDatabaseDown
	}
	if _, err := s.send(ctx, a, p, 0, act); err != nil {
		if k := pipeline.KindOfError(err); k != pipeline.KindTimeout && k != pipeline.KindUnavailable {
			s.discard(ctx, row)
		}
		return nil, uploadFields(err)
	}
	row.Status, row.CreatedAt = store.DocumentAttached, time.Now().UTC()
	if d, err := s.Store.Document(ctx, p.ID, doc.ID); err == nil {
		row = d
	}
	return &row, nil
}

// uploadFields names the engine's problems with a document by the upload's
// fields: the file's name ("file.name"), "kind" and "target".
func uploadFields(err error) error {
	var e *pipeline.Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		return err
	}
	out := *e
	out.Problems = slices.Clone(e.Problems)
	for i, p := range out.Problems {
		switch f := strings.TrimPrefix(p.Field, "document."); f {
		case "name":
			out.Problems[i].Field = "file.name"
		case "kind", "target":
			out.Problems[i].Field = f
		case "document":
			out.Problems[i].Field = "file"
		}
	}
	return &out
}

// discard deletes what the first phase of an upload stored.
func (s *Service) discard(ctx context.Context, d store.Document) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.Blobs.Delete(ctx, d.ID); err != nil {
		s.Logger.WarnContext(ctx, "abandoned upload not deleted; the sweep will", "document_id", d.ID, "error", err)
		return
	}
	if err := s.Store.ForgetDocument(ctx, d.ID); err != nil {
		s.Logger.WarnContext(ctx, "abandoned upload's row not deleted; the sweep will", "document_id", d.ID, "error", err)
	}
}

// Documents lists the documents of a priority the actor may see, oldest first.
func (s *Service) Documents(ctx context.Context, a pipeline.Actor, id string) ([]store.Document, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return nil, err
	}
	docs, err := s.Store.Documents(ctx, p.ID)
	return docs, readFailed(err)
}

// Download opens a document of a priority the actor may see: KindNotFound
// when either is not there for the actor. The caller closes the content.
func (s *Service) Download(ctx context.Context, a pipeline.Actor, id, docID string) (store.Document, io.ReadCloser, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return store.Document{}, nil, err
	}
	if !pipeline.IsID(docID) {
		return store.Document{}, nil, pipeline.Errorf(pipeline.KindNotFound, "no document %s", docID)
	}
	d, err := s.Store.Document(ctx, p.ID, docID)
	if err != nil {
		return d, nil, readFailed(err)
	}
	r, err := s.Blobs.Get(ctx, d.ID)
	if err != nil {
		return d, nil, readFailed(err)
	}
	return d, r, nil
}

// RemoveDocument takes a document off a priority through the workflow's
// update, then deletes its content (or leaves that to the sweep).
func (s *Service) RemoveDocument(ctx context.Context, a pipeline.Actor, id, docID string) error {
	act := pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.RemoveDocument}, DocumentID: docID}
	if _, err := s.Act(ctx, a, id, 0, act); err != nil {
		return err
	}
	s.discard(ctx, store.Document{Document: pipeline.Document{ID: docID}})
	return nil
}

// SweepDocuments deletes the content and rows of removed documents and of
// uploads whose deadline passed (with sweepGrace) before the instant now
// and that the workflow does not hold: past the deadline the workflow
// refuses their attach, so they can never be listed. It returns how many
// it deleted. A workflow that cannot be asked now keeps its uploads for
// the next sweep.
func (s *Service) SweepDocuments(ctx context.Context, now time.Time) (int, error) {
	docs, err := s.Store.Sweepable(ctx, now.Add(-sweepGrace), sweepBatch)
	if err != nil {
		return 0, readFailed(err)
	}
	n := 0
	for _, d := range docs {
		if d.Status == store.DocumentPending {
			held, err := s.holds(ctx, d)
			if err != nil {
				s.Logger.WarnContext(ctx, "sweep: workflow not asked; trying again later", "document_id", d.ID, "error", err)
				continue
			}
			if held {
				continue // attached; its flush marks it within seconds
			}
		}
		if err := s.Blobs.Delete(ctx, d.ID); err != nil {
			return n, err
		}
		if err := s.Store.ForgetDocument(ctx, d.ID); err != nil {
			return n, readFailed(err)
		}
		n++
	}
	return n, nil
}

// holds asks the priority's workflow whether it lists the document. A
// workflow Temporal no longer knows lists nothing the read model lacks.
func (s *Service) holds(ctx context.Context, d store.Document) (bool, error) {
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.ID(d.PriorityID), "", workflows.QueryPriority)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var p pipeline.Priority
	if err := v.Get(&p); err != nil {
		return false, err
	}
	return p.HasDocument(d.ID), nil
}

// SweepEvery runs SweepDocuments every interval until ctx ends.
func (s *Service) SweepEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.SweepDocuments(ctx, time.Now()); err != nil {
				s.Logger.WarnContext(ctx, "document sweep failed", "deleted", n, "error", err)
			} else if n > 0 {
				s.Logger.InfoContext(ctx, "document sweep", "deleted", n)
			}
		}
	}
}
