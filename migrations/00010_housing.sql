-- +goose Up
-- Housing: talent apartments (人才公寓) and public rental units (公租房), the applications for them,
-- allocation rounds (配租) with a committed random seed, offers and leases.

CREATE TABLE housing_estates (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    address    text        NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    version    integer     NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT housing_estates_name_key UNIQUE (name)
);

CREATE TABLE housing_units (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    estate_id        bigint        NOT NULL REFERENCES housing_estates (id),
    building         text          NOT NULL CHECK (length(btrim(building)) BETWEEN 1 AND 20),
    number           text          NOT NULL CHECK (length(btrim(number)) BETWEEN 1 AND 20),
    floor            integer       NOT NULL CHECK (floor BETWEEN -5 AND 200),
    -- 0 is a studio (单间).
    rooms            integer       NOT NULL CHECK (rooms BETWEEN 0 AND 10),
    area_m2          numeric(7, 2) NOT NULL CHECK (area_m2 > 0 AND area_m2 < 10000),
    kind             text          NOT NULL CHECK (kind IN ('talent_apartment', 'public_rental')),
    monthly_rent_fen bigint        NOT NULL CHECK (monthly_rent_fen BETWEEN 0 AND 100000000),
    status           text          NOT NULL DEFAULT 'available'
                     CHECK (status IN ('available', 'offered', 'occupied', 'maintenance')),
    version          integer       NOT NULL DEFAULT 1,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at       timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT housing_units_number_key UNIQUE (estate_id, building, number)
);
CREATE INDEX housing_units_kind_status ON housing_units (kind, status, id);

-- The office's rules, one row per version; the newest row is in force. Eligible classes, the rent
-- discount per class, the rooms that fit a household size, public-rental priorities, how long an
-- offer stands and how many refusals move an applicant to the end of the list.
CREATE TABLE housing_settings (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    settings      jsonb       NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    changed_by_id bigint      REFERENCES accounts (id),
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE housing_applications (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('talent_apartment', 'public_rental')),
    -- A talent apartment is for a registered talent; public rental for an enterprise's worker.
    talent_id        bigint      REFERENCES talents (id),
    enterprise_id    bigint      REFERENCES enterprises (id),
    applicant_name   text        NOT NULL CHECK (length(btrim(applicant_name)) BETWEEN 1 AND 50),
    -- The applicant's identity number as the registry keeps one: ciphertext, blind index, masked form.
    id_number_cipher bytea       NOT NULL,
    id_number_hash   bytea       NOT NULL,
    id_number_masked text        NOT NULL,
    -- The talent's class when the application was filed (talent apartments rank and pay by it).
    grade            text        CHECK (grade IN ('A', 'B', 'C', 'D')),
    household_size   integer     NOT NULL CHECK (household_size BETWEEN 1 AND 20),
    preferred_rooms  integer[]   NOT NULL DEFAULT '{}',
    current_housing  text        NOT NULL DEFAULT '' CHECK (length(current_housing) <= 200),
    notes            text        NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    status           text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'offered', 'housed', 'declined', 'expired', 'withdrawn', 'ineligible')),
    status_reason    text        NOT NULL DEFAULT '',
    -- Suitable offers refused so far; at the configured limit the applicant goes to the end of the list.
    refusals         integer     NOT NULL DEFAULT 0 CHECK (refusals >= 0),
    filed_by_id      bigint      REFERENCES accounts (id),
    applied_at       timestamptz NOT NULL DEFAULT now(),
    version          integer     NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT housing_applications_kind_party CHECK (
        (kind = 'talent_apartment' AND talent_id IS NOT NULL AND grade IS NOT NULL)
        OR (kind = 'public_rental' AND talent_id IS NULL AND enterprise_id IS NOT NULL))
);
-- One live application per person per kind, across enterprises (the registry's blind index).
CREATE UNIQUE INDEX housing_applications_one_live ON housing_applications (kind, id_number_hash)
    WHERE status IN ('pending', 'offered');
CREATE INDEX housing_applications_waiting ON housing_applications (kind, status, applied_at, id);
CREATE INDEX housing_applications_enterprise ON housing_applications (enterprise_id, id);
CREATE INDEX housing_applications_talent ON housing_applications (talent_id) WHERE talent_id IS NOT NULL;

CREATE TABLE housing_rounds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('talent_apartment', 'public_rental')),
    title           text        NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    status          text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'committed', 'cancelled')),
    -- Commit and reveal: the seed's SHA-256 is published when the round opens; the seed itself is
    -- kept sealed (fieldcrypt) until the round is committed, then published in the clear.
    seed_sha256     bytea       NOT NULL CHECK (length(seed_sha256) = 32),
    seed_cipher     bytea       NOT NULL,
    seed            bytea       CHECK (seed IS NULL OR length(seed) = 32),
    -- The settings in force when the round was committed, so its ranking can be recomputed.
    settings        jsonb,
    created_by_id   bigint      REFERENCES accounts (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    committed_by_id bigint      REFERENCES accounts (id),
    committed_at    timestamptz,
    version         integer     NOT NULL DEFAULT 1,
    CONSTRAINT housing_rounds_revealed CHECK ((status = 'committed') = (seed IS NOT NULL AND committed_at IS NOT NULL))
);

CREATE TABLE housing_round_units (
    round_id bigint NOT NULL REFERENCES housing_rounds (id),
    unit_id  bigint NOT NULL REFERENCES housing_units (id),
    PRIMARY KEY (round_id, unit_id)
);

