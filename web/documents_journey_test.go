package web_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/browser"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/samplefiles"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestDocumentsThroughTheUI: a Surinamese focal point, whose browser asks
// for Dutch, has an executable renamed .pdf refused with the reason in
// Dutch, then attaches the ministry's request letter and an attendance
// list to her priority; the download is the letter byte for byte; a
// manager reading French sees both and removes the list. Every page and
// state is run through axe; the pages with documents are the screenshots
// of docs/screenshots (PUENTE_UPDATE_SCREENSHOTS=1).
func TestDocumentsThroughTheUI(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{})
	fp := app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Sharmila Ramdin", Role: pipeline.FocalPoint, Countries: []string{"SR"}},
		Email: "s.ramdin@puente.test", Language: "nl"})
	manager := app.AddPerson(t, store.User{Actor: pipeline.Actor{Name: "Jean-Baptiste Pierre", Role: pipeline.Manager},
		Email: "jb.pierre@puente.test", Language: "fr"})
	body := journey.SubmissionBody()
	body["countries"], body["title"] = []string{"SR"}, "Gezamenlijke onderzoeksteams tegen witwassen"
	body["institution"] = "Openbaar Ministerie Suriname"
	r := app.Do(t, "POST", "/v1/priorities", fp.Token, body)
	require.Equal(t, 201, r.StatusCode, string(r.Body))
	var p pipeline.Priority
	r.JSON(t, &p)

	dir := browser.Artifacts(t, "web-documents")
	br := browser.Start(t, dir)
	defer br.WriteReport(t)
	files := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(files, name)
		require.NoError(t, os.WriteFile(path, data, 0o644))
		return path
	}
	letter := samplefiles.PDF()
	attach := func(tab *browser.Tab, path, kind string) {
		tab.Do("choose "+filepath.Base(path), chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{path}))
		tab.Select("#f-document-kind", kind)
		tab.Submit("form.upload button[type=submit]")
	}

	nl := br.NewTab(t, "focal point SR", "nl-SR")
	signIn(nl, app.URL, fp)
	require.Equal(t, "nl", nl.Lang())
	nl.Go(app.URL + "/priorities/" + p.ID)
	require.Contains(t, nl.Text("#documents"), "Er zijn nog geen documenten toegevoegd.")
	nl.Check("nl-priority-no-documents")

	// An executable named like a letter: refused, in Dutch, nothing listed.
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0x90}, 2048)...)
	attach(nl, write("verzoekbrief.pdf", exe), "request_letter")
	require.Contains(t, nl.Text("#f-file-err"), "is op basis van de inhoud geen bestandstype dat Puente accepteert")
	require.Contains(t, nl.Text("#error-summary"), "Bestand")
	require.Equal(t, "true", attr(nl, "#f-file", "aria-invalid"))
	nl.Check("nl-document-refused")

	// The letter and an attendance list.
	attach(nl, write("Verzoekbrief ministerie.pdf", letter), "request_letter")
	require.Contains(t, nl.Body(), "Het document is toegevoegd.")
	attach(nl, write("Presentielijst werkbezoek.csv", samplefiles.CSV()), "attendance_list")
	docs := nl.Text("#documents table")
	for _, want := range []string{"Verzoekbrief ministerie.pdf", "Verzoekbrief", "Presentielijst werkbezoek.csv", "Presentielijst", "De prioriteit", "Sharmila Ramdin"} {
		require.Contains(t, docs, want)
	}
	require.Contains(t, nl.Text(".timeline"), "Document toegevoegd — Verzoekbrief ministerie.pdf")
	nl.Check("nl-priority-documents")

	// The link downloads the letter as it was sent.
	var list struct{ Items []struct{ ID, Name string } }
	app.Do(t, "GET", "/v1/priorities/"+p.ID+"/documents", fp.Token, nil).JSON(t, &list)
	require.Len(t, list.Items, 2)
	href := attr(nl, "#documents tbody tr:first-child a", "href")
	require.Equal(t, "/priorities/"+p.ID+"/documents/"+list.Items[0].ID, href)
	got := app.Do(t, "GET", "/v1/priorities/"+p.ID+"/documents/"+list.Items[0].ID, fp.Token, nil)
	require.Equal(t, letter, got.Body)
	require.True(t, strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment;"))

	// A manager reading French sees both, and removes the list.
	fr := br.NewTab(t, "manager", "fr")
	signIn(fr, app.URL, manager)
	fr.Go(app.URL + "/priorities/" + p.ID)
	require.Contains(t, fr.Text("#documents-h"), "Documents")
	require.Contains(t, fr.Text("#documents table"), "Lettre de demande")
	fr.Check("fr-priority-documents")
	fr.Submit("#documents tbody tr:last-child form button")
	require.Contains(t, fr.Body(), "Le document a été retiré.")
	require.NotContains(t, fr.Text("#documents table"), "Presentielijst")
	require.Contains(t, fr.Text(".timeline"), "Document retiré — Presentielijst werkbezoek.csv")
	fr.Check("fr-document-removed")

	copyDocumentScreenshots(t, dir, map[string]string{"nl-priority-documents": "documents-nl.png", "fr-priority-documents": "documents-fr.png"})
}

// attr is an attribute of the first element matching css.
func attr(tab *browser.Tab, css, name string) string {
	return browser.Run(tab, "read "+name+" of "+css, chromedp.Evaluate[string](
		`(document.querySelector(`+jsString(css)+`) || {getAttribute: () => ""}).getAttribute(`+jsString(name)+`) || ""`))
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// copyDocumentScreenshots copies the named screenshots to docs/screenshots
// when PUENTE_UPDATE_SCREENSHOTS is set.
func copyDocumentScreenshots(t *testing.T, dir string, want map[string]string) {
	if os.Getenv("PUENTE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	require.NoError(t, err)
	for _, f := range files {
		if out, ok := want[strings.TrimSuffix(filepath.Base(f)[3:], ".png")]; ok {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshots", out), b, 0o644))
		}
	}
}
