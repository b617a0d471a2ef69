// Command puente runs Puente: `puente dev` brings up the whole stack on one
// machine; api, worker and migrate run the parts against external services.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `puente — from political priorities to approved technical-support plans

usage: puente <command> [flags]

commands:
  dev        run the whole stack on this machine: Temporal dev server, PostgreSQL, worker, API
  api        run the HTTP API against DATABASE_URL and TEMPORAL_ADDRESS
  worker     run the Temporal worker against DATABASE_URL and TEMPORAL_ADDRESS
  serve      run the API and the worker in one process (a small deployment)
  migrate    apply the database migrations to DATABASE_URL
  users      add, list and deactivate users; rotate or revoke their tokens
  bench      benchmarks: pipelines vs a bare Temporal baseline; 'bench scale': reads at 100,000 priorities
  version    print the version

'puente <command> -h' lists a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1], os.Args[2:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "puente:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string) error {
	switch cmd {
	case "dev":
		return dev(ctx, args)
	case "api":
		return serveCmd(ctx, "api", args, true, false)
	case "worker":
		return serveCmd(ctx, "worker", args, false, true)
	case "serve":
		return serveCmd(ctx, "serve", args, true, true)
	case "migrate":
		return migrateCmd(ctx, args)
	case "users":
		return usersCmd(ctx, args, os.Stdout)
	case "bench":
		return benchCmd(ctx, args)
	case "version":
		fmt.Println(version())
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func version() string {
	v := "devel"
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	return "puente " + v
}
