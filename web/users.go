package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// People is the user lifecycle the managers' users page and everyone's
// preferences page use: the same path as `puente users` and /v1/users,
// where every rule of a user record is checked (a *people.Service).
type People interface {
	Add(ctx context.Context, by pipeline.Actor, u store.User) (store.User, people.Issued, error)
	Update(ctx context.Context, by pipeline.Actor, id string, c store.UserChanges) (store.User, error)
	Deactivate(ctx context.Context, by pipeline.Actor, id string) (store.User, error)
	RotateToken(ctx context.Context, by pipeline.Actor, id string) (people.Issued, error)
	SetPreferences(ctx context.Context, id, language, notify string) (store.User, error)
	List(ctx context.Context, by pipeline.Actor, f store.UserFilter, pg store.Page) ([]store.User, string, error)
	Get(ctx context.Context, by pipeline.Actor, id string) (store.User, []store.TokenInfo, error)
	Absences(ctx context.Context, by pipeline.Actor, userID string) ([]pipeline.Absence, error)
	Delegates(ctx context.Context, by pipeline.Actor, userID string) ([]store.User, error)
	DeclareAbsence(ctx context.Context, by pipeline.Actor, userID string, in pipeline.AbsenceInput) (pipeline.Absence, error)
	CancelAbsence(ctx context.Context, by pipeline.Actor, userID, absenceID string) error
}

// peopleRefusal answers an error of the people service that no form
// shows: one's own deactivation has its message, the rest their kind's
// (errorKinds).
func (a *App) peopleRefusal(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, err error) {
	if errors.Is(err, people.ErrSelf) {
		a.fail(w, r, &actor, http.StatusConflict, "error.deactivate_self")
		return
	}
	a.refusal(w, r, actor, err)
}

// userFields maps the people package's field names to the form's, which
// avoid the catalogue's labels of plan fields with the same names.
var userFields = map[string]string{"name": "user_name", "language": "user_language"}

// userProblems is the fields at fault of a refused user record, named as
// the forms name them.
func userProblems(err error) (pipeline.Problems, bool) {
	kind, ps := kindOf(err)
	for i := range ps {
		if f, ok := userFields[ps[i].Field]; ok {
			ps[i].Field = f
		}
	}
	return ps, kind == pipeline.KindInvalid
}

// userForm reads the add and edit forms, whose fields are a user record's.
func userForm(r *http.Request) store.User {
	return store.User{Email: r.PostFormValue("email"), Language: r.PostFormValue("user_language"), Notify: r.PostFormValue("notify"),
		Actor: pipeline.Actor{Name: r.PostFormValue("user_name"), Role: pipeline.Role(r.PostFormValue("role")),
			Countries: r.PostForm["countries"], Themes: r.PostForm["themes"], Partner: r.PostFormValue("partner")}}
}

type usersData struct {
	Items []store.User
	Next  string
	// Active is the list's filter: "true", "false" or "" (everyone).
	Active string
	In     store.User
	// Created and Token show a new user's token, this once.
	Created *store.User
	Token   *people.Issued
	Choices userChoices
}

// userChoices are the form's options.
type userChoices struct {
	Roles                               []pipeline.Role
	Languages, Modes, Countries, Themes []string
	Partners                            []string
}

func choices() userChoices {
	return userChoices{Roles: pipeline.Roles, Languages: store.Languages, Modes: store.NotifyModes,
		Countries: pipeline.Lists.CountryCodes(), Themes: pipeline.Lists.ThemeCodes(), Partners: pipeline.PartnerCodes()}
}

// newUserForm is the add form's defaults.
var newUserForm = store.User{Notify: store.NotifyImmediate, Actor: pipeline.Actor{Role: pipeline.FocalPoint}}

// users lists the users, by name, with the form to add one.
func (a *App) users(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	a.usersPage(w, r, actor, http.StatusOK, usersData{In: newUserForm}, nil)
}

func (a *App) usersPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, d usersData, ps pipeline.Problems) {
	q := r.URL.Query()
	f := store.UserFilter{}
	switch d.Active = q.Get("active"); d.Active {
	case "true", "false":
		v := d.Active == "true"
		f.Active = &v
	default:
		d.Active = ""
	}
	var err error
	d.Items, d.Next, err = a.d.People.List(r.Context(), actor, f, pageOf(r, 100))
	if err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	d.Choices = choices()
	a.render(w, r, &actor, status, "users", "users.title", d, withProblems(ps), withNotice(noticeOf(r)))
}

// addUser creates a user and shows their token, this once.
func (a *App) addUser(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	in := userForm(r)
	u, iss, err := a.d.People.Add(r.Context(), actor, in)
	if ps, ok := userProblems(err); ok {
		a.usersPage(w, r, actor, http.StatusUnprocessableEntity, usersData{In: in}, ps)
		return
	}
	if err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	a.usersPage(w, r, actor, http.StatusCreated, usersData{In: newUserForm, Created: &u, Token: &iss}, nil)
}

type userData struct {
	U      store.User
	Tokens []store.TokenInfo
	In     store.User
	// Token is a new token, shown this once.
	Token    *people.Issued
	Choices  userChoices
	Self     bool
	Absences *absencesData
}

// user is one user's page: their record, tokens, and the forms to change
// them, rotate their token or deactivate them.
func (a *App) user(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	a.userPage(w, r, actor, http.StatusOK, nil, nil, nil)
}

