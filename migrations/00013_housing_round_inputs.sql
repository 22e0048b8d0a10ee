-- +goose Up
-- A published ranking keeps the parts of each public-rental priority score (key enterprise, no
-- housing of one's own) as they were when the round was committed, so that anyone can recompute
-- the score as well as the order.
ALTER TABLE housing_round_entries
    ADD COLUMN key_enterprise     boolean NOT NULL DEFAULT false,
    ADD COLUMN no_current_housing boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE housing_round_entries DROP COLUMN key_enterprise, DROP COLUMN no_current_housing;
