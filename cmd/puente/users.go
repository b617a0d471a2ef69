package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

const usersUsage = `usage:
  puente users add --name NAME --email EMAIL --role ROLE [--language es|pt|en|fr|nl] [--countries PE,CO] [--themes a,b]
  puente users list [--role ROLE] [--active] [--json]
  puente users deactivate (--id ID | --email EMAIL)
  puente users token rotate (--id ID | --email EMAIL)
  puente users token revoke (--id ID | --email EMAIL)`

// usersCmd runs `puente users …`: the user lifecycle from a shell, through
// the same people service as the API and the web app.
func usersCmd(ctx context.Context, args []string, stdout io.Writer) error {
	cmds := map[string]func(context.Context, []string, io.Writer) error{"add": usersAdd, "list": usersList,
		"deactivate": usersDeactivate, "token rotate": usersRotate, "token revoke": usersRevoke}
	for n := 1; n <= min(len(args), 2); n++ {
		if cmd, ok := cmds[strings.Join(args[:n], " ")]; ok {
			return cmd(ctx, args[n:], stdout)
		}
	}
	return errors.New(usersUsage)
}

// usersFlags are the flags every users command has: the database, and the
// token lifetime of those that issue tokens.
func usersFlags(name string) (*flag.FlagSet, *config) {
	var cfg config
	fs := flag.NewFlagSet("users "+name, flag.ContinueOnError)
	cfg.register(fs, "db", "people")
	return fs, &cfg
}

// openPeople parses args into fs, then opens the database DATABASE_URL
// names or, without it, the one of the `puente dev` running in this clone
// (devstack.FindDatabaseURL).
func openPeople(ctx context.Context, fs *flag.FlagSet, cfg *config, args []string) (*people.Service, func(), error) {
	if err := cfg.parse(fs, args); err != nil {
		return nil, nil, err
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, nil, err
		}
		url, note, err := devstack.FindDatabaseURL(os.Getenv("PUENTE_DATA_DIR"), wd)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, errors.New("set DATABASE_URL or --database-url (or run this inside a clone where puente dev is running)")
		}
		if err != nil {
			return nil, nil, err
		}
		if err := devstack.PingDatabase(ctx, url, 5*time.Second); err != nil {
			return nil, nil, fmt.Errorf("the dev database noted in %s does not answer (%s): start puente dev, or set DATABASE_URL", note, lastLine(err))
		}
		fmt.Fprintf(os.Stderr, "using the database of puente dev (noted in %s)\n", note)
		dbURL = url
	}
	st, err := store.Open(ctx, dbURL, 2)
	if err != nil {
		return nil, nil, err
	}
	return &people.Service{Store: st, TokenTTL: cfg.People.TokenTTL}, st.Close, nil
}

func usersAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs, cfg := usersFlags("add")
	name := fs.String("name", "", "the user's name")
	email := fs.String("email", "", "the user's email: notifications go there, single sign-on matches it")
	language := fs.String("language", "", "es, pt, en, fr or nl: the language of the user's emails and pages (default: their country's, else es)")
	notify := fs.String("notify", store.NotifyImmediate, "immediate, digest or both: how the user hears of their tasks")
	role := fs.String("role", "", "focal_point, expert, manager or implementer")
	countries := fs.String("countries", "", "comma-separated ISO codes (focal points)")
	themes := fs.String("themes", "", "comma-separated theme codes (experts)")
	partner := fs.String("partner", "", "the implementing partner's code (implementers), e.g. fiiapp")
	svc, done, err := openPeople(ctx, fs, cfg, args)
	if err != nil {
		return err
	}
	defer done()
	u, iss, err := svc.Add(ctx, people.Console, store.User{
		Actor: pipeline.Actor{Name: *name, Role: pipeline.Role(*role), Countries: split(*countries), Themes: split(*themes),
			Partner: *partner},
		Email: *email, Language: *language, Notify: *notify})
	if err := flagProblems(err); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "user created; the token is shown once — store it now")
	return printJSON(stdout, struct {
		store.User
		people.Issued
	}{u, iss})
}

