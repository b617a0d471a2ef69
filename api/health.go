package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz checks both backends; it answers 503 naming the one that is down.
func (s *Server) readyz(c echo.Context) error {
	if s.draining.Load() {
		return problem(http.StatusServiceUnavailable, "shutting down")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "temporal": "ok"}
	down := false
	if err := s.store.Ping(ctx); err != nil {
		checks["postgres"], down = err.Error(), true
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], down = err.Error(), true
	}
	if down {
		p := problem(http.StatusServiceUnavailable, "a backend is down")
		for k, v := range checks {
			if v != "ok" {
				p.Errors = append(p.Errors, pipeline.FieldError{Field: k, Message: v})
			}
		}
		return p
	}
	return c.JSON(http.StatusOK, checks)
}

func (s *Server) codelists(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	return c.JSON(http.StatusOK, pipeline.Lists)
}
