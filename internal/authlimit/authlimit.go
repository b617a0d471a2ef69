// Package authlimit limits failed authentications per client, at every
// door a credential comes through: the API's bearer tokens and the web
// app's sign-in form share one Limiter, and one rule for who the client is.
package authlimit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// A client may fail Burst times, then once per Every. A client over its
// limit is refused before its credential is looked up, whatever it sends:
// guessing costs the database nothing and gets nowhere.
const (
	Burst = 20
	Every = 3 * time.Second
	// clientsMax bounds the clients remembered; those with a full bucket
	// carry no state and are forgotten first.
	clientsMax = 10000
)

// Limiter counts failed authentications per client.
type Limiter struct {
	ip      echo.IPExtractor
	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// New is a limiter whose clients are the peers of the connections, or,
// for a connection from one of the trusted proxies, the address its
// X-Forwarded-For names.
func New(trusted []*net.IPNet) *Limiter {
	return &Limiter{ip: ipExtractor(trusted), clients: map[string]*rate.Limiter{}}
}

// ClientIP is the address a request comes from, by the limiter's rule; the
// API's Echo takes it as its IP extractor, so its logs name the same client.
func (l *Limiter) ClientIP(r *http.Request) string { return l.ip(r) }

// Client identifies the client a request comes from: its IP address, an
// IPv6 address by its /64, which one host usually holds whole.
func (l *Limiter) Client(r *http.Request) string {
	raw := l.ip(r)
	ip, err := netip.ParseAddr(raw)
	if err != nil {
		return raw
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// Wait returns how long the client must wait before its next attempt, or 0.
func (l *Limiter) Wait(client string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[client]
	if !ok {
		return 0
	}
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing * float64(Every)))
}

// Fail records a failed authentication of the client.
func (l *Limiter) Fail(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= clientsMax {
			for k, v := range l.clients {
				if v.TokensAt(now) >= Burst {
					delete(l.clients, k)
				}
			}
			if len(l.clients) >= clientsMax {
				clear(l.clients)
			}
		}
		lim = rate.NewLimiter(rate.Every(Every), Burst)
		l.clients[client] = lim
	}
	lim.AllowN(now, 1)
}

// RetryAfter is a wait in whole seconds, rounded up, for Retry-After.
func RetryAfter(wait time.Duration) int { return int(math.Ceil(wait.Seconds())) }

// ipExtractor reads the client's address from the connection, or from
// X-Forwarded-For when the connection comes from a trusted proxy. Echo's
// default would believe any client's X-Forwarded-For.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