func (a *App) userPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, in *store.User, iss *people.Issued,
	ps pipeline.Problems, absence ...pipeline.AbsenceInput) {
	u, tokens, err := a.d.People.Get(r.Context(), actor, r.PathValue("id"))
	var abs *absencesData
	if err == nil && u.Active {
		abs, err = a.absences(r, actor, u, first(absence), "/users/"+u.ID+"/absences")
	}
	if err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	if in == nil {
		in = &u
	}
	a.render(w, r, &actor, status, "user", "user.title", userData{U: u, Tokens: tokens, In: *in, Token: iss,
		Choices: choices(), Self: u.ID == actor.ID, Absences: abs}, withTitle(u.Name), withProblems(ps), withNotice(noticeOf(r)))
}

// updateUser changes a user's name, address, language, preference and scope.
func (a *App) updateUser(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	in, id := userForm(r), r.PathValue("id")
	countries, themes := append([]string{}, in.Countries...), append([]string{}, in.Themes...)
	_, err := a.d.People.Update(r.Context(), actor, id, store.UserChanges{Name: &in.Name, Email: &in.Email, Language: &in.Language,
		Notify: &in.Notify, Countries: &countries, Themes: &themes})
	if ps, ok := userProblems(err); ok {
		a.userPage(w, r, actor, http.StatusUnprocessableEntity, &in, nil, ps)
		return
	}
	if err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	redirect(w, r, "/users/"+id, "notice.user_saved")
}

// deactivateUser ends a user's access at once.
func (a *App) deactivateUser(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id := r.PathValue("id")
	if _, err := a.d.People.Deactivate(r.Context(), actor, id); err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	redirect(w, r, "/users/"+id, "notice.user_deactivated")
}

// rotateUserToken gives a user a new token, shown this once, and revokes
// their others; their web sessions end with them (a manager rotating their
// own gets a new session in this browser, as rotateOwnToken).
func (a *App) rotateUserToken(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id := r.PathValue("id")
	iss, err := a.d.People.RotateToken(r.Context(), actor, id)
	if err == nil && id == actor.ID {
		err = a.replaceSession(w, r, actor.ID)
	}
	if err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	a.userPage(w, r, actor, http.StatusOK, nil, &iss, nil)
}

// first is the optional argument's value, or its zero value.
func first[T any](v []T) T {
	var zero T
	if len(v) == 0 {
		return zero
	}
	return v[0]
}

type preferencesData struct {
	U       store.User
	Token   *people.Issued
	Choices userChoices
	// SessionEnds is when this sign-in ends at the latest; IdleMinutes,
	// after how long without a request it ends sooner.
	SessionEnds time.Time
	IdleMinutes int
	Absences    *absencesData
	// CalendarSince is when the person's calendar address was made (nil:
	// none); CalendarURL is a new one, shown this once.
	CalendarSince *time.Time
	CalendarURL   string
}

// preferences is everyone's own page: language, how they hear of their
// tasks, and a new API token.
func (a *App) preferences(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	a.preferencesPage(w, r, actor, http.StatusOK, nil, nil, nil)
}

// prefsMore is what a preferences page shows beyond the person's own
// settings: an absence being corrected, a calendar address made just now.
type prefsMore struct {
	Absence     pipeline.AbsenceInput
	CalendarURL string
}

func (a *App) preferencesPage(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, status int, u *store.User, iss *people.Issued,
	ps pipeline.Problems, more ...prefsMore) {
	m := first(more)
	since, err := a.d.Service.CalendarSince(r.Context(), actor)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	if u == nil {
		got, _, err := a.d.People.Get(r.Context(), actor, actor.ID)
		if err != nil {
			a.refusal(w, r, actor, err)
			return
		}
		u = &got
	}
	abs, err := a.absences(r, actor, *u, m.Absence, "/preferences/absences")
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	session, _ := r.Context().Value(sessionKey{}).(store.WebSession)
	a.render(w, r, &actor, status, "preferences", "prefs.title", preferencesData{U: *u, Token: iss, Choices: choices(),
		SessionEnds: session.ExpiresAt, IdleMinutes: max(1, int(a.d.IdleTimeout.Minutes())), Absences: abs,
		CalendarSince: since, CalendarURL: m.CalendarURL}, withProblems(ps), withNotice(noticeOf(r)))
}

// setPreferences saves the person's language and notification preference;
// the new language also becomes the page's.
func (a *App) setPreferences(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	lang, mode := r.PostFormValue("user_language"), r.PostFormValue("notify")
	u, err := a.d.People.SetPreferences(r.Context(), actor.ID, lang, mode)
	if ps, ok := userProblems(err); ok {
		if u, _, err = a.d.People.Get(r.Context(), actor, actor.ID); err == nil {
			u.Language, u.Notify = lang, mode
			a.preferencesPage(w, r, actor, http.StatusUnprocessableEntity, &u, nil, ps)
			return
		}
	}
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.setLangCookie(w, r, u.Language)
	redirect(w, r, "/preferences", "notice.prefs_saved")
}

// rotateOwnToken gives the person a new API token, shown this once. The
// rotation ends all their web sessions; this browser, which asked for it,
// gets a new one.
func (a *App) rotateOwnToken(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	iss, err := a.d.People.RotateToken(r.Context(), actor, actor.ID)
	if err == nil {
		err = a.replaceSession(w, r, actor.ID)
	}
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	a.preferencesPage(w, r, actor, http.StatusOK, nil, &iss, nil)
}
