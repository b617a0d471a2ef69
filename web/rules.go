package web

import "github.com/puente-dev/puente/pipeline"

// canEdit and canEditPlan ask the engine whether the caller may edit the
// priority's fields or its plan now, to show the links to those forms.
func canEdit(a pipeline.Actor, p *pipeline.Priority) bool {
	return pipeline.Allowed(a, p, pipeline.Edit)
}

func canEditPlan(a pipeline.Actor, p *pipeline.Priority) bool {
	return pipeline.Allowed(a, p, pipeline.DraftPlan)
}
