package sso

import (
	"html/template"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Reason is why a sign-in was refused; each has its page.
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

func (r Reason) status() int {
	switch r {
	case Unknown, Deactivated, Unverified:
		return http.StatusForbidden
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// texts are each reason's title and explanation, by language.
var texts = map[string]map[Reason][2]string{
	"es": {
		Unknown:         {"Pida acceso a un gestor del programa", "Su proveedor de identidad confirmó que usted es %s, pero esa dirección no tiene acceso a Puente. Pida a un gestor del programa que le dé de alta con esta dirección; luego vuelva a entrar."},
		Deactivated:     {"Su acceso a Puente terminó", "La cuenta de %s fue desactivada. Si necesita acceso de nuevo, pídalo a un gestor del programa."},
		Unverified:      {"Su dirección no está verificada", "Su proveedor de identidad no confirma la dirección %s. Verifíquela allí y vuelva a entrar."},
		BadState:        {"Este enlace de acceso no es válido", "El inicio de sesión caducó, ya se usó o no empezó en este navegador. Vuelva a entrar."},
		BadToken:        {"No se pudo confirmar su identidad", "La respuesta del proveedor de identidad no superó las comprobaciones de seguridad. Vuelva a entrar; si se repite, avise al equipo técnico."},
		ProviderRefused: {"El proveedor de identidad no le dejó entrar", "Vuelva a intentarlo o elija otra forma de entrar."},
		Unavailable:     {"Puente no está disponible", "No se pudo completar el inicio de sesión ahora. Vuelva a intentarlo en unos minutos."},
	},
	"pt": {
		Unknown:         {"Peça acesso a um gestor do programa", "O seu fornecedor de identidade confirmou que é %s, mas esse endereço não tem acesso ao Puente. Peça a um gestor do programa que o registe com este endereço; depois entre de novo."},
		Deactivated:     {"O seu acesso ao Puente terminou", "A conta de %s foi desativada. Se precisar de acesso de novo, peça-o a um gestor do programa."},
		Unverified:      {"O seu endereço não está verificado", "O seu fornecedor de identidade não confirma o endereço %s. Verifique-o lá e entre de novo."},
		BadState:        {"Esta ligação de acesso não é válida", "O início de sessão expirou, já foi usado ou não começou neste navegador. Entre de novo."},
		BadToken:        {"Não foi possível confirmar a sua identidade", "A resposta do fornecedor de identidade não passou nas verificações de segurança. Entre de novo; se se repetir, avise a equipa técnica."},
		ProviderRefused: {"O fornecedor de identidade não o deixou entrar", "Tente de novo ou escolha outra forma de entrar."},
		Unavailable:     {"O Puente não está disponível", "Não foi possível concluir o início de sessão agora. Tente de novo dentro de alguns minutos."},
	},
	"en": {
		Unknown:         {"Ask a programme manager for access", "Your identity provider confirmed that you are %s, but that address has no access to Puente. Ask a programme manager to add you with this address, then sign in again."},
		Deactivated:     {"Your access to Puente has ended", "The account of %s was deactivated. If you need access again, ask a programme manager."},
		Unverified:      {"Your address is not verified", "Your identity provider does not vouch for the address %s. Verify it there and sign in again."},
		BadState:        {"This sign-in link is not valid", "The sign-in expired, was used already, or did not start in this browser. Sign in again."},
		BadToken:        {"Your identity could not be confirmed", "The identity provider's answer failed Puente's security checks. Sign in again; if it happens again, tell the technical team."},
		ProviderRefused: {"The identity provider did not let you in", "Try again, or choose another way to sign in."},
		Unavailable:     {"Puente is unavailable", "The sign-in could not be completed now. Try again in a few minutes."},
	},
}

var signInAgain = map[string]string{"es": "Volver a la página de acceso", "pt": "Voltar à página de acesso", "en": "Back to the sign-in page"}

var matcher = language.NewMatcher([]language.Tag{language.Spanish, language.Portuguese, language.English})

// lang is the request's language: the web app's choice (its cookie), else
// Accept-Language, else Spanish.
func lang(r *http.Request) string {
	if c, err := r.Cookie("puente_lang"); err == nil {
		if _, ok := texts[c.Value]; ok {
			return c.Value
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := matcher.Match(tags...)
	return []string{"es", "pt", "en"}[i]
}

var page = template.Must(template.New("refused").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Puente</title>
<link rel="stylesheet" href="/static/pico.min.css">
</head>
<body>
<main class="container">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
<p><a href="/signin">{{.Back}}</a></p>
</main>
</body>
</html>
`))

// refuse answers a refused sign-in with its page, in the person's language.
func refuse(w http.ResponseWriter, r *http.Request, status int, reason Reason, email string) {
	l := lang(r)
	t := texts[l][reason]
	text := strings.Replace(t[1], "%s", email, 1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = page.Execute(w, struct{ Lang, Title, Text, Back string }{l, t[0], text, signInAgain[l]})
}
