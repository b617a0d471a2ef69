package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestGracefulShutdown stops the API and worker while submissions are in
// flight: every request the server started handling completes, each one that
// was answered 201 is in PostgreSQL exactly once, and nothing else is.
func TestGracefulShutdown(t *testing.T) {
	ctx := context.Background()
	cfg := &config{
		DatabaseURL: testenv.DatabaseURL(t), TemporalAddress: testenv.TemporalAddress(t), TemporalNamespace: "default",
		TaskQueue: "shutdown-" + uuid.NewString()[:8], Addr: "127.0.0.1:0", SLAs: pipeline.DefaultSLAs(),
		ShutdownDelay: 300 * time.Millisecond,
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	token, hash := store.NewToken()
	maria := store.User{Actor: pipeline.Actor{Name: "María", Role: pipeline.FocalPoint, Countries: []string{"PE"}},
		Email: "maria@puente.test", Language: "es"}
	if _, err := st.AddUser(ctx, maria, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	sctx, stop := context.WithCancel(ctx)
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(sctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), true, true, func(a string) { addrc <- a })
	}()
	addr := <-addrc

	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, refused, lateAnswers := 0, 0, 0
	var stoppedAt time.Time
	body := `{"title":"Cooperación","description":"ECI","theme":"cybercrime","pillar":"police","countries":["PE"],"institution":"PNP","urgency":"low"}`
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", "http://"+addr+"/v1/priorities", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				// Refused, or accepted by the kernel but closed unread as the
				// server stopped: no answer, so the client retries (with its
				// Idempotency-Key). The count below shows none was recorded.
				refused++
				return
			}
			if err != nil {
				t.Errorf("a submission failed in flight: %v", err)
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b, _ := io.ReadAll(resp.Body)
				t.Errorf("in-flight submission answered %s %s", resp.Status, b)
				return
			}
			created++
			if !stoppedAt.IsZero() && time.Now().After(stoppedAt) {
				lateAnswers++
			}
		}()
	}
	time.Sleep(30 * time.Millisecond)
	mu.Lock()
	stoppedAt = time.Now()
	mu.Unlock()
	stop()
	// While draining, readiness fails but the server still answers.
	time.Sleep(50 * time.Millisecond)
	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: %v %v", resp, err)
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if lateAnswers == 0 {
		t.Fatalf("no submission was in flight at shutdown (created %d, refused %d): the test proved nothing", created, refused)
	}
	if created+refused != n {
		t.Errorf("created %d + refused %d != %d", created, refused, n)
	}
	total, events := countRows(t, cfg.DatabaseURL)
	if total != created || events != created {
		t.Errorf("PostgreSQL holds %d priorities and %d events; %d were answered 201", total, events, created)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the API still accepts connections after shutdown")
	}
	t.Logf("%d created (%d answered after shutdown began), %d refused", created, lateAnswers, refused)
}

// countRows is how many priorities and events the database at url holds.
func countRows(t *testing.T, url string) (priorities, events int) {
	t.Helper()
	return countQuery(t, url, `SELECT count(*) FROM priorities`), countQuery(t, url, `SELECT count(*) FROM events`)
}
