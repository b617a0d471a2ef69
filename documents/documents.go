// Package documents holds what a file goes through before Puente keeps it:
// the upload staged on local disk with its size bounded and its digest
// taken, the type found by content (never by name), and the one interface
// behind which the content is stored — PostgreSQL by default (store.Blobs),
// an S3-compatible store in production (docs/documents.md).
package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/puente-dev/puente/pipeline"
)

// Blobs stores documents' content by key (the document's id). Each method
// streams: no implementation holds a whole file in memory.
type Blobs interface {
	// Put stores what r yields under key and returns its length. A Put
	// that fails leaves nothing that Get would return.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get streams the content stored under key.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the content stored under key; deleting what is not
	// there is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrTooLarge is Stage's refusal of content over its limit.
var ErrTooLarge = errors.New("the file is too large")

// Staged is an upload spooled to a temporary file: its size and SHA-256,
// readable at any offset for sniffing and from the start for storing.
type Staged struct {
	f      *os.File
	Size   int64
	SHA256 string
}

// Stage copies r to a temporary file, at most max bytes: beyond that it
// stops reading and returns ErrTooLarge. Close removes the file.
func Stage(r io.Reader, max int64) (*Staged, error) {
	f, err := os.CreateTemp("", "puente-upload-*")
	if err != nil {
		return nil, fmt.Errorf("stage upload: %w", err)
	}
	s := &Staged{f: f}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = ErrTooLarge
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Size, s.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// ReadAt reads the staged content at off.
func (s *Staged) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

// Reader reads the staged content from its start.
func (s *Staged) Reader() io.Reader { return io.NewSectionReader(s.f, 0, s.Size) }

// Close removes the temporary file.
func (s *Staged) Close() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

// Type is the allowlisted media type of the staged content, or the code of
// why it is refused.
func (s *Staged) Type() (string, pipeline.Code) { return Sniff(s, s.Size) }
