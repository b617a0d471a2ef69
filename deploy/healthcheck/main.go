// Command healthcheck is the health probe of Puente's container image. The
// image is distroless — no shell, no wget, no curl — so docker-compose.yml's
// healthcheck for the API runs this static binary instead:
//
//	healthcheck [URL]    # default http://127.0.0.1:8080/readyz
//
// It exits 0 when the URL answers 2xx within 3 seconds, and 1 otherwise,
// printing why. /readyz answers 503 naming PostgreSQL or Temporal when either
// is down, so an API that cannot reach them is reported unhealthy.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	url := "http://127.0.0.1:8080/readyz"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	os.Exit(probe(url, 3*time.Second, os.Stderr))
}

// probe GETs url and returns the exit code: 0 for a 2xx answer, 1 otherwise.
func probe(url string, timeout time.Duration, out io.Writer) int {
	resp, err := (&http.Client{Timeout: timeout}).Get(url)
	if err != nil {
		fmt.Fprintln(out, "healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(out, "healthcheck: %s answered %s: %s\n", url, resp.Status, body)
		return 1
	}
	return 0
}
