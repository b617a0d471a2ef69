package onsite_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/puente-dev/puente/internal/onsite"
)

// TestPath holds the rule to hostile targets, each as a browser would
// follow it: whatever Path lets through, once http.Redirect has written it
// into Location and the browser has resolved it against this site (with a
// backslash read as a slash, as browsers do), stays on this site.
func TestPath(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                          "/",
		"/":                         "/",
		"/priorities?stage=triage":  "/priorities?stage=triage",
		"/priorities/x/plan":        "/priorities/x/plan",
		"/sessions/":                "/sessions/",
		"/x/../priorities":          "/priorities",
		"/./priorities":             "/priorities",
		"/q?search=a//b":            "/q?search=a//b",
		"/%C3%A9":                   "/%C3%A9",
		"/./\\evil.example":         "/",
		"/x/../\\evil.example":      "/",
		"/\\evil.example":           "/",
		"/\\/evil.example":          "/",
		"\\\\evil.example":          "/",
		"//evil.example":            "/",
		"///evil.example":           "/",
		"/x//evil.example":          "/",
		"/.//evil.example":          "/",
		"/%2F/evil.example":         "/",
		"/%2f%2fevil.example":       "/",
		"/%5Cevil.example":          "/",
		"/%5cevil.example":          "/",
		"/./%5Cevil.example":        "/",
		"/\t/evil.example":          "/",
		"/\n/evil.example":          "/",
		"/\r\n/evil.example":        "/",
		"/%09/evil.example":         "/",
		"/%00":                      "/",
		"/ /evil.example":           "/",
		"https://evil.example/":     "/",
		"http:/evil.example":        "/",
		"javascript:alert(1)":       "/",
		"/javascript:alert(1)":      "/javascript:alert(1)",
		"data:text/html,x":          "/",
		"evil.example":              "/",
		"priorities":                "/",
		"../priorities":             "/",
		"?next=//evil.example":      "/",
		"#x":                        "/",
		"/@evil.example":            "/@evil.example",
		"/priorities#//evil":        "/priorities",
		"/é":                        "/",
		"/\u2215\u2215evil.example": "/",
		"/..":                       "/",
		"/../..//evil.example":      "/",
	}
	site, _ := url.Parse("https://puente.example.org/signin")
	for in, want := range cases {
		got := onsite.Path(in)
		if got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodPost, site.String(), nil), got, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		if loc != got {
			t.Errorf("Path(%q) = %q, which http.Redirect changes to %q", in, got, loc)
		}
		resolved, err := site.Parse(browserReads(loc))
		if err != nil || resolved.Host != site.Host || resolved.Scheme != site.Scheme {
			t.Errorf("Path(%q) = %q leads to %v (%v)", in, got, resolved, err)
		}
	}
}

// browserReads is a Location as a browser reads it: backslashes are
// slashes, and tabs and newlines are dropped.
func browserReads(loc string) string {
	out := make([]rune, 0, len(loc))
	for _, r := range loc {
		switch r {
		case '\\':
			out = append(out, '/')
		case '\t', '\n', '\r':
		default:
			out = append(out, r)
		}
	}
	return string(out)
}
