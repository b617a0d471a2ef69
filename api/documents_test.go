package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/api"
	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/internal/samplefiles"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/workflows"
)

type documentBody struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Kind       string       `json:"kind"`
	Target     string       `json:"target"`
	MediaType  string       `json:"media_type"`
	Size       int64        `json:"size"`
	SHA256     string       `json:"sha256"`
	UploadedBy pipeline.Ref `json:"uploaded_by"`
}

// part is one part of a multipart body: a field, or the file when
// filename or disposition is set.
type part struct {
	name, filename, disposition string
	data                        []byte
}

// multipartBody builds a multipart/form-data body from parts, as a browser
// sends one; disposition, when set, is the part's Content-Disposition as is.
func multipartBody(t *testing.T, parts ...part) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		switch {
		case p.disposition != "":
			h.Set("Content-Disposition", p.disposition)
		case p.filename != "":
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, p.name, p.filename))
		default:
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"`, p.name))
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func (b *bundle) upload(t *testing.T, u testenv.User, id string, parts ...part) testenv.Response {
	t.Helper()
	body, ct := multipartBody(t, parts...)
	return b.app.Do(t, "POST", "/v1/priorities/"+id+"/documents", u.Token, body, "Content-Type", ct)
}

func file(name string, data []byte) part { return part{name: "file", filename: name, data: data} }
func field(name, v string) part          { return part{name: name, data: []byte(v)} }

func (b *bundle) attach(t *testing.T, u testenv.User, id, name, kind string, data []byte) documentBody {
	t.Helper()
	r := b.upload(t, u, id, field("kind", kind), file(name, data))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("attach %s as %s: %s %s", name, u.Name, r.Status, r.Body)
	}
	var d documentBody
	r.JSON(t, &d)
	if loc := r.Header.Get("Location"); loc != "/v1/priorities/"+id+"/documents/"+d.ID {
		t.Fatalf("Location %q", loc)
	}
	return d
}

