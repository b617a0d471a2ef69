package web

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// uploadTimeout is how long an upload's body may take to arrive once its
// sender may attach: as the API's.
const uploadTimeout = 10 * time.Minute

// downloadCSP sandboxes a downloaded file, should a browser render it.
const downloadCSP = "sandbox; default-src 'none'"

// uploadPath is the path of the upload form's POST.
var uploadPath = regexp.MustCompile(`^/priorities/[^/]+/documents$`)

// Upload reports whether r is an upload of a document, whose body the web
// app bounds itself (documents.MaxRequest) rather than by the server's
// limit of other forms.
func (a *App) Upload(r *http.Request) bool {
	return r.Method == http.MethodPost && uploadPath.MatchString(r.URL.Path)
}

// documentView is a document as the priority's page lists it.
type documentView struct {
	store.Document
	KB float64
}

// documentForm is the upload form's state: what was chosen, and the
// choices.
type documentForm struct {
	Kind, Target string
	Kinds        []string
	Targets      []string
	Accept       string
}

func newDocumentForm(kind, target string) documentForm {
	return documentForm{Kind: kind, Target: target, Kinds: pipeline.DocumentKinds, Targets: pipeline.DocumentTargets,
		Accept: strings.ReplaceAll(pipeline.AllowedDocumentTypes(), " ", "")}
}

func documentViews(docs []store.Document) []documentView {
	out := make([]documentView, len(docs))
	for i, d := range docs {
		out[i] = documentView{Document: d, KB: float64((d.Size + 1023) / 1024)}
	}
	return out
}

// attachDocument takes the upload form: who may not attach is refused
// before the file is read; a refused file is shown with its problem next
// to the form, on the priority's page.
func (a *App) attachDocument(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id := r.PathValue("id")
	if err := a.d.Service.MayAttach(r.Context(), actor, id); err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadTimeout + service.DefaultUpdateTimeout + 30*time.Second))
	r.Body = http.MaxBytesReader(w, r.Body, documents.MaxRequest)
	form, err := documents.ReadForm(r, "document_kind", "document_target")
	var kind, target string
	status := http.StatusUnprocessableEntity
	if err == nil {
		defer form.Close()
		kind, target = form.Fields["document_kind"], form.Fields["document_target"]
		_, err = a.d.Service.Attach(r.Context(), actor, id, service.Upload{Name: form.Name, Kind: kind, Target: target, Content: form.Content})
		if err == nil {
			redirect(w, r, "/priorities/"+id, "notice.document_attached")
			return
		}
	}
	var ps pipeline.Problems
	switch {
	case errors.Is(err, documents.ErrTooLarge):
		status, ps = http.StatusRequestEntityTooLarge, pipeline.Problems{pipeline.Problem("file", pipeline.DocumentTooLarge, "max", pipeline.MaxDocumentSize)}
	case errors.Is(err, documents.ErrNotMultipart), errors.Is(err, documents.ErrBadBody):
		a.fail(w, r, &actor, http.StatusBadRequest, "error.bad_form")
		return
	case errors.Is(err, documents.ErrSlowBody):
		a.fail(w, r, &actor, http.StatusRequestTimeout, "error.bad_form")
		return
	default:
		if _, ps, err = a.problems(w, r, actor, err, pipeline.KindInvalid); err != nil {
			return
		}
	}
	d, err := a.priorityPage(r.Context(), actor, id)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	d.Upload = newDocumentForm(kind, target)
	a.render(w, r, &actor, status, "priority", "priority.title", d, withProblems(uploadFields(ps)), withTitle(d.P.Ref))
}

// uploadFields names the service's problems with an upload by the form's
// inputs.
func uploadFields(ps pipeline.Problems) pipeline.Problems {
	for i, p := range ps {
		switch p.Field {
		case "file.name":
			ps[i].Field = "file"
		case "kind", "target":
			ps[i].Field = "document_" + p.Field
		}
	}
	return ps
}

// downloadDocument serves a document as an attachment, as the API does.
func (a *App) downloadDocument(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	d, content, err := a.d.Service.Download(r.Context(), actor, r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	defer content.Close()
	h := w.Header()
	h.Set("Content-Type", d.MediaType)
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("Content-Disposition", documents.ContentDisposition(d.Name))
	h.Set("Content-Security-Policy", downloadCSP)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(uploadTimeout))
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, content); err != nil {
		a.d.Logger.WarnContext(r.Context(), "document download cut short", "document_id", d.ID, "error", err)
	}
}

// removeDocument takes a document off the priority (a form cannot DELETE).
func (a *App) removeDocument(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id := r.PathValue("id")
	if err := a.d.Service.RemoveDocument(r.Context(), actor, id, r.PathValue("doc")); err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	redirect(w, r, "/priorities/"+id, "notice.document_removed")
}
