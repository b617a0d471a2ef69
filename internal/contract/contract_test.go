package contract

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// exchange runs one request through a handler that answers status, headers
// and body, and returns what the checker finds.
func exchange(t *testing.T, method, target, reqBody string, status int, header http.Header, body string) []string {
	t.Helper()
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, target, strings.NewReader(reqBody))
	req.Header.Set("Authorization", "Bearer t")
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &recorder{ResponseWriter: httptest.NewRecorder(), status: http.StatusOK}
	for k, v := range header {
		rec.Header()[k] = v
	}
	rec.WriteHeader(status)
	_, _ = rec.Write([]byte(body))
	return c.check(req, []byte(reqBody), rec.status, rec.Header(), rec.body.Bytes())
}

func TestCheckerPassesWhatTheDocumentSays(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	if v := exchange(t, "GET", "/healthz", "", 200, json, `{"status":"ok"}`); len(v) > 0 {
		t.Errorf("a documented exchange: %v", v)
	}
	if v := exchange(t, "GET", "/somewhere/else", "", 200, http.Header{"Content-Type": {"text/html"}}, "<p>"); len(v) > 0 {
		t.Errorf("a page beside the API is not the API's contract: %v", v)
	}
	if v := exchange(t, "GET", "/v1/nope", "", 404, http.Header{"Content-Type": {"application/problem+json"}},
		`{"type":"/problems/not-found","title":"Not found","status":404}`); len(v) > 0 {
		t.Errorf("an unknown path answered 404: %v", v)
	}
}

func TestCheckerFindsDrift(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	for name, tc := range map[string]struct {
		method, target, body string
		status               int
		header               http.Header
		resBody, want        string
	}{
		"an undocumented property": {"GET", "/healthz", "", 200, json, `{"status":"ok","uptime":3}`, "the response breaks the document"},
		"an undocumented status":   {"GET", "/healthz", "", 418, json, `{"status":"ok"}`, "the response breaks the document"},
		"an undocumented header": {"GET", "/healthz", "", 200, http.Header{"Content-Type": {"application/json"}, "X-Shard": {"3"}},
			`{"status":"ok"}`, "the response breaks the document"},
		"an unknown query parameter accepted": {"GET", "/v1/codelists?verbose=1", "", 200, json, `{}`, "accepted a request the document refuses"},
		"a bad body accepted": {"POST", "/v1/sessions", `{"title":1}`, 201, json, `{}`,
			"accepted a request the document refuses"},
		"an undocumented operation": {"DELETE", "/healthz", "", 200, json, `{}`, "no such operation"},
	} {
		v := exchange(t, tc.method, tc.target, tc.body, tc.status, tc.header, tc.resBody)
		if !strings.Contains(strings.Join(v, "\n"), tc.want) {
			t.Errorf("%s: found %q, want %q", name, v, tc.want)
		}
	}
}
