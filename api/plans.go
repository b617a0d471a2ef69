package api

import (
	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/pipeline"
)

// putPlan handles PUT /v1/priorities/{id}/plan: the assigned expert replaces the draft.
func (s *Server) putPlan(c echo.Context) error {
	var plan pipeline.Plan
	return s.act(c, &plan, func() pipeline.Act {
		return pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan}
	})
}
