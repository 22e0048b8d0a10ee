-- +goose Up
-- Why a payout was cancelled, beside the reasons it failed or was held.
ALTER TABLE subsidy_payouts
    ADD COLUMN cancel_reason text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 500);

-- The payouts that hold a sealed bank account. Re-encryption after a key rotation walks this view
-- rather than the table, because most payouts have no account (NULL) and nothing to re-seal; the
-- view is simple, so PostgreSQL writes through it to subsidy_payouts.
CREATE VIEW subsidy_payout_bank_accounts AS
    SELECT id, bank_account_cipher FROM subsidy_payouts WHERE bank_account_cipher IS NOT NULL;

-- +goose Down
DROP VIEW subsidy_payout_bank_accounts;
ALTER TABLE subsidy_payouts DROP COLUMN cancel_reason;
