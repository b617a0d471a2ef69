-- +goose Up
-- Haiti works in French and Suriname in Dutch: a user's language may be
-- either, beside Spanish, Portuguese and English.
ALTER TABLE users DROP CONSTRAINT users_language_check;
ALTER TABLE users ADD CONSTRAINT users_language_check CHECK (language IN ('es', 'pt', 'en', 'fr', 'nl'));

-- +goose Down
UPDATE users SET language = 'en' WHERE language IN ('fr', 'nl');
ALTER TABLE users DROP CONSTRAINT users_language_check;
ALTER TABLE users ADD CONSTRAINT users_language_check CHECK (language IN ('es', 'pt', 'en'));
