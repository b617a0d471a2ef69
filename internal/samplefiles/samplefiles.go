// Package samplefiles makes small, real files of every type Puente stores,
// for tests: a PDF, ODF and OOXML documents built with archive/zip, a CSV,
// a PNG and a JPEG.
package samplefiles

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// File is a sample file: the name a person would give it, its type and content.
type File struct {
	Name      string
	MediaType string
	Data      []byte
}

// All is one file of each allowed type.
func All(t testing.TB) []File {
	return []File{
		{"Carta de solicitud.pdf", "application/pdf", PDF()},
		{"Acta de la reunión.odt", "application/vnd.oasis.opendocument.text", ODF(t, "application/vnd.oasis.opendocument.text")},
		{"Presupuesto.ods", "application/vnd.oasis.opendocument.spreadsheet", ODF(t, "application/vnd.oasis.opendocument.spreadsheet")},
		{"Términos de referencia.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX(t)},
		{"Lista de asistencia.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			ooxml(t, "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")},
		{"Participantes.csv", "text/csv", CSV()},
		{"Foto del taller.png", "image/png", PNG(t)},
		{"Foto.jpg", "image/jpeg", JPEG(t)},
	}
}

// PDF is a one-page PDF with a line of text.
func PDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length 58 >>\nstream\nBT /F1 18 Tf 72 760 Td (Solicitud de apoyo tecnico) Tj ET\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// ODF is an OpenDocument file of mediaType: its "mimetype" entry first and
// stored, as the standard demands.
func ODF(t testing.TB, mediaType string) []byte {
	return zipOf(t, [][2]string{
		{"mimetype", mediaType},
		{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`},
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`},
	})
}

// DOCX is a Word document.
func DOCX(t testing.TB) []byte {
	return ooxml(t, "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
}

func ooxml(t testing.TB, main, contentType string) []byte {
	types := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="xml" ContentType="application/xml"/><Override PartName="/` + main + `" ContentType="` + contentType + `"/></Types>`
	return zipOf(t, [][2]string{
		{"[Content_Types].xml", types},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
		{main, `<?xml version="1.0" encoding="UTF-8"?><document/>`},
	})
}

// CSV is an attendance list, in UTF-8 with a byte-order mark, as
// spreadsheets export it.
func CSV() []byte {
	return []byte("\xef\xbb\xbfnombre;institución;país\r\nAna Ruiz;Fiscalía de la Nación;PE\r\nJean Dupont;Police nationale;HT\r\n")
}

// PNG is a small image.
func PNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// JPEG is a small photo.
func JPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{0, 80, 160, 255})
	}
	return img
}

// ZipWith is a DOCX-shaped archive with one more entry, name, of size
// zeros: deflated, it is a few kilobytes that expand to size (a zip bomb
// when size is large).
func ZipWith(t testing.TB, name string, size int) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, e := range [][2]string{{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<document/>"}} {
		w, err := z.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(e[1]))
	}
	w, err := z.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for n := 0; n < size; n += len(zeros) {
		_, _ = w.Write(zeros[:min(len(zeros), size-n)])
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipOf archives entries in order, the first stored, the others deflated.
func zipOf(t testing.TB, entries [][2]string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i, e := range entries {
		method := zip.Deflate
		if i == 0 {
			method = zip.Store
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
