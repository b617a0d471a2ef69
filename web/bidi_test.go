package web

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/pipeline"
)

// TestUserTextIsIsolated: what people typed — titles, descriptions,
// names, comments — is shown in elements that take its own direction
// (dir="auto" on a block, <bdi> inline), so that Arabic or Hebrew text
// displays right to left within Spanish or English pages and cannot
// reorder the text around it; the forms' text fields do the same while
// it is typed.
func TestUserTextIsIsolated(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	b.fake.p.Title = "فريق التحقيق المشترك"
	b.fake.p.Description = "צוות חקירה משותף\nשורה שנייה"
	b.fake.events[1].Comment = "موافق"
	b.fake.events[1].Actor.Name = "עדי כהן"
	mgr := b.client(t, b.users[pipeline.Manager], "es")
	status, body, _ := get(t, mgr, b.srv.URL+"/priorities/"+b.fake.p.ID)
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`<dd class="ptitle" dir="auto">فريق التحقيق المشترك</dd>`,
		`<dd class="pre" dir="auto">צוות חקירה משותף`,
		`<dd dir="auto">Fiscalía de la Nación</dd>`,
		`<bdi>Expert, JIT</bdi>`,
		`<bdi>עדי כהן</bdi>`,
		`<blockquote dir="auto">موافق</blockquote>`,
		`<a href="/sessions/` + b.fake.p.SessionID + `"><bdi>Reunión Anual 2026</bdi></a>`,
		`: <bdi>Taller ECI</bdi></h3>`,
		`<td dir="auto">Fiscales formados</td>`,
	} {
		require.Contains(t, body, want)
	}
	status, body, _ = get(t, mgr, b.srv.URL+"/priorities")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<td dir="auto">فريق التحقيق المشترك</td>`)
	status, body, _ = get(t, mgr, b.srv.URL+"/sessions")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<bdi>Reunión Anual 2026</bdi>`)
	require.Contains(t, body, `<input dir="auto" id="f-title"`)

	fp := b.client(t, b.users[pipeline.FocalPoint], "es")
	status, body, _ = get(t, fp, b.srv.URL+"/priorities/new")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<input dir="auto" id="f-title"`)
	require.Contains(t, body, `<textarea dir="auto" id="f-description"`)
}
