package pipeline

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeDiagramMatchesTable fails when the stage diagram of
// docs/architecture.md (The pipeline) and the transition table disagree:
// regenerate the block with Mermaid().
func TestReadmeDiagramMatchesTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```mermaid\n")
	if !ok {
		t.Fatal("docs/architecture.md has no mermaid block")
	}
	diagram, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/architecture.md's mermaid block is not closed")
	}
	if want := Mermaid(); diagram != want {
		t.Errorf("the diagram in docs/architecture.md differs from the table; replace it with:\n%s", want)
	}
	for _, tr := range Table {
		if tr.moves() &&
			!strings.Contains(diagram, string(tr.From)+" --> "+string(tr.Next())+": "+string(tr.Decision)) {
			t.Errorf("diagram lacks %s --%s--> %s", tr.From, tr.Decision, tr.Next())
		}
	}
}