// flagProblems prints a validation error's problems as the flags they concern.
func flagProblems(err error) error {
	var inv *pipeline.Error
	if !errors.As(err, &inv) || inv.Kind != pipeline.KindInvalid {
		return err
	}
	for _, p := range inv.Problems {
		fmt.Fprintf(os.Stderr, "--%s %s\n", p.Field, i18n.English().Problem(p))
	}
	return errors.New("nothing changed")
}

func usersList(ctx context.Context, args []string, stdout io.Writer) error {
	fs, cfg := usersFlags("list")
	role := fs.String("role", "", "only this role")
	activeOnly := fs.Bool("active", false, "only active users")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	svc, done, err := openPeople(ctx, fs, cfg, args)
	if err != nil {
		return err
	}
	defer done()
	f := store.UserFilter{Role: pipeline.Role(*role)}
	if *activeOnly {
		f.Active = activeOnly
	}
	type row struct {
		store.User
		TokenExpiresAt *time.Time `json:"token_expires_at"`
		LastUsedAt     *time.Time `json:"token_last_used_at"`
	}
	rows := []row{}
	for pg := (store.Page{Limit: 200}); ; {
		users, next, err := svc.Store.Users(ctx, f, pg)
		if err != nil {
			return err
		}
		for _, u := range users {
			r := row{User: u}
			tokens, err := svc.Store.Tokens(ctx, u.ID)
			if err != nil {
				return err
			}
			for _, t := range tokens {
				if t.RevokedAt == nil {
					r.TokenExpiresAt, r.LastUsedAt = &t.ExpiresAt, t.LastUsedAt
					break
				}
			}
			rows = append(rows, r)
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	if *asJSON {
		return printJSON(stdout, rows)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tEMAIL\tROLE\tSCOPE\tLANG\tSTATUS\tTOKEN EXPIRES\tLAST USED")
	day := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	for _, r := range rows {
		status := "active"
		if !r.Active {
			status = "deactivated"
		}
		scope := strings.Join(append(append([]string{}, r.Countries...), r.Themes...), ",")
		if r.Partner != "" {
			scope = r.Partner
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Email, r.Role, scope, r.Language,
			status, day(r.TokenExpiresAt), day(r.LastUsedAt))
	}
	return w.Flush()
}

// onUser runs a `users` subcommand that acts on the one user --id or
// --email names.
func onUser(ctx context.Context, name string, args []string, act func(*people.Service, store.User) error) error {
	fs, cfg := usersFlags(name)
	id := fs.String("id", "", "the user's id")
	email := fs.String("email", "", "the user's email")
	svc, done, err := openPeople(ctx, fs, cfg, args)
	if err != nil {
		return err
	}
	defer done()
	if (*id == "") == (*email == "") {
		return errors.New("name the user with --id or --email (one of them)")
	}
	var u store.User
	if *id != "" {
		u, err = svc.Store.Person(ctx, *id)
	} else {
		u, err = svc.Store.UserByEmail(ctx, *email)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errors.New("no such user")
	}
	if err != nil {
		return err
	}
	return act(svc, u)
}

func usersDeactivate(ctx context.Context, args []string, stdout io.Writer) error {
	return onUser(ctx, "deactivate", args, func(svc *people.Service, u store.User) error {
		u, err := svc.Store.Deactivate(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s is deactivated: their tokens and sessions no longer work\n", u.Name)
		return printJSON(stdout, u)
	})
}

func usersRevoke(ctx context.Context, args []string, _ io.Writer) error {
	return onUser(ctx, "token revoke", args, func(svc *people.Service, u store.User) error {
		if err := svc.Store.RevokeTokens(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "every token of %s is revoked, and their web sessions ended\n", u.Name)
		return nil
	})
}

func usersRotate(ctx context.Context, args []string, stdout io.Writer) error {
	return onUser(ctx, "token rotate", args, func(svc *people.Service, u store.User) error {
		iss, err := svc.RotateToken(ctx, people.Console, u.ID)
		if errors.Is(err, people.ErrNoUser) {
			return fmt.Errorf("%s is deactivated: no token is issued to them", u.Name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "the old tokens are revoked and the web sessions ended; the new one is shown once — store it now")
		return printJSON(stdout, iss)
	})
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
