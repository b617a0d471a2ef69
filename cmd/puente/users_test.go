package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/store"
)

// TestUsersCommands runs the user lifecycle from the shell: add, list,
// rotate, deactivate — each against a real PostgreSQL.
func TestUsersCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := "--database-url=" + testenv.DatabaseURL(t)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := usersCmd(ctx, append(args, db), &out)
		return out.String(), err
	}
	out, err := run("add", "--name", "Ana Ruiz", "--email", "Ana.Ruiz@example.org", "--role", "manager", "--language", "en", "--token-ttl", "7d")
	if err != nil {
		t.Fatal(err)
	}
	var added struct {
		store.User
		people.Issued
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Token == "" || added.Email != "ana.ruiz@example.org" {
		t.Fatalf("add printed %s (%v)", out, err)
	}
	if _, err := run("add", "--name", "X", "--email", "nope", "--role", "expert"); err == nil {
		t.Error("an invalid user was added")
	}
	out, err = run("add", "--name", "Laura Gómez", "--email", "laura@fiiapp.example.org", "--role", "implementer", "--partner", "fiiapp")
	var impl store.User
	if err != nil || json.Unmarshal([]byte(out), &impl) != nil || impl.Role != "implementer" || impl.Partner != "fiiapp" {
		t.Fatalf("add an implementer: %s (%v)", out, err)
	}
	if _, err := run("add", "--name", "Y", "--email", "y@example.org", "--role", "implementer"); err == nil {
		t.Error("an implementer without a partner was added")
	}

	st, err := store.Open(ctx, strings.TrimPrefix(db, "--database-url="), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &people.Service{Store: st}
	if _, err := svc.Authenticate(ctx, added.Token); err != nil {
		t.Fatalf("the printed token: %v", err)
	}

	out, err = run("token", "rotate", "--email", "ana.ruiz@example.org")
	var rotated people.Issued
	if err != nil || json.Unmarshal([]byte(out), &rotated) != nil || rotated.Token == "" {
		t.Fatalf("rotate: %s %v", out, err)
	}
	if _, err := svc.Authenticate(ctx, added.Token); err == nil {
		t.Error("the old token works after rotation")
	}

	out, err = run("list")
	if err != nil || !strings.Contains(out, "ana.ruiz@example.org") || !strings.Contains(out, "active") {
		t.Fatalf("list: %s %v", out, err)
	}
	if _, err := run("deactivate", "--id", added.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, rotated.Token); err == nil {
		t.Error("a deactivated user's token works")
	}
	out, err = run("list", "--json")
	var listed []struct {
		store.User
	}
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 2 {
		t.Fatalf("list --json: %s %v", out, err)
	}
	for _, u := range listed {
		if u.ID == added.ID && u.Active || u.ID == impl.ID && (!u.Active || u.Partner != "fiiapp") {
			t.Errorf("list --json: %+v", u)
		}
	}
	if _, err := run("token", "rotate", "--id", added.ID); err == nil {
		t.Error("a deactivated user got a token")
	}
	if _, err := run("deactivate"); err == nil {
		t.Error("deactivate without a user")
	}
}