func (b *bundle) documents(t *testing.T, u testenv.User, id string) []documentBody {
	t.Helper()
	var list struct{ Items []documentBody }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/documents", u.Token, nil).JSON(t, &list)
	return list.Items
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// TestDocumentsThroughTheAPI: the priority's team attaches files of every
// allowed type; whoever sees the priority lists them and downloads them
// byte for byte, as attachments that nothing renders; others get 404;
// removal takes one off; each attach and removal is an event of the
// gapless trail, and the content of a removed file is deleted.
func TestDocumentsThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.submit(t, b.fpPE, submission()).ID
	b.decide(t, b.manager, id, http.StatusOK, map[string]any{"decision": "accept", "expert_id": b.expert.ID})

	letter := samplefiles.PDF()
	d := b.attach(t, b.fpPE, id, "Carta de solicitud — Fiscalía.pdf", "request_letter", letter)
	if d.MediaType != "application/pdf" || d.Size != int64(len(letter)) || d.SHA256 != sha(letter) || d.Kind != "request_letter" ||
		d.Target != "priority" || d.UploadedBy.ID != b.fpPE.ID || d.UploadedBy.Name != "María Quispe" || d.UploadedBy.Role != pipeline.FocalPoint {
		t.Errorf("attached %+v", d)
	}
	// Every allowed type, by the expert, to the plan.
	var names []string
	for _, f := range samplefiles.All(t)[1:] {
		r := b.upload(t, b.expert, id, field("kind", "terms_of_reference"), field("target", "plan"), file(f.Name, f.Data))
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %s %s", f.Name, r.Status, r.Body)
		}
		var got documentBody
		r.JSON(t, &got)
		if got.MediaType != f.MediaType || got.Target != "plan" || got.Name != f.Name {
			t.Errorf("%s: %+v", f.Name, got)
		}
		names = append(names, f.Name)
	}

	// Whoever sees the priority lists them, oldest first.
	list := b.documents(t, b.expert2, id)
	if len(list) != 1+len(names) || list[0].ID != d.ID {
		t.Fatalf("expert2 lists %d documents: %+v", len(list), list)
	}
	for i, n := range names {
		if list[i+1].Name != n {
			t.Errorf("document %d is %q, want %q", i+1, list[i+1].Name, n)
		}
	}

	// The download is byte-identical, an attachment, never sniffed, sandboxed.
	r := b.app.Do(t, "GET", "/v1/priorities/"+id+"/documents/"+d.ID, b.expert2.Token, nil)
	if r.StatusCode != http.StatusOK || !bytes.Equal(r.Body, letter) {
		t.Fatalf("download: %s, %d bytes, identical %v", r.Status, len(r.Body), bytes.Equal(r.Body, letter))
	}
	for h, want := range map[string]string{
		"Content-Type":            "application/pdf",
		"Content-Disposition":     `attachment; filename="Carta de solicitud _ Fiscal_a.pdf"; filename*=UTF-8''Carta%20de%20solicitud%20%E2%80%94%20Fiscal%C3%ADa.pdf`,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"Cache-Control":           "no-store",
		"ETag":                    `"` + sha(letter) + `"`,
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("download %s: %q, want %q", h, got, want)
		}
	}

	// Outside the scope: 404 on every document route, as for the priority.
	for _, req := range [][2]string{{"GET", "/documents"}, {"GET", "/documents/" + d.ID}, {"DELETE", "/documents/" + d.ID}} {
		if r := b.app.Do(t, req[0], "/v1/priorities/"+id+req[1], b.fpMX.Token, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("focal point of MX: %s %s → %s", req[0], req[1], r.Status)
		}
	}
	if r := b.upload(t, b.fpMX, id, field("kind", "minutes"), file("acta.pdf", letter)); r.StatusCode != http.StatusNotFound {
		t.Errorf("focal point of MX uploads: %s %s", r.Status, r.Body)
	}
	// A theme expert sees the priority but is not on its team: 403.
	if r := b.upload(t, b.expert2, id, field("kind", "minutes"), file("acta.pdf", letter)); r.StatusCode != http.StatusForbidden {
		t.Errorf("expert2 uploads: %s %s", r.Status, r.Body)
	}
	if r := b.app.Do(t, "DELETE", "/v1/priorities/"+id+"/documents/"+d.ID, b.expert2.Token, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("expert2 removes: %s %s", r.Status, r.Body)
	}

	// A manager removes the letter: gone from the list, the download and the blob store.
	if r := b.app.Do(t, "DELETE", "/v1/priorities/"+id+"/documents/"+d.ID, b.manager2.Token, nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("remove: %s %s", r.Status, r.Body)
	}
	if list := b.documents(t, b.fpPE, id); len(list) != len(names) || slices.ContainsFunc(list, func(x documentBody) bool { return x.ID == d.ID }) {
		t.Errorf("after removal: %+v", list)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if r := b.app.Do(t, m, "/v1/priorities/"+id+"/documents/"+d.ID, b.manager.Token, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s removed document: %s", m, r.Status)
		}
	}
	if _, err := b.app.Store.Blobs().Get(context.Background(), d.ID); err == nil {
		t.Error("the removed document's content is still stored")
	}

	// The audit trail: submitted, accept, then one event per attach and the removal, gapless.
	var events struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.fpPE.Token, nil).JSON(t, &events)
	var kinds []pipeline.EventKind
	for i, ev := range events.Items {
		if ev.Seq != i+1 {
			t.Errorf("event %d has seq %d", i, ev.Seq)
		}
		kinds = append(kinds, ev.Kind)
	}
	want := []pipeline.EventKind{pipeline.EventSubmitted, pipeline.EventKind(pipeline.Accept)}
	for range 1 + len(names) {
		want = append(want, pipeline.EventDocumentAttached)
	}
	want = append(want, pipeline.EventDocumentRemoved)
	if !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	first, last := events.Items[2], events.Items[len(events.Items)-1]
	if first.Data["document_id"] != d.ID || first.Data["name"] != d.Name || first.Data["sha256"] != sha(letter) ||
		first.Actor.ID != b.fpPE.ID || first.FromStage != pipeline.ExpertReview || first.ToStage != pipeline.ExpertReview {
		t.Errorf("attach event %+v", first)
	}
	if last.Data["document_id"] != d.ID || last.Actor.ID != b.manager2.ID {
		t.Errorf("removal event %+v", last)
	}

	// A closed priority takes no more documents, and keeps its own.
	b.decide(t, b.fpPE, id, http.StatusOK, map[string]any{"decision": "withdraw", "reason": "resuelto"})
	if r := b.upload(t, b.fpPE, id, field("kind", "minutes"), file("acta.pdf", letter)); r.StatusCode != http.StatusConflict {
		t.Errorf("attach to a withdrawn priority: %s %s", r.Status, r.Body)
	}
	if list := b.documents(t, b.manager, id); len(list) != len(names) {
		t.Errorf("withdrawn priority lists %d documents", len(list))
	}
}

