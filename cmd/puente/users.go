package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

func usersAdd(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	cfg.register(fs, "db")
	name := fs.String("name", "", "the user's name")
	role := fs.String("role", "", "focal_point, expert or manager")
	countries := fs.String("countries", "", "comma-separated ISO codes (focal points)")
	themes := fs.String("themes", "", "comma-separated theme codes (experts)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("set DATABASE_URL or --database-url")
	}
	u := pipeline.Actor{Name: strings.TrimSpace(*name), Role: pipeline.Role(*role), Countries: split(*countries), Themes: split(*themes)}
	if ps := validateUser(u); len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintf(os.Stderr, "--%s %s\n", p.Field, p.Message)
		}
		return errors.New("user not created")
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer st.Close()
	token, hash := store.NewToken()
	u, err = st.AddUser(ctx, u, hash)
	if err != nil {
		return err
	}
	out := struct {
		pipeline.Actor
		Token string `json:"token"`
	}{u, token}
	fmt.Fprintln(os.Stderr, "user created; the token is shown once — store it now")
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func validateUser(u pipeline.Actor) pipeline.Problems {
	var ps pipeline.Problems
	ps.Text("name", u.Name, true, pipeline.MaxName)
	ps.OneOf("role", string(u.Role), true, []string{string(pipeline.FocalPoint), string(pipeline.Expert), string(pipeline.Manager)})
	if u.Role == pipeline.FocalPoint {
		ps.Countries("countries", u.Countries, 1)
	}
	if u.Role == pipeline.Expert && len(u.Themes) == 0 {
		ps.Add("themes", "an expert needs at least one theme")
	}
	for _, t := range u.Themes {
		ps.OneOf("themes", t, true, pipeline.Lists.ThemeCodes())
	}
	return ps
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
