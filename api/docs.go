package api

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIYAML is the OpenAPI 3.1 description of every route of New, served
// at GET /openapi.yaml and rendered at GET /docs. docs_test.go holds it to
// the route table, to the OpenAPI 3.1 schema and to what the handlers write;
// internal/contract holds every request and response of the integration
// tests to it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI is the OpenAPI document GET /openapi.yaml serves.
func OpenAPI() []byte { return openAPIYAML }

// The /docs page is the vendored Scalar API Reference (docs/scalar, MIT)
// rendering /openapi.yaml in the browser. It has no inline script: the page
// loads the bundle and its configuration from Puente itself, under a
// Content-Security-Policy that lets it reach no other host (securityHeaders).
//
//go:embed docs/index.html docs/config.js docs/scalar/standalone.js
var docsFiles embed.FS

// docsAssets are the scripts of the /docs page, by name in GET /docs/{asset}.
var docsAssets = map[string]asset{
	"scalar.js": mustAsset("docs/scalar/standalone.js", "text/javascript; charset=utf-8"),
	"config.js": mustAsset("docs/config.js", "text/javascript; charset=utf-8"),
}

var docsPage = mustAsset("docs/index.html", echo.MIMETextHTMLCharsetUTF8)

// asset is an embedded file with its type and an ETag of its content.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

func mustAsset(name, contentType string) asset {
	b, err := docsFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return asset{body: b, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// serve writes the asset, or 304 when the client holds this version. The
// client revalidates each time (a 304 costs a round trip, not 5 MB), so a
// new Puente serves a new page at once.
func (a asset) serve(c echo.Context) error {
	h := c.Response().Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	if c.Request().Header.Get("If-None-Match") == a.etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// openAPISpec handles GET /openapi.yaml.
func openAPISpec(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPIYAML)
}

// docs handles GET /docs: the page that renders the document.
func docs(c echo.Context) error { return docsPage.serve(c) }

// docsAsset handles GET /docs/{asset}: the page's scripts.
func docsAsset(c echo.Context) error {
	a, ok := docsAssets[c.Param("asset")]
	if !ok {
		return problem(http.StatusNotFound, "no such file")
	}
	return a.serve(c)
}
