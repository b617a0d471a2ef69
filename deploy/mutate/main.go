// Command mutate (`make mutate`) measures how many deliberately broken
// versions of Puente its tests catch. Two kinds of mutant are run, both in
// a copy of the tree, so that the tree itself is never changed even when
// the run is interrupted:
//
//   - Gremlins' mutants (flipped comparisons and boundaries, arithmetic,
//     increments, negations) of the packages whose tests run in seconds,
//     each package with its own settings (gremlinsPackages);
//   - a curated list of security-relevant mutants (mutants.go) of the
//     packages whose tests need PostgreSQL and Temporal and take minutes
//     a run: each is an exact snippet of source, its replacement, and the
//     tests expected to catch it.
//
// It prints every surviving mutant and a score per package, and writes the
// same as Markdown (-report) for docs/mutation.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	gremlins := flag.String("gremlins", "", "the Gremlins binary (gremlins' packages are skipped without it)")
	only := flag.String("only", "", "comma-separated packages or curated mutant names to run (default: all)")
	smoke := flag.Bool("smoke", false, "run only the curated mutants marked for the smoke run")
	kind := flag.String("kind", "all", "which mutants: all, gremlins or curated")
	check := flag.Bool("check", false, "only check that every curated mutant's snippet is in its file once")
	report := flag.String("report", filepath.Join(".puente", "mutation.md"), "where to write the Markdown report")
	flag.Parse()

	if *check {
		if err := checkMutants(); err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(1)
		}
		fmt.Printf("%d curated mutants, each snippet found once\n", len(mutants))
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	r, err := run(ctx, *gremlins, parseSelection(*only), *smoke, *kind)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
	r.Elapsed = time.Since(start).Round(time.Second)
	r.Command = strings.Join(append([]string{"go run ./deploy/mutate"}, os.Args[1:]...), " ")
	if err := os.MkdirAll(filepath.Dir(*report), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*report, []byte(r.markdown()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
	r.print(os.Stdout)
	fmt.Printf("report: %s (%s)\n", *report, r.Elapsed)
	if r.errors() > 0 {
		os.Exit(1)
	}
}

// selection is a filter of package and mutant names; empty selects all.
type selection []string

func (s selection) has(names ...string) bool {
	if len(s) == 0 {
		return true
	}
	for _, n := range names {
		if slices.Contains(s, n) {
			return true
		}
	}
	return false
}

func run(ctx context.Context, gremlins string, sel selection, smoke bool, kind string) (*results, error) {
	if kind != "all" && kind != "gremlins" && kind != "curated" {
		return nil, fmt.Errorf("-kind %q: want all, gremlins or curated", kind)
	}
	if smoke {
		// The smoke run also keeps the whole list in step with the code.
		if err := checkMutants(); err != nil {
			return nil, err
		}
	}
	r := &results{}
	if gremlins != "" && !smoke && kind != "curated" {
		for _, p := range gremlinsPackages {
			if !sel.has(p.Dir) {
				continue
			}
			if err := runGremlins(ctx, gremlins, p, r); err != nil {
				return nil, err
			}
		}
	}
	var list []mutant
	for _, m := range mutants {
		if kind == "gremlins" {
			break
		}
		if (smoke && !m.Smoke) || !sel.has(m.Name, m.pkg()) {
			continue
		}
		list = append(list, m)
	}
	if len(list) == 0 {
		return r, nil
	}
	tree, err := copyTree(ctx)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tree)
	return r, runCurated(ctx, tree, list, r)
}

func parseSelection(s string) selection {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
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
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
