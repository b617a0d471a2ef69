package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// gremlinsPackage is a package Gremlins mutates, with its settings
// (mutants.yaml says what each means).
type gremlinsPackage struct {
	Dir              string
	Workers, Timeout int
	Exclude          []string
}

// gremlinsOutput is the part of Gremlins' JSON report read here.
type gremlinsOutput struct {
	Files []struct {
		Name      string `json:"file_name"`
		Mutations []struct {
			Type, Status string
			Line, Column int
		}
	}
	NotCovered int `json:"mutants_not_covered"`
}

func runGremlins(ctx context.Context, bin string, p gremlinsPackage, r *results) error {
	// An absolute path: Gremlins finds the module above it.
	dir, err := filepath.Abs(p.Dir)
	if err != nil {
		return err
	}
	out, err := os.CreateTemp("", "gremlins-*.json")
	if err != nil {
		return err
	}
	out.Close()
	defer os.Remove(out.Name())
	args := []string{"unleash", "--workers", strconv.Itoa(p.Workers),
		"--timeout-coefficient", strconv.Itoa(p.Timeout), "--output", out.Name()}
	for _, e := range p.Exclude {
		args = append(args, "--exclude-files", e)
	}
	args = append(args, dir)
	fmt.Printf("gremlins: %s\n", p.Dir)
	cmd := exec.CommandContext(ctx, bin, args...)
	// The unmutated run must not come from the test cache: its duration
	// sets every mutant's timeout.
	cmd.Env = append(os.Environ(), "GOFLAGS=-count=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gremlins %s: %w", p.Dir, err)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return err
	}
	var o gremlinsOutput
	if err := json.Unmarshal(b, &o); err != nil {
		return fmt.Errorf("gremlins %s: read its report: %w", p.Dir, err)
	}
	s := score{Package: p.Dir, Tool: "gremlins", NotCovered: o.NotCovered}
	for _, f := range o.Files {
		file := filepath.Join(p.Dir, f.Name) // Gremlins names files from the package's directory
		for _, m := range f.Mutations {
			switch m.Status {
			case "KILLED", "TIMED OUT":
				s.Killed++
			case "LIVED":
				s.Survived++
				r.Survivors = append(r.Survivors, survivor{Package: p.Dir,
					Name: fmt.Sprintf("%s at %s:%d:%d", m.Type, file, m.Line, m.Column), Source: line(file, m.Line)})
			case "NOT VIABLE":
				s.NotViable++
			}
		}
	}
	r.Scores = append(r.Scores, s)
	fmt.Printf("gremlins: %s killed %d of %d, %d not covered\n", p.Dir, s.Killed, s.Killed+s.Survived, s.NotCovered)
	return nil
}

// line is the source line n of file, trimmed, for the report.
func line(file string, n int) string {
	b, _ := os.ReadFile(file)
	lines := strings.Split(string(b), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}
