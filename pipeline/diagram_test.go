package pipeline

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeDiagramMatchesTable fails when the README's stage diagram and the
// transition table disagree: regenerate the block with Mermaid().
func TestReadmeDiagramMatchesTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```mermaid\n")
	if !ok {
		t.Fatal("README.md has no mermaid block")
	}
	diagram, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md's mermaid block is not closed")
	}
	if want := Mermaid(); diagram != want {
		t.Errorf("README diagram differs from the table; replace it with:\n%s", want)
	}
	for _, tr := range Table {
		if tr.moves() &&
			!strings.Contains(diagram, string(tr.From)+" --> "+string(tr.Next())+": "+string(tr.Decision)) {
			t.Errorf("diagram lacks %s --%s--> %s", tr.From, tr.Decision, tr.Next())
		}
	}
}
