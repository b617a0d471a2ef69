package documents

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/puente-dev/puente/pipeline"
)

// MaxRequest bounds a whole upload request: the file and the few small
// fields around it.
const MaxRequest = pipeline.MaxDocumentSize + 64<<10

// maxField bounds a form field other than the file, and maxParts the parts.
const (
	maxField = 1 << 10
	maxParts = 10
)

// Form is an upload request read: the file staged, its name, the other
// fields by name.
type Form struct {
	Name    string
	Content *Staged
	Fields  map[string]string
}

// ErrNotMultipart is ReadForm's refusal of a body that is not multipart/form-data.
var ErrNotMultipart = errors.New("send the file as multipart/form-data")

// ReadForm streams a multipart/form-data upload: the part named "file" to
// a staged file (at most pipeline.MaxDocumentSize bytes: ErrTooLarge
// beyond, without reading further), and the fields named in fields, each
// at most 1 KiB. Any other part, a part twice or no file is a
// *pipeline.Error of kind invalid listing the problems. The caller closes
// the form's content when there is one.
func ReadForm(r *http.Request, fields ...string) (*Form, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, ErrNotMultipart
	}
	if r.ContentLength > MaxRequest {
		return nil, ErrTooLarge
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	f := &Form{Fields: map[string]string{}}
	var ps pipeline.Problems
	fail := func(err error) (*Form, error) {
		f.Close()
		return nil, err
	}
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(readError(err))
		}
		if i == maxParts {
			return fail(pipeline.Invalid("too many parts", pipeline.Problems{pipeline.Problem("(body)", pipeline.TooMany, "count", maxParts)}))
		}
		name := part.FormName()
		switch {
		case name == "file" && f.Content != nil, f.Fields[name] != "":
			ps.Add(name, pipeline.Duplicate, "value", pipeline.QuoteShort(name))
		case name == "file":
			f.Name = rawFileName(part)
			if f.Content, err = Stage(part, pipeline.MaxDocumentSize); err != nil {
				return fail(readError(err))
			}
		case slices.Contains(fields, name):
			b, err := io.ReadAll(io.LimitReader(part, maxField+1))
			if err != nil {
				return fail(readError(err))
			}
			switch {
			case len(b) > maxField:
				ps.Add(name, pipeline.TooLong, "count", maxField)
			case !utf8.Valid(b):
				ps.Add(name, pipeline.InvalidUTF8)
			default:
				f.Fields[name] = string(b)
			}
		default:
			ps.Add(pipeline.Shorten(name, 40), pipeline.UnknownField)
		}
		_ = part.Close()
	}
	if f.Content == nil {
		ps.Add("file", pipeline.Required)
	}
	if len(ps) > 0 {
		return fail(pipeline.Invalid("the upload is not valid", ps))
	}
	return f, nil
}

// Close removes the staged file, if any.
func (f *Form) Close() {
	if f.Content != nil {
		f.Content.Close()
	}
}

// rawFileName is the filename parameter of a part's Content-Disposition
// as sent. multipart's FileName keeps only its last path element, which
// would hide a name with a path separator; Puente refuses such names.
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

// ErrBadBody is ReadForm's refusal of a body that breaks multipart framing.
var ErrBadBody = errors.New("the body is not well-formed multipart/form-data")

func readError(err error) error {
	var tooBig *http.MaxBytesError
	var file *fs.PathError
	switch {
	case errors.Is(err, ErrTooLarge), errors.As(err, &tooBig):
		return ErrTooLarge
	case pipeline.KindOfError(err) != 0:
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ErrSlowBody
	case errors.As(err, &file):
		return fmt.Errorf("read upload: %w", err) // the temporary file, not the body
	}
	return ErrBadBody
}

// ErrSlowBody is ReadForm's refusal of a body that did not arrive in time.
var ErrSlowBody = errors.New("the body did not arrive in time")

// ContentDisposition is the header that makes a browser save a file under
// name rather than show it (RFC 6266): an ASCII fallback for old clients
// and the exact name, percent-encoded UTF-8, in filename*.
func ContentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii.String(), encodeRFC5987(name))
}

// encodeRFC5987 percent-encodes every byte of s outside attr-char.
func encodeRFC5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
