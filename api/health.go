package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout is each dependency's own deadline in /readyz: a hung one
// fails its check without delaying or failing the other's.
const readyTimeout = 2 * time.Second

// readyz checks PostgreSQL and Temporal at once, each with its own deadline,
// and answers 503 naming only the ones that failed.
func (s *Server) readyz(c echo.Context) error {
	if s.draining.Load() {
		return problem(http.StatusServiceUnavailable, "shutting down")
	}
	checks := []struct {
		name  string
		check func(context.Context) error
	}{
		{"postgres", s.store.Ping},
		{"temporal", func(ctx context.Context) error {
			_, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
			defer cancel()
			errs[i] = ch.check(ctx)
		})
	}
	wg.Wait()
	var down []pipeline.FieldError
	var names []string
	status := map[string]string{}
	for i, ch := range checks {
		status[ch.name] = "ok"
		if errs[i] != nil {
			down = append(down, pipeline.Problem(ch.name, pipeline.Unavailable, "error", errs[i].Error()))
			names = append(names, ch.name)
		}
	}
	if len(down) > 0 {
		return problem(http.StatusServiceUnavailable, strings.Join(names, " and ")+" not ready", down...)
	}
	return c.JSON(http.StatusOK, status)
}

func (s *Server) codelists(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	return c.JSON(http.StatusOK, pipeline.Lists)
}
