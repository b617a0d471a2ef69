package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/puente-dev/puente/internal/authlimit"
	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/onsite"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

// sessionCookie holds the opaque session ID; PostgreSQL holds its hash.
const sessionCookie = "puente_session"

func hashSessionID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// webSession resolves the request's session cookie to its session, and
// records its use: store.ErrNotFound when there is none, it expired, went
// idle or was revoked.
func (a *App) webSession(r *http.Request) (store.WebSession, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return store.WebSession{}, store.ErrNotFound
	}
	return a.d.Store.WebSession(r.Context(), hashSessionID(c.Value), a.d.Now(), a.d.IdleTimeout)
}

// sessionActor is the signed-in person of the request, as webSession.
func (a *App) sessionActor(r *http.Request) (pipeline.Actor, error) {
	s, err := a.webSession(r)
	return s.User, err
}

// startSession signs the user in: a new random session ID in an HttpOnly,
// SameSite=Lax cookie (Secure over TLS), its hash stored with its absolute
// end. The cookie lives as long; the idle timeout is the store's to judge.
// The ID token of a single sign-on in the request's context is kept with
// the session.
func (a *App) startSession(w http.ResponseWriter, r *http.Request, userID string) error {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux
	id := base64.RawURLEncoding.EncodeToString(b)
	now := a.d.Now()
	expires := now.Add(a.d.SessionTTL)
	if err := a.d.Store.CreateWebSession(r.Context(), hashSessionID(id), userID, now, expires); err != nil {
		return err
	}
	if t, _ := r.Context().Value(idTokenKey{}).(string); t != "" {
		if err := a.d.Store.SetWebSessionIDToken(r.Context(), hashSessionID(id), t); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r),
	})
	return nil
}

// idTokenKey holds, in a request's context, the ID token of the single
// sign-on that opens a session.
type idTokenKey struct{}

func (a *App) secure(r *http.Request) bool { return r.TLS != nil || a.d.SecureCookies }

func (a *App) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(sessionCookie); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r)})
}

type signInData struct {
	Next  string
	Token string
	Error string
	// RetryAfter is the seconds a client over the failed sign-in limit waits.
	RetryAfter int
	DevUsers   []DevUser
	// SSO offers single sign-on.
	SSO bool
}

// signInPage shows the token form and, in dev, the demo users.
func (a *App) signInPage(w http.ResponseWriter, r *http.Request) {
	a.signInForm(w, r, onsite.Path(r.FormValue("next")))
}

// signInForm is the sign-in page leading on to next; someone signed in
// already goes home.
func (a *App) signInForm(w http.ResponseWriter, r *http.Request, next string, opts ...func(*page)) {
	w.Header().Set("Cache-Control", "no-store")
	if _, err := a.sessionActor(r); err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	a.render(w, r, nil, http.StatusOK, "signin", "signin.title", signInData{Next: next, DevUsers: a.d.DevUsers, SSO: a.d.SSO != nil},
		opts...)
}

// signIn opens a session for the owner of a personal token. Failed
// attempts count against the client in the API's limiter of failed
// authentications: past its limit the client is answered 429 before its
// token is looked up.
func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token := strings.TrimSpace(r.PostFormValue("token"))
	next := onsite.Path(r.PostFormValue("next"))
	page := signInData{Next: next, DevUsers: a.d.DevUsers, SSO: a.d.SSO != nil}
	client, now := a.d.AuthLimiter.Client(r), time.Now()
	if wait := a.d.AuthLimiter.Wait(client, now); wait > 0 {
		page.Error, page.RetryAfter = "signin.too_many", authlimit.RetryAfter(wait)
		w.Header().Set("Retry-After", strconv.Itoa(page.RetryAfter))
		a.render(w, r, nil, http.StatusTooManyRequests, "signin", "signin.title", page)
		return
	}
	var u pipeline.Actor
	err := store.ErrNotFound
	if token != "" {
		u, err = a.d.Store.UserByTokenHash(r.Context(), store.HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			a.d.AuthLimiter.Fail(client, now)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		page.Error = "signin.bad_token"
		a.render(w, r, nil, http.StatusUnauthorized, "signin", "signin.title", page)
		return
	}
	if err != nil {
		a.serverError(w, r, nil, err)
		return
	}
	a.finishSignIn(w, r, u.ID, next)
}

