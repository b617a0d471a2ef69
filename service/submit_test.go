package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

// TestIdempotencyKeyIsThePersonsOwn: an Idempotency-Key names a retry of
// one person's request, not a slot shared by everyone. Two focal points of
// different countries who send the same key — with the same body, or each
// with their own country's — each get their own priority, which a retry
// of theirs gives back, and never the other's.
func TestIdempotencyKeyIsThePersonsOwn(t *testing.T) {
	t.Parallel()
	app := testenv.NewApp(t, testenv.AppOptions{})
	ctx := context.Background()
	fpPE := app.AddUser(t, pipeline.Actor{Name: "María Quispe", Role: pipeline.FocalPoint, Countries: []string{"PE"}}).Actor
	fpCO := app.AddUser(t, pipeline.Actor{Name: "Andrés Gómez", Role: pipeline.FocalPoint, Countries: []string{"CO"}}).Actor
	body := func(countries ...string) pipeline.Submission {
		return pipeline.Submission{Title: "Equipos conjuntos de investigación", Description: "Crear un ECI contra el lavado de activos.",
			Theme: "joint_investigation_teams", Pillar: "justice", Countries: countries, Institution: "Fiscalía", Urgency: "high"}
	}
	submit := func(t *testing.T, a pipeline.Actor, in pipeline.Submission, key string) *pipeline.Priority {
		t.Helper()
		p, err := app.Service.Submit(ctx, a, in, key)
		require.NoError(t, err, "%s submits with key %q", a.Name, key)
		require.Equal(t, a.ID, p.SubmittedBy, "%s got a priority someone else submitted", a.Name)
		return p
	}

	t.Run("same key, same body", func(t *testing.T) {
		pe := submit(t, fpPE, body("PE", "CO"), "joint-1")
		co := submit(t, fpCO, body("PE", "CO"), "joint-1")
		require.NotEqual(t, pe.ID, co.ID)
		require.NotEqual(t, pe.Ref, co.Ref)
		require.Equal(t, pe.ID, submit(t, fpPE, body("PE", "CO"), "joint-1").ID, "a retry by María")
		require.Equal(t, co.ID, submit(t, fpCO, body("PE", "CO"), "joint-1").ID, "a retry by Andrés")
	})

	t.Run("same key, each their own country", func(t *testing.T) {
		pe := submit(t, fpPE, body("PE"), "own-1")
		co := submit(t, fpCO, body("CO"), "own-1")
		require.NotEqual(t, pe.ID, co.ID)
		for _, c := range []struct {
			who pipeline.Actor
			id  string
		}{{fpPE, co.ID}, {fpCO, pe.ID}} {
			_, err := app.Service.Priority(ctx, c.who, c.id)
			var perr *pipeline.Error
			require.True(t, errors.As(err, &perr) && perr.Kind == pipeline.KindNotFound, "%s reads the other's priority: %v", c.who.Name, err)
		}
	})
}
