-- +goose Up
-- Delivery after approval: every support action has an implementing partner
-- (a code of the codelists' implementing_partners) and a delivery state that
-- the priority's workflow keeps and writes here; implementers are people of
-- one partner.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('focal_point', 'expert', 'manager', 'implementer'));
ALTER TABLE users ADD COLUMN partner text NOT NULL DEFAULT '';

ALTER TABLE support_actions
    ADD COLUMN partner            text NOT NULL DEFAULT '',
    ADD COLUMN eu_agencies        text[] NOT NULL DEFAULT '{}',
    ADD COLUMN delivery_stage     text NOT NULL DEFAULT 'scheduled'
        CHECK (delivery_stage IN ('scheduled', 'in_progress', 'delivered', 'closed', 'postponed', 'cancelled')),
    ADD COLUMN confirmed_start    date,
    ADD COLUMN confirmed_end      date,
    ADD COLUMN place              text NOT NULL DEFAULT '',
    -- The delivery report (pipeline.DeliveryReport as JSON), and its figures
    -- in columns for the dashboard and the annual plan.
    ADD COLUMN report             jsonb,
    ADD COLUMN report_validated   boolean NOT NULL DEFAULT false,
    ADD COLUMN actual_cost_eur    numeric(14, 2),
    ADD COLUMN participants_women integer,
    ADD COLUMN participants_men   integer,
    ADD COLUMN participants_other integer,
    ADD COLUMN stage_entered_at   timestamptz,
    ADD COLUMN report_due_at      timestamptz,
    ADD COLUMN overdue            boolean NOT NULL DEFAULT false,
    ADD COLUMN closed_at          timestamptz;
CREATE INDEX support_actions_partner ON support_actions (partner, delivery_stage);
CREATE INDEX support_actions_start ON support_actions (start_date);
-- The list of approved actions pages in this order (store.SupportActions).
CREATE INDEX support_actions_approved ON support_actions (approved_at DESC, priority_id DESC, idx DESC);

-- +goose Down
DROP INDEX support_actions_approved;
DROP INDEX support_actions_start;
DROP INDEX support_actions_partner;
ALTER TABLE support_actions
    DROP COLUMN partner, DROP COLUMN eu_agencies, DROP COLUMN delivery_stage, DROP COLUMN confirmed_start,
    DROP COLUMN confirmed_end, DROP COLUMN place, DROP COLUMN report, DROP COLUMN report_validated,
    DROP COLUMN actual_cost_eur, DROP COLUMN participants_women, DROP COLUMN participants_men,
    DROP COLUMN participants_other, DROP COLUMN stage_entered_at, DROP COLUMN report_due_at,
    DROP COLUMN overdue, DROP COLUMN closed_at;
ALTER TABLE users DROP COLUMN partner;
DELETE FROM users WHERE role = 'implementer';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('focal_point', 'expert', 'manager'));