// signInDev opens a session for a demo user: only in `puente dev`, only
// for the users it seeded.
func (a *App) signInDev(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("user")
	if !slices.ContainsFunc(a.d.DevUsers, func(u DevUser) bool { return u.ID == id }) {
		a.notFound(w, r)
		return
	}
	a.finishSignIn(w, r, id, onsite.Path(r.PostFormValue("next")))
}

func (a *App) finishSignIn(w http.ResponseWriter, r *http.Request, userID, next string) {
	if err := a.replaceSession(w, r, userID); err != nil {
		a.serverError(w, r, nil, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// replaceSession ends the browser's session, if it has one, and opens the
// user's.
func (a *App) replaceSession(w http.ResponseWriter, r *http.Request, userID string) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = a.d.Store.DeleteWebSession(r.Context(), hashSessionID(c.Value))
	}
	return a.startSession(w, r, userID)
}

// signInWithSSO opens the session of a person single sign-on vouched for
// and found among Puente's users, keeping the provider's ID token with it
// for sign-out; the flow then sends them on.
func (a *App) signInWithSSO(w http.ResponseWriter, r *http.Request, u store.User, idToken string) error {
	return a.replaceSession(w, r.WithContext(context.WithValue(r.Context(), idTokenKey{}, idToken)), u.ID)
}

// refusedBySSO tells a person single sign-on did not sign in why, in their
// language: above all, an unknown address is told whom to ask for access.
func (a *App) refusedBySSO(w http.ResponseWriter, r *http.Request, reason sso.Reason, email string) {
	w.Header().Set("Cache-Control", "no-store")
	key := "sso." + string(reason)
	a.render(w, r, nil, reason.Status(), "sso", key+".title", struct{ Text, Email string }{key + ".text", email})
}

// signOut revokes the session server-side and forgets the cookie. A
// session single sign-on opened also ends at the provider when it offers
// RP-Initiated Logout: the browser goes to its end_session_endpoint with
// the session's ID token, and comes back to the signed-out page. Otherwise
// the provider's own session lives on, and would sign the next person at
// this browser straight back in: the signed-out page says so.
func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	var idToken string
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if idToken, err = a.d.Store.WebSessionIDToken(r.Context(), hashSessionID(c.Value)); err != nil {
			a.serverError(w, r, nil, err)
			return
		}
		if err := a.d.Store.DeleteWebSession(r.Context(), hashSessionID(c.Value)); err != nil {
			a.serverError(w, r, nil, err)
			return
		}
	}
	a.clearSessionCookie(w, r)
	if a.d.SSO != nil && idToken != "" {
		if end := a.d.SSO.EndSessionURL(idToken); end != "" {
			http.Redirect(w, r, end, http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, sso.SignedOutPath, http.StatusSeeOther)
}

// signedOutPage is the sign-in page, saying the person is signed out; with
// a provider that cannot end its own session, also that it may be open.
func (a *App) signedOutPage(w http.ResponseWriter, r *http.Request) {
	notice := "signout.done"
	if a.d.SSO != nil && a.d.SSO.EndSessionURL("") == "" {
		notice = "signout.provider_open"
	}
	a.signInForm(w, r, "/", withNotice(notice))
}

// allowSignOut widens the pages' Content-Security-Policy, when single
// sign-on can end the provider's session, so that its form-action also
// allows the provider's end_session_endpoint: sign-out is a form whose
// answer redirects there, and browsers hold such redirects to form-action.
func (a *App) allowSignOut(next http.Handler) http.Handler {
	if a.d.SSO == nil {
		return next
	}
	u, err := url.Parse(a.d.SSO.EndSessionURL(""))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return next
	}
	policy := strings.Replace(csp, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", policy)
		next.ServeHTTP(w, r)
	})
}

// setLanguage remembers the language picked with the switch for a year.
func (a *App) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if i18n.Has(lang) {
		a.setLangCookie(w, r, lang)
	}
	http.Redirect(w, r, onsite.Path(r.PostFormValue("next")), http.StatusSeeOther)
}

// langCookie remembers the language a person picked with the switch.
const langCookie = "puente_lang"

// pickLocale chooses the request's language among the catalogues' (i18n):
// the switch's cookie, else Accept-Language, else the fallback.
func pickLocale(r *http.Request) *i18n.Locale {
	if ck, err := r.Cookie(langCookie); err == nil && i18n.Has(ck.Value) {
		return i18n.For(ck.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

func (a *App) setLangCookie(w http.ResponseWriter, r *http.Request, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r)})
}
