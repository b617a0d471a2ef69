package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// mutant is a curated mutant: Original, found exactly once in File, is
// replaced by Mutant, and the tests Run of Package must then fail.
type mutant struct {
	Name, File, Why  string
	Original, Mutant string
	Package          string // as go test takes it, ./web
	Run              string // go test's -run pattern
	Smoke            bool   // run by `make mutate-smoke`
}

// pkg is the mutated file's package directory, the name scores go under.
func (m mutant) pkg() string { return filepath.Dir(m.File) }

// testTimeout bounds one run of a mutant's tests; an integration test
// starts PostgreSQL and the Temporal dev server first.
const testTimeout = 10 * time.Minute

func runCurated(ctx context.Context, tree string, list []mutant, r *results) error {
	if err := baseline(ctx, tree, list); err != nil {
		return err
	}
	for _, m := range list {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p := m.pkg()
		i := slices.IndexFunc(r.Scores, func(s score) bool { return s.Tool == "curated" && s.Package == p })
		if i < 0 {
			i = len(r.Scores)
			r.Scores = append(r.Scores, score{Package: p, Tool: "curated"})
		}
		s := &r.Scores[i]
		start := time.Now()
		killed, out, err := try(ctx, tree, m)
		d := time.Since(start).Round(time.Second)
		switch {
		case err != nil:
			s.Errors++
			fmt.Printf("ERROR    %s (%s): %v\n%s\n", m.Name, d, err, tail(out))
			r.Survivors = append(r.Survivors, survivor{Package: p, Name: m.Name, Error: err.Error()})
		case killed:
			s.Killed++
			fmt.Printf("KILLED   %s (%s)\n", m.Name, d)
		default:
			s.Survived++
			fmt.Printf("SURVIVED %s (%s)\n", m.Name, d)
			r.Survivors = append(r.Survivors, survivor{Package: p, Name: m.Name,
				Source: fmt.Sprintf("%s: go test %s -run '%s'", m.File, m.Package, m.Run)})
		}
	}
	return nil
}

// baseline runs each package's tests the mutants name on the unmutated
// tree: a mutant counts as killed only by tests that pass without it.
func baseline(ctx context.Context, tree string, list []mutant) error {
	runs := map[string][]string{}
	for _, m := range list {
		if !slices.Contains(runs[m.Package], m.Run) {
			runs[m.Package] = append(runs[m.Package], m.Run)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(runs)) {
		pattern := strings.Join(runs[p], "|")
		fmt.Printf("baseline: go test %s -run '%s'\n", p, pattern)
		out, err := goTest(ctx, tree, p, pattern)
		if err != nil {
			return fmt.Errorf("the unmutated tests fail, no mutant can be judged: go test %s -run '%s': %w\n%s", p, pattern, err, tail(out))
		}
	}
	return nil
}

// checkMutants reports the curated mutants whose snippet is not in their
// file exactly once, or that change nothing.
func checkMutants(mutants []mutant) error {
	var errs []error
	names := map[string]bool{}
	for _, m := range mutants {
		if names[m.Name] {
			errs = append(errs, fmt.Errorf("%s: two mutants have this name", m.Name))
		}
		names[m.Name] = true
		b, err := os.ReadFile(m.File)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Name, err))
			continue
		}
		if n := bytes.Count(b, []byte(m.Original)); n != 1 || m.Original == m.Mutant {
			errs = append(errs, fmt.Errorf("%s: %s holds its snippet %d times, not once, or the mutant changes nothing", m.Name, m.File, n))
		}
	}
	return errors.Join(errs...)
}

// try applies m in tree, runs its tests and puts the file back. An error
// means the mutant could not be judged: its snippet is not in the file
// exactly once, or the mutated code does not build.
func try(ctx context.Context, tree string, m mutant) (killed bool, out []byte, err error) {
	path := filepath.Join(tree, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return false, nil, err
	}
	if n := bytes.Count(orig, []byte(m.Original)); n != 1 {
		return false, nil, fmt.Errorf("%s holds its snippet %d times, not once: update the mutant", m.File, n)
	}
	mutated := bytes.Replace(orig, []byte(m.Original), []byte(m.Mutant), 1)
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		return false, nil, err
	}
	defer func() {
		if werr := os.WriteFile(path, orig, 0o644); werr != nil && err == nil {
			err = werr
		}
	}()
	out, err = goTest(ctx, tree, m.Package, m.Run)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return false, out, nil
	case bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")):
		return false, out, errors.New("the mutant does not build")
	case errors.As(err, &exit):
		return true, out, nil
	}
	return false, out, err
}

func goTest(ctx context.Context, dir, pkg, run string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-failfast", "-timeout", testTimeout.String(), "-run", run, pkg)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	return cmd.CombinedOutput()
}

func tail(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}
