package api_test

import (
	"net/url"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

func listRequest(query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query}
}

func testenvOptions(slas pipeline.SLAs) testenv.AppOptions { return testenv.AppOptions{SLAs: slas} }
