package service_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fields are the fields a problem list names, in order.
func fields(ps pipeline.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Field
	}
	return out
}

func TestCheckFilter(t *testing.T) {
	t.Parallel()
	yes := true
	good := store.Filter{Stage: pipeline.Planning, Theme: "money_laundering", Country: "PE",
		SessionID: "3b0f6c7e-1d2a-4c55-9a1e-0000000000aa", Assignee: "3b0f6c7e-1d2a-4c55-9a1e-000000000001", Overdue: &yes, Q: "lavado de activos"}
	require.Empty(t, service.CheckFilter(good))
	require.Empty(t, service.CheckFilter(store.Filter{}), "no filter at all")
	for _, c := range []struct {
		f    store.Filter
		want []string
	}{
		{store.Filter{Stage: "nope"}, []string{"stage"}},
		{store.Filter{Theme: "astrology", Country: "FR"}, []string{"theme", "country"}},
		{store.Filter{SessionID: "1", Assignee: "3B0F6C7E-1D2A-4C55-9A1E-000000000001"}, []string{"session_id", "assignee"}},
		{store.Filter{Q: strings.Repeat("é", service.MaxSearch+1)}, []string{"q"}},
		{store.Filter{Q: "a\x00b"}, []string{"q"}},
	} {
		require.Equal(t, c.want, fields(service.CheckFilter(c.f)), "%+v", c.f)
	}
	require.Equal(t, []string{"theme", "country", "session_id"},
		fields(service.CheckDashboardFilter(store.DashboardFilter{Theme: "x", Country: "x", SessionID: "x"})))
}

type bundle struct {
	svc *service.Service
	st  *store.Store
}

func setup(t *testing.T) bundle {
	t.Helper()
	st, err := store.Open(context.Background(), testenv.DatabaseURL(t), 4)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return bundle{svc: service.New(service.Config{Store: st}), st: st}
}

func (b bundle) add(t *testing.T, a pipeline.Actor) pipeline.Actor {
	t.Helper()
	_, hash := store.NewToken()
	u, err := b.st.AddUser(context.Background(), store.User{Actor: a,
		Email: strings.ToLower(strings.ReplaceAll(a.Name, " ", ".")) + "@example.org", Language: "es"}, hash, time.Now().Add(time.Hour))
	require.NoError(t, err)
	return u.Actor
}

func manager(name string) pipeline.Actor { return pipeline.Actor{Name: name, Role: pipeline.Manager} }

func expert(name string, themes ...string) pipeline.Actor {
	return pipeline.Actor{Name: name, Role: pipeline.Expert, Themes: themes}
}

func focalPoint(name string) pipeline.Actor {
	return pipeline.Actor{Name: name, Role: pipeline.FocalPoint, Countries: []string{"PE"}}
}

func invalidFields(t *testing.T, err error) []string {
	t.Helper()
	var e *pipeline.Error
	require.True(t, errors.As(err, &e), "want a *pipeline.Error, got %v", err)
	require.Equal(t, pipeline.KindInvalid, e.Kind)
	return fields(e.Problems)
}

// TestReadsRefuseABadFilter: the service's reads apply CheckFilter
// themselves, so no caller can skip the rule.
func TestReadsRefuseABadFilter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	mgr := b.add(t, manager("Ana Ruiz"))
	bad := store.Filter{Stage: "nope", Country: "FR"}

	_, _, err := b.svc.Priorities(ctx, mgr, bad, store.Page{Limit: 10})
	require.Equal(t, []string{"stage", "country"}, invalidFields(t, err))
	called := false
	err = b.svc.ExportPriorities(ctx, mgr, bad, func(*pipeline.Priority) error { called = true; return nil })
	require.Equal(t, []string{"stage", "country"}, invalidFields(t, err))
	err = b.svc.PublishedPriorities(ctx, mgr, store.Filter{Theme: "astrology"}, func(*pipeline.Priority) error { called = true; return nil })
	require.Equal(t, []string{"theme"}, invalidFields(t, err))
	require.False(t, called)
	_, err = b.svc.Pipeline(ctx, mgr, store.DashboardFilter{SessionID: "x"}, time.Now())
	require.Equal(t, []string{"session_id"}, invalidFields(t, err))

	// A good filter reads.
	items, _, err := b.svc.Priorities(ctx, mgr, store.Filter{Stage: pipeline.Triage, Country: "PE"}, store.Page{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, items)
}

// TestExperts: the managers' list of whom an accept or a reassign may name
// — active experts, of a theme or of any, by name.
func TestExperts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	mgr := b.add(t, manager("Ana Ruiz"))
	carmen := b.add(t, expert("Carmen Díaz", "money_laundering", "cybercrime"))
	bruno := b.add(t, expert("Bruno Lima", "money_laundering"))
	zoe := b.add(t, expert("Zoé Martin", "cybercrime"))
	gone := b.add(t, expert("Alberto Gómez", "money_laundering"))
	_, err := b.st.Deactivate(ctx, gone.ID)
	require.NoError(t, err)
	fp := b.add(t, focalPoint("María Quispe"))

	ids := func(as []pipeline.Actor) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.ID
		}
		return out
	}
	ml, err := b.svc.Experts(ctx, mgr, "money_laundering")
	require.NoError(t, err)
	require.Equal(t, []string{bruno.ID, carmen.ID}, ids(ml), "active experts of the theme, by name")
	all, err := b.svc.Experts(ctx, mgr, "")
	require.NoError(t, err)
	require.Equal(t, []string{bruno.ID, carmen.ID, zoe.ID}, ids(all), "every active expert, by name")
	require.True(t, slices.Equal(all[1].Themes, carmen.Themes), "with their themes")
	none, err := b.svc.Experts(ctx, mgr, "firearms_trafficking")
	require.NoError(t, err)
	require.Empty(t, none)

	for _, a := range []pipeline.Actor{fp, carmen} {
		_, err = b.svc.Experts(ctx, a, "money_laundering")
		require.Equal(t, pipeline.KindForbidden, pipeline.KindOfError(err), "%s: %v", a.Role, err)
	}
}

// TestAssigneeName: whoever may see a priority reads its expert's name,
// also after the expert was deactivated; others learn nothing.
func TestAssigneeName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	carmen := b.add(t, expert("Carmen Díaz", "money_laundering"))
	fp := b.add(t, focalPoint("María Quispe"))
	other := pipeline.Actor{ID: "x", Role: pipeline.FocalPoint, Countries: []string{"MX"}}
	p := &pipeline.Priority{ID: "3b0f6c7e-1d2a-4c55-9a1e-000000000001", Countries: []string{"PE"}, Theme: "money_laundering", Assignee: carmen.ID}

	name, err := b.svc.AssigneeName(ctx, fp, p)
	require.NoError(t, err)
	require.Equal(t, "Carmen Díaz", name)
	_, err = b.st.Deactivate(ctx, carmen.ID)
	require.NoError(t, err)
	name, err = b.svc.AssigneeName(ctx, fp, p)
	require.NoError(t, err)
	require.Equal(t, "Carmen Díaz", name)
	_, err = b.svc.AssigneeName(ctx, other, p)
	require.Equal(t, pipeline.KindNotFound, pipeline.KindOfError(err))
	name, err = b.svc.AssigneeName(ctx, fp, &pipeline.Priority{ID: p.ID, Countries: []string{"PE"}})
	require.NoError(t, err)
	require.Empty(t, name)
}
