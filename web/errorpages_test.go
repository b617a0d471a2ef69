package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/api"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// crashingService is the fake service whose task list panics once crash
// is set.
type crashingService struct {
	*fakeService
	crash bool
}

func (s *crashingService) Tasks(ctx context.Context, a pipeline.Actor, pg store.Page) ([]store.Task, string, error) {
	if s.crash {
		panic("a bug")
	}
	return s.fakeService.Tasks(ctx, a, pg)
}

// TestRefusalsAreTheWebAppsPages: behind the API's server, as Puente runs
// it, every refusal a person's browser can meet on the web app's paths is
// an HTML page in their language — a body over the server's limit, a
// method the path does not serve, a crash — while the API's paths keep
// their problem documents.
func TestRefusalsAreTheWebAppsPages(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &crashingService{fakeService: b.fake}
	app, err := New(Deps{Service: svc, Logger: quiet,
		Store: newFakeSessions(b.users[pipeline.FocalPoint], b.users[pipeline.Expert], b.users[pipeline.Manager])})
	require.NoError(t, err)
	srv := httptest.NewServer(api.New(api.Deps{Web: app, Logger: quiet}))
	t.Cleanup(srv.Close)
	b.srv = srv
	c := b.client(t, b.users[pipeline.Manager], "es")

	send := func(method, path, contentType string, body io.Reader) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, body)
		require.NoError(t, err)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		text, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(text)
	}
	page := func(resp *http.Response, body string, status int, says string) {
		t.Helper()
		require.Equal(t, status, resp.StatusCode, body)
		require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"), body)
		require.Equal(t, "es", resp.Header.Get("Content-Language"))
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "form-action 'self'", "the web app's own policy")
		require.Contains(t, body, says)
		require.Contains(t, body, `<html lang="es"`)
	}
	big := "title=" + strings.Repeat("x", 2<<20)

	// A form over the limit, announced by its length or not.
	resp, body := send("POST", "/sessions", "application/x-www-form-urlencoded", strings.NewReader(big))
	page(resp, body, http.StatusRequestEntityTooLarge, "demasiado grande")
	resp, body = send("POST", "/sessions", "application/x-www-form-urlencoded", io.MultiReader(strings.NewReader(big)))
	page(resp, body, http.StatusRequestEntityTooLarge, "demasiado grande")
	require.Zero(t, b.fake.changes)

	// A method the path does not serve, whether the server routes it or not.
	resp, body = send("DELETE", "/priorities", "", nil)
	page(resp, body, http.StatusMethodNotAllowed, "no acepta ese tipo de solicitud")
	require.Equal(t, "GET, HEAD, POST", resp.Header.Get("Allow"))
	resp, body = send("BREW", "/priorities", "", nil)
	page(resp, body, http.StatusMethodNotAllowed, "no acepta ese tipo de solicitud")

	// An unknown path; a route whose handler finds nothing by the name
	// asked for is 404 too, though the path serves POST only.
	resp, body = send("GET", "/no-such-page", "", nil)
	page(resp, body, http.StatusNotFound, "Esta página no existe")
	resp, body = send("POST", "/signin/dev", "application/x-www-form-urlencoded", strings.NewReader("user=nobody"))
	page(resp, body, http.StatusNotFound, "Esta página no existe")
	svc.crash = true
	resp, body = send("GET", "/", "", nil)
	page(resp, body, http.StatusInternalServerError, "Ocurrió un error inesperado")

	// The API's own paths answer problems.
	resp, body = send("POST", "/v1/sessions", "application/json", strings.NewReader(`{"title":"`+strings.Repeat("x", 2<<20)+`"}`))
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), body)

	// A refusal the web app's handlers never make themselves.
	for status, says := range map[int]string{http.StatusTooManyRequests: "Demasiados intentos", http.StatusRequestTimeout: "tardó demasiado",
		http.StatusForbidden: "fue rechazada", http.StatusServiceUnavailable: "no está disponible"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Language", "es")
		rec := httptest.NewRecorder()
		app.ErrorPage(rec, req, status)
		page(rec.Result(), rec.Body.String(), status, says)
	}
}
