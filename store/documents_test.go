package store_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestBlobsRoundTrip: content of several chunks comes back byte for byte;
// a missing key is ErrNotFound; Delete removes it and is idempotent; a
// Put whose source fails midway leaves nothing.
func TestBlobsRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	blobs := b.st.Blobs()
	data := make([]byte, 3*store.BlobChunk+17)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.UintN(256))
	}
	key := uuid.NewString()
	n, err := blobs.Put(b.ctx, key, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("put: %d, %v", n, err)
	}
	rc, err := blobs.Get(b.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %d bytes, identical %v, %v", len(got), bytes.Equal(got, data), err)
	}
	// Exactly one chunk's worth is one chunk.
	one := uuid.NewString()
	if _, err := blobs.Put(b.ctx, one, bytes.NewReader(data[:store.BlobChunk])); err != nil {
		t.Fatal(err)
	}
	if rc, err := blobs.Get(b.ctx, one); err != nil {
		t.Fatal(err)
	} else if got, _ := io.ReadAll(rc); len(got) != store.BlobChunk {
		t.Errorf("one chunk: %d bytes", len(got))
	}

	if err := blobs.Delete(b.ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := blobs.Delete(b.ctx, key); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if _, err := blobs.Get(b.ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}

	broken := uuid.NewString()
	src := io.MultiReader(bytes.NewReader(data[:2*store.BlobChunk+5]), failing{})
	if _, err := blobs.Put(b.ctx, broken, src); err == nil {
		t.Fatal("a failing source was stored")
	}
	if _, err := blobs.Get(b.ctx, broken); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed put left content: %v", err)
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// TestDocumentRows: a pending document is listed nowhere; the event of its
// attach lists it (once, however often recorded); that of its removal
// hands it to the sweep, as does the deadline of one never attached.
func TestDocumentRows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority(func(p *pipeline.Priority) { p.EventSeq = 1 })
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	doc := func(name string) store.Document {
		d := store.Document{PriorityID: p.ID, Uploader: pipeline.Ref{ID: p.SubmittedBy, Name: "María", Role: pipeline.FocalPoint}}
		d.Document = pipeline.Document{ID: uuid.NewString(), Name: name, Kind: "minutes", Target: "priority",
			MediaType: "application/pdf", Size: 10, SHA256: string(bytes.Repeat([]byte("a"), 64)), Expires: now.Add(time.Minute)}
		if err := b.st.PendDocument(b.ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	attached, abandoned := doc("Acta.pdf"), doc("Perdida.pdf")
	if docs, err := b.st.Documents(b.ctx, p.ID); err != nil || len(docs) != 0 {
		t.Fatalf("pending documents listed: %+v %v", docs, err)
	}

	record := func(seq int, kind pipeline.EventKind, id string) {
		t.Helper()
		q := *p
		q.EventSeq = seq
		ev := event(&q, seq, kind)
		ev.Data = map[string]any{"document_id": id}
		for range 2 { // recorded twice: by the API and by the flush
			if _, err := b.st.Record(b.ctx, store.Change{Priority: &q, Events: []pipeline.Event{ev}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	record(2, pipeline.EventDocumentAttached, attached.ID)
	docs, err := b.st.Documents(b.ctx, p.ID)
	if err != nil || len(docs) != 1 || docs[0].ID != attached.ID || docs[0].Name != "Acta.pdf" || docs[0].Uploader.Role != pipeline.FocalPoint {
		t.Fatalf("after attach: %+v %v", docs, err)
	}
	if _, err := b.st.Document(b.ctx, p.ID, abandoned.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a pending document found: %v", err)
	}
	if _, err := b.st.Document(b.ctx, uuid.NewString(), attached.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a document found under another priority: %v", err)
	}

	ids := func(ds []store.Document) []string {
		out := []string{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		slices.Sort(out)
		return out
	}
	if got, _ := b.st.Sweepable(b.ctx, now, 10); len(got) != 0 {
		t.Errorf("sweepable before any deadline: %v", ids(got))
	}
	if got, _ := b.st.Sweepable(b.ctx, now.Add(2*time.Minute), 10); !slices.Equal(ids(got), []string{abandoned.ID}) {
		t.Errorf("sweepable past the deadline: %v, want the abandoned one", ids(got))
	}
	// The forgotten row goes; an attached row is never forgotten.
	if err := b.st.ForgetDocument(b.ctx, attached.ID); err != nil {
		t.Fatal(err)
	}
	if docs, _ := b.st.Documents(b.ctx, p.ID); len(docs) != 1 {
		t.Errorf("an attached document was forgotten")
	}

	record(3, pipeline.EventDocumentRemoved, attached.ID)
	if docs, _ := b.st.Documents(b.ctx, p.ID); len(docs) != 0 {
		t.Errorf("removed document listed: %+v", docs)
	}
	// A late flush of the attach does not bring it back.
	record(2, pipeline.EventDocumentAttached, attached.ID)
	if docs, _ := b.st.Documents(b.ctx, p.ID); len(docs) != 0 {
		t.Errorf("a late attach relisted a removed document: %+v", docs)
	}
	want := []string{attached.ID, abandoned.ID}
	slices.Sort(want)
	if got, _ := b.st.Sweepable(b.ctx, now.Add(2*time.Minute), 10); !slices.Equal(ids(got), want) {
		t.Errorf("sweepable: %v, want %v", ids(got), want)
	}
}

// TestWhatTheEngineAcceptsIsStored: every document name the engine admits
// comes back from PostgreSQL exactly as sent.
func TestWhatTheEngineAcceptsIsStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := priority(func(p *pipeline.Priority) { p.EventSeq = 1 })
	if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
		t.Fatal(err)
	}
	names := []string{"Carta de solicitud.pdf", "tab\tin name.pdf", "emoji 🌎 \uFFFD.pdf", "فريق التحقيق المشترك.pdf",
		"צוות חקירה.pdf", "'; DROP TABLE documents; --.pdf", "<img src=x onerror=alert(1)>.pdf", "%00%2e%2e.pdf", ".hidden.pdf",
		string([]rune(strings.Repeat("ñ", pipeline.MaxDocumentName-4))) + ".pdf"}
	for i, name := range names {
		var ps pipeline.Problems
		ps.DocumentName("name", name, "application/pdf")
		if len(ps) > 0 {
			t.Fatalf("%q refused: %v", name, ps)
		}
		d := store.Document{PriorityID: p.ID, Uploader: pipeline.Ref{ID: p.SubmittedBy, Name: "María", Role: pipeline.FocalPoint}}
		d.Document = pipeline.Document{ID: uuid.NewString(), Name: name, Kind: "other", Target: "plan", MediaType: "application/pdf",
			Size: pipeline.MaxDocumentSize, SHA256: strings.Repeat("0", 64), Expires: time.Now().Add(time.Minute)}
		if err := b.st.PendDocument(b.ctx, d); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		q := *p
		q.EventSeq = i + 2
		ev := event(&q, i+2, pipeline.EventDocumentAttached)
		ev.Data = map[string]any{"document_id": d.ID, "name": name}
		if _, err := b.st.Record(b.ctx, store.Change{Priority: &q, Events: []pipeline.Event{ev}}); err != nil {
			t.Fatal(err)
		}
		got, err := b.st.Document(b.ctx, p.ID, d.ID)
		if err != nil || got.Name != name || got.Size != pipeline.MaxDocumentSize {
			t.Errorf("%q came back as %q (%d bytes), %v", name, got.Name, got.Size, err)
		}
	}
}
