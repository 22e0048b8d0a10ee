-- +goose Up
-- Green cards: signing keys, cards and their versions, the service catalogue, service uses with
-- yearly quotas, the verification log, and agent requests worked by commissioners.

CREATE TABLE signing_keys (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id             bigint      NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
    public_key         bytea       NOT NULL CHECK (length(public_key) = 32),
    -- The Ed25519 private key, sealed with the field encryption key ring.
    private_key_cipher bytea       NOT NULL,
    status             text        NOT NULL CHECK (status IN ('active', 'retired')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    retired_at         timestamptz,
    CONSTRAINT signing_keys_key_id_key UNIQUE (key_id)
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE status = 'active';

CREATE SEQUENCE card_serial_seq;

-- A card is one talent's card for as long as it lives (its serial stays); each reissue makes a new
-- version, and only the current version verifies.
CREATE TABLE cards (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial          text        NOT NULL CHECK (serial ~ '^[A-Z0-9-]{1,24}$'),
    talent_id       bigint      NOT NULL REFERENCES talents (id),
    current_version integer     NOT NULL DEFAULT 1,
    status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked')),
    status_reason   text        NOT NULL DEFAULT '',
    status_changed_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cards_serial_key UNIQUE (serial)
);
-- At most one live (not revoked) card per talent.
CREATE UNIQUE INDEX cards_one_live_per_talent ON cards (talent_id) WHERE status <> 'revoked';

CREATE TABLE card_versions (
    card_id    bigint      NOT NULL REFERENCES cards (id),
    version    integer     NOT NULL CHECK (version >= 1),
    grade      text        NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_on date        NOT NULL,
    key_id     bigint      NOT NULL REFERENCES signing_keys (key_id),
    token      text        NOT NULL,
    reason     text        NOT NULL DEFAULT '',
    -- Set when a later version replaced this one (for the revocation list).
    superseded_at timestamptz,
    PRIMARY KEY (card_id, version)
);
CREATE INDEX card_versions_superseded ON card_versions (superseded_at) WHERE superseded_at IS NOT NULL;
CREATE INDEX cards_status_changed ON cards (status_changed_at) WHERE status_changed_at IS NOT NULL;

CREATE TABLE service_items (
    code          text        PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name_zh       text        NOT NULL CHECK (length(btrim(name_zh)) BETWEEN 1 AND 50),
    name_en       text        NOT NULL DEFAULT '',
    content       text        NOT NULL DEFAULT '',
    eligible      text[]      NOT NULL CHECK (eligible <@ ARRAY['A', 'B', 'C', 'D']),
    steps         text[]      NOT NULL DEFAULT '{}',
    standard_days integer     NOT NULL CHECK (standard_days BETWEEN 1 AND 365),
    -- Uses per holder per calendar year; NULL means unlimited.
    yearly_quota  integer     CHECK (yearly_quota >= 1),
    sort_order    integer     NOT NULL DEFAULT 0,
    version       integer     NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Uses of a service, and a per-holder yearly counter that makes "the last unit of quota" a single
-- row to win.
CREATE TABLE service_uses (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id       bigint      NOT NULL REFERENCES cards (id),
    talent_id     bigint      NOT NULL REFERENCES talents (id),
    service_code  text        NOT NULL REFERENCES service_items (code),
    used_at       timestamptz NOT NULL DEFAULT now(),
    year          integer     NOT NULL,
    account_id    bigint      REFERENCES accounts (id),
    window_name   text        NOT NULL DEFAULT '',
    note          text        NOT NULL DEFAULT ''
);
CREATE INDEX service_uses_talent ON service_uses (talent_id, used_at);
CREATE INDEX service_uses_service ON service_uses (service_code, used_at);

CREATE TABLE service_quota_usage (
    talent_id    bigint  NOT NULL REFERENCES talents (id),
    service_code text    NOT NULL REFERENCES service_items (code),
    year         integer NOT NULL,
    used         integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (talent_id, service_code, year)
);

-- Every verification at a window: who checked which card with what result (never the token).
CREATE TABLE card_verifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    account_id  bigint      REFERENCES accounts (id),
    window_name text        NOT NULL DEFAULT '',
    valid       boolean     NOT NULL,
    reason      text        NOT NULL,
    serial      text,
    version     integer,
    talent_id   bigint
);
CREATE INDEX card_verifications_at ON card_verifications (at);

CREATE TABLE agent_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    talent_id       bigint      NOT NULL REFERENCES talents (id),
    service_code    text        NOT NULL REFERENCES service_items (code),
    description     text        NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 2000),
    status          text        NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'accepted', 'in_progress', 'resolved', 'rejected')),
    commissioner_id bigint      REFERENCES accounts (id),
    filed_by_id     bigint      REFERENCES accounts (id),
    filed_by        text        NOT NULL,
    due_on          date        NOT NULL,
    accepted_at     timestamptz,
    closed_at       timestamptz,
    outcome         text        NOT NULL DEFAULT '',
    satisfaction    integer     CHECK (satisfaction BETWEEN 1 AND 5),
    version         integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agent_requests_satisfaction_after_resolution CHECK (satisfaction IS NULL OR status = 'resolved')
);
CREATE INDEX agent_requests_open ON agent_requests (commissioner_id, status) WHERE status IN ('submitted', 'accepted', 'in_progress');
CREATE INDEX agent_requests_talent ON agent_requests (talent_id, id);
CREATE INDEX agent_requests_due ON agent_requests (due_on) WHERE status IN ('submitted', 'accepted', 'in_progress');
-- The figures the district reports are for requests filed in a period.
CREATE INDEX agent_requests_created ON agent_requests (created_at);

