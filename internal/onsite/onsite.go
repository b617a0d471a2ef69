// Package onsite is the one rule for where the web app may send a browser
// it was told to send somewhere: the `next` of a sign-in, of single
// sign-on's return, of the language switch, and every redirect after a
// change. Only a path on this site passes, in the form the browser will
// follow; anything else lands on the home page.
package onsite

import (
	"net/url"
	"path"
	"strings"
)

// Home is where a refused target lands.
const Home = "/"

// Path returns target as a path on this site, cleaned the way
// http.Redirect cleans it, or Home when it might leave the site or is not
// what a link of ours looks like. Refused: anything not starting with one
// slash; a backslash, raw or percent-encoded (browsers read `/\host` as
// `//host`); `//` in the path, raw or percent-encoded; a scheme, host or
// user; a control character, space or non-ASCII byte (browsers drop tabs
// and newlines from URLs, which can join what a check saw apart). The
// fragment is dropped: a browser never sends one, so no link of ours
// carries it.
func Path(target string) string {
	if !strings.HasPrefix(target, "/") {
		return Home
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return Home
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return Home
	}
	raw := u.EscapedPath()
	for _, p := range []string{raw, u.Path} {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.ContainsFunc(p, refused) {
			return Home
		}
	}
	clean := path.Clean(raw)
	if strings.HasSuffix(raw, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return Home
	}
	if u.RawQuery != "" {
		clean += "?" + u.RawQuery
	}
	return clean
}

// refused are the characters no path of ours holds, once decoded.
func refused(r rune) bool { return r < ' ' || r == 0x7f || r == '\\' }
