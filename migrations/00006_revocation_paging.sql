-- +goose Up
-- The offline revocation list pages on (time, card, version), a unique key: every row one
-- transaction writes shares its now(), so a time alone is no position. These indexes serve that
-- order and the row comparison against a cursor.
DROP INDEX cards_status_changed;
CREATE INDEX cards_status_changed ON cards (status_changed_at, id, current_version) WHERE status_changed_at IS NOT NULL;
DROP INDEX card_versions_superseded;
CREATE INDEX card_versions_superseded ON card_versions (superseded_at, card_id, version) WHERE superseded_at IS NOT NULL;

-- +goose Down
DROP INDEX card_versions_superseded;
CREATE INDEX card_versions_superseded ON card_versions (superseded_at) WHERE superseded_at IS NOT NULL;
DROP INDEX cards_status_changed;
CREATE INDEX cards_status_changed ON cards (status_changed_at) WHERE status_changed_at IS NOT NULL;
