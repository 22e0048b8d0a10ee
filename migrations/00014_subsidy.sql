-- +goose Up
-- Subsidies: award programmes for talent (璧山英才, 璧山工匠, 企业创新型人才) and subsidy programmes
-- for enterprises (研发平台, 研发投入, 本地配套), their nominations, awards and instalments, the
-- enterprises' applications with the working of their amounts, and the payout ledger with its
-- payout runs. Money is integer fen throughout.

CREATE TABLE subsidy_programmes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('award', 'enterprise_subsidy')),
    code          text        NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,49}$'),
    name          text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    year          integer     NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    budget_fen    bigint      NOT NULL CHECK (budget_fen > 0),
    -- committed_fen is the sum of every payout the programme has promised and not cancelled
    -- (pending, approved, held, failed, paid); paid_fen the part already paid. The service keeps
    -- both in the transaction that changes a payout, under a lock on this row.
    committed_fen bigint      NOT NULL DEFAULT 0 CHECK (committed_fen >= 0),
    paid_fen      bigint      NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    -- The programme's rules: for enterprise subsidies the calculation's rates, caps and levels.
    rules         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(rules) = 'object'),
    status        text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by_id bigint      REFERENCES accounts (id),
    version       integer     NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subsidy_programmes_code_key UNIQUE (code),
    CONSTRAINT subsidy_programmes_within_budget CHECK (committed_fen <= budget_fen),
    CONSTRAINT subsidy_programmes_paid_committed CHECK (paid_fen <= committed_fen)
);
CREATE INDEX subsidy_programmes_year ON subsidy_programmes (year, id);

-- A nomination puts a registered talent forward for an award programme (HR for its own talent, or
-- the office); enterprise_id is the talent's employer when nominated, for HR's scope.
CREATE TABLE subsidy_nominations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id     bigint      NOT NULL REFERENCES subsidy_programmes (id),
    talent_id        bigint      NOT NULL REFERENCES talents (id),
    enterprise_id    bigint      REFERENCES enterprises (id),
    reason           text        NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    status           text        NOT NULL DEFAULT 'nominated' CHECK (status IN ('nominated', 'awarded', 'withdrawn')),
    nominated_by_id  bigint      REFERENCES accounts (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subsidy_nominations_talent_key UNIQUE (programme_id, talent_id)
);
CREATE INDEX subsidy_nominations_enterprise ON subsidy_nominations (enterprise_id, id);

-- An award: the office's selection of a winner with the amount, paid in instalments.
CREATE TABLE subsidy_awards (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id   bigint      NOT NULL REFERENCES subsidy_programmes (id),
    talent_id      bigint      NOT NULL REFERENCES talents (id),
    enterprise_id  bigint      REFERENCES enterprises (id),
    nomination_id  bigint      REFERENCES subsidy_nominations (id),
    amount_fen     bigint      NOT NULL CHECK (amount_fen > 0),
    awarded_by_id  bigint      REFERENCES accounts (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subsidy_awards_talent_key UNIQUE (programme_id, talent_id)
);
CREATE INDEX subsidy_awards_talent ON subsidy_awards (talent_id);
CREATE INDEX subsidy_awards_enterprise ON subsidy_awards (enterprise_id, id);

CREATE TABLE subsidy_instalments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    award_id   bigint  NOT NULL REFERENCES subsidy_awards (id),
    seq        integer NOT NULL CHECK (seq BETWEEN 1 AND 20),
    due_on     date    NOT NULL,
    amount_fen bigint  NOT NULL CHECK (amount_fen > 0),
    CONSTRAINT subsidy_instalments_seq_key UNIQUE (award_id, seq)
);

