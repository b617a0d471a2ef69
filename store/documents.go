package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// Document is a file of a priority as the read model holds it.
type Document struct {
	pipeline.Document
	PriorityID string       `json:"priority_id"`
	Uploader   pipeline.Ref `json:"uploaded_by"`
	CreatedAt  time.Time    `json:"created_at"`
	// Status is "pending" (content being stored, not yet listed),
	// "attached" or "removed" (its content to be deleted).
	Status string `json:"-"`
}

// The statuses of a document row.
const (
	DocumentPending  = "pending"
	DocumentAttached = "attached"
	DocumentRemoved  = "removed"
)

// PendDocument records a document whose content is about to be stored:
// listed nowhere until its attach event is recorded, swept after Expires
// if that never happens.
func (s *Store) PendDocument(ctx context.Context, d Document) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO documents (id, priority_id, name, kind, target, media_type, size, sha256,
		uploader_id, uploader_name, uploader_role, expires_at)
		VALUES (@id, @priority_id, @name, @kind, @target, @media_type, @size, @sha256, @uploader_id, @uploader_name,
		@uploader_role, @expires_at)`,
		pgx.NamedArgs{"id": d.ID, "priority_id": d.PriorityID, "name": d.Name, "kind": d.Kind, "target": d.Target,
			"media_type": d.MediaType, "size": d.Size, "sha256": d.SHA256, "uploader_id": d.Uploader.ID,
			"uploader_name": d.Uploader.Name, "uploader_role": string(d.Uploader.Role), "expires_at": d.Expires})
	if err != nil {
		return fmt.Errorf("pend document %s: %w", d.ID, refused(err))
	}
	return nil
}

const documentColumns = `id::text, priority_id::text, name, kind, target, media_type, size, sha256, status,
	uploader_id, uploader_name, uploader_role, created_at, expires_at`

func scanDocument(r pgx.CollectableRow) (Document, error) {
	var d Document
	err := r.Scan(&d.ID, &d.PriorityID, &d.Name, &d.Kind, &d.Target, &d.MediaType, &d.Size, &d.SHA256, &d.Status,
		&d.Uploader.ID, &d.Uploader.Name, &d.Uploader.Role, &d.CreatedAt, &d.Expires)
	return d, err
}

// Documents lists the attached documents of a priority, oldest first.
func (s *Store) Documents(ctx context.Context, priorityID string) ([]Document, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+documentColumns+` FROM documents
		WHERE priority_id = $1 AND status = 'attached' ORDER BY created_at, id`, priorityID)
	return pgx.CollectRows(rows, scanDocument)
}

// Document is one attached document of a priority: ErrNotFound when the
// priority lists no such document.
func (s *Store) Document(ctx context.Context, priorityID, id string) (Document, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+documentColumns+` FROM documents
		WHERE priority_id = $1 AND id = $2 AND status = 'attached'`, priorityID, id)
	d, err := pgx.CollectExactlyOneRow(rows, scanDocument)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

// Sweepable lists at most limit documents whose content is to be deleted:
// pending ones whose upload expired before the instant before, and
// removed ones.
func (s *Store) Sweepable(ctx context.Context, before time.Time, limit int) ([]Document, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+documentColumns+` FROM documents
		WHERE status = 'removed' OR (status = 'pending' AND expires_at < $1)
		ORDER BY expires_at LIMIT $2`, before, limit)
	return pgx.CollectRows(rows, scanDocument)
}

// ForgetDocument deletes a document's row once its content is gone, unless
// it was attached meanwhile.
func (s *Store) ForgetDocument(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM documents WHERE id = $1 AND status <> 'attached'`, id)
	return err
}

// markDocuments queues, for the document events among evs, the change of
// their rows' status: an attach lists a pending document, a removal marks
// it for the sweep. Both are idempotent.
func markDocuments(b *pgx.Batch, evs []pipeline.Event) {
	for _, e := range evs {
		id, _ := e.Data["document_id"].(string)
		switch e.Kind {
		case pipeline.EventDocumentAttached:
			b.Queue(`UPDATE documents SET status = 'attached' WHERE id = $1 AND status = 'pending'`, id)
		case pipeline.EventDocumentRemoved:
			b.Queue(`UPDATE documents SET status = 'removed' WHERE id = $1`, id)
		}
	}
}
