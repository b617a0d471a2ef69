package sso

import "net/http"

// Reason is why a sign-in was refused; the web app tells the person, each
// reason with its page.
type Reason string

// The reasons a sign-in is refused.
const (
	// Unknown: the provider vouched for an email no Puente user has.
	Unknown Reason = "unknown"
	// Deactivated: the email is a user's whose access was ended.
	Deactivated Reason = "deactivated"
	// Unverified: the provider does not vouch for the email.
	Unverified Reason = "unverified"
	// BadState: a callback this browser did not start, or one already used.
	BadState Reason = "bad_state"
	// BadToken: the code did not redeem, or the ID token failed a check
	// (signature, issuer, audience, expiry, nonce).
	BadToken Reason = "bad_token"
	// ProviderRefused: the provider answered with an error.
	ProviderRefused Reason = "provider_refused"
	// Unavailable: Puente could not complete the sign-in now.
	Unavailable Reason = "unavailable"
)

// Reasons lists every reason, for the pages that explain them.
var Reasons = []Reason{Unknown, Deactivated, Unverified, BadState, BadToken, ProviderRefused, Unavailable}

// Status is the HTTP status of a refusal for this reason.
func (r Reason) Status() int {
	switch r {
	case Unknown, Deactivated, Unverified:
		return http.StatusForbidden
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}
