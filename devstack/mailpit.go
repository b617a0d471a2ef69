package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// MailpitModule is the pinned Mailpit: a local SMTP server with a web inbox,
// so that every email the dev stack and the tests send can be seen.
const MailpitModule = "github.com/axllent/mailpit@v1.33.1"

// mailpitBinary is Mailpit's file name in the bin dir; the version in the
// name makes a pin change rebuild it.
const mailpitBinary = "mailpit-v1.33.1"

// EnsureMailpit returns the path of the pinned Mailpit in binDir, building
// it with `go install` the first time (a few minutes, then cached), under
// its own file lock so that it builds alongside the Temporal CLI.
func EnsureMailpit(ctx context.Context, binDir string, log io.Writer) (string, error) {
	return ensureBinary(ctx, binDir, MailpitModule, mailpitBinary, "mailpit", ".mailpit.lock", "Mailpit", log)
}

// ensureBinary builds module@version with `go install` into binDir as name,
// unless it is there. A file lock keeps parallel processes from building it
// twice; each binary has its own lock, so different ones build in parallel.
func ensureBinary(ctx context.Context, binDir, module, name, built, lock, what string, log io.Writer) (string, error) {
	// go install wants an absolute GOBIN, and the build runs in a temp dir.
	binDir, err := filepath.Abs(binDir)
	if err != nil {
		return "", err
	}
	path := filepath.Join(binDir, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	unlock, err := LockFile(filepath.Join(binDir, lock))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil {
		return path, nil // another process built it while we waited
	}
	tmp, err := os.MkdirTemp(binDir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(log, "building %s (%s) into %s — the first time takes a few minutes\n", what, module, binDir)
	cmd := exec.CommandContext(ctx, "go", "install", module)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod", "GOWORK=off")
	cmd.Dir = tmp // outside any module: go install pkg@version ignores go.mod anyway
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install %s: %w (needs Go and the Go module proxy)", module, err)
	}
	if err := os.Rename(filepath.Join(tmp, built), path); err != nil {
		return "", err
	}
	return path, nil
}

// MailpitOptions configure a Mailpit server.
type MailpitOptions struct {
	// Binary is the path returned by EnsureMailpit.
	Binary string
	// DBFile keeps the messages across restarts; empty keeps them in a
	// temporary file removed at exit.
	DBFile string
	// SMTPPort and UIPort are the ports; 0 picks free ones.
	SMTPPort, UIPort int
	// LogPath receives the server's output.
	LogPath string
}

// Mailpit is a running Mailpit: SMTP on SMTPHost:SMTPPort, the inbox and
// its REST API (/api/v1/…) at URL.
type Mailpit struct {
	*Process
	SMTPHost string
	SMTPPort int
	URL      string
}

// StartMailpit starts Mailpit on the loopback interface and waits until it
// is ready. It takes any SMTP login (none is needed) and ignores a message
// whose Message-ID it already holds, as receiving mail systems do: that is
// how a message resent after a crash shows once
// (docs/architecture.md, Notifications by email).
func StartMailpit(ctx context.Context, o MailpitOptions) (*Mailpit, error) {
	smtpPort, err := portOr(o.SMTPPort)
	if err != nil {
		return nil, err
	}
	uiPort, err := portOr(o.UIPort)
	if err != nil {
		return nil, err
	}
	m := &Mailpit{SMTPHost: "127.0.0.1", SMTPPort: smtpPort, URL: fmt.Sprintf("http://127.0.0.1:%d", uiPort)}
	args := []string{
		"--smtp", "127.0.0.1:" + strconv.Itoa(smtpPort), "--listen", "127.0.0.1:" + strconv.Itoa(uiPort),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--ignore-duplicate-ids",
		"--disable-version-check", "--smtp-disable-rdns", "--max", "5000", "--quiet",
	}
	if o.DBFile != "" {
		args = append(args, "--database", o.DBFile)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	m.Process, err = launch("mailpit", exec.Command(o.Binary, args...), syscall.SIGTERM, o.LogPath, time.Minute, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		resp, err := client.Get(m.URL + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// EnsureTools builds what the dev stack runs — the Temporal CLI and Mailpit
// — at the same time, each under its own lock: a cold start waits for the
// slower build (downloads and links overlap), not for both in turn.
func EnsureTools(ctx context.Context, binDir string, log io.Writer) (temporalCLI, mailpit string, err error) {
	var wg sync.WaitGroup
	var merr error
	wg.Go(func() { mailpit, merr = EnsureMailpit(ctx, binDir, log) })
	temporalCLI, err = EnsureTemporalCLI(ctx, binDir, log)
	wg.Wait()
	return temporalCLI, mailpit, errors.Join(err, merr)
}
