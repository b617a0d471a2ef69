// Package browser drives a real headless Chromium for the web app's tests:
// one browser per test binary, one isolated browser context (cookies,
// language) per person, axe-core run on every page, and a screenshot of
// every page in an artifacts folder. A missing Chromium fails the test:
// browser tests never skip.
package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (npm axe-core, MPL-2.0, see axe.LICENSE), vendored
// so that the tests reach no other host.
//
//go:embed axe.min.js
var axeSource string

// Browser is one headless Chromium.
type Browser struct {
	ctx       context.Context
	artifacts string
	shots     atomic.Int64
	mu        sync.Mutex // guards Report
	// Report collects the axe results of every page checked.
	Report []PageReport
}

// PageReport is what axe found on one page.
type PageReport struct {
	Name       string
	URL        string
	Violations []Violation
	Bytes      int
}

// Violation is one axe rule a page breaks.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
	Target string `json:"target"`
}

// Start launches Chromium (Debian's `chromium`, or $PUENTE_CHROMIUM) for the
// test and closes it when the test ends. Screenshots go to artifacts.
func Start(t testing.TB, artifacts string) *Browser {
	t.Helper()
	path := os.Getenv("PUENTE_CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatalf("browser tests need Chromium: install Debian's chromium package (scripts/deps.sh does) or set PUENTE_CHROMIUM: %v", err)
		}
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return &Browser{ctx: ctx, artifacts: artifacts}
}

// Tab is one person's tab, in a browser context of its own.
type Tab struct {
	t    testing.TB
	b    *Browser
	ctx  context.Context
	Name string
}

// NewTab opens a tab in a fresh browser context (no cookies) that sends
// Accept-Language: lang.
func (b *Browser) NewTab(t testing.TB, name, lang string) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	if err == nil {
		_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}})
	}
	if err != nil {
		t.Fatalf("open tab for %s: %v", name, err)
	}
	return &Tab{t: t, b: b, ctx: ctx, Name: name}
}

// Do runs actions in the tab with a deadline, failing the test on error.
func (tb *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	Run(tb, what, chromedp.Steps(actions...))
}

// Run runs one action that returns a value, as Do runs those that do not.
func Run[T any](tb *Tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %s: %v (at %s)", tb.Name, what, err, tb.URL())
	}
	return v
}

// URL is the tab's current address.
func (tb *Tab) URL() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// Text is the visible text of the first element matching css.
func (tb *Tab) Text(css string) string {
	tb.t.Helper()
	return Run(tb, "read "+css, chromedp.Text(chromedp.CSS(css)))
}

// Go navigates to url.
func (tb *Tab) Go(url string) { tb.t.Helper(); tb.Do("open "+url, chromedp.Navigate(url)) }

// Fill types value into the input matching css, replacing what it holds.
func (tb *Tab) Fill(css, value string) {
	tb.t.Helper()
	tb.onElement("fill", css, fmt.Sprintf(`e.focus(); e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true}))`, jsLiteral(value)))
}

// Select picks option values in the <select> matching css (several for a
// multiple select).
func (tb *Tab) Select(css string, values ...string) {
	tb.t.Helper()
	tb.onElement("select", css, fmt.Sprintf(`const v = %s; for (const o of e.options) o.selected = v.includes(o.value)`, jsLiteral(values)))
}

// Tick checks the radio button or checkbox matching css.
func (tb *Tab) Tick(css string) {
	tb.t.Helper()
	tb.onElement("tick", css, "e.checked = true")
}

// Open opens the <details> matching css.
func (tb *Tab) Open(css string) {
	tb.t.Helper()
	tb.onElement("open", css, "e.open = true")
}

// onElement runs js with e the element matching css, failing the test when
// there is none.
func (tb *Tab) onElement(verb, css, js string) {
	tb.t.Helper()
	tb.Eval(verb+" "+css, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; %s; return true })()`, css, js))
}

// Submit clicks the submit button matching css and waits until the answer
// has replaced the page, as Click does.
func (tb *Tab) Submit(css string) {
	tb.t.Helper()
	tb.Click(css)
}

// Click follows the link matching css and waits until the next page has
// replaced this one: it marks the page, clicks, and waits for a loaded page
// without the mark, retrying the evaluations that fail while the tab
// navigates. (Waiting for a ready <body> is not enough: the old page's is
// ready until the navigation commits, and a screenshot taken in between
// fails with "Not attached to an active page".)
func (tb *Tab) Click(css string) {
	tb.t.Helper()
	tb.Do("mark "+css, chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.testOld = "1"`))
	tb.Do("click "+css, chromedp.Click(chromedp.CSS(css)))
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !document.documentElement.dataset.testOld`))
		cancel()
		if err == nil && done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("%s: no new page after %s (at %s)", tb.Name, css, tb.URL())
}

// jsLiteral is v, a string or strings, as a JavaScript literal.
func jsLiteral(v any) string {
	b, _ := json.Marshal(v) // strings always marshal
	return string(b)
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_-]+`)

