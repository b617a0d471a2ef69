package documents

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/puente-dev/puente/pipeline"
)

// Bounds of what sniffing reads and what an archive may claim to hold.
const (
	// prefixSize is how much of the start of a file decides its type,
	// except for a CSV, which is read through (its every byte must be text).
	prefixSize = 8 << 10
	// maxEntries bounds the entries of an archive: the central directory
	// is read in full, and each entry costs memory to hold.
	maxEntries = 5000
	// maxExpanded bounds what an archive's entries together say they
	// expand to, and maxRatio how much one entry over ratioFloor may
	// expand: beyond either the file is a zip bomb for whoever opens it.
	maxExpanded = 512 << 20
	maxRatio    = 200
	ratioFloor  = 1 << 20
)

// The ODF types by the content of their mimetype entry.
var odfTypes = []string{
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
}

// The OOXML types by their main part.
var ooxmlParts = map[string]string{
	"word/document.xml":    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xl/workbook.xml":      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// Sniff finds the type of the size bytes r holds among
// pipeline.DocumentTypes, by content alone. It reads a bounded prefix, and
// for an archive its end record and central directory, never decompressing
// anything; a CSV is read through, a block at a time. The code says why a
// file is refused: empty, not an allowed type, or an archive whose entries
// overlap or would expand beyond bounds (a zip bomb).
func Sniff(r io.ReaderAt, size int64) (string, pipeline.Code) {
	if size <= 0 {
		return "", pipeline.DocumentEmpty
	}
	prefix := make([]byte, min(size, prefixSize))
	if _, err := r.ReadAt(prefix, 0); err != nil && err != io.EOF {
		return "", pipeline.DocumentUnsupported
	}
	switch {
	case bytes.HasPrefix(prefix, []byte("%PDF-")):
		return "application/pdf", ""
	case bytes.HasPrefix(prefix, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", ""
	case bytes.HasPrefix(prefix, []byte{0xff, 0xd8, 0xff}):
		return "image/jpeg", ""
	case bytes.HasPrefix(prefix, []byte("PK\x03\x04")):
		return sniffZip(r, size)
	case csvText(r, size):
		return "text/csv", ""
	}
	return "", pipeline.DocumentUnsupported
}

// sniffZip judges an archive: an ODF document (its first entry "mimetype",
// stored, naming an ODF type) or an OOXML one ("[Content_Types].xml" and
// a main part), whose entries neither overlap nor expand out of bounds.
func sniffZip(r io.ReaderAt, size int64) (string, pipeline.Code) {
	entries, ok := endRecord(r, size)
	if !ok {
		return "", pipeline.DocumentUnsupported
	}
	if entries > maxEntries {
		return "", pipeline.DocumentUnsafe
	}
	z, err := zip.NewReader(r, size)
	if err != nil || len(z.File) == 0 {
		return "", pipeline.DocumentUnsupported
	}
	if !bounded(z.File, size) {
		return "", pipeline.DocumentUnsafe
	}
	if t := odfType(z.File[0]); t != "" {
		return t, ""
	}
	names := make(map[string]bool, len(z.File))
	for _, f := range z.File {
		names[f.Name] = true
	}
	if names["[Content_Types].xml"] {
		for part, t := range ooxmlParts {
			if names[part] {
				return t, ""
			}
		}
	}
	return "", pipeline.DocumentUnsupported
}

// endRecord reads the archive's end-of-central-directory record, at most
// 64 KiB from its end, and returns how many entries it declares. A ZIP64
// archive (0xFFFF entries) is not ok: no document under 25 MB needs one.
func endRecord(r io.ReaderAt, size int64) (int, bool) {
	const recLen, maxComment = 22, 0xffff
	n := min(size, recLen+maxComment)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < recLen {
		return 0, false
	}
	entries := binary.LittleEndian.Uint16(buf[i+10:])
	if entries == 0xffff {
		return 0, false
	}
	return int(entries), true
}

// bounded reports whether the entries stay within the file, do not
// overlap, and expand within maxExpanded and maxRatio.
func bounded(files []*zip.File, size int64) bool {
	type span struct{ from, to int64 }
	spans := make([]span, 0, len(files))
	var total uint64
	for _, f := range files {
		total += f.UncompressedSize64
		if total > maxExpanded {
			return false
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > maxRatio*max(f.CompressedSize64, 1) {
			return false
		}
		off, err := f.DataOffset()
		if err != nil || off < 0 || f.CompressedSize64 > uint64(size) || off+int64(f.CompressedSize64) > size {
			return false
		}
		spans = append(spans, span{off, off + int64(f.CompressedSize64)})
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.from - b.from) })
	for i := 1; i < len(spans); i++ {
		if spans[i].from < spans[i-1].to {
			return false
		}
	}
	return true
}

// odfType is the ODF type that f, the archive's first entry, declares:
// an entry named "mimetype", stored uncompressed, holding an ODF type.
func odfType(f *zip.File) string {
	if f.Name != "mimetype" || f.Method != zip.Store || f.UncompressedSize64 > 128 {
		return ""
	}
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 128))
	if err != nil {
		return ""
	}
	if t := strings.TrimSpace(string(b)); slices.Contains(odfTypes, t) {
		return t
	}
	return ""
}

// csvText reports whether the size bytes of r are text a spreadsheet can
// read as CSV: valid UTF-8 (a byte-order mark allowed), no control
// character but tab, carriage return and newline, not markup, and a
// delimiter (comma, semicolon or tab) on its first line.
func csvText(r io.ReaderAt, size int64) bool {
	buf := make([]byte, 32<<10)
	var carry, first []byte
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n == 0 && err != nil {
			return false
		}
		chunk := append(carry, buf[:n]...)
		if off == 0 {
			chunk = bytes.TrimPrefix(chunk, []byte("\xef\xbb\xbf"))
			first = bytes.Clone(chunk[:min(len(chunk), prefixSize)])
		}
		off += int64(n)
		// A rune cut at the block's end is judged with the next block.
		cut := len(chunk)
		if off < size {
			for i := len(chunk) - 1; i >= 0 && i >= len(chunk)-utf8.UTFMax; i-- {
				if utf8.RuneStart(chunk[i]) {
					if !utf8.FullRune(chunk[i:]) {
						cut = i
					}
					break
				}
			}
		}
		if !plainText(chunk[:cut]) {
			return false
		}
		carry = bytes.Clone(chunk[cut:])
	}
	if len(carry) > 0 {
		return false
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	trimmed := bytes.TrimSpace(first)
	return len(trimmed) > 0 && trimmed[0] != '<' && bytes.ContainsAny(line, ",;\t")
}

// plainText reports whether b is valid UTF-8 with no control character but
// tab, carriage return and newline.
func plainText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f {
			return false
		}
	}
	return true
}
