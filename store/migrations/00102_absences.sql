-- +goose Up
-- A person's leave and who stands in for them meanwhile (docs/architecture.md,
-- Absences and delegation). Dates are UTC days, both ends included. A
-- cancelled absence keeps its row, for the record.
CREATE TABLE absences (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    delegate_id  uuid NOT NULL REFERENCES users (id),
    from_date    date NOT NULL,
    to_date      date NOT NULL,
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    cancelled_by uuid REFERENCES users (id),
    CONSTRAINT absences_dates CHECK (from_date <= to_date),
    CONSTRAINT absences_not_self CHECK (user_id <> delegate_id)
);
CREATE INDEX absences_user_idx ON absences (user_id, to_date) WHERE cancelled_at IS NULL;
CREATE INDEX absences_delegate_idx ON absences (delegate_id, to_date) WHERE cancelled_at IS NULL;

-- The audit trail names the absent person an act was taken for.
ALTER TABLE events ADD COLUMN on_behalf_id text;
ALTER TABLE events ADD COLUMN on_behalf_name text;
ALTER TABLE events ADD COLUMN on_behalf_role text;

-- +goose Down
ALTER TABLE events DROP COLUMN on_behalf_role;
ALTER TABLE events DROP COLUMN on_behalf_name;
ALTER TABLE events DROP COLUMN on_behalf_id;
DROP TABLE absences;
