package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/puente-dev/puente/bench"
	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/store"
)

// benchCmd runs a benchmark: `puente bench` (or `bench pipeline`) measures
// complete pipelines against a bare Temporal baseline; `puente bench scale`
// measures the managers' reads at 100,000 priorities.
func benchCmd(ctx context.Context, args []string) error {
	mode := "pipeline"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
	}
	switch mode {
	case "pipeline":
		return benchPipeline(ctx, args)
	case "scale":
		return benchScale(ctx, args)
	}
	return errors.New("usage: puente bench [pipeline|scale] [flags]")
}

func benchPipeline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench pipeline", flag.ContinueOnError)
	n := fs.Int("n", 200, "pipelines to drive")
	c := fs.Int("c", 20, "pipelines in flight")
	dir := fs.String("dir", "", "keep the benchmark's Temporal and PostgreSQL data here (default: a temp dir, removed after)")
	out := fs.String("json", "bench-pipeline.json", "write the result as JSON here")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (API, worker, load) during the Puente phase here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var profile io.Writer
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		profile = f
	}
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "puente-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(work, 0o755); err != nil {
		return err
	}
	cli, err := devstack.EnsureTemporalCLI(ctx, env("PUENTE_BIN_DIR", filepath.Join(".puente", "bin")), os.Stderr)
	if err != nil {
		return err
	}
	res, err := bench.Pipeline(ctx, bench.PipelineOptions{N: *n, C: *c, CLI: cli, Dir: work, Log: os.Stderr, Profile: profile})
	if err != nil {
		return err
	}
	res.Print(os.Stdout)
	return writeJSON(*out, res)
}

// privatePostgres starts a throwaway PostgreSQL cluster under dir (a temp dir
// if empty) and returns its URL and a stop function.
func privatePostgres(ctx context.Context, dir string) (string, func(), error) {
	keep := dir != ""
	if keep {
		// The server may run as another user (root is refused): it must reach its dir.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", nil, err
		}
	} else {
		var err error
		if dir, err = os.MkdirTemp("", "puente-bench-"); err != nil {
			return "", nil, err
		}
		_ = os.Chmod(dir, 0o755)
	}
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{
		Dir: filepath.Join(dir, "pg"), LogPath: filepath.Join(dir, "postgres.log"), Database: "puente",
	})
	if err != nil {
		return "", nil, err
	}
	return pg.URL, func() {
		_ = pg.Stop(30 * time.Second)
		if !keep {
			_ = os.RemoveAll(dir)
		}
	}, nil
}

func benchScale(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("bench scale", flag.ContinueOnError)
	cfg.register(fs, "db")
	n := fs.Int("priorities", 100000, "priorities to seed")
	events := fs.Int("events-per", 10, "audit events per priority")
	requests := fs.Int("requests", 300, "measured requests per endpoint")
	dir := fs.String("dir", "", "keep the private PostgreSQL cluster here (default: a temp dir, removed after)")
	out := fs.String("json", "bench-scale.json", "write the result as JSON here")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	url := cfg.DatabaseURL
	if url == "" {
		u, stop, err := privatePostgres(ctx, *dir)
		if err != nil {
			return err
		}
		defer stop()
		url = u
	}
	if err := store.Migrate(ctx, url); err != nil {
		return err
	}
	res, err := bench.Scale(ctx, bench.ScaleOptions{DatabaseURL: url, Priorities: *n, EventsPer: *events, Requests: *requests, Log: os.Stderr})
	if err != nil {
		return err
	}
	res.Print(os.Stdout)
	return writeJSON(*out, res)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "wrote", path)
	return nil
}
