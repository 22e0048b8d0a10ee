-- +goose Up
-- Foundation: enterprises, accounts with their tokens, and the append-only audit log.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE enterprises (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- GB 32100: the checksum itself is verified in Go; the database keeps the shape honest.
    uscc           text        NOT NULL CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
    address        text        NOT NULL DEFAULT '',
    industry       text        NOT NULL DEFAULT '',
    key_enterprise boolean     NOT NULL DEFAULT false,
    local_supplier boolean     NOT NULL DEFAULT false,
    contact_name   text        NOT NULL DEFAULT '',
    contact_phone  text        NOT NULL DEFAULT '',
    version        integer     NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enterprises_uscc_key UNIQUE (uscc)
);
CREATE INDEX enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops);
CREATE INDEX enterprises_industry ON enterprises (industry, id);

CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text        NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name  text        NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    role          text        NOT NULL CHECK (role IN ('admin', 'talent_office', 'enterprise_hr',
                                                       'service_window', 'commissioner',
                                                       'housing_office', 'finance')),
    enterprise_id bigint      REFERENCES enterprises (id),
    password_hash text        NOT NULL,
    active        boolean     NOT NULL DEFAULT true,
    version       integer     NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_username_key UNIQUE (username),
    -- An HR account belongs to exactly one enterprise; no other role is tied to one.
    CONSTRAINT accounts_enterprise_scope CHECK ((role = 'enterprise_hr') = (enterprise_id IS NOT NULL))
);
CREATE INDEX accounts_enterprise ON accounts (enterprise_id) WHERE enterprise_id IS NOT NULL;

-- Login sessions and API keys share one scheme: an opaque random token of which only a keyed hash
-- is stored.
CREATE TABLE auth_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    kind         text        NOT NULL CHECK (kind IN ('session', 'api_key')),
    name         text        NOT NULL DEFAULT '',
    token_hash   bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CONSTRAINT auth_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT auth_tokens_session_expires CHECK (kind = 'api_key' OR expires_at IS NOT NULL)
);
CREATE INDEX auth_tokens_account ON auth_tokens (account_id, kind) WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_id       bigint      REFERENCES accounts (id),
    actor_username text        NOT NULL,
    actor_role     text        NOT NULL,
    action         text        NOT NULL,
    entity_type    text        NOT NULL,
    entity_id      text        NOT NULL,
    before         jsonb,
    after          jsonb,
    request_id     text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_at ON audit_log (at, id);

-- The audit log is append-only: the database itself refuses to change or remove a record.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE auth_tokens;
DROP TABLE accounts;
DROP TABLE enterprises;
