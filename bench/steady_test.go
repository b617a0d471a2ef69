package bench

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// runSteady measures the middle N of N + 2C jobs, with C in flight throughout.
func TestRunSteadyMeasuresTheMiddle(t *testing.T) {
	const n, c = 6, 3
	var mu sync.Mutex
	measured := map[int]bool{}
	inFlight, most := 0, 0
	start := time.Now()
	ph := runSteady(n, c, func(i int, m bool) error {
		mu.Lock()
		measured[i] = m
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		if i == 4 {
			return errors.New("a measured failure")
		}
		if i == 0 {
			return errors.New("a ramp failure")
		}
		return nil
	})
	total := time.Since(start).Seconds()
	if len(measured) != n+2*c {
		t.Fatalf("ran %d jobs, want %d", len(measured), n+2*c)
	}
	for i := range n + 2*c {
		if want := i >= c && i < c+n; measured[i] != want {
			t.Errorf("job %d measured=%v, want %v", i, measured[i], want)
		}
	}
	if most != c {
		t.Errorf("at most %d in flight, want %d", most, c)
	}
	if ph.Pipelines != n || ph.Ramp != 2*c || ph.Errors != 2 {
		t.Errorf("phase %+v: want %d measured, %d ramp, 2 errors", ph, n, 2*c)
	}
	// Four rounds of three 20 ms jobs; the measured six are the middle two
	// rounds: at least 40 ms, and about half the whole run, not all of it.
	if ph.Seconds < 0.040 || ph.Seconds > 0.75*total {
		t.Errorf("measured window %.3f s of a %.3f s run, want the middle half", ph.Seconds, total)
	}
	if want := float64(n-1) / ph.Seconds; ph.PipelinesPerSec != want {
		t.Errorf("throughput %.1f, want %.1f (failures not counted)", ph.PipelinesPerSec, want)
	}
}
