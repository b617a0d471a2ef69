package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// score counts a package's mutants by outcome. NotCovered mutants are in
// code no test runs and NotViable ones do not compile: neither is run, and
// neither counts in the score.
type score struct {
	Package, Tool            string
	Killed, Survived, Errors int
	NotCovered, NotViable    int
}

// percent is the share of run mutants the tests killed.
func (s score) percent() float64 {
	n := s.Killed + s.Survived + s.Errors
	if n == 0 {
		return 100
	}
	return 100 * float64(s.Killed) / float64(n)
}

type survivor struct {
	Package, Name, Source, Error string
}

type results struct {
	Scores    []score
	Survivors []survivor
	Command   string
	Elapsed   time.Duration
}

func (r *results) total() score {
	t := score{Package: "all"}
	for _, s := range r.Scores {
		t.Killed += s.Killed
		t.Survived += s.Survived
		t.Errors += s.Errors
		t.NotCovered += s.NotCovered
		t.NotViable += s.NotViable
	}
	return t
}

func (r *results) print(w io.Writer) {
	fmt.Fprintln(w, "\nsurvivors:")
	for _, s := range r.Survivors {
		fmt.Fprintf(w, "  %-10s %s  %s%s\n", s.Package, s.Name, s.Source, s.Error)
	}
	fmt.Fprintln(w, "\nscore:")
	for _, s := range append(r.Scores, r.total()) {
		fmt.Fprintf(w, "  %-10s %-9s killed %3d of %3d (%5.1f %%), not covered %d, not viable %d\n",
			s.Package, s.Tool, s.Killed, s.Killed+s.Survived+s.Errors, s.percent(), s.NotCovered, s.NotViable)
	}
}

func (r *results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Produced by `%s` in %s.\n\n", strings.TrimSpace(r.Command), r.Elapsed)
	b.WriteString("| Package | Mutants | Killed | Survived | Score | Not covered | Not viable |\n|---|---|---|---|---|---|---|\n")
	for _, s := range append(r.Scores, r.total()) {
		name := s.Package
		if s.Tool != "" {
			name = fmt.Sprintf("`%s` (%s)", s.Package, s.Tool)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f %% | %d | %d |\n", name, s.Killed+s.Survived+s.Errors,
			s.Killed, s.Survived+s.Errors, s.percent(), s.NotCovered, s.NotViable)
	}
	b.WriteString("\nSurvivors:\n\n")
	for _, s := range r.Survivors {
		fmt.Fprintf(&b, "- `%s` %s", s.Package, s.Name)
		if s.Source != "" {
			fmt.Fprintf(&b, ": `%s`", s.Source)
		}
		if s.Error != "" {
			fmt.Fprintf(&b, " (not judged: %s)", s.Error)
		}
		b.WriteString("\n")
	}
	return b.String()
}
