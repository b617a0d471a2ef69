package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-ical"
	"github.com/stretchr/testify/require"

	puenteapp "github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/deliverytest"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// TestDeliveryViewsInTheBrowser opens the delivery views on the real stack
// with the deliverytest scenario, in a real Chromium under axe-core, in
// every language (es, pt and en, then French and Dutch, the longest words):
// a manager's delivery dashboard, filtered and refused a bad filter; an
// implementer's home (their inbox) and their dashboard; and the calendar
// address made, fetched (parsed back with go-ical), replaced and revoked
// on the preferences page.
func TestDeliveryViewsInTheBrowser(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{Web: puenteapp.WebConfig{}})
	ctx := context.Background()
	_, err := deliverytest.Seed(ctx, app.Store, app.DatabaseURL)
	require.NoError(t, err)
	require.NoError(t, deliverytest.MoveTo(ctx, app.DatabaseURL, time.Now()))
	manager := app.AddUser(t, pipeline.Actor{Name: "Ana Ruiz", Role: pipeline.Manager})
	impl := app.AddUser(t, pipeline.Actor{Name: "Jean Moreau", Role: pipeline.Implementer})
	require.NoError(t, deliverytest.Exec(ctx, app.DatabaseURL, `UPDATE users SET partner = 'civipol' WHERE id = $1`, impl.ID))
	base := app.URL
	dir := browser.Artifacts(t, "web-delivery")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)

	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		m := br.NewTab(t, "manager, "+lang, lang)
		signIn(m, base, manager)
		m.Go(base + "/delivery")
		require.Contains(t, m.Content("#dstages-d"), l.T("dview.stage.in_progress")+": 3")
		require.Contains(t, m.Content("#dpeople-d"), l.T("dview.women")+": 15")
		m.Check(lang + "-delivery-dashboard")
		m.Select("#f-country", "CO")
		m.Select("#f-pillar", "police")
		m.Submit("form.filters button[type=submit]")
		require.Contains(t, m.URL(), "country=CO")
		require.Contains(t, m.Content("#dstages-d"), l.T("dview.stage.in_progress")+": 3")
		require.Contains(t, m.Content("#dstages-d"), l.T("dview.stage.closed")+": 0")
		m.Check(lang + "-delivery-dashboard-filtered")
		m.Go(base + "/delivery?partner=acme")
		require.Contains(t, m.HTML(), `aria-invalid="true"`)
		m.Check(lang + "-delivery-dashboard-bad-filter")

		im := br.NewTab(t, "implementer, "+lang, lang)
		signIn(im, base, impl)
		require.Contains(t, im.Content("#inbox-h"), l.T("dview.inbox", "N", 3))
		require.Contains(t, im.Body(), l.T("dview.waiting.sent_back"))
		require.True(t, im.Has(`a[href$="/actions/1"]`), "each waiting action links to its page")
		im.Check(lang + "-delivery-inbox")
		im.Go(base + "/delivery")
		require.Contains(t, im.Content("#dstages-d"), l.T("dview.stage.in_progress")+": 3")
		require.False(t, im.Has("#f-partner"), "an implementer sees their partner's actions only")
		im.Check(lang + "-delivery-dashboard-implementer")

		im.Go(base + "/preferences")
		require.Contains(t, im.Body(), l.T("calendar.none"))
		im.Submit("form[action='/preferences/calendar'] button")
		calURL := browser.Run(im, "read the calendar address", chromedp.Evaluate[string](`document.querySelector("#f-calendar-url").value`))
		require.True(t, strings.HasPrefix(calURL, base+"/calendar/ptc_"), calURL)
		im.Check(lang + "-calendar-new")
		cal := fetchCalendar(t, calURL, http.StatusOK)
		require.Len(t, cal.Events(), 6, "civipol's six actions")
		im.Go(base + "/preferences")
		require.Contains(t, im.Body(), l.T("calendar.revoke"))
		im.Submit("form[action='/preferences/calendar/revoke'] button")
		require.Contains(t, im.Body(), l.T("notice.calendar_revoked"))
		im.Check(lang + "-calendar-revoked")
		fetchCalendar(t, calURL, http.StatusNotFound)
	}
	copyDeliveryScreenshots(t, dir)
}

// fetchCalendar GETs a calendar address as a calendar application does,
// with no credential, and parses it when it answers 200.
func fetchCalendar(t *testing.T, u string, status int) *ical.Calendar {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, status, resp.StatusCode, string(body))
	if status != http.StatusOK {
		return nil
	}
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	require.NoError(t, err)
	return cal
}

// copyDeliveryScreenshots refreshes the delivery views' screenshots in
// docs/screenshots when asked to (PUENTE_UPDATE_SCREENSHOTS=1).
func copyDeliveryScreenshots(t *testing.T, dir string) {
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	require.NoError(t, err)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f)[3:], ".png")
		lang, page, _ := strings.Cut(name, "-")
		if lang != "fr" && lang != "nl" && lang != "en" {
			continue
		}
		switch page {
		case "delivery-dashboard", "delivery-inbox", "calendar-new":
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshots", page+"-"+lang+".png"), b, 0o644))
		}
	}
}
