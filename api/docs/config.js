// Renders Puente's OpenAPI document with the vendored Scalar bundle. The page
// asks nothing of any other host: no web fonts, no telemetry, no AI agent or
// MCP integration, no proxy; "Test Request" calls this API from the browser.
Scalar.createApiReference('#reference', {
  url: 'openapi.yaml',
  // Some thirty operations: every group open, so the sidebar lists them all.
  defaultOpenAllTags: true,
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  documentDownloadType: 'direct',
});
