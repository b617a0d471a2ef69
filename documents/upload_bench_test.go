package documents_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/puente-dev/puente/app"
	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// BenchmarkUpload100x20MB uploads 100 files of 20 MB in a row to one
// priority through the whole app — HTTP, the API's handler, the staging
// file, the sniffing, PostgreSQL's blob store, the workflow's update and
// the read model — in this process, as `puente dev` runs it, and reports
// the process's peak resident set and the Go heap's peak while doing so.
// The bodies are generated as they are sent, so the client holds none.
//
//	go test ./documents -run '^$' -bench BenchmarkUpload100x20MB -benchtime 1x
func BenchmarkUpload100x20MB(b *testing.B) {
	const files, size = 100, 20 << 20
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, testenv.DatabaseURL(b), 8)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tc, err := client.DialContext(ctx, client.Options{HostPort: testenv.TemporalAddress(b), Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		b.Fatal(err)
	}
	defer tc.Close()
	puente := app.New(app.Config{Store: st, Temporal: tc, TaskQueue: "bench-" + uuid.NewString()[:8], Logger: quiet, Worker: true, API: true})
	if err := puente.Start(); err != nil {
		b.Fatal(err)
	}
	defer puente.Stop()
	srv := httptest.NewServer(puente.Handler)
	defer srv.Close()

	token, hash := store.NewToken()
	focal := store.User{Actor: pipeline.Actor{ID: uuid.NewString(), Name: "Ana Ruiz", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
		Email: "ana@puente.test", Language: "es"}
	if _, err := st.AddUser(ctx, focal, hash, time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	peak := watchMemory()
	start := procStatus("VmRSS")
	b.ResetTimer()
	var id string
	for range b.N {
		id = submit(b, srv.URL, token) // a priority lists at most 100 documents
		for i := range files {
			upload(b, srv.URL+"/v1/priorities/"+id+"/documents", token, fmt.Sprintf("Acta %03d.pdf", i), size, uint64(i))
		}
	}
	b.StopTimer()
	rss, heap := peak()
	b.ReportMetric(float64(start)/(1<<20), "start-RSS-MiB")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(b.N*files*size)/(1<<20)/b.Elapsed().Seconds(), "MiB/s")
	var list struct{ Items []json.RawMessage }
	get(b, srv.URL+"/v1/priorities/"+id+"/documents", token, &list)
	if len(list.Items) != files {
		b.Fatalf("%d documents listed, want %d", len(list.Items), files)
	}
}

// watchMemory samples the process's resident set and the Go heap every
// 10 ms until stopped, and returns their peaks (the kernel's VmHWM for the
// resident set, which no sample can miss).
func watchMemory() (stop func() (rss, heap uint64)) {
	runtime.GC()
	var mu sync.Mutex
	var heap uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			heap = max(heap, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return procStatus("VmHWM"), heap
	}
}

// procStatus reads a size from /proc/self/status, in bytes.
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// upload posts a generated PDF of size bytes, streamed through a pipe.
func upload(b *testing.B, url, token, name string, size int, seed uint64) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := mw.WriteField("kind", "minutes"); err != nil {
				return err
			}
			w, err := mw.CreateFormFile("file", name)
			if err != nil {
				return err
			}
			if _, err := io.WriteString(w, "%PDF-1.7\n"); err != nil {
				return err
			}
			r := rand.New(rand.NewPCG(seed, 7))
			buf := make([]byte, 64<<10)
			for n := len("%PDF-1.7\n"); n < size; n += len(buf) {
				for i := 0; i+8 <= len(buf); i += 8 {
					v := r.Uint64()
					for k := range 8 {
						buf[i+k] = byte(v >> (8 * k))
					}
				}
				if _, err := w.Write(buf[:min(len(buf), size-n)]); err != nil {
					return err
				}
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, url, pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(res.Body)
		b.Fatalf("upload %s: %s %s", name, res.Status, body)
	}
}

func submit(b *testing.B, base, token string) string {
	body, _ := json.Marshal(journey.SubmissionBody())
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/priorities", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var p struct{ ID string }
	if res.StatusCode != http.StatusCreated || json.NewDecoder(res.Body).Decode(&p) != nil {
		b.Fatalf("submit: %s", res.Status)
	}
	return p.ID
}

func get(b *testing.B, url, token string, v any) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		b.Fatal(err)
	}
}