// TestHostileUploads: every refused upload answers a 4xx with a code on
// the field at fault, and stores nothing.
func TestHostileUploads(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.submit(t, b.fpPE, submission()).ID
	pdf := samplefiles.PDF()
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0x90}, 4096)...)
	cases := []struct {
		name   string
		parts  []part
		status int
		field  string
		code   pipeline.Code
	}{
		{"an executable renamed .pdf", []part{field("kind", "request_letter"), file("carta.pdf", exe)}, 422, "file", pipeline.DocumentUnsupported},
		{"a PNG named .pdf", []part{field("kind", "request_letter"), file("carta.pdf", samplefiles.PNG(t))}, 422, "file.name", pipeline.DocumentExtension},
		{"a zip bomb named .docx", []part{field("kind", "minutes"), file("acta.docx", zipBomb(t))}, 422, "file", pipeline.DocumentUnsafe},
		{"a path in the name", []part{field("kind", "minutes"), file("../../etc/acta.pdf", pdf)}, 422, "file.name", pipeline.PathSeparator},
		{"a Windows path in the name", []part{field("kind", "minutes"), file(`C:\\temp\\acta.pdf`, pdf)}, 422, "file.name", pipeline.PathSeparator},
		{"a control character in the name", []part{field("kind", "minutes"),
			{name: "file", disposition: `form-data; name="file"; filename*=UTF-8''acta%01.pdf`, data: pdf}}, 422, "file.name", pipeline.ControlCharacter},
		{"a bidi override in the name", []part{field("kind", "minutes"), file("acta\u202Efdp.exe", pdf)}, 422, "file.name", pipeline.BidiControl},
		{"an empty file", []part{field("kind", "minutes"), file("acta.pdf", nil)}, 422, "file", pipeline.DocumentEmpty},
		{"no file part", []part{field("kind", "minutes")}, 422, "file", pipeline.Required},
		{"no kind", []part{file("acta.pdf", pdf)}, 422, "kind", pipeline.Required},
		{"an unknown kind", []part{field("kind", "novel"), file("acta.pdf", pdf)}, 422, "kind", pipeline.NotOneOf},
		{"an unknown target", []part{field("kind", "minutes"), field("target", "report"), file("acta.pdf", pdf)}, 422, "target", pipeline.NotOneOf},
		{"an unknown part", []part{field("kind", "minutes"), field("owner", "me"), file("acta.pdf", pdf)}, 422, "owner", pipeline.UnknownField},
		{"two files", []part{field("kind", "minutes"), file("a.pdf", pdf), file("b.pdf", pdf)}, 422, "file", pipeline.Duplicate},
		{"one byte over 25 MiB", []part{field("kind", "minutes"), file("acta.pdf", append(bytes.Clone(pdf), make([]byte, pipeline.MaxDocumentSize+1-len(pdf))...))},
			413, "file", pipeline.DocumentTooLarge},
	}
	for _, c := range cases {
		r := b.upload(t, b.fpPE, id, c.parts...)
		var p struct{ Errors []pipeline.FieldError }
		if r.StatusCode != c.status {
			t.Errorf("%s: %s %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		r.Problem(t, &p)
		if !slices.ContainsFunc(p.Errors, func(e pipeline.FieldError) bool { return e.Field == c.field && e.Code == c.code }) {
			t.Errorf("%s: %s, want %s on %s", c.name, r.Body, c.code, c.field)
		}
	}
	// Not multipart, a broken body, no token, unknown and malformed ids.
	if r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/documents", b.fpPE.Token, map[string]any{"file": "x"}); r.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %s", r.Status)
	}
	if r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/documents", b.fpPE.Token, []byte("--x\r\nbroken"), "Content-Type", "multipart/form-data; boundary=x"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("broken multipart: %s %s", r.Status, r.Body)
	}
	body, ct := multipartBody(t, field("kind", "minutes"), file("acta.pdf", pdf))
	if r := b.app.Do(t, "POST", "/v1/priorities/"+id+"/documents", "", body, "Content-Type", ct); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %s", r.Status)
	}
	for _, doc := range []string{"7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f", "not-an-id", "7C1F2A4E-9B3D-4C5E-8F60-1A2B3C4D5E6F"} {
		for _, m := range []string{"GET", "DELETE"} {
			if r := b.app.Do(t, m, "/v1/priorities/"+id+"/documents/"+doc, b.fpPE.Token, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s unknown document %s: %s %s", m, doc, r.Status, r.Body)
			}
		}
	}
	// A body announced over the limit is refused before it is read.
	big := &countingReader{n: 30 << 20}
	req, _ := http.NewRequest("POST", b.app.URL+"/v1/priorities/"+id+"/documents", big)
	req.ContentLength = big.n
	req.Header.Set("Authorization", "Bearer "+b.fpPE.Token)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	if res, err := http.DefaultClient.Do(req); err == nil {
		_ = res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("30 MB announced: %s", res.Status)
		}
	}
	// The client may have written a few MB into the connection's buffers
	// before it saw the answer, never the whole body.
	if big.read > 15<<20 {
		t.Errorf("the server read %d bytes of a body announced over the limit", big.read)
	}

	// Nothing was stored, listed or recorded.
	if list := b.documents(t, b.fpPE, id); len(list) != 0 {
		t.Errorf("listed %+v", list)
	}
	if docs, chunks := documentRows(t, b.app); docs != 0 || chunks != 0 {
		t.Errorf("%d document rows and %d chunks left", docs, chunks)
	}
	if p := b.get(t, b.fpPE, id); p.Version != 1 || p.EventSeq != 1 {
		t.Errorf("the priority changed: version %d, %d events", p.Version, p.EventSeq)
	}
}

