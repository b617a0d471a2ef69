package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// uploadTimeout is how long an upload's body may take to arrive, once its
// sender is known to be allowed to attach: 25 MB at 400 kbit/s. Other
// requests keep the server's read timeout.
const uploadTimeout = 10 * time.Minute

// downloadCSP keeps a downloaded file from running anything should a
// browser render it despite Content-Disposition and nosniff.
const downloadCSP = "sandbox; default-src 'none'"

// documentView is a document as the API shows it.
type documentView struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Kind       string       `json:"kind"`
	Target     string       `json:"target"`
	MediaType  string       `json:"media_type"`
	Size       int64        `json:"size"`
	SHA256     string       `json:"sha256"`
	UploadedBy pipeline.Ref `json:"uploaded_by"`
	CreatedAt  time.Time    `json:"created_at"`
}

func viewDocument(d store.Document) documentView {
	return documentView{ID: d.ID, Name: d.Name, Kind: d.Kind, Target: d.Target, MediaType: d.MediaType, Size: d.Size,
		SHA256: d.SHA256, UploadedBy: d.Uploader, CreatedAt: d.CreatedAt}
}

// listDocuments handles GET /v1/priorities/{id}/documents: every document
// of the priority (at most pipeline.MaxDocuments), oldest first.
func (s *Server) listDocuments(c echo.Context) error {
	docs, err := s.svc.Documents(ctx(c), actorOf(c), priorityID(c))
	if err != nil {
		return err
	}
	items := make([]documentView, len(docs))
	for i, d := range docs {
		items[i] = viewDocument(d)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

// attachDocument handles POST /v1/priorities/{id}/documents, a
// multipart/form-data body with the file and its kind and target. Who may
// not attach is refused before the body is read; the body then has
// uploadTimeout to arrive, and at most documents.MaxRequest bytes.
func (s *Server) attachDocument(c echo.Context) error {
	id, a := priorityID(c), actorOf(c)
	if err := s.svc.MayAttach(ctx(c), a, id); err != nil {
		return err
	}
	r := c.Request()
	if r.ContentLength > documents.MaxRequest {
		return tooLargeFile()
	}
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadTimeout + service.DefaultUpdateTimeout + 30*time.Second))
	r.Body = http.MaxBytesReader(c.Response(), r.Body, documents.MaxRequest)
	form, err := documents.ReadForm(r, "kind", "target")
	if err != nil {
		return uploadRefused(err)
	}
	defer form.Close()
	target := form.Fields["target"]
	if target == "" {
		target = "priority"
	}
	d, err := s.svc.Attach(ctx(c), a, id, service.Upload{Name: form.Name, Kind: form.Fields["kind"], Target: target, Content: form.Content})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/priorities/"+id+"/documents/"+d.ID)
	return c.JSON(http.StatusCreated, viewDocument(*d))
}

// uploadRefused is the problem of an upload body ReadForm refused.
func uploadRefused(err error) error {
	switch {
	case errors.Is(err, documents.ErrTooLarge):
		return tooLargeFile()
	case errors.Is(err, documents.ErrNotMultipart):
		return problem(http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, documents.ErrBadBody):
		return problem(http.StatusBadRequest, err.Error())
	case errors.Is(err, documents.ErrSlowBody):
		return problem(http.StatusRequestTimeout, err.Error())
	}
	return err
}

func tooLargeFile() *Problem {
	return problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("a document is at most %d bytes", pipeline.MaxDocumentSize),
		pipeline.Problem("file", pipeline.DocumentTooLarge, "max", pipeline.MaxDocumentSize))
}

// downloadDocument handles GET /v1/priorities/{id}/documents/{doc_id}: the
// file, always as an attachment, never sniffed, rendered in a sandbox if
// at all.
func (s *Server) downloadDocument(c echo.Context) error {
	d, content, err := s.svc.Download(ctx(c), actorOf(c), priorityID(c), c.Param("doc_id"))
	if err != nil {
		return err
	}
	defer content.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, d.MediaType)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(d.Size, 10))
	h.Set(echo.HeaderContentDisposition, documents.ContentDisposition(d.Name))
	h.Set("Content-Security-Policy", downloadCSP)
	h.Set("ETag", `"`+d.SHA256+`"`)
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(c.Response(), content); err != nil {
		s.log.WarnContext(ctx(c), "document download cut short", "document_id", d.ID, "error", err)
	}
	return nil
}

// removeDocument handles DELETE /v1/priorities/{id}/documents/{doc_id}.
func (s *Server) removeDocument(c echo.Context) error {
	if err := s.svc.RemoveDocument(ctx(c), actorOf(c), priorityID(c), c.Param("doc_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
