package web

import (
	"net/http"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// absencesData is the absences section of the preferences page (one's
// own) and of a user's page (a manager's view): the absences to come, the
// colleagues who may stand in, and the form to declare one.
type absencesData struct {
	Items     []absenceRow
	Delegates []store.User
	In        pipeline.AbsenceInput
	// Action is where the form posts; cancellations post to Action/{id}/cancel.
	Action string
}

// absenceRow is an absence with its days as dates, for the page's format.
type absenceRow struct {
	pipeline.Absence
	First, Last time.Time
}

// absenceFields maps the engine's field names to the form's.
var absenceFields = map[string]string{"from": "absence_from", "to": "absence_to"}

// absenceForm reads the declaration form.
func absenceForm(r *http.Request) pipeline.AbsenceInput {
	return pipeline.AbsenceInput{From: r.PostFormValue("absence_from"), To: r.PostFormValue("absence_to"),
		DelegateID: r.PostFormValue("delegate_id")}
}

// absences reads the section of user u's absences, with in in its form.
func (a *App) absences(r *http.Request, actor pipeline.Actor, u store.User, in pipeline.AbsenceInput, action string) (*absencesData, error) {
	items, err := a.d.People.Absences(r.Context(), actor, u.ID)
	if err != nil {
		return nil, err
	}
	delegates, err := a.d.People.Delegates(r.Context(), actor, u.ID)
	if err != nil {
		return nil, err
	}
	d := &absencesData{Delegates: delegates, In: in, Action: action}
	for _, x := range items {
		first, _ := time.Parse(time.DateOnly, x.From)
		last, _ := time.Parse(time.DateOnly, x.To)
		d.Items = append(d.Items, absenceRow{x, first, last})
	}
	return d, nil
}

// absenceOwner is whose absences a request is about, and where their page is:
// the person's own on /preferences, a user's on /users/{id}.
func absenceOwner(r *http.Request, actor pipeline.Actor) (id, page string) {
	if id := r.PathValue("id"); id != "" {
		return id, "/users/" + id
	}
	return actor.ID, "/preferences"
}

// declareAbsence declares an absence and its delegate; a refused one is
// shown with its problems next to the fields.
func (a *App) declareAbsence(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id, back := absenceOwner(r, actor)
	in := absenceForm(r)
	_, err := a.d.People.DeclareAbsence(r.Context(), actor, id, in)
	if kind, ps := kindOf(err); kind == pipeline.KindInvalid {
		for i := range ps {
			if f, ok := absenceFields[ps[i].Field]; ok {
				ps[i].Field = f
			}
		}
		if back == "/preferences" {
			a.preferencesPage(w, r, actor, http.StatusUnprocessableEntity, nil, nil, ps, prefsMore{Absence: in})
		} else {
			a.userPage(w, r, actor, http.StatusUnprocessableEntity, nil, nil, ps, in)
		}
		return
	}
	if err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	redirect(w, r, back, "notice.absence_declared")
}

// cancelAbsence cancels an absence: the delegate stops standing in at once.
func (a *App) cancelAbsence(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id, back := absenceOwner(r, actor)
	if err := a.d.People.CancelAbsence(r.Context(), actor, id, r.PathValue("absence_id")); err != nil {
		a.peopleRefusal(w, r, actor, err)
		return
	}
	redirect(w, r, back, "notice.absence_cancelled")
}
