-- +goose Up
-- The window's journeys with the green card.
--
-- A service use can be voided on the day it was recorded: the quota unit returns to the holder and
-- the use stays in the history, marked with who voided it, when and why.
ALTER TABLE service_uses
    ADD COLUMN voided_at    timestamptz,
    ADD COLUMN voided_by_id bigint REFERENCES accounts (id),
    ADD COLUMN voided_by    text,
    ADD COLUMN void_reason  text,
    ADD CONSTRAINT service_uses_void_complete
        CHECK ((voided_at IS NULL) = (voided_by IS NULL) AND (voided_at IS NULL) = (void_reason IS NULL)),
    ADD CONSTRAINT service_uses_void_reason_length
        CHECK (void_reason IS NULL OR length(btrim(void_reason)) BETWEEN 1 AND 200);

-- How the window identified the card: by scanning its QR, or by its serial and the last four
-- characters of the holder's identity number. Failed lookups are counted per serial from this log
-- to throttle guessing; and a window may see a holder's photo, or act on a card by its serial,
-- only after its own account verified that card the same day.
ALTER TABLE card_verifications
    ADD COLUMN method text NOT NULL DEFAULT 'qr' CHECK (method IN ('qr', 'serial'));
CREATE INDEX card_verifications_failed_lookups ON card_verifications (serial, at) WHERE method = 'serial' AND NOT valid;
CREATE INDEX card_verifications_account_card ON card_verifications (account_id, serial, at);

-- +goose Down
DROP INDEX card_verifications_account_card;
DROP INDEX card_verifications_failed_lookups;
ALTER TABLE card_verifications DROP COLUMN method;
ALTER TABLE service_uses
    DROP CONSTRAINT service_uses_void_reason_length,
    DROP CONSTRAINT service_uses_void_complete,
    DROP COLUMN void_reason,
    DROP COLUMN voided_by,
    DROP COLUMN voided_by_id,
    DROP COLUMN voided_at;
