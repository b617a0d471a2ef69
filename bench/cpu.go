package bench

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Names a Meter gives the processes every target has. Any other name is one
// of Puente's processes (the one process of the embedded stack; each API and
// worker of the production topology), except ProcLoad.
const (
	ProcTemporal   = "temporal"
	ProcPostgreSQL = "postgresql"
	// ProcLoad is the bench's own process when Puente runs apart from it:
	// the journeys' driver and the baseline's worker.
	ProcLoad = "load"
)

// Meter reads the processor time each process of a target has used so far,
// by name.
type Meter func() (map[string]time.Duration, error)

// TreeMeter meters the process trees rooted at pids, by name (a tree's
// reaped children included), and this process as self.
func TreeMeter(pids map[string]int, self string) Meter {
	names := slices.Sorted(maps.Keys(pids))
	roots := make([]int, len(names))
	for i, n := range names {
		roots[i] = pids[n]
	}
	return func() (map[string]time.Duration, error) {
		ts, err := treeCPUTimes(roots...)
		if err != nil {
			return nil, err
		}
		out := map[string]time.Duration{}
		for i, n := range names {
			out[n] = ts[i]
		}
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return nil, err
		}
		out[self] = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		return out, nil
	}
}

// measure runs a phase and charges it the processor time it used, per
// pipeline (ramp included).
func (m Meter) measure(run func() Phase) (Phase, error) {
	before, err := m()
	if err != nil {
		return Phase{}, err
	}
	t0 := time.Now()
	ph := run()
	ph.WallSeconds = time.Since(t0).Seconds()
	after, err := m()
	if err != nil {
		return Phase{}, err
	}
	ph.CPU = perPipeline(before, after, float64(max(ph.Pipelines+ph.Ramp, 1)))
	return ph, nil
}

// perPipeline is the processor time used between two readings, divided
// among n pipelines.
func perPipeline(before, after map[string]time.Duration, n float64) CPU {
	c := CPU{ByProcess: map[string]float64{}}
	for name, t := range after {
		v := ms(t-before[name]) / n
		c.ByProcess[name] = v
		switch name {
		case ProcTemporal:
			c.Temporal = v
		case ProcPostgreSQL:
			c.PostgreSQL = v
		case ProcLoad:
		default:
			c.Puente += v
		}
	}
	return c
}

// clockTick is USER_HZ, the unit of /proc's times: 100 on every Linux port.
const clockTick = 100

// treeCPUTime is the processor time used so far by the process root and its
// descendants (PostgreSQL's backends leave the process group, so the tree is
// walked by parent), live ones and those reaped. Linux only: the benchmark
// uses it to say where the machine's time goes.
func treeCPUTime(root int) (time.Duration, error) {
	ts, err := treeCPUTimes(root)
	if err != nil {
		return 0, err
	}
	return ts[0], nil
}

// treeCPUTimes is treeCPUTime of each root, from one reading of /proc.
func treeCPUTimes(roots ...int) ([]time.Duration, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	type proc struct{ parent, ticks int64 }
	procs := map[int64]proc{}
	for _, d := range dirs {
		pid, err := strconv.ParseInt(d.Name(), 10, 64)
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue // gone since the listing
		}
		// The command name may hold spaces and parentheses: fields start after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		// f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14-17.
		if len(f) < 15 {
			continue
		}
		var pr proc
		pr.parent, _ = strconv.ParseInt(f[1], 10, 64)
		for _, v := range f[11:15] {
			n, _ := strconv.ParseInt(v, 10, 64)
			pr.ticks += n
		}
		procs[pid] = pr
	}
	index := map[int64]int{}
	for i, r := range roots {
		index[int64(r)] = i
	}
	ticks := make([]int64, len(roots))
	for pid, pr := range procs {
		// Walk up to a root or to the top; a short walk per process.
		for at := pid; ; {
			if i, ok := index[at]; ok {
				ticks[i] += pr.ticks
				break
			}
			up, ok := procs[at]
			if !ok || up.parent == 0 || up.parent == at {
				break
			}
			at = up.parent
		}
	}
	out := make([]time.Duration, len(roots))
	for i, t := range ticks {
		out[i] = time.Duration(t) * time.Second / clockTick
	}
	return out, nil
}
