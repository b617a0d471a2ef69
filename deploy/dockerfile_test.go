package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// buildKitOnly matches Dockerfile syntax that the classic builder (Docker
// without BuildKit, e.g. Debian 12's docker.io 20.10 by default) rejects:
// RUN --mount/--network/--security, COPY/ADD --link/--chmod/--parents/
// --exclude, heredocs, and the syntax directive that selects a frontend.
var buildKitOnly = regexp.MustCompile(`(?m)^\s*(RUN\s+--(mount|network|security)|(COPY|ADD)\s+.*--(link|chmod|parents|exclude)\b|\S.*<<-?\s*['"]?[A-Z]+['"]?\s*$|#\s*syntax\s*=)`)

// TestDockerfileNeedsNoBuildKit: the image builds with and without BuildKit,
// so the Dockerfile keeps to instructions both builders know.
func TestDockerfileNeedsNoBuildKit(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range buildKitOnly.FindAllString(string(b), -1) {
		t.Errorf("BuildKit-only syntax in Dockerfile: %q", strings.TrimSpace(m))
	}
	// The rule itself fires on what the Dockerfile used to have.
	for _, bad := range []string{
		"RUN --mount=type=cache,target=/go/pkg/mod go mod download",
		"COPY --link --from=build /out/puente /puente",
		"# syntax=docker/dockerfile:1",
		"RUN <<EOF",
	} {
		if !buildKitOnly.MatchString(bad) {
			t.Errorf("the rule misses %q", bad)
		}
	}
	if !strings.Contains(string(b), "\nFROM gcr.io/distroless/static-debian12:nonroot\n") || !strings.Contains(string(b), "\nUSER 65532:65532\n") {
		t.Error("the final stage is not distroless static, non-root")
	}
}
