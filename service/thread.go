package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
)

// Thread is the conversation on a priority the actor may see: its comments,
// oldest first, each with its earlier texts.
func (s *Service) Thread(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Comment, error) {
	p, err := s.Priority(ctx, a, id)
	if err != nil {
		return nil, err
	}
	cs, err := s.Store.Thread(ctx, p.ID)
	return cs, readFailed(err)
}

// PostComment adds the actor's comment to the thread of the priority with
// this id, through the engine and the workflow like every act, and returns
// it as the thread now shows it.
func (s *Service) PostComment(ctx context.Context, a pipeline.Actor, id, text string) (*pipeline.Comment, error) {
	in := pipeline.CommentInput{ID: uuid.NewString(), Text: text}
	return s.comment(ctx, a, id, pipeline.PostComment, in)
}

// EditComment replaces the text of the actor's own comment commentID on the
// priority with this id; the text before stays in the comment's history.
func (s *Service) EditComment(ctx context.Context, a pipeline.Actor, id, commentID, text string) (*pipeline.Comment, error) {
	return s.comment(ctx, a, id, pipeline.EditComment, pipeline.CommentInput{ID: commentID, Text: text})
}

// CheckComment is the dry run of a thread act: the engine's judgement
// against the read model, changing nothing. commentID is empty for a new
// comment.
func (s *Service) CheckComment(ctx context.Context, a pipeline.Actor, id, commentID, text string) error {
	d, in := pipeline.PostComment, pipeline.CommentInput{ID: uuid.NewString(), Text: text}
	if commentID != "" {
		d, in.ID = pipeline.EditComment, commentID
	}
	return s.Check(ctx, a, id, 0, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: d}, Remark: &in})
}

func (s *Service) comment(ctx context.Context, a pipeline.Actor, id string, d pipeline.Decision, in pipeline.CommentInput) (*pipeline.Comment, error) {
	act := pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: d}, Remark: &in}
	p, err := s.Act(ctx, a, id, 0, act)
	if err != nil {
		return nil, err
	}
	cs, err := s.Store.Thread(ctx, p.ID)
	if err != nil {
		return nil, readFailed(err)
	}
	for _, c := range cs {
		if c.ID == in.ID {
			return &c, nil
		}
	}
	// Applied, but the read model has not recorded it yet: the workflow's
	// flush will within seconds.
	return nil, pipeline.Errorf(pipeline.KindTimeout, "the comment is saved but not yet shown: reload the thread in a few seconds")
}

// lookUpThread loads what a thread act is judged by: the priority's thread
// (who wrote each comment) and the people the text mentions.
func (s *Service) lookUpThread(ctx context.Context, p *pipeline.Priority, act *pipeline.Act) error {
	cs, err := s.Store.Thread(ctx, p.ID)
	if err != nil {
		return readFailed(err)
	}
	p.Thread = pipeline.Entries(cs)
	act.Mentioned = nil // found here, never taken from the caller
	if act.Remark == nil {
		return nil
	}
	ms, err := s.Store.UsersByHandle(ctx, pipeline.Handles(act.Remark.Text))
	if err != nil {
		return readFailed(err)
	}
	act.Mentioned = ms
	return nil
}
