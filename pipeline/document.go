package pipeline

import (
	"path"
	"slices"
	"strings"
	"time"
)

// The document acts: rows of the table like the edits, taken through their
// own routes (POST and DELETE …/documents), never listed as decisions. They
// never change the stage (docs/documents.md).
const (
	// AttachDocument lists a stored file among the priority's documents.
	AttachDocument Decision = "attach_document"
	// RemoveDocument takes a file off the priority's documents.
	RemoveDocument Decision = "remove_document"
)

// The audit-trail kinds of the document acts.
const (
	EventDocumentAttached EventKind = "document_attached"
	EventDocumentRemoved  EventKind = "document_removed"
)

// Limits of documents (docs/documents.md).
const (
	// MaxDocumentSize is the largest file a priority takes, in bytes.
	MaxDocumentSize = 25 << 20
	// MaxDocuments is how many files one priority lists at most.
	MaxDocuments = 100
	// MaxDocumentName is the longest file name, in characters.
	MaxDocumentName = 200
)

// DocumentKinds are what a document is to the programme.
var DocumentKinds = []string{"request_letter", "terms_of_reference", "minutes", "attendance_list", "other"}

// DocumentTargets are what a document is attached to: the priority itself
// or its plan. A delivery report will be one more target.
var DocumentTargets = []string{"priority", "plan"}

// DocumentType is a media type Puente stores, with the file-name extensions
// that may name it.
type DocumentType struct {
	MediaType  string
	Extensions []string
}

// DocumentTypes is the allowlist of stored types: a file is one of them by
// its content (package documents sniffs it), and its name must carry one of
// its type's extensions.
var DocumentTypes = []DocumentType{
	{"application/pdf", []string{".pdf"}},
	{"application/vnd.oasis.opendocument.text", []string{".odt"}},
	{"application/vnd.oasis.opendocument.spreadsheet", []string{".ods"}},
	{"application/vnd.oasis.opendocument.presentation", []string{".odp"}},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", []string{".pptx"}},
	{"text/csv", []string{".csv"}},
	{"image/png", []string{".png"}},
	{"image/jpeg", []string{".jpg", ".jpeg"}},
}

// documentType is the allowlisted type named mediaType.
func documentType(mediaType string) (DocumentType, bool) {
	i := slices.IndexFunc(DocumentTypes, func(t DocumentType) bool { return t.MediaType == mediaType })
	if i < 0 {
		return DocumentType{}, false
	}
	return DocumentTypes[i], true
}

