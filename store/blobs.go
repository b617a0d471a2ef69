package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// BlobChunk is the size of the chunks the embedded blob store writes: a
// stream costs one chunk of memory on its way in or out.
const BlobChunk = 256 << 10

// Blobs is the embedded blob store: document content in PostgreSQL, in
// chunks (table blob_chunks). It is the default implementation of
// documents.Blobs; an S3-compatible store can take its place
// (docs/documents.md).
type Blobs struct{ s *Store }

// Blobs returns the blob store kept in this database.
func (s *Store) Blobs() *Blobs { return &Blobs{s: s} }

// Put stores what r yields under key, chunk by chunk in one transaction: a
// Put that fails leaves nothing. It returns how many bytes it stored.
func (b *Blobs) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, b.s.pool, func(tx pgx.Tx) error {
		buf := make([]byte, BlobChunk)
		for i := 0; ; i++ {
			m, err := io.ReadFull(r, buf)
			if m > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO blob_chunks (key, n, data) VALUES ($1, $2, $3)`, key, i, buf[:m]); err != nil {
					return fmt.Errorf("chunk %d: %w", i, err)
				}
				n += int64(m)
			}
			switch {
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				return nil
			case err != nil:
				return err
			}
		}
	})
	if err != nil {
		return 0, fmt.Errorf("put blob %s: %w", key, err)
	}
	return n, nil
}

// Get streams the content stored under key, one chunk per query; a key
// with no content is ErrNotFound.
func (b *Blobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r := &chunkReader{ctx: ctx, b: b, key: key}
	if err := r.fetch(); err != nil {
		return nil, err
	}
	if r.chunk == nil {
		return nil, fmt.Errorf("blob %s: %w", key, ErrNotFound)
	}
	return r, nil
}

// Delete removes the content stored under key; deleting what is not
// there is no error.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	if _, err := b.s.pool.Exec(ctx, `DELETE FROM blob_chunks WHERE key = $1`, key); err != nil {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

// chunkReader reads a blob's chunks in order, holding one at a time.
type chunkReader struct {
	ctx   context.Context
	b     *Blobs
	key   string
	n     int
	chunk []byte
	done  bool
}

func (r *chunkReader) fetch() error {
	err := r.b.s.pool.QueryRow(r.ctx, `SELECT data FROM blob_chunks WHERE key = $1 AND n = $2`, r.key, r.n).Scan(&r.chunk)
	if errors.Is(err, pgx.ErrNoRows) {
		r.chunk, r.done = nil, true
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob %s chunk %d: %w", r.key, r.n, err)
	}
	r.n++
	return nil
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.chunk) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if err := r.fetch(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.chunk)
	r.chunk = r.chunk[n:]
	return n, nil
}

func (r *chunkReader) Close() error { r.done, r.chunk = true, nil; return nil }
