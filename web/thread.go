package web

import (
	"net/http"
	"strings"

	"github.com/puente-dev/puente/pipeline"
)

// threadView is the conversation on a priority's page: its comments, whether
// the caller may add to it (any open stage, whoever sees the priority), and
// a refused comment's text, kept for the person to fix.
type threadView struct {
	Comments   []pipeline.Comment
	CanComment bool
	// Closed is true once the priority reached a terminal stage: the
	// thread is read-only.
	Closed bool
	// Me is the caller's id: they may edit the comments they wrote.
	Me string
	// Refused is true when the page answers a refused comment: Text is its
	// text, EditID the comment it was an edit of ("": a new comment).
	Refused      bool
	Text, EditID string
}

// postComment adds the caller's comment to the priority's thread.
func (a *App) postComment(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id, text := r.PathValue("id"), r.PostForm.Get("text")
	_, err := a.d.Service.PostComment(r.Context(), actor, id, text)
	a.commented(w, r, actor, id, "", text, "notice.commented", err)
}

// editComment replaces the text of the caller's own comment.
func (a *App) editComment(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	id, cid, text := r.PathValue("id"), r.PathValue("comment_id"), r.PostForm.Get("text")
	_, err := a.d.Service.EditComment(r.Context(), actor, id, cid, text)
	a.commented(w, r, actor, id, cid, text, "notice.comment_edited", err)
}

// commented answers a thread act: back to the priority's page, or, when the
// text was refused, the page again with the problem next to the text kept.
// Any other refusal is answered as the decisions' are.
func (a *App) commented(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, id, cid, text, notice string, err error) {
	if err == nil {
		redirect(w, r, "/priorities/"+id, notice)
		return
	}
	kind, ps := kindOf(err)
	if kind != pipeline.KindInvalid {
		a.decisionRefused(w, r, actor, id, "", err)
		return
	}
	d, err := a.priorityPage(r.Context(), actor, id)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	d.Thread.Refused, d.Thread.Text, d.Thread.EditID = true, text, cid
	for i := range ps {
		ps[i].Field = strings.Replace(ps[i].Field, "text", "comment", 1)
	}
	a.render(w, r, &actor, http.StatusUnprocessableEntity, "priority", "priority.title", d, withProblems(ps), withTitle(d.P.Ref))
}
