package pipeline

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestDocumentNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, mediaType string
		want            Code // "" : accepted
	}{
		{"Carta de solicitud.pdf", "application/pdf", ""},
		{"Acta 3.PDF", "application/pdf", ""},
		{"foto.jpeg", "image/jpeg", ""},
		{"Términos de referencia.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"../../etc/passwd.pdf", "application/pdf", PathSeparator},
		{`C:\Users\ana\carta.pdf`, "application/pdf", PathSeparator},
		{"carta\x00.pdf", "application/pdf", ControlCharacter},
		{"carta\n.pdf", "application/pdf", ControlCharacter},
		{"fdp.exe\u202e.pdf", "application/pdf", BidiControl},
		{"", "application/pdf", Required},
		{"..", "application/pdf", Required},
		{"carta.pdf", "image/png", DocumentExtension},
		{"setup.exe", "application/pdf", DocumentExtension},
		{"carta", "application/pdf", DocumentExtension},
		{string(make([]rune, MaxDocumentName+1)), "application/pdf", TooLong},
		{"\xff.pdf", "application/pdf", InvalidUTF8},
	}
	for _, c := range cases {
		var ps Problems
		ps.DocumentName("name", c.name, c.mediaType)
		switch {
		case c.want == "" && len(ps) != 0:
			t.Errorf("%q: %v, want accepted", c.name, ps)
		case c.want != "" && (len(ps) != 1 || ps[0].Code != c.want || ps[0].Field != "name"):
			t.Errorf("%q: %v, want one %s on name", c.name, ps, c.want)
		}
	}
}

func TestDocumentActs(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	p := testPriority(Planning)
	attach := validAct(AttachDocument)

	out := Apply(fpIn, p, attach, at, DefaultSLAs())
	if !slices.Equal(out.Priority.Documents, []DocumentRef{{attachedDoc, "Acta.pdf"}, {attach.Document.ID, "Carta de solicitud.pdf"}}) ||
		out.Priority.Stage != Planning {
		t.Errorf("after attach: documents %v stage %s", out.Priority.Documents, out.Priority.Stage)
	}
	if len(p.Documents) != 1 {
		t.Errorf("Apply changed its input: %v", p.Documents)
	}
	ev := out.Event
	if ev.Kind != EventDocumentAttached || ev.Data["document_id"] != attach.Document.ID || ev.Data["name"] != "Carta de solicitud.pdf" ||
		ev.Data["size"] != int64(1024) || ev.Data["media_type"] != "application/pdf" || ev.Data["kind"] != "request_letter" {
		t.Errorf("attach event %+v", ev)
	}

	// The same document twice is a duplicate.
	var e *Error
	if err := Check(fpIn, &out.Priority, 0, attach); !asError(err, &e) || e.Kind != KindInvalid || !e.Problems.Has("document.id") {
		t.Errorf("second attach: %v", err)
	}

	removed := Apply(mFree, out.Priority, validAct(RemoveDocument), at, DefaultSLAs())
	if !slices.Equal(removed.Priority.Documents, []DocumentRef{{attach.Document.ID, "Carta de solicitud.pdf"}}) ||
		removed.Event.Kind != EventDocumentRemoved || removed.Event.Data["document_id"] != attachedDoc || removed.Event.Data["name"] != "Acta.pdf" {
		t.Errorf("after remove: %v %+v", removed.Priority.Documents, removed.Event)
	}
	// Removing it again, or a document never attached: not found.
	for _, id := range []string{attachedDoc, "00000000-0000-4000-8000-0000000000ff", "not-an-id", ""} {
		act := Act{DecisionInput: DecisionInput{Decision: RemoveDocument}, DocumentID: id}
		if err := Check(mFree, &removed.Priority, 0, act); KindOfError(err) != KindNotFound {
			t.Errorf("remove %q: %v, want not found", id, err)
		}
	}

	// An attach without its document, or with a bad one, lists every field.
	bad := Act{DecisionInput: DecisionInput{Decision: AttachDocument}, Document: &Document{ID: "x", Name: "a/b.pdf",
		Kind: "novel", Target: "report", MediaType: "application/x-msdownload", Size: MaxDocumentSize + 1, SHA256: "zz"}}
	err := Check(fpIn, &p, 0, bad)
	if !asError(err, &e) || e.Kind != KindInvalid {
		t.Fatalf("bad attach: %v", err)
	}
	for _, f := range []string{"document.id", "document.kind", "document.target", "document.media_type", "document.name",
		"document.size", "document.sha256", "document.expires"} {
		if !e.Problems.Has(f) {
			t.Errorf("bad attach: no problem on %s in %v", f, e.Problems)
		}
	}
	if err := Check(fpIn, &p, 0, Act{DecisionInput: DecisionInput{Decision: AttachDocument}}); !asError(err, &e) || !e.Problems.Has("document") {
		t.Errorf("attach without document: %v", err)
	}

	// At most MaxDocuments.
	full := testPriority(Planning)
	full.Documents = nil
	for i := range MaxDocuments {
		full.Documents = append(full.Documents, DocumentRef{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: "x.pdf"})
	}
	if err := Check(fpIn, &full, 0, attach); !asError(err, &e) || !e.Problems.Has("document") {
		t.Errorf("attach to a full priority: %v", err)
	}
}

// TestAttachExpires: the workflow's clock past Expires refuses the attach
// as a conflict with document_expired; until then CheckAt is Check.
func TestAttachExpires(t *testing.T) {
	t.Parallel()
	p := testPriority(Validation)
	act := validAct(AttachDocument)
	if err := CheckAt(fpIn, &p, 0, act, act.Document.Expires); err != nil {
		t.Errorf("at the deadline: %v", err)
	}
	err := CheckAt(fpIn, &p, 0, act, act.Document.Expires.Add(time.Millisecond))
	var e *Error
	if !asError(err, &e) || e.Kind != KindConflict || len(e.Problems) != 1 || e.Problems[0].Code != DocumentExpired {
		t.Errorf("past the deadline: %v", err)
	}
	// Removal has no deadline; refusals keep their order (404 first).
	if err := CheckAt(fpIn, &p, 0, validAct(RemoveDocument), act.Document.Expires.Add(time.Hour)); err != nil {
		t.Errorf("remove later: %v", err)
	}
	if err := CheckAt(fpOut, &p, 0, act, act.Document.Expires.Add(time.Hour)); KindOfError(err) != KindNotFound {
		t.Errorf("outsider past the deadline: %v", err)
	}
}

// TestDocumentsNotDecisions: the document acts are never offered as
// decisions, nor accepted on the decisions route's input.
func TestDocumentsNotDecisions(t *testing.T) {
	t.Parallel()
	p := testPriority(Planning)
	for _, a := range cast {
		for _, d := range AllowedDecisions(a, &p) {
			if d == AttachDocument || d == RemoveDocument {
				t.Errorf("%s offered %s", a.Name, d)
			}
		}
	}
	if AttachDocument.Valid() || RemoveDocument.Valid() || !AttachDocument.Edit() || !RemoveDocument.Edit() {
		t.Error("document acts must be edits, not decisions")
	}
}
