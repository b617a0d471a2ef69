package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc's times: 100 on every Linux port.
const clockTick = 100

// treeCPUTime is the processor time used so far by the process root and its
// descendants (PostgreSQL's backends leave the process group, so the tree is
// walked by parent), live ones and those reaped. Linux only: the benchmark
// uses it to say where the machine's time goes.
func treeCPUTime(root int) (time.Duration, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
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
	var ticks int64
	for pid, pr := range procs {
		// Walk up to the root or to the top; a short walk per process.
		for at := pid; ; {
			if at == int64(root) {
				ticks += pr.ticks
				break
			}
			up, ok := procs[at]
			if !ok || up.parent == 0 || up.parent == at {
				break
			}
			at = up.parent
		}
	}
	return time.Duration(ticks) * time.Second / clockTick, nil
}
