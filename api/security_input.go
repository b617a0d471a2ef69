package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// maxScanProblems bounds the problems scanJSON lists: one body could
// otherwise make a response as large as itself.
const maxScanProblems = 20

// scanJSON lists what encoding/json lets through silently in a body that is
// valid JSON: a key given twice in one object (it keeps the last one), and
// strings, keys included, holding invalid UTF-8 or an unpaired UTF-16
// surrogate escape such as "\ud800" (it substitutes U+FFFD for both). Each
// problem names the path of its value, at any depth.
func scanJSON(body []byte) pipeline.Problems {
	type frame struct {
		object  bool
		path    string
		keys    map[string]bool
		wantKey bool
		key     string // the current member's key, safe to show
		index   int
	}
	var stack []*frame
	var ps pipeline.Problems
	// valuePath is the path of the value the next token starts.
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return joinField(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	// done moves the innermost container past a complete value.
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.wantKey = true
		} else {
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for len(ps) < maxScanProblems {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			// The caller checked the body is JSON: no other error can happen.
			ps.Add("(body)", "is not valid JSON")
			break
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{object: t == '{', path: valuePath(), keys: map[string]bool{}, wantKey: true})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			raw := body[start:dec.InputOffset()]
			raw = raw[bytes.IndexByte(raw, '"'):]
			top := (*frame)(nil)
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			if top != nil && top.object && top.wantKey {
				top.wantKey = false
				top.key = safeKey(t)
				if msg := badString(raw); msg != "" {
					ps.Add(joinField(top.path, top.key), "has a name that %s", msg)
				}
				if top.keys[t] {
					ps.Add(joinField(top.path, top.key), "is given more than once")
				}
				top.keys[t] = true
				continue
			}
			if msg := badString(raw); msg != "" {
				ps.Add(fieldName(valuePath()), "%s", msg)
			}
			done()
		default:
			done()
		}
	}
	return ps
}

// badString says what is wrong with a JSON string literal (quotes included)
// that json.Valid accepted, or "".
func badString(lit []byte) string {
	if !utf8.Valid(lit) {
		return "must be valid UTF-8"
	}
	pendingHigh := false
	for i := 1; i < len(lit)-1; i++ {
		if lit[i] != '\\' {
			if pendingHigh {
				return "must not hold an unpaired UTF-16 surrogate escape"
			}
			continue
		}
		i++
		if lit[i] != 'u' {
			if pendingHigh {
				return "must not hold an unpaired UTF-16 surrogate escape"
			}
			continue
		}
		r, _ := strconv.ParseUint(string(lit[i+1:i+5]), 16, 16)
		i += 4
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if pendingHigh {
				return "must not hold an unpaired UTF-16 surrogate escape"
			}
			pendingHigh = true
		case r >= 0xdc00 && r < 0xe000:
			if !pendingHigh {
				return "must not hold an unpaired UTF-16 surrogate escape"
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return "must not hold an unpaired UTF-16 surrogate escape"
			}
		}
	}
	if pendingHigh {
		return "must not hold an unpaired UTF-16 surrogate escape"
	}
	return ""
}

// plainName is a key or parameter name shown as it is in a problem; any
// other is quoted, escaped and cut (safeKey).
var plainName = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// safeKey is a client-chosen name (a JSON key, a query parameter) as a
// problem may show it: as it is when plain, else Go-quoted (control
// characters and invalid UTF-8 escaped) and cut to 40 characters.
func safeKey(k string) string {
	if plainName.MatchString(k) {
		return k
	}
	if utf8.RuneCountInString(k) > 40 {
		k = string([]rune(k)[:40]) + "…"
	}
	return strconv.Quote(k)
}

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// idempotencyKeyProblems checks an Idempotency-Key header: printable ASCII
// (space to tilde, as a structured-field string allows), at most 255 bytes.
func idempotencyKeyProblems(key string) pipeline.Problems {
	var ps pipeline.Problems
	if len(key) > maxIdempotencyKey {
		ps.Add("Idempotency-Key", "must be at most %d characters", maxIdempotencyKey)
		return ps
	}
	for i := range len(key) {
		if key[i] < 0x20 || key[i] > 0x7e {
			ps.Add("Idempotency-Key", "must be printable ASCII (byte %d is 0x%02x)", i, key[i])
			break
		}
	}
	return ps
}

// canonicalID answers 404 for a path id that is not a UUID as the API writes
// them (lowercase, hyphenated): urn:uuid:…, {…}, uppercase and any other
// spelling name no resource here, and must not reach PostgreSQL's own, more
// lenient, uuid parser.
func canonicalID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, n := range c.ParamNames() {
			if n == "id" && !isCanonicalUUID(c.Param(n)) {
				return problem(http.StatusNotFound, "no such resource: ids are lowercase UUIDs")
			}
		}
		return next(c)
	}
}

var canonicalUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func isCanonicalUUID(s string) bool { return canonicalUUID.MatchString(s) }

// Bounds of a problem body: its text may quote a client's input.
const (
	maxProblemErrors = 50
	maxProblemText   = 300
)

// bounded is the problem cut to a size no request can inflate: at most
// maxProblemErrors field errors, each text at most maxProblemText characters.
// The JSON encoder escapes what remains.
func (p *Problem) bounded() *Problem {
	q := *p
	q.Detail = cut(q.Detail, maxProblemText)
	q.Errors = nil
	for i, e := range p.Errors {
		if i == maxProblemErrors {
			q.Errors = append(q.Errors, pipeline.FieldError{Field: "(more)",
				Message: fmt.Sprintf("and %d more problems", len(p.Errors)-maxProblemErrors)})
			break
		}
		q.Errors = append(q.Errors, pipeline.FieldError{Field: cut(e.Field, maxProblemText), Message: cut(e.Message, maxProblemText)})
	}
	return &q
}

func cut(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
