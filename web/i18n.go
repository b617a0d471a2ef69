package web

import (
	"net/http"

	"github.com/puente-dev/puente/internal/i18n"
)

// langCookie remembers the language a person picked with the switch.
const langCookie = "puente_lang"

// locale renders one language of the shared catalogues.
type locale = i18n.Locale

// catalog picks each request's language among the catalogues' (i18n).
type catalog struct{}

// pick chooses the request's language: the switch's cookie, else
// Accept-Language, else the fallback.
func (catalog) pick(r *http.Request) *locale {
	if ck, err := r.Cookie(langCookie); err == nil && i18n.Has(ck.Value) {
		return i18n.For(ck.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}