// Check runs axe-core on the page and takes its screenshot, named name. It
// fails the test on any serious or critical violation; the others are kept
// in the report.
func (tb *Tab) Check(name string) {
	tb.t.Helper()
	b := tb.b
	file := fmt.Sprintf("%02d-%s.png", b.shots.Add(1), unsafeName.ReplaceAllString(strings.ToLower(name), "-"))
	png := Run(tb, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(b.artifacts, file), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	size := Run(tb, "page size", chromedp.Evaluate[int](`document.documentElement.outerHTML.length`))
	tb.Do("load axe", chromedp.Evaluate[chromedp.Void](axeSource+";undefined"))
	res := Run(tb, "run axe", chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length, target: v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(" | ")}))))`, chromedp.EvalAwaitPromise))
	var vs []Violation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		tb.t.Fatalf("axe result: %v: %s", err, res)
	}
	b.mu.Lock()
	b.Report = append(b.Report, PageReport{Name: name, URL: tb.URL(), Violations: vs, Bytes: size})
	b.mu.Unlock()
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("%s: axe %s violation %s on %s (%s): %s — %s", tb.Name, v.Impact, v.ID, name, file, v.Help, v.Target)
		}
	}
}

// WriteReport writes the axe results of every page as JSON and a summary
// table to the artifacts folder.
func (b *Browser) WriteReport(t testing.TB) {
	t.Helper()
	j, _ := json.MarshalIndent(b.Report, "", "  ")
	if err := os.WriteFile(filepath.Join(b.artifacts, "axe-report.json"), j, 0o644); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-40s %9s %9s %8s %s\n", "page", "serious+", "moderate-", "KB", "rules")
	for _, r := range b.Report {
		var hi, lo int
		var ids []string
		for _, v := range r.Violations {
			if v.Impact == "serious" || v.Impact == "critical" {
				hi++
			} else {
				lo++
			}
			ids = append(ids, v.ID+"("+v.Impact+")")
		}
		fmt.Fprintf(&sb, "%-40s %9d %9d %8.1f %s\n", r.Name, hi, lo, float64(r.Bytes)/1024, strings.Join(ids, " "))
	}
	if err := os.WriteFile(filepath.Join(b.artifacts, "axe-report.txt"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("axe results per page (also in %s):\n%s", b.artifacts, sb.String())
}

// Artifacts is the folder for the web tests' screenshots and reports,
// emptied of an earlier run's: $PUENTE_ARTIFACTS/sub, else
// .puente/artifacts/sub under the module root (git ignores .puente).
func Artifacts(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv("PUENTE_ARTIFACTS")
	if dir == "" {
		// The module root, found here: testenv's imports the web app
		// whose tests use this package.
		var err error
		if dir, err = os.Getwd(); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			if dir == filepath.Dir(dir) {
				t.Fatal("no go.mod above the test's directory")
			}
			dir = filepath.Dir(dir)
		}
		dir = filepath.Join(dir, ".puente", "artifacts")
	}
	dir = filepath.Join(dir, sub)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Eval runs a script that reports true when it found what it acts on.
func (tb *Tab) Eval(what, js string) {
	tb.t.Helper()
	if !Run(tb, what, chromedp.Evaluate[bool](js)) {
		tb.t.Fatalf("%s: %s: not found at %s", tb.Name, what, tb.URL())
	}
}

// Has reports whether an element matches css.
func (tb *Tab) Has(css string) bool {
	tb.t.Helper()
	return Run(tb, "look for "+css, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, css)))
}

// Body is the page's visible text.
func (tb *Tab) Body() string {
	tb.t.Helper()
	return Run(tb, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
}

// HTML is the page's markup as the browser holds it.
func (tb *Tab) HTML() string {
	tb.t.Helper()
	return Run(tb, "read the markup", chromedp.Evaluate[string](`document.documentElement.outerHTML`))
}

// Lang is the page's language.
func (tb *Tab) Lang() string {
	tb.t.Helper()
	return Run(tb, "read the language", chromedp.Evaluate[string](`document.documentElement.lang`))
}

// Content is the text content of the first element matching css, visible
// or not (an SVG's description, say).
func (tb *Tab) Content(css string) string {
	tb.t.Helper()
	return Run(tb, "read "+css, chromedp.TextContent(chromedp.CSS(css)))
}

// TabTo presses the Tab key n times and returns the focused element's
// description: its tag, its text and whether its focus is drawn (an
// outline or a box shadow).
func (tb *Tab) TabTo(n int) (desc string, visible bool) {
	tb.t.Helper()
	for range n {
		tb.Do("press Tab", chromedp.KeyEvent("\t"))
	}
	type focus struct {
		Desc    string `json:"desc"`
		Visible bool   `json:"visible"`
	}
	f := Run(tb, "read the focus", chromedp.Evaluate[focus](`(() => { const e = document.activeElement; const s = getComputedStyle(e);
		return {desc: e.tagName.toLowerCase() + " " + (e.innerText || e.value || "").trim(),
			visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none")} })()`))
	return f.Desc, f.Visible
}