CREATE TABLE agent_request_notes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id     bigint      NOT NULL REFERENCES agent_requests (id),
    from_status    text,
    to_status      text        NOT NULL,
    note           text        NOT NULL DEFAULT '',
    actor_id       bigint      REFERENCES accounts (id),
    actor_username text        NOT NULL,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_request_notes_request ON agent_request_notes (request_id, id);

-- The nine services of the programme (明确9项服务内容、对象、流程及标准).
INSERT INTO service_items (code, name_zh, name_en, content, eligible, steps, standard_days, yearly_quota, sort_order) VALUES
('health_check', '健康体检', 'Health check card', '每年一次免费健康体检（区人民医院体检中心）。',
 '{A,B,C,D}', '{出示人才绿卡,预约体检时间,到院体检,领取报告}', 7, 1, 1),
('medical_green_channel', '就医绿色通道', 'Medical green channel', '区内公立医院优先挂号、优先就诊、优先住院。',
 '{A,B,C}', '{出示人才绿卡,窗口登记,优先就诊}', 1, 12, 2),
('children_schooling', '子女入学', 'Children''s schooling', '子女就读区内公办中小学、幼儿园统筹安排。',
 '{A,B,C}', '{提交申请,教委审核,统筹安排学位,通知入学}', 30, 2, 3),
('spouse_employment', '配偶就业', 'Spouse employment', '配偶就业推荐、事业单位对口安置协调。',
 '{A,B}', '{提交申请,人社局对接,推荐岗位,落实就业}', 60, 1, 4),
('talent_apartment', '人才公寓', 'Talent apartment', '优先配租人才公寓，按类别享受租金减免。',
 '{A,B,C,D}', '{提交申请,住房保障中心审核,配租,签约入住}', 30, 1, 5),
('transport', '交通出行', 'Transport', '区内公交免费乘坐、机场及高铁站贵宾通道。',
 '{A,B,C}', '{出示人才绿卡,现场核验}', 1, NULL, 6),
('culture_parks', '文旅服务', 'Culture and parks', '区内景区、公园、文化场馆免费或优惠游览。',
 '{A,B,C,D}', '{出示人才绿卡,现场核验}', 1, 24, 7),
('agent_services', '政务代办', 'Agent services', '人才服务专员代办户籍、社保、公积金、出入境等政务事项。',
 '{A,B,C,D}', '{提出代办需求,专员受理,部门办理,结果反馈}', 10, NULL, 8),
('startup_finance', '创业金融', 'Start-up finance', '人才创业贷款贴息、知识价值信用贷款、担保增信。',
 '{A,B,C}', '{提交申请,金融机构对接,审批放款}', 20, 1, 9);

-- +goose Down
DROP TABLE agent_request_notes;
DROP TABLE agent_requests;
DROP TABLE card_verifications;
DROP TABLE service_quota_usage;
DROP TABLE service_uses;
DROP TABLE service_items;
DROP TABLE card_versions;
DROP TABLE cards;
DROP SEQUENCE card_serial_seq;
DROP TABLE signing_keys;
