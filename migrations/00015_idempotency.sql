-- +goose Up
-- The answers to money-moving requests sent with an Idempotency-Key: a retried request with the
-- same key and the same content gets the first answer again instead of moving money twice. A row is
-- written in the transaction of the change it guards, so it exists exactly when the change does.
CREATE TABLE idempotency_keys (
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    operation     text        NOT NULL CHECK (operation ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
    key           text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    -- SHA-256 of the request's method, path and canonical body.
    fingerprint   bytea       NOT NULL CHECK (octet_length(fingerprint) = 32),
    -- The answer, filled in by the same transaction once the change is made.
    status        integer     CHECK (status BETWEEN 100 AND 599),
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (account_id, operation, key),
    CONSTRAINT idempotency_keys_finished CHECK ((status IS NULL) = (finished_at IS NULL))
);

-- Purge removes old keys by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
