-- +goose Up
-- The inboxes: a role's tasks are the priorities in the stages where it
-- decides, soonest due first. With this index each stage is read in due
-- order and the stages merged (one index scan per stage under a Merge
-- Append), instead of every open priority of those stages sorted: a
-- manager's inbox reads its first page, not every triage and approval row.
CREATE INDEX priorities_due_idx ON priorities (stage, due_at, id);

-- +goose Down
DROP INDEX priorities_due_idx;
