package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestDocsRenderInChromium opens /docs in headless Chromium under the page's
// real Content-Security-Policy: Scalar must render the document's operations
// and schemas, with no request to another host, no failed or blocked load, no
// policy violation and no script error on the way.
func TestDocsRenderInChromium(t *testing.T) {
	path := os.Getenv("PUENTE_CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatalf("this test needs Chromium: install Debian's chromium package (scripts/deps.sh does) or set PUENTE_CHROMIUM: %v", err)
		}
	}
	srv := httptest.NewServer(newTestEcho())
	defer srv.Close()
	origin, _ := url.Parse(srv.URL)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	var mu sync.Mutex
	var requests, problems []string
	note := func(list *[]string, format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		*list = append(*list, fmt.Sprintf(format, args...))
	}
	watch := func(wctx context.Context, s *chromedp.Target) (chromedp.Void, error) {
		sent := cdp.Events(ctx, s, network.RequestWillBeSent)
		failed := cdp.Events(ctx, s, network.LoadingFailed)
		logged := cdp.Events(ctx, s, cdplog.EntryAdded)
		console := cdp.Events(ctx, s, runtime.ConsoleAPICalled)
		thrown := cdp.Events(ctx, s, runtime.ExceptionThrown)
		go func() {
			for e, err := range sent {
				if err == nil {
					note(&requests, "%s", e.Request.URL)
				}
			}
		}()
		go func() {
			for e, err := range failed {
				if err == nil {
					note(&problems, "load failed: %s %s %s", e.Type, e.ErrorText, e.BlockedReason)
				}
			}
		}()
		go func() {
			for e, err := range logged {
				if err == nil && e.Entry.Level != cdplog.EntryLevelVerbose && e.Entry.Level != cdplog.EntryLevelInfo {
					note(&problems, "log %s %s: %s (%s)", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL)
				}
			}
		}()
		go func() {
			for e, err := range console {
				if err == nil && (e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert) {
					var args []string
					for _, a := range e.Args {
						args = append(args, string(a.Value)+a.Description)
					}
					note(&problems, "console.%s: %s", e.Type, strings.Join(args, " "))
				}
			}
		}()
		go func() {
			for e, err := range thrown {
				if err == nil {
					d := e.ExceptionDetails
					desc := d.Text
					if d.Exception != nil {
						desc += " " + d.Exception.Description
					}
					note(&problems, "exception at %s:%d: %s", d.URL, d.LineNumber, desc)
				}
			}
		}()
		if _, err := cdp.Call(wctx, s, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := cdp.Call(wctx, s, cdplog.Enable, cdp.Empty{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(wctx, s, runtime.Enable, cdp.Empty{})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, watch); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}

	_, m := openAPIModel(t)
	var want []string
	for _, item := range m.Paths.PathItems.FromOldest() {
		for _, op := range item.GetOperations().FromOldest() {
			want = append(want, op.Summary)
		}
	}
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer rcancel()
	began := time.Now()
	err := chromedp.Do(rctx, chromedp.Navigate(srv.URL+"/docs"))
	if err == nil {
		_, err = chromedp.Run(rctx, chromedp.Poll[bool](`document.body.innerText.includes("Submit a priority")`,
			chromedp.WithPollingTimeout(60*time.Second)))
	}
	if err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
		mu.Lock()
		t.Fatalf("the page did not render %q: %v\nrequests: %q\nproblems: %q\npage: %s", "Submit a priority", err, requests, problems, html)
	}
	text, err := chromedp.Run(rctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rendered in %s, %d characters of text", time.Since(began).Round(time.Millisecond), len(text))
	var missing []string
	for _, s := range want {
		if !strings.Contains(text, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the rendered page lacks %d of %d operations: %q", len(missing), len(want), missing)
	}
	time.Sleep(time.Second) // late requests (fonts, telemetry) would come now

	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Host != origin.Host) {
			t.Errorf("the page asked another host: %s", r)
		}
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	t.Logf("%d requests, all to %s", len(requests), origin.Host)
}