// Document is a file attached to a priority, as the attach act carries it
// and the audit trail records it. Expires is the instant after which the
// workflow refuses to attach it: its upload was abandoned, and the sweep
// may delete its content.
type Document struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Target    string    `json:"target"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	Expires   time.Time `json:"expires"`
}

// DocumentRef is a document as the priority lists it: its id, and its name
// for the audit trail of its removal.
type DocumentRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// HasDocument reports whether p lists the document with this id.
func (p *Priority) HasDocument(id string) bool {
	return slices.ContainsFunc(p.Documents, func(d DocumentRef) bool { return d.ID == id })
}

// DocumentName checks a file name as a person gave it: one line of text
// with no path separator, which must end with one of the extensions of
// mediaType when that is known. Names are refused, never rewritten: what
// the uploader sees listed is what they sent.
func (ps *Problems) DocumentName(field, name, mediaType string) {
	n := len(*ps)
	ps.Text(field, name, true, MaxDocumentName)
	if len(*ps) > n {
		return
	}
	switch {
	case strings.ContainsAny(name, `/\`):
		ps.Add(field, PathSeparator)
	case strings.Trim(name, ". ") == "":
		ps.Add(field, Required)
	case mediaType != "":
		t, ok := documentType(mediaType)
		if ok && !slices.Contains(t.Extensions, strings.ToLower(path.Ext(name))) {
			ps.Add(field, DocumentExtension, "allowed", strings.Join(t.Extensions, ", "))
		}
	}
}

// Validate lists what is wrong with a document to attach.
func (d *Document) Validate() Problems {
	var ps Problems
	ps.UUID("document.id", d.ID, true)
	ps.OneOf("document.kind", d.Kind, true, DocumentKinds)
	ps.OneOf("document.target", d.Target, true, DocumentTargets)
	if _, ok := documentType(d.MediaType); !ok {
		ps.Add("document.media_type", DocumentUnsupported, "allowed", AllowedDocumentTypes())
	}
	ps.DocumentName("document.name", d.Name, d.MediaType)
	switch {
	case d.Size <= 0:
		ps.Add("document.size", DocumentEmpty)
	case d.Size > MaxDocumentSize:
		ps.Add("document.size", DocumentTooLarge, "max", MaxDocumentSize)
	}
	if len(d.SHA256) != 64 || strings.Trim(d.SHA256, "0123456789abcdef") != "" {
		ps.Add("document.sha256", Required)
	}
	if d.Expires.IsZero() {
		ps.Add("document.expires", Required)
	}
	return ps
}

// AllowedDocumentTypes lists the extensions of the allowlisted types, for
// messages and the upload form's accept attribute.
func AllowedDocumentTypes() string {
	var exts []string
	for _, t := range DocumentTypes {
		exts = append(exts, t.Extensions...)
	}
	return strings.Join(exts, ", ")
}

// documentProblems is what is wrong with a document act on p.
func documentProblems(p *Priority, act Act) Problems {
	var ps Problems
	if act.Decision == RemoveDocument {
		if act.Document != nil {
			ps.Add("document", NotUsed, "decision", string(act.Decision))
		}
		return ps
	}
	if act.DocumentID != "" {
		ps.Add("document_id", NotUsed, "decision", string(act.Decision))
	}
	if act.Document == nil {
		return append(ps, Problem("document", Required))
	}
	ps = append(ps, act.Document.Validate()...)
	switch {
	case p.HasDocument(act.Document.ID):
		ps.Add("document.id", Duplicate, "value", QuoteShort(act.Document.ID))
	case len(p.Documents) >= MaxDocuments:
		ps.Add("document", TooMany, "count", MaxDocuments)
	}
	return ps
}

// CheckAt is Check at the instant at: it also refuses to attach a document
// whose upload expired (KindConflict), so that once Expires has passed on
// the workflow's clock a document not yet attached never will be, and the
// sweep may delete its content. The workflow's validator and handler call
// it with the workflow's clock, the service's dry run with its own.
func CheckAt(a Actor, p *Priority, version int, act Act, at time.Time) error {
	if err := Check(a, p, version, act); err != nil {
		return err
	}
	if act.Decision == AttachDocument && at.After(act.Document.Expires) {
		return &Error{Kind: KindConflict, Message: "the upload took too long and was abandoned: send the file again",
			Problems: Problems{Problem("document", DocumentExpired)}}
	}
	return nil
}

// documentEvent records a document act: the document's description in the
// event's data, its id in or out of p's list.
func documentEvent(p *Priority, act Act, data map[string]any) {
	if act.Decision == AttachDocument {
		d := act.Document
		p.Documents = append(p.Documents, DocumentRef{ID: d.ID, Name: d.Name})
		data["document_id"], data["name"], data["kind"], data["target"] = d.ID, d.Name, d.Kind, d.Target
		data["media_type"], data["size"], data["sha256"] = d.MediaType, d.Size, d.SHA256
		return
	}
	i := slices.IndexFunc(p.Documents, func(d DocumentRef) bool { return d.ID == act.DocumentID })
	data["document_id"], data["name"] = act.DocumentID, p.Documents[i].Name
	p.Documents = slices.Delete(p.Documents, i, i+1)
}

// documentText names a document act in refusals.
func documentText(d Decision) string {
	if d == AttachDocument {
		return "attaching a document"
	}
	return "removing a document"
}