-- An enterprise's application under an enterprise-subsidy programme: the figures it declares, the
-- amount the programme's rules give (with its working in subsidy_application_lines) and the
-- office's adjustment, if any, with its reason.
CREATE TABLE subsidy_applications (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id      bigint      NOT NULL REFERENCES subsidy_programmes (id),
    enterprise_id     bigint      NOT NULL REFERENCES enterprises (id),
    declared          jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(declared) = 'object'),
    calculated_fen    bigint      NOT NULL DEFAULT 0 CHECK (calculated_fen >= 0),
    amount_fen        bigint      NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    adjust_reason     text        NOT NULL DEFAULT '' CHECK (length(adjust_reason) <= 1000),
    status            text        NOT NULL DEFAULT 'submitted'
                      CHECK (status IN ('submitted', 'approved', 'rejected', 'returned')),
    decision_reason   text        NOT NULL DEFAULT '' CHECK (length(decision_reason) <= 1000),
    submitted_by_id   bigint      REFERENCES accounts (id),
    calculated_by_id  bigint      REFERENCES accounts (id),
    decided_by_id     bigint      REFERENCES accounts (id),
    decided_at        timestamptz,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- An adjusted amount states why.
    CONSTRAINT subsidy_applications_adjust_reason CHECK (amount_fen = calculated_fen OR length(btrim(adjust_reason)) > 0),
    CONSTRAINT subsidy_applications_approved_amount CHECK (status <> 'approved' OR amount_fen > 0)
);
CREATE INDEX subsidy_applications_enterprise ON subsidy_applications (enterprise_id, id);
CREATE INDEX subsidy_applications_programme ON subsidy_applications (programme_id, status, id);

-- The working of an application's amount, one line per rule applied.
CREATE TABLE subsidy_application_lines (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint  NOT NULL REFERENCES subsidy_applications (id) ON DELETE CASCADE,
    seq            integer NOT NULL CHECK (seq >= 1),
    rule           text    NOT NULL CHECK (rule IN ('rd_platform', 'rd_investment', 'local_supply', 'adjustment')),
    basis_fen      bigint  NOT NULL DEFAULT 0 CHECK (basis_fen >= 0),
    amount_fen     bigint  NOT NULL CHECK (amount_fen >= 0),
    explanation    text    NOT NULL DEFAULT '' CHECK (length(explanation) <= 1000),
    CONSTRAINT subsidy_application_lines_seq_key UNIQUE (application_id, seq)
);

-- Attachments' metadata: the files stay in the office's document system.
CREATE TABLE subsidy_attachments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint      NOT NULL REFERENCES subsidy_applications (id),
    file_name      text        NOT NULL CHECK (length(btrim(file_name)) BETWEEN 1 AND 255),
    sha256         text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes     bigint      CHECK (size_bytes >= 0),
    added_by_id    bigint      REFERENCES accounts (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subsidy_attachments_sha256_key UNIQUE (application_id, sha256)
);

