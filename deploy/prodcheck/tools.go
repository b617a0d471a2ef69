package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/puente-dev/puente/devstack"
)

// temporalVersion is the server release the compose file runs
// (temporalio/server); deploy/tools/temporal/go.mod pins the same module
// version, and TestToolsMatchCompose keeps the three in step.
const temporalVersion = "v1.29.7"

// toolsModule is the module that builds the Temporal server and
// temporal-sql-tool, apart from Puente's own so that the server's
// dependencies never enter Puente's go.mod.
const toolsModule = "deploy/tools/temporal"

// temporalTools are the binaries built from toolsModule, by package.
var temporalTools = map[string]string{
	"go.temporal.io/server/cmd/server":    "temporal-server-" + temporalVersion,
	"go.temporal.io/server/cmd/tools/sql": "temporal-sql-tool-" + temporalVersion,
}

// ensureTemporalTools returns the paths of the Temporal server and
// temporal-sql-tool in binDir, building both in one `go build` (the go
// command compiles them in parallel) the first time. The version is in the
// file names, so a pin change rebuilds them; a file lock keeps two
// prod-checks (or worktrees sharing binDir) from building them twice.
func ensureTemporalTools(ctx context.Context, repo, binDir string, logf func(string, ...any)) (server, sqlTool string, err error) {
	server = filepath.Join(binDir, temporalTools["go.temporal.io/server/cmd/server"])
	sqlTool = filepath.Join(binDir, temporalTools["go.temporal.io/server/cmd/tools/sql"])
	built := func() bool {
		_, e1 := os.Stat(server)
		_, e2 := os.Stat(sqlTool)
		return e1 == nil && e2 == nil
	}
	if built() {
		return server, sqlTool, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", "", err
	}
	unlock, err := devstack.LockFile(filepath.Join(binDir, ".build-temporal-server.lock"))
	if err != nil {
		return "", "", err
	}
	defer unlock()
	if built() {
		return server, sqlTool, nil // built by another process while we waited
	}
	tmp, err := os.MkdirTemp(binDir, "build-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	var pkgs []string
	for pkg := range temporalTools {
		pkgs = append(pkgs, pkg)
	}
	logf("building the Temporal server and temporal-sql-tool %s from %s into %s (the first time takes a while)", temporalVersion, toolsModule, binDir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-trimpath", "-o", tmp + "/"}, pkgs...)...)
	cmd.Dir = filepath.Join(repo, toolsModule)
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("go build %s in %s: %w\n%s", strings.Join(pkgs, " "), toolsModule, err, out)
	}
	for pkg, name := range temporalTools {
		if err := os.Rename(filepath.Join(tmp, filepath.Base(pkg)), filepath.Join(binDir, name)); err != nil {
			return "", "", err
		}
	}
	logf("built the Temporal server and temporal-sql-tool in %s", time.Since(start).Round(time.Second))
	return server, sqlTool, nil
}

// moduleDir is where the go command keeps a module of the tools module's
// build list, e.g. the server's sources with its config template.
func moduleDir(ctx context.Context, repo, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = filepath.Join(repo, toolsModule)
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", module, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m %s: not downloaded", module)
	}
	return dir, nil
}
