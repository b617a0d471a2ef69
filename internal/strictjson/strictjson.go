// Package strictjson decodes request bodies into the pipeline's input
// types strictly, listing every problem at once with the path of its field
// (actions[0].indicators[1].target): unknown fields, wrong types, amounts
// with more than two decimals, and what encoding/json would let through
// silently — a key given twice, invalid UTF-8, an unpaired surrogate escape.
// It depends on nothing but the pipeline, so that the fuzz targets built on
// it stay small enough to instrument.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/puente-dev/puente/pipeline"
)

// Errors of a body that is not JSON at all.
var (
	ErrEmpty   = errors.New("the body is empty: send a JSON object")
	ErrNotJSON = errors.New("the body is not valid JSON")
)

// Decode reads the JSON body into dst, a pointer to a struct of the
// pipeline's input types, and lists every problem with it. The error is
// ErrEmpty or ErrNotJSON; the problems are field-level, for the caller to
// merge with its own checks.
func Decode(body []byte, dst any) (pipeline.Problems, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, ErrEmpty
	}
	if !json.Valid(body) {
		return nil, ErrNotJSON
	}
	// encoding/json would keep the last of two equal keys and turn invalid
	// UTF-8 and lone surrogates into U+FFFD: refuse them instead, naming where.
	if ps := scanJSON(body); len(ps) > 0 {
		return ps, nil
	}
	var ps pipeline.Problems
	decodeValue(body, reflect.ValueOf(dst).Elem(), "", &ps)
	return ps, nil
}

var eurType = reflect.TypeFor[pipeline.EUR]()

// decodeEUR reads an amount (pipeline.ParseEUR: at most two decimals) and
// names its problem for the field.
func decodeEUR(raw json.RawMessage, v reflect.Value, path string, ps *pipeline.Problems) {
	eur, err := pipeline.ParseEUR(string(raw))
	switch {
	case errors.Is(err, pipeline.ErrTooPrecise):
		ps.Add(fieldName(path), pipeline.TooPrecise)
	case errors.Is(err, pipeline.ErrAmountTooHigh):
		ps.Add(fieldName(path), pipeline.TooLarge, "max", 1_000_000_000)
	case err != nil:
		ps.Add(fieldName(path), pipeline.NotANumber)
	default:
		v.Set(reflect.ValueOf(eur))
	}
}

func decodeValue(raw json.RawMessage, v reflect.Value, path string, ps *pipeline.Problems) {
	k := v.Kind()
	if string(raw) == "null" && (k == reflect.Pointer || k == reflect.Slice || v.Type() == eurType) {
		v.SetZero()
		return
	}
	switch {
	case v.Type() == eurType:
		decodeEUR(raw, v, path, ps)
	case k == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		decodeValue(raw, v.Elem(), path, ps)
	case k == reflect.Struct:
		decodeObject(raw, v, path, ps)
	case k == reflect.Slice:
		var elems []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
			ps.Add(fieldName(path), pipeline.NotAnArray)
			return
		}
		s := reflect.MakeSlice(v.Type(), len(elems), len(elems))
		for i, e := range elems {
			decodeValue(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i), ps)
		}
		v.Set(s)
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			ps.Add(fieldName(path), kindCode(k))
		}
	}
}

func decodeObject(raw json.RawMessage, v reflect.Value, path string, ps *pipeline.Problems) {
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		ps.Add(fieldName(path), pipeline.NotAnObject)
		return
	}
	fields := map[string]int{}
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		i, ok := fields[k]
		if !ok {
			ps.Add(joinField(path, SafeName(k)), pipeline.UnknownField)
			continue
		}
		decodeValue(m[k], v.Field(i), joinField(path, k), ps)
	}
}

// joinField names the member key of the value at path ("actions[0]" and
// "title" make "actions[0].title").
func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldName(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

func kindCode(k reflect.Kind) pipeline.Code {
	switch k {
	case reflect.String:
		return pipeline.NotAString
	case reflect.Bool:
		return pipeline.NotABoolean
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return pipeline.NotAnInteger
	case reflect.Float32, reflect.Float64:
		return pipeline.NotANumber
	}
	return pipeline.NotAnObject
}

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
	// top is the innermost container, nil at the top level.
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	// valuePath is the path of the value the next token starts.
	valuePath := func() string {
		f := top()
		switch {
		case f == nil:
			return ""
		case f.object:
			return joinField(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	// done moves the innermost container past a complete value.
	done := func() {
		switch f := top(); {
		case f == nil:
		case f.object:
			f.wantKey = true
		default:
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
			ps.Add("(body)", pipeline.NotJSON)
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
			if f := top(); f != nil && f.object && f.wantKey {
				f.wantKey = false
				f.key = SafeName(t)
				if badString(raw) != "" {
					ps.Add(joinField(f.path, f.key), pipeline.BadKey)
				}
				if f.keys[t] {
					ps.Add(joinField(f.path, f.key), pipeline.DuplicateKey)
				}
				f.keys[t] = true
				continue
			}
			if code := badString(raw); code != "" {
				ps.Add(fieldName(valuePath()), code)
			}
			done()
		default:
			done()
		}
	}
	return ps
}

// badString says what is wrong with a JSON string literal (quotes included)
// that json.Valid accepted, or "". A high surrogate escape must be followed
// at once by a low one, and a low one must follow a high one.
func badString(lit []byte) pipeline.Code {
	if !utf8.Valid(lit) {
		return pipeline.InvalidUTF8
	}
	pendingHigh := false
	for i := 1; i < len(lit)-1; i++ {
		r := rune(-1) // not a \u escape
		if lit[i] == '\\' {
			i++
			if lit[i] == 'u' {
				u, _ := strconv.ParseUint(string(lit[i+1:i+5]), 16, 16)
				r, i = rune(u), i+4
			}
		}
		if low := r >= 0xdc00 && r < 0xe000; low != pendingHigh {
			return pipeline.LoneSurrogate
		}
		pendingHigh = r >= 0xd800 && r < 0xdc00
	}
	if pendingHigh {
		return pipeline.LoneSurrogate
	}
	return ""
}

// plainName is a key or parameter name shown as it is in a problem; any
// other is quoted, escaped and cut (SafeName).
var plainName = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// SafeName is a client-chosen name (a JSON key, a query parameter) as a
// problem may show it: as it is when plain, else as pipeline.QuoteShort
// quotes it.
func SafeName(k string) string {
	if plainName.MatchString(k) {
		return k
	}
	return pipeline.QuoteShort(k)
}
