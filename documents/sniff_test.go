package documents_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/internal/samplefiles"
	"github.com/puente-dev/puente/pipeline"
)

func TestSniffAllowedTypes(t *testing.T) {
	t.Parallel()
	for _, f := range samplefiles.All(t) {
		got, code := documents.Sniff(bytes.NewReader(f.Data), int64(len(f.Data)))
		if got != f.MediaType || code != "" {
			t.Errorf("%s: %q %q, want %q", f.Name, got, code, f.MediaType)
		}
	}
}

func TestSniffRefusals(t *testing.T) {
	t.Parallel()
	var gif bytes.Buffer // neither PNG nor JPEG: a GIF header
	gif.WriteString("GIF89a\x04\x00\x04\x00")

	cases := []struct {
		name string
		data []byte
		want pipeline.Code
	}{
		{"empty", nil, pipeline.DocumentEmpty},
		{"windows executable renamed .pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 200)...), pipeline.DocumentUnsupported},
		{"ELF executable", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...), pipeline.DocumentUnsupported},
		{"HTML page", []byte("<html><script>alert(1)</script>,;</html>\n"), pipeline.DocumentUnsupported},
		{"SVG", []byte("<?xml version=\"1.0\"?><svg onload=\"alert(1)\"/>,\n"), pipeline.DocumentUnsupported},
		{"text without a delimiter", []byte("just a letter\nwith two lines\n"), pipeline.DocumentUnsupported},
		{"CSV with a NUL byte", []byte("a,b\n1,\x002\n"), pipeline.DocumentUnsupported},
		{"CSV in Latin-1", []byte("país,año\n" + "Per\xfa,2026\n"), pipeline.DocumentUnsupported},
		{"GIF", gif.Bytes(), pipeline.DocumentUnsupported},
		{"plain zip", zipOf(t, [][2]string{{"a.txt", "hello"}}, false), pipeline.DocumentUnsupported},
		{"ODF whose mimetype is compressed", zipOf(t, [][2]string{{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", "<x/>"}}, true), pipeline.DocumentUnsupported},
		{"ODF of another type", zipOf(t, [][2]string{{"mimetype", "application/x-evil"}, {"content.xml", "<x/>"}}, false), pipeline.DocumentUnsupported},
		{"OOXML without a main part", zipOf(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"evil.exe", "MZ"}}, false), pipeline.DocumentUnsupported},
		{"zip bomb: one entry expanding 1000×", bomb(t), pipeline.DocumentUnsafe},
		{"zip bomb: too many entries", manyEntries(t, 6000), pipeline.DocumentUnsafe},
		{"zip bomb: overlapping entries", overlapping(t), pipeline.DocumentUnsafe},
		{"truncated docx", samplefiles.DOCX(t)[:200], pipeline.DocumentUnsupported},
	}
	for _, c := range cases {
		got, code := documents.Sniff(bytes.NewReader(c.data), int64(len(c.data)))
		if got != "" || code != c.want {
			t.Errorf("%s: %q %q, want refused with %q", c.name, got, code, c.want)
		}
	}
}

// TestSniffCSVReadThrough: a CSV whose text turns binary after the prefix
// is refused, and a multi-byte character across a block boundary is not.
func TestSniffCSVReadThrough(t *testing.T) {
	t.Parallel()
	head := "país;año;institución\n"
	body := strings.Repeat("Perú;2026;Fiscalía de la Nación\n", 4000) // > 32 KiB, characters across blocks
	good := []byte(head + body)
	if got, code := documents.Sniff(bytes.NewReader(good), int64(len(good))); got != "text/csv" {
		t.Errorf("long CSV: %q %q", got, code)
	}
	bad := append(bytes.Clone(good), 0x00, 0x01, 0x02)
	if got, code := documents.Sniff(bytes.NewReader(bad), int64(len(bad))); code != pipeline.DocumentUnsupported {
		t.Errorf("CSV turning binary: %q %q", got, code)
	}
}

func TestStage(t *testing.T) {
	t.Parallel()
	data := samplefiles.PDF()
	s, err := documents.Stage(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sum := sha256.Sum256(data)
	if s.Size != int64(len(data)) || s.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("staged %d %s", s.Size, s.SHA256)
	}
	if mt, code := s.Type(); mt != "application/pdf" || code != "" {
		t.Errorf("type %q %q", mt, code)
	}
	// One byte over the limit: refused after reading limit+1 bytes, no more.
	r := &countingReader{r: bytes.NewReader(make([]byte, 10<<20))}
	if _, err := documents.Stage(r, 1<<20); err != documents.ErrTooLarge || r.n != 1<<20+1 {
		t.Errorf("over the limit: %v after %d bytes", err, r.n)
	}
}

type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func zipOf(t *testing.T, entries [][2]string, deflateFirst bool) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i, e := range entries {
		method := zip.Deflate
		if i == 0 && !deflateFirst {
			method = zip.Store
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(e[1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bomb is a DOCX-shaped archive one of whose entries is 64 MiB of zeros.
func bomb(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := z.Create(name)
		_, _ = w.Write([]byte("<x/>"))
	}
	w, _ := z.Create("word/media/zeros.bin")
	zeros := make([]byte, 1<<20)
	for range 64 {
		_, _ = w.Write(zeros)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func manyEntries(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := z.Create(name)
		_, _ = w.Write([]byte("<x/>"))
	}
	for i := range n {
		if _, err := z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("e%d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// overlapping is a DOCX-shaped archive whose central directory names the
// same compressed data twice (the overlapping-files zip bomb): each entry
// read expands the one data stream again.
func overlapping(t *testing.T) []byte {
	t.Helper()
	data := zipOf(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<document/>"}}, false)
	// Point the second central directory entry's local header offset at
	// the first entry's.
	cd := bytes.Index(data, []byte("PK\x01\x02"))
	second := cd + 4 + bytes.Index(data[cd+4:], []byte("PK\x01\x02"))
	copy(data[second+42:second+46], []byte{0, 0, 0, 0})
	return data
}
