package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
)

// TestDeliveryPagesRender renders the delivery dashboard for a manager and
// an implementer, and an implementer's home (their inbox), in every
// language: no message missing, the figures written as the language
// writes them, the charts with their text alternatives, each inbox row
// linking to its action's page, untrusted text escaped.
func TestDeliveryPagesRender(t *testing.T) {
	t.Parallel()
	manager := pipeline.Actor{ID: "0a000000-0000-4000-8000-000000000001", Name: "Ana", Role: pipeline.Manager}
	impl := pipeline.Actor{ID: "0c000000-0000-4000-8000-000000000001", Name: "Jean", Role: pipeline.Implementer, Partner: "civipol"}
	fp := pipeline.Actor{ID: "0f000000-0000-4000-8000-000000000001", Name: "María", Role: pipeline.FocalPoint, Countries: []string{"PE"}}
	fake := newFakeService()
	app, err := New(Deps{Service: fake, Store: newFakeSessions(manager, impl, fp)})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	b := renderBundle{srv: srv, fake: fake}
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		mc, ic := b.client(t, manager, lang), b.client(t, impl, lang)
		for _, c := range []struct {
			who  string
			c    *http.Client
			path string
		}{{"manager", mc, "/delivery"}, {"manager", mc, "/delivery?partner=fiiapp&country=CO&pillar=police&theme=cybercrime"},
			{"implementer", ic, "/delivery"}, {"implementer", ic, "/"}} {
			status, body, h := get(t, c.c, srv.URL+c.path)
			require.Equalf(t, http.StatusOK, status, "%s %s %s: %s", lang, c.who, c.path, body)
			require.NotContainsf(t, body, "⟦", "%s %s %s: a message is missing", lang, c.who, c.path)
			require.Equal(t, "no-store", h.Get("Cache-Control"))
			require.Contains(t, body, `href="/delivery"`, "the navigation links the dashboard")
			if c.path == "/" {
				require.Contains(t, body, `<a href="/priorities/`+fake.p.ID+`/actions/1">Curso de ciberpatrullaje</a>`)
				require.Contains(t, body, l.T("dview.waiting.sent_back"))
				require.Contains(t, body, l.T("dview.inbox", "N", 3))
				require.NotContains(t, body, "<b>Taller", "the title is escaped")
				continue
			}
			require.Containsf(t, body, l.Money(pipeline.Cents(2350050)), "%s: the actual cost as the language writes it", lang)
			for _, id := range []string{"dstages", "dpeople", "dbudget"} {
				require.Contains(t, body, `role="img" aria-labelledby="`+id+`-t `+id+`-d"`)
			}
			require.Contains(t, body, l.T("dview.stage.in_progress")+": 3")
			require.Contains(t, body, l.T("dview.women")+": 15")
			require.Contains(t, body, l.T("dview.percent", "N", "67"), "2 of 3 indicators")
			require.Equal(t, c.who == "manager", strings.Contains(body, `id="f-partner"`), "only managers choose a partner")
		}
	}
	c := b.client(t, manager, "en")
	status, body, _ := get(t, c, srv.URL+"/delivery?partner=acme&pillar=army")
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `id="f-partner" name="partner" aria-invalid="true"`)
	require.Contains(t, body, `id="f-pillar" name="pillar" aria-invalid="true"`)
	status, _, _ = get(t, b.client(t, fp, "en"), srv.URL+"/delivery")
	require.Equal(t, http.StatusForbidden, status, "a focal point has no view of delivery")
}
