package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// MaxBody is the largest request body accepted (DESIGN §4).
const MaxBody = 1 << 20

// limitBody refuses bodies over MaxBody with 413, before a handler reads them.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > MaxBody {
			return problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxBody))
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxBody)
		return next(c)
	}
}

// bind reads the JSON body into dst and lists every problem with it: unknown
// fields, wrong types, at any depth — not only the first, as encoding/json does.
// The error is for a body that is not JSON at all (400, 413, 415); the
// problems are field-level, for the handler to merge with its own checks.
func bind(c echo.Context, dst any) (pipeline.Problems, error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return nil, problem(http.StatusUnsupportedMediaType, "send the body as application/json")
		}
	}
	body, err := io.ReadAll(c.Request().Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxBody))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, problem(http.StatusRequestTimeout, "the body did not arrive in time")
	}
	if err != nil {
		return nil, problem(http.StatusBadRequest, "could not read the body")
	}
	return decode(body, dst)
}

// decode is bind without the request.
func decode(body []byte, dst any) (pipeline.Problems, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, problem(http.StatusBadRequest, "the body is empty: send a JSON object")
	}
	if !json.Valid(body) {
		return nil, problem(http.StatusBadRequest, "the body is not valid JSON")
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

// decodeEUR reads an amount strictly (pipeline.ParseEUR): at most two
// decimals, where EUR's own UnmarshalJSON rounds old records to the cent.
func decodeEUR(raw json.RawMessage, v reflect.Value, path string, ps *pipeline.Problems) {
	if string(raw) == "null" {
		v.SetZero()
		return
	}
	eur, err := pipeline.ParseEUR(string(raw))
	switch {
	case errors.Is(err, pipeline.ErrTooPrecise):
		ps.Add(fieldName(path), "must have at most two decimals (whole cents)")
	case errors.Is(err, pipeline.ErrAmountTooHigh):
		ps.Add(fieldName(path), "must be at most 1,000,000,000")
	case err != nil:
		ps.Add(fieldName(path), "must be a number of euros")
	default:
		v.Set(reflect.ValueOf(eur))
	}
}

func decodeValue(raw json.RawMessage, v reflect.Value, path string, ps *pipeline.Problems) {
	isNull := string(raw) == "null"
	switch {
	case v.Type() == eurType:
		decodeEUR(raw, v, path, ps)
	case v.Kind() == reflect.Pointer:
		if isNull {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		decodeValue(raw, v.Elem(), path, ps)
	case v.Kind() == reflect.Struct:
		decodeObject(raw, v, path, ps)
	case v.Kind() == reflect.Slice && v.Type() != reflect.TypeOf(json.RawMessage{}):
		if isNull {
			v.SetZero()
			return
		}
		var elems []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
			ps.Add(fieldName(path), "must be an array")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(elems), len(elems))
		for i, e := range elems {
			decodeValue(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i), ps)
		}
		v.Set(s)
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			ps.Add(fieldName(path), "must be %s", kindText(v.Kind()))
		}
	}
}

func decodeObject(raw json.RawMessage, v reflect.Value, path string, ps *pipeline.Problems) {
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		ps.Add(fieldName(path), "must be an object")
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i, ok := fields[k]
		if !ok {
			ps.Add(joinField(path, safeKey(k)), "is not a known field")
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

func kindText(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + k.String()
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