-- The published ranking of a committed round: every input the order was computed from, so that
-- anyone can recompute it from the revealed seed.
CREATE TABLE housing_round_entries (
    round_id       bigint      NOT NULL REFERENCES housing_rounds (id),
    application_id bigint      NOT NULL REFERENCES housing_applications (id),
    rank           integer     NOT NULL CHECK (rank >= 1),
    grade          text,
    priority       integer     NOT NULL DEFAULT 0,
    refusals       integer     NOT NULL DEFAULT 0,
    applied_at     timestamptz NOT NULL,
    household_size integer     NOT NULL,
    lottery        bytea       NOT NULL,
    PRIMARY KEY (round_id, application_id),
    CONSTRAINT housing_round_entries_rank_key UNIQUE (round_id, rank)
);

CREATE TABLE housing_offers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id       bigint      NOT NULL REFERENCES housing_rounds (id),
    application_id bigint      NOT NULL REFERENCES housing_applications (id),
    unit_id        bigint      NOT NULL REFERENCES housing_units (id),
    status         text        NOT NULL DEFAULT 'offered'
                   CHECK (status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn')),
    offered_at     timestamptz NOT NULL DEFAULT now(),
    expires_on     date        NOT NULL,
    decided_at     timestamptz,
    decided_by_id  bigint      REFERENCES accounts (id),
    decline_reason text        CHECK (decline_reason IN ('too_small', 'too_far', 'rent', 'household_changed', 'no_response', 'other')),
    decline_text   text        NOT NULL DEFAULT '' CHECK (length(decline_text) <= 500),
    version        integer     NOT NULL DEFAULT 1,
    CONSTRAINT housing_offers_decided CHECK ((status = 'offered') = (decided_at IS NULL)),
    -- A declined offer says why; an expired one counts as no_response.
    CONSTRAINT housing_offers_declined CHECK (status <> 'declined' OR decline_reason IS NOT NULL),
    CONSTRAINT housing_offers_reason_when_refused CHECK (decline_reason IS NULL OR status IN ('declined', 'expired'))
);
CREATE UNIQUE INDEX housing_offers_one_live_per_unit ON housing_offers (unit_id) WHERE status = 'offered';
CREATE UNIQUE INDEX housing_offers_one_live_per_application ON housing_offers (application_id) WHERE status = 'offered';
CREATE INDEX housing_offers_round ON housing_offers (round_id, id);
CREATE INDEX housing_offers_expiring ON housing_offers (expires_on) WHERE status = 'offered';

CREATE TABLE housing_leases (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('talent_apartment', 'public_rental')),
    unit_id           bigint      NOT NULL REFERENCES housing_units (id),
    offer_id          bigint      REFERENCES housing_offers (id),
    application_id    bigint      REFERENCES housing_applications (id),
    talent_id         bigint      REFERENCES talents (id),
    enterprise_id     bigint      REFERENCES enterprises (id),
    tenant_name       text        NOT NULL CHECK (length(btrim(tenant_name)) BETWEEN 1 AND 50),
    id_number_hash    bytea       NOT NULL,
    id_number_masked  text        NOT NULL,
    start_on          date        NOT NULL,
    end_on            date        NOT NULL,
    monthly_rent_fen  bigint      NOT NULL CHECK (monthly_rent_fen >= 0),
    residents         integer     NOT NULL CHECK (residents BETWEEN 1 AND 20),
    resident_names    text[]      NOT NULL DEFAULT '{}',
    status            text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    -- Set when the tenant must move out (a talent who left the registry: the office sets the day).
    move_out_due      boolean     NOT NULL DEFAULT false,
    move_out_on       date,
    ended_on          date,
    end_reason        text        NOT NULL DEFAULT '',
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT housing_leases_dates CHECK (end_on > start_on),
    CONSTRAINT housing_leases_ended CHECK ((status = 'ended') = (ended_on IS NOT NULL)),
    CONSTRAINT housing_leases_offer_key UNIQUE (offer_id)
);
-- At most one live lease per unit and per person.
CREATE UNIQUE INDEX housing_leases_one_live_per_unit ON housing_leases (unit_id) WHERE status = 'active';
CREATE UNIQUE INDEX housing_leases_one_live_per_person ON housing_leases (id_number_hash) WHERE status = 'active';
CREATE INDEX housing_leases_enterprise ON housing_leases (enterprise_id, id);
CREATE INDEX housing_leases_talent ON housing_leases (talent_id) WHERE talent_id IS NOT NULL;

-- A unit is held by at most one live offer or lease, whichever it is: one row per held unit, moved
-- from the offer to the lease when the offer is accepted, removed when the offer lapses or the
-- lease ends. The primary key is the invariant; the partial indexes above back it per table.
CREATE TABLE housing_unit_holds (
    unit_id  bigint PRIMARY KEY REFERENCES housing_units (id),
    offer_id bigint REFERENCES housing_offers (id),
    lease_id bigint REFERENCES housing_leases (id),
    CONSTRAINT housing_unit_holds_one_holder CHECK ((offer_id IS NULL) <> (lease_id IS NULL))
);

-- +goose Down
DROP TABLE housing_unit_holds;
DROP TABLE housing_leases;
DROP TABLE housing_offers;
DROP TABLE housing_round_entries;
DROP TABLE housing_round_units;
DROP TABLE housing_rounds;
DROP TABLE housing_applications;
DROP TABLE housing_settings;
DROP TABLE housing_units;
DROP TABLE housing_estates;
