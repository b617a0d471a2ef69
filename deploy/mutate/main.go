// Command mutate (`make mutate`) measures how many deliberately broken
// versions of Puente its tests catch. Two kinds of mutant are run, both in
// a copy of the tree, so that the tree itself is never changed even when
// the run is interrupted:
//
//   - Gremlins' mutants (flipped comparisons and boundaries, arithmetic,
//     increments, negations) of the packages whose tests run in seconds,
//     each package with its own settings;
//   - a curated list of security-relevant mutants of the packages whose
//     tests need PostgreSQL and Temporal and take minutes a run: each is an
//     exact snippet of source, its replacement, and the tests expected to
//     catch it.
//
// Both lists are data, in mutants.yaml.
//
// It prints every surviving mutant and a score per package, and writes the
// same as Markdown (-report) for docs/mutation.md.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed mutants.yaml
var mutantsYAML []byte

func main() {
	gremlins := flag.String("gremlins", "", "the Gremlins binary (gremlins' packages are skipped without it)")
	only := flag.String("only", "", "comma-separated packages or curated mutant names to run (default: all)")
	smoke := flag.Bool("smoke", false, "run only the curated mutants marked for the smoke run")
	kind := flag.String("kind", "all", "which mutants: all, gremlins or curated")
	check := flag.Bool("check", false, "only check that every curated mutant's snippet is in its file once")
	report := flag.String("report", filepath.Join(".puente", "mutation.md"), "where to write the Markdown report")
	flag.Parse()

	var sel selection
	if *only != "" {
		sel = strings.Split(*only, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := mutate(ctx, *gremlins, sel, *smoke, *kind, *check, *report); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

func mutate(ctx context.Context, gremlins string, sel selection, smoke bool, kind string, check bool, report string) error {
	var ms struct {
		Gremlins []gremlinsPackage
		Curated  []mutant
	}
	dec := yaml.NewDecoder(bytes.NewReader(mutantsYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&ms); err != nil {
		return fmt.Errorf("mutants.yaml: %w", err)
	}
	if check || smoke {
		// The smoke run also keeps the whole list in step with the code.
		if err := checkMutants(ms.Curated); err != nil {
			return err
		}
	}
	if check {
		fmt.Printf("%d curated mutants, each snippet found once\n", len(ms.Curated))
		return nil
	}
	if kind != "all" && kind != "gremlins" && kind != "curated" {
		return fmt.Errorf("-kind %q: want all, gremlins or curated", kind)
	}
	start := time.Now()
	r := &results{}
	if gremlins != "" && !smoke && kind != "curated" {
		for _, p := range ms.Gremlins {
			if !sel.has(p.Dir) {
				continue
			}
			if err := runGremlins(ctx, gremlins, p, r); err != nil {
				return err
			}
		}
	}
	var list []mutant
	for _, m := range ms.Curated {
		if kind != "gremlins" && (!smoke || m.Smoke) && sel.has(m.Name, m.pkg()) {
			list = append(list, m)
		}
	}
	if len(list) > 0 {
		tree, err := copyTree(ctx)
		if err != nil {
			return err
		}
		defer os.RemoveAll(tree)
		if err := runCurated(ctx, tree, list, r); err != nil {
			return err
		}
	}
	r.Elapsed = time.Since(start).Round(time.Second)
	r.Command = strings.Join(append([]string{"go run ./deploy/mutate"}, os.Args[1:]...), " ")
	if err := os.MkdirAll(filepath.Dir(report), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(report, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	r.print(os.Stdout)
	fmt.Printf("report: %s (%s)\n", report, r.Elapsed)
	if n := r.total().Errors; n > 0 {
		return fmt.Errorf("%d mutants could not be judged", n)
	}
	return nil
}

// selection is a filter of package and mutant names; empty selects all.
type selection []string

func (s selection) has(names ...string) bool {
	return len(s) == 0 || slices.ContainsFunc(names, func(n string) bool { return slices.Contains(s, n) })
}

// copyTree copies the files git knows of (tracked, and new ones not
// ignored) to a temporary directory, where mutants are applied.
func copyTree(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", fmt.Errorf("list the tree's files: %w", err)
	}
	dir, err := os.MkdirTemp("", "puente-mutate-")
	if err != nil {
		return "", err
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if err := copyFile(f, filepath.Join(dir, f)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

func copyFile(src, dst string) error {
	fi, err := os.Lstat(src)
	if os.IsNotExist(err) {
		return nil // deleted in the work tree, not yet in the index
	}
	if err != nil || !fi.Mode().IsRegular() {
		return err
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, fi.Mode().Perm())
}