-- The payout ledger: one payout per award instalment or approved application, never two (the
-- unique keys below), to a talent or an enterprise. enterprise_id is the enterprise whose HR sees
-- the payout: the beneficiary enterprise, or the talent's employer when awarded.
CREATE TABLE subsidy_payouts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id        bigint      NOT NULL REFERENCES subsidy_programmes (id),
    beneficiary_kind    text        NOT NULL CHECK (beneficiary_kind IN ('talent', 'enterprise')),
    talent_id           bigint      REFERENCES talents (id),
    enterprise_id       bigint      REFERENCES enterprises (id),
    instalment_id       bigint      REFERENCES subsidy_instalments (id),
    application_id      bigint      REFERENCES subsidy_applications (id),
    amount_fen          bigint      NOT NULL CHECK (amount_fen > 0),
    due_on              date        NOT NULL,
    status              text        NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'paid', 'failed', 'cancelled', 'held')),
    -- The beneficiary's bank account: sealed with the field-encryption ring, and a masked form for reads.
    bank_account_cipher bytea,
    bank_account_masked text        NOT NULL DEFAULT '' CHECK (length(bank_account_masked) <= 40),
    bank_name           text        NOT NULL DEFAULT '' CHECK (length(bank_name) <= 100),
    account_holder      text        NOT NULL DEFAULT '' CHECK (length(account_holder) <= 100),
    prepared_by_id      bigint      REFERENCES accounts (id),
    approved_by_id      bigint      REFERENCES accounts (id),
    approved_at         timestamptz,
    paid_at             timestamptz,
    bank_reference      text        CHECK (length(bank_reference) BETWEEN 1 AND 100),
    failure_reason      text        NOT NULL DEFAULT '' CHECK (length(failure_reason) <= 500),
    hold_reason         text        NOT NULL DEFAULT '' CHECK (length(hold_reason) <= 500),
    attempts            integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subsidy_payouts_instalment_key UNIQUE (instalment_id),
    CONSTRAINT subsidy_payouts_application_key UNIQUE (application_id),
    CONSTRAINT subsidy_payouts_one_source CHECK ((instalment_id IS NULL) <> (application_id IS NULL)),
    CONSTRAINT subsidy_payouts_beneficiary CHECK (
        (beneficiary_kind = 'talent' AND talent_id IS NOT NULL AND instalment_id IS NOT NULL) OR
        (beneficiary_kind = 'enterprise' AND talent_id IS NULL AND enterprise_id IS NOT NULL AND application_id IS NOT NULL)),
    CONSTRAINT subsidy_payouts_paid_reference CHECK (status <> 'paid' OR (bank_reference IS NOT NULL AND paid_at IS NOT NULL)),
    -- Four eyes: whoever prepared a payout does not approve it.
    CONSTRAINT subsidy_payouts_four_eyes CHECK (approved_by_id IS NULL OR prepared_by_id IS NULL OR approved_by_id <> prepared_by_id)
);
CREATE INDEX subsidy_payouts_programme ON subsidy_payouts (programme_id, status, id);
CREATE INDEX subsidy_payouts_talent ON subsidy_payouts (talent_id, status);
CREATE INDEX subsidy_payouts_enterprise ON subsidy_payouts (enterprise_id, id);

-- A payout run: a batch of approved payouts sent to the bank as one credit-transfer file, with the
-- control totals its author declared.
CREATE TABLE subsidy_payout_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      text        NOT NULL CHECK (message_id ~ '^[A-Za-z0-9-]{1,35}$'),
    status          text        NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'exported', 'settled')),
    control_count   integer     NOT NULL CHECK (control_count > 0),
    control_sum_fen bigint      NOT NULL CHECK (control_sum_fen > 0),
    created_by_id   bigint      REFERENCES accounts (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    exported_at     timestamptz,
    settled_at      timestamptz,
    version         integer     NOT NULL DEFAULT 1,
    CONSTRAINT subsidy_payout_runs_message_key UNIQUE (message_id)
);

CREATE TABLE subsidy_payout_run_lines (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        bigint      NOT NULL REFERENCES subsidy_payout_runs (id),
    payout_id     bigint      NOT NULL REFERENCES subsidy_payouts (id),
    end_to_end_id text        NOT NULL CHECK (end_to_end_id ~ '^[A-Za-z0-9-]{1,35}$'),
    amount_fen    bigint      NOT NULL CHECK (amount_fen > 0),
    status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'rejected')),
    reason_code   text        NOT NULL DEFAULT '' CHECK (length(reason_code) <= 35),
    settled_at    timestamptz,
    CONSTRAINT subsidy_payout_run_lines_payout_key UNIQUE (run_id, payout_id),
    CONSTRAINT subsidy_payout_run_lines_e2e_key UNIQUE (end_to_end_id)
);
-- A payout waits in at most one run at a time.
CREATE UNIQUE INDEX subsidy_payout_run_lines_live ON subsidy_payout_run_lines (payout_id) WHERE status = 'pending';

-- +goose Down
DROP TABLE subsidy_payout_run_lines;
DROP TABLE subsidy_payout_runs;
DROP TABLE subsidy_payouts;
DROP TABLE subsidy_attachments;
DROP TABLE subsidy_application_lines;
DROP TABLE subsidy_applications;
DROP TABLE subsidy_instalments;
DROP TABLE subsidy_awards;
DROP TABLE subsidy_nominations;
DROP TABLE subsidy_programmes;