// countingReader yields n zero bytes and counts what was read of them.
type countingReader struct{ n, read int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), c.n-c.read)
	clear(p[:k])
	c.read += k
	return int(k), nil
}

// documentRows counts the rows of documents and blob chunks in the test's database.
func documentRows(t *testing.T, app *testenv.App) (docs, chunks int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM blob_chunks)`).Scan(&docs, &chunks); err != nil {
		t.Fatal(err)
	}
	return docs, chunks
}

// zipBomb is a DOCX-shaped archive with an entry of 64 MiB of zeros.
func zipBomb(t *testing.T) []byte {
	t.Helper()
	return samplefiles.ZipWith(t, "word/media/zeros.bin", 64<<20)
}

// failingTemporal is Temporal as a process that dies between the two phases
// of an upload sees it: its update never arrives (lost), or arrives and
// applies but its answer is lost (applied).
type failingTemporal struct {
	client.Client
	applied bool
}

func (f failingTemporal) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if f.applied {
		h, err := f.Client.UpdateWorkflow(ctx, o)
		if err == nil {
			_ = h.Get(ctx, nil)
		}
	}
	return nil, serviceerror.NewUnavailable("the API process died")
}

// TestUploadNeverLost: an upload whose update never came leaves a pending
// row and its content, listed nowhere, which the sweep deletes once its
// deadline has passed; one whose update applied but whose process died
// before answering is kept by the sweep and listed by the workflow's flush;
// a completed upload survives every sweep.
func TestUploadNeverLost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.submit(t, b.fpPE, submission()).ID
	done := b.attach(t, b.fpPE, id, "Carta.pdf", "request_letter", samplefiles.PDF())
	actor := b.fpPE.Actor
	const window = 2 * time.Second
	dying := func(applied bool) *service.Service {
		return service.New(service.Config{Store: b.app.Store, Temporal: failingTemporal{Client: b.app.Temporal, applied: applied},
			TaskQueue: b.app.TaskQueue, UploadWindow: window, UpdateTimeout: 5 * time.Second})
	}
	upload := func(svc *service.Service, name string, data []byte) error {
		staged, err := documents.Stage(bytes.NewReader(data), pipeline.MaxDocumentSize)
		if err != nil {
			t.Fatal(err)
		}
		defer staged.Close()
		_, err = svc.Attach(ctx, actor, id, service.Upload{Name: name, Kind: "minutes", Target: "priority", Content: staged})
		return err
	}

	// Lost: 503, nothing listed, the content waits for the sweep.
	lostData := samplefiles.DOCX(t)
	if err := upload(dying(false), "Acta perdida.docx", lostData); pipeline.KindOfError(err) != pipeline.KindUnavailable {
		t.Fatalf("lost update: %v, want unavailable", err)
	}
	// Applied: the workflow holds it, the read model does not yet.
	appliedData := samplefiles.ODF(t, "application/vnd.oasis.opendocument.text")
	if err := upload(dying(true), "Acta aplicada.odt", appliedData); pipeline.KindOfError(err) != pipeline.KindUnavailable {
		t.Fatalf("applied update: %v, want unavailable", err)
	}
	if docs, _ := documentRows(t, b.app); docs != 3 {
		t.Fatalf("%d document rows, want 3 (one listed, two pending)", docs)
	}
	if list := b.documents(t, b.fpPE, id); len(list) > 2 || slices.ContainsFunc(list, func(d documentBody) bool { return d.Name == "Acta perdida.docx" }) {
		t.Fatalf("listed before the sweep: %+v", list)
	}

	// Before the deadline the sweep deletes nothing.
	if n, err := b.app.Service.SweepDocuments(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("early sweep: %d, %v", n, err)
	}
	// After it, the lost upload goes; the applied one stays.
	n, err := b.app.Service.SweepDocuments(ctx, time.Now().Add(window+2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d deleted, %v; want 1", n, err)
	}
	// The workflow's flush lists the applied one within seconds.
	var list []documentBody
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if list = b.documents(t, b.fpPE, id); len(list) == 2 {
			break
		}
	}
	if len(list) != 2 || list[0].ID != done.ID || list[1].Name != "Acta aplicada.odt" || list[1].SHA256 != sha(appliedData) {
		t.Fatalf("after the sweep and the flush: %+v", list)
	}
	// Nothing of the lost upload remains; both listed ones download whole.
	if docs, chunks := documentRows(t, b.app); docs != 2 || chunks != 2 {
		t.Errorf("%d document rows and %d chunks, want 2 and 2", docs, chunks)
	}
	for _, d := range list {
		r := b.app.Do(t, "GET", "/v1/priorities/"+id+"/documents/"+d.ID, b.manager.Token, nil)
		if r.StatusCode != http.StatusOK || sha(r.Body) != d.SHA256 {
			t.Errorf("download %s: %s, sha %s", d.Name, r.Status, sha(r.Body))
		}
	}
	if n, err := b.app.Service.SweepDocuments(ctx, time.Now().Add(24*time.Hour)); err != nil || n != 0 {
		t.Errorf("a later sweep deleted %d (%v)", n, err)
	}
	var events struct{ Items []pipeline.Event }
	b.app.Do(t, "GET", "/v1/priorities/"+id+"/events", b.fpPE.Token, nil).JSON(t, &events)
	if got := len(events.Items); got != 3 || events.Items[2].Data["name"] != "Acta aplicada.odt" {
		t.Errorf("events: %+v", events.Items)
	}
}

// TestTheWorkflowRefusesAnExpiredAttach: an attach whose deadline has
// passed on the workflow's clock is refused by the workflow itself (its
// validator), whatever the caller judged: a sweep past the deadline can
// never race an update still on its way. One within its deadline is
// applied.
func TestTheWorkflowRefusesAnExpiredAttach(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.submit(t, b.fpPE, submission()).ID
	send := func(expires time.Time) error {
		doc := &pipeline.Document{ID: uuid.NewString(), Name: "Acta.pdf", Kind: "minutes", Target: "priority",
			MediaType: "application/pdf", Size: 10, SHA256: sha([]byte("x")), Expires: expires}
		h, err := b.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.ID(id), UpdateName: workflows.UpdateAct, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.ActRequest{Actor: b.fpPE.Actor, Act: pipeline.Act{
				DecisionInput: pipeline.DecisionInput{Decision: pipeline.AttachDocument}, Document: doc}}},
		})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	}
	err := send(time.Now().Add(-time.Second))
	e, ok := workflows.AsRefusal(err)
	if !ok || e.Kind != pipeline.KindConflict || len(e.Problems) != 1 || e.Problems[0].Code != pipeline.DocumentExpired {
		t.Fatalf("expired attach: %v", err)
	}
	if err := send(time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("attach within its deadline: %v", err)
	}
	var p struct{ pipeline.Priority }
	q, err := b.app.Temporal.QueryWorkflow(ctx, workflows.ID(id), "", workflows.QueryPriority)
	if err != nil || q.Get(&p) != nil {
		t.Fatal(err)
	}
	if len(p.Documents) != 1 || p.EventSeq != 2 {
		t.Errorf("the workflow lists %v after %d events, want one document after 2", p.Documents, p.EventSeq)
	}
}

// TestUploadsOutlastTheReadTimeout: with the server's read timeout at 2 s,
// an upload whose body takes 4 s to arrive is taken — its route, once the
// caller may attach, has a deadline of its own — while the same body from
// someone who may not attach is answered at once without being read, and
// a JSON body as slow is still cut (TestSlowClientsAreCut).
func TestUploadsOutlastTheReadTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.submit(t, b.fpPE, submission()).ID
	limits := api.DefaultServerLimits()
	limits.Read = 2 * time.Second
	addr := hardenedServer(t, b.app, limits)
	body, ct := multipartBody(t, field("kind", "minutes"), file("Acta.pdf", samplefiles.PDF()))

	send := func(token string) (string, time.Duration) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "POST /v1/priorities/%s/documents HTTP/1.1\r\nHost: puente\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", id, token, ct, len(body))
		go func() { // in 8 pieces, 500 ms apart: 4 s in all
			step := (len(body) + 7) / 8
			for i := 0; i < len(body); i += step {
				if _, err := conn.Write(body[i:min(i+step, len(body))]); err != nil {
					return
				}
				time.Sleep(500 * time.Millisecond)
			}
		}()
		return readUntilClosed(t, conn, start, 20*time.Second)
	}
	got, took := send(b.fpPE.Token)
	if !strings.HasPrefix(got, "HTTP/1.1 201 ") {
		t.Fatalf("slow upload after %v: %q", took, firstLine(got))
	}
	if took < limits.Read {
		t.Errorf("answered after %v: the body was not slow", took)
	}
	got, took = send(b.fpMX.Token)
	if !strings.HasPrefix(got, "HTTP/1.1 404 ") || took > time.Second {
		t.Errorf("upload by someone who may not see the priority: %q after %v, want 404 at once", firstLine(got), took)
	}
	if list := b.documents(t, b.fpPE, id); len(list) != 1 {
		t.Errorf("%d documents listed, want the slow one", len(list))
	}
}
