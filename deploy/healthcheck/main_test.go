package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			w.Write([]byte(`{"status":"ok"}`))
		case "/down":
			http.Error(w, `{"detail":"temporal: unavailable"}`, http.StatusServiceUnavailable)
		case "/slow":
			time.Sleep(time.Second)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	for _, tc := range []struct {
		name, url string
		want      int
		output    string
	}{
		{"ready", srv.URL + "/readyz", 0, ""},
		{"503 names the backend", srv.URL + "/down", 1, "503 Service Unavailable: {\"detail\":\"temporal: unavailable\"}"},
		{"404", srv.URL + "/nothing", 1, "404"},
		{"too slow", srv.URL + "/slow", 1, "deadline exceeded"},
		{"nobody listening", closedURL + "/readyz", 1, "connection refused"},
		{"bad url", "::", 1, "missing protocol scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			if got := probe(tc.url, 500*time.Millisecond, &out); got != tc.want {
				t.Fatalf("probe(%s) = %d, want %d (output %q)", tc.url, got, tc.want, out.String())
			}
			if !strings.Contains(out.String(), tc.output) {
				t.Fatalf("output %q does not contain %q", out.String(), tc.output)
			}
		})
	}
}
