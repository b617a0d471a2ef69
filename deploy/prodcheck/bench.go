package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/puente-dev/puente/bench"
	"github.com/puente-dev/puente/internal/journey"
)

// benchOptions configure a benchmark of the production topology.
type benchOptions struct {
	mode     string // "pipeline", "sweep" or "burst"
	n, c     int    // pipelines measured, and in flight (pipeline); measured per step (sweep)
	inFlight []int  // the sweep's steps
	burst    int    // priorities the burst submits
	over     time.Duration
	json     string // where the result goes, as JSON
	svg      string // where the sweep's plot goes
	settle   time.Duration
	topo     topology
	keep     bool
}

// benchmark brings the production topology up as prod-check does and
// measures it: the pipeline benchmark of `puente bench` (Puente against a
// bare Temporal baseline on the same server), a sweep of the pipelines in
// flight, or the meeting burst.
func benchmark(ctx context.Context, repo, bin, puente string, o benchOptions) (err error) {
	s, err := up(ctx, repo, bin, puente, o.topo)
	if s != nil && s.work != "" {
		defer func() {
			if o.keep || err != nil {
				logf("logs and data kept in %s", s.work)
			} else {
				_ = os.RemoveAll(s.work)
			}
		}()
		defer s.stop()
	}
	if err != nil {
		return err
	}
	quiet := tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	tc, err := client.DialContext(ctx, client.Options{HostPort: s.temporalAddr, Namespace: s.project.Environment["TEMPORAL_NAMESPACE"],
		Logger: quiet, ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}})
	if err != nil {
		return err
	}
	defer tc.Close()
	var urls []string
	for _, a := range s.apis {
		urls = append(urls, "http://"+a.addr)
	}
	d := journey.New(s.cast, urls...)
	most := slices.Max(append(slices.Clone(o.inFlight), o.c))
	d.HTTP = &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * most}}
	pids := map[string]int{bench.ProcTemporal: s.temporal.pid(), bench.ProcPostgreSQL: s.pg.PID()}
	for _, sv := range append(slices.Clone(s.apis), s.workers...) {
		pids[sv.name] = sv.pid()
	}
	t := bench.Target{Topology: s.describe(), Temporal: tc, Driver: d, DatabaseURL: s.puenteURL(),
		Meter: bench.TreeMeter(pids, bench.ProcLoad)}
	logf("benchmark on %s", t.Topology)

	var res any
	switch o.mode {
	case "pipeline":
		r, err := bench.Measure(ctx, bench.PipelineOptions{N: o.n, C: o.c, Log: os.Stdout, Settle: o.settle}, t)
		if err != nil {
			return err
		}
		r.Print(os.Stdout)
		res = r
	case "sweep":
		r, err := bench.Sweep(ctx, bench.SweepOptions{InFlight: o.inFlight, N: o.n, Pause: o.settle, Log: os.Stdout}, t)
		if err != nil {
			return err
		}
		r.Print(os.Stdout)
		if o.svg != "" {
			if err := writeSVG(o.svg, r); err != nil {
				return err
			}
		}
		res = r
	case "burst":
		r, err := s.burst(ctx, d, tc, o.burst, o.over)
		if r != nil {
			r.print(os.Stdout)
			res = r
		}
		if err == nil {
			err = r.verdict()
		}
		if werr := writeJSON(o.json, res); err == nil {
			err = werr
		}
		return err
	default:
		return fmt.Errorf("-bench %q: want pipeline, sweep or burst", o.mode)
	}
	return writeJSON(o.json, res)
}

// describe says what runs: the server, its shards, the processes and the
// compose variables set apart from .env.example.
func (s *stack) describe() string {
	d := fmt.Sprintf("the production topology: Temporal server %s (all services, %s history shards) on PostgreSQL, %d APIs (round-robin), %d workers",
		temporalVersion, s.shards(), len(s.apis), len(s.workers))
	if v := s.project.Environment["PUENTE_PG_MAX_CONNS"]; v != "" {
		d += ", pool " + v + " connections per process"
	}
	if dc := rel(s.repo, s.topo.dynamicConfig); dc != defaultDynamicConfig {
		d += ", dynamic config " + dc
	}
	return d
}

// puenteURL connects to Puente's database as the cluster's superuser.
func (s *stack) puenteURL() string {
	return strings.Replace(s.pg.AdminURL, "/postgres?", "/"+s.project.Environment["PUENTE_DB"]+"?", 1)
}

func writeJSON(path string, v any) error {
	if path == "" || v == nil {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	logf("wrote %s", path)
	return nil
}

func writeSVG(path string, r *bench.SweepResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.SVG(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	logf("wrote %s", path)
	return nil
}

// inFlightList reads "1,5,20" as the sweep's steps.
func inFlightList(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("in flight %q: want positive numbers separated by commas", v)
		}
		out = append(out, n)
	}
	return out, nil
}

// envList collects repeated -env KEY=VALUE flags.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("%q: want KEY=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}
