package web

import (
	"net/http"

	"github.com/puente-dev/puente/internal/i18n"
)

// langCookie remembers the language a person picked with the switch.
const langCookie = "puente_lang"

// locale renders one language of the shared catalogues.
type locale = i18n.Locale

// pickLocale chooses the request's language among the catalogues' (i18n):
// the switch's cookie, else Accept-Language, else the fallback.
func pickLocale(r *http.Request) *locale {
	if ck, err := r.Cookie(langCookie); err == nil && i18n.Has(ck.Value) {
		return i18n.For(ck.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}
