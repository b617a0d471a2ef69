package api

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/puente-dev/puente/internal/authlimit"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// ServerLimits bound what one connection may cost the API's HTTP server.
type ServerLimits struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included: a body trickled
	// slower than that is cut (408) and its connection closed.
	Read time.Duration
	// Write bounds a response from the end of its request's headers; it
	// must exceed the longest wait on Temporal (the service's update
	// timeout, service.DefaultUpdateTimeout unless configured). The
	// streamed exports have exportWriteTimeout instead.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next request.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// DefaultServerLimits are the limits of `puente api` and `puente dev`.
func DefaultServerLimits() ServerLimits {
	return ServerLimits{
		ReadHeader:     5 * time.Second,
		Read:           15 * time.Second,
		Write:          service.DefaultUpdateTimeout + 30*time.Second,
		Idle:           30 * time.Second,
		MaxHeaderBytes: 64 << 10,
	}
}

// NewHTTPServer is the http.Server to run the API's handler on, with its
// timeouts and header limit set (the zero values of net/http wait forever).
func NewHTTPServer(h http.Handler, l ServerLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// exportWriteTimeout is the write deadline of the streamed exports, which
// may take longer than other responses to a slow client.
const exportWriteTimeout = 10 * time.Minute

// exportDeadline gives the streamed exports their longer write deadline.
func exportDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// A server without deadlines has nothing to extend: the error says
		// only that it does not support them.
		_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(exportWriteTimeout))
		return next(c)
	}
}

// Content security policies. The API answers JSON, YAML, CSV and XML, none
// of which may load anything or be framed. The /docs page renders the
// OpenAPI document with the vendored Scalar bundle, served from this origin;
// Scalar sets inline styles, and fetches the spec from this origin.
const (
	apiCSP  = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

// everyResponse are the headers securityHeaders sets on every response.
var everyResponse = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
}

// SecurityHeaderNames names the headers the API may set on any response
// beyond those its OpenAPI document lists per operation, for contract checks.
func SecurityHeaderNames() []string {
	names := []string{"Content-Security-Policy", "Cache-Control"}
	for _, kv := range everyResponse {
		names = append(names, kv[0])
	}
	return names
}

// securityHeaders sets the headers every response carries: no MIME
// sniffing, no referrer, no framing, and a content security policy for the
// API's own routes (a page mounted beside them sets its own). Responses
// under /v1 and /metrics, which depend on who asks, are never stored by a
// cache.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for _, kv := range everyResponse {
			h.Set(kv[0], kv[1])
		}
		path := c.Request().URL.Path
		switch route := c.Path(); {
		case route == "/docs":
			h.Set("Content-Security-Policy", docsCSP)
		case ownRoute(route, path):
			h.Set("Content-Security-Policy", apiCSP)
		}
		if apiPath(path) || path == "/metrics" {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// ownRoute reports whether a request is for one of the API's routes (or
// none at all), rather than for a page mounted beside them.
func ownRoute(route, path string) bool {
	switch route {
	case "", "/healthz", "/readyz", "/openapi.yaml", "/metrics":
		return true
	}
	return apiPath(path)
}

// apiPath reports whether path is under /v1.
func apiPath(path string) bool { return path == "/v1" || strings.HasPrefix(path, "/v1/") }

// tooManyFailures answers 429 with Retry-After in whole seconds.
func tooManyFailures(c echo.Context, wait time.Duration) error {
	secs := authlimit.RetryAfter(wait)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return problem(http.StatusTooManyRequests,
		"too many failed authentications from this client: retry in "+strconv.Itoa(secs)+" s")
}

// ParseTrustedProxies reads a comma-separated list of CIDRs or addresses.
func ParseTrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			f = netip.PrefixFrom(ip, ip.BitLen()).String()
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// metricsAuth admits to /metrics the holder of the metrics token, or a
// manager (who may see every count the stage gauges hold, restricted
// priorities included); 401 or 403 for anyone else.
func (s *Server) metricsAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if s.metricsToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.metricsToken)) == 1 {
			return next(c)
		}
		return s.authenticate(func(c echo.Context) error {
			if actorOf(c).Role != pipeline.Manager {
				return problem(http.StatusForbidden, "metrics are for managers and the metrics token's holder")
			}
			return next(c)
		})(c)
	}
}

// Metric labels come from the route table only: a method or a path that no
// route serves is counted under one label, however many a client invents.
const unmatched = "unmatched"

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// metricLabels are the method and route labels of a request that got status.
func metricLabels(method, route string, status int) (string, string) {
	if !knownMethods[method] {
		method = "other"
	}
	if route == "" || status == http.StatusMethodNotAllowed {
		route = unmatched
	}
	return method, route
}

// requestIDPattern is an incoming X-Request-Id the API adopts: a proxy's
// or a client's correlation id, short and plain. Any other is replaced by a
// generated one, so that no client writes what it likes, as long as it likes,
// into every log line and workflow update of its request.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestIDHygiene drops an incoming X-Request-Id that is not plain; it
// runs before middleware.RequestID, which then generates one.
func requestIDHygiene(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(echo.HeaderXRequestID); id != "" && !requestIDPattern.MatchString(id) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}
