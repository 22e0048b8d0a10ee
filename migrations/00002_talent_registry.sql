-- +goose Up
-- The talent registry: versioned grading policies, talent records with encrypted identity numbers,
-- their grade decisions and review history.

CREATE TABLE grading_policies (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version      integer     NOT NULL,
    status       text        NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    title        text        NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    rules        jsonb       NOT NULL CHECK (jsonb_typeof(rules) = 'array'),
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    published_by text,
    published_at timestamptz,
    CONSTRAINT grading_policies_version_key UNIQUE (version),
    CONSTRAINT grading_policies_published CHECK ((status = 'draft') = (published_at IS NULL))
);
-- Exactly one policy is in force at a time.
CREATE UNIQUE INDEX grading_policies_one_in_force ON grading_policies ((true)) WHERE status = 'published';

CREATE TABLE talents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enterprise_id     bigint      REFERENCES enterprises (id),
    status            text        NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'submitted', 'returned', 'registered', 'rejected', 'left')),
    name              text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 50),
    -- The name's single characters and character pairs, for an indexed substring search: Chinese
    -- names are two to four characters, too short for trigrams.
    name_grams        text[]      NOT NULL DEFAULT '{}',
    gender            text        NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date        date        NOT NULL,
    -- AES-256-GCM ciphertext (with its key id), a keyed HMAC for exact lookup and uniqueness, and
    -- the masked form shown to roles that may not see the whole number.
    id_number_cipher  bytea       NOT NULL,
    id_number_hash    bytea       NOT NULL,
    id_number_masked  text        NOT NULL,
    mobile            text        NOT NULL DEFAULT '',
    email             text        NOT NULL DEFAULT '',
    position          text        NOT NULL DEFAULT '',
    education         text        NOT NULL CHECK (education IN ('doctorate', 'master', 'bachelor', 'associate', 'other')),
    school            text        NOT NULL DEFAULT '',
    major             text        NOT NULL DEFAULT '',
    graduation_year   integer     CHECK (graduation_year BETWEEN 1940 AND 2100),
    title             text        NOT NULL DEFAULT 'none'
                      CHECK (title IN ('senior_full', 'senior_associate', 'intermediate', 'junior', 'none')),
    skill_level       text        NOT NULL DEFAULT 'none'
                      CHECK (skill_level IN ('senior_technician', 'technician', 'senior_worker', 'none')),
    honours           jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(honours) = 'array'),
    -- The honour codes alone, for an indexed "has honour X" filter.
    honour_codes      text[]      NOT NULL DEFAULT '{}',
    annual_salary_fen bigint      NOT NULL DEFAULT 0 CHECK (annual_salary_fen >= 0),
    field             text        NOT NULL DEFAULT '',
    arrived_on        date,
    notes             text        NOT NULL DEFAULT '',
    grade             text        CHECK (grade IN ('A', 'B', 'C', 'D')),
    grade_rules       text[]      NOT NULL DEFAULT '{}',
    grade_overridden  boolean     NOT NULL DEFAULT false,
    grade_decision_id bigint,
    review_comment    text        NOT NULL DEFAULT '',
    submitted_at      timestamptz,
    registered_at     timestamptz,
    left_at           timestamptz,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT talents_id_number_hash_key UNIQUE (id_number_hash),
    CONSTRAINT talents_registered_graded CHECK (status <> 'registered' OR (grade IS NOT NULL AND grade_decision_id IS NOT NULL))
);
CREATE INDEX talents_status_grade ON talents (status, grade, id);
CREATE INDEX talents_enterprise ON talents (enterprise_id, status, id);
CREATE INDEX talents_registered_at ON talents (registered_at, id) WHERE registered_at IS NOT NULL;
-- Both GIN indexes take inserts into a pending list (fastupdate) that autovacuum merges, so a bulk
-- import does not pay for the merge row by row.
CREATE INDEX talents_name_grams ON talents USING gin (name_grams) WITH (gin_pending_list_limit = 16384);
CREATE INDEX talents_honour_codes ON talents USING gin (honour_codes) WITH (gin_pending_list_limit = 16384);
CREATE INDEX talents_education ON talents (education, status, id);
CREATE INDEX talents_title ON talents (title, status, id);

-- Every grade ever decided, with the policy version and the attributes it was computed from, so
-- that a later edit of the record never silently changes what was decided.
CREATE TABLE grade_decisions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    talent_id     bigint      NOT NULL REFERENCES talents (id),
    policy_id     bigint      NOT NULL REFERENCES grading_policies (id),
    grade         text        NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
    rules         text[]      NOT NULL,
    attributes    jsonb       NOT NULL,
    overridden    boolean     NOT NULL DEFAULT false,
    reason        text        NOT NULL DEFAULT '',
    decided_by_id bigint      REFERENCES accounts (id),
    decided_by    text        NOT NULL,
    decided_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT grade_decisions_override_reason CHECK (NOT overridden OR length(btrim(reason)) > 0)
);
CREATE INDEX grade_decisions_talent ON grade_decisions (talent_id, id);

ALTER TABLE talents ADD CONSTRAINT talents_grade_decision_fkey
    FOREIGN KEY (grade_decision_id) REFERENCES grade_decisions (id);

-- The review history of each record.
CREATE TABLE talent_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    talent_id      bigint      NOT NULL REFERENCES talents (id),
    action         text        NOT NULL,
    from_status    text,
    to_status      text        NOT NULL,
    comment        text        NOT NULL DEFAULT '',
    actor_id       bigint      REFERENCES accounts (id),
    actor_username text        NOT NULL,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX talent_events_talent ON talent_events (talent_id, id);

-- The default policy (version 1), in force from the start; the talent office drafts later versions.
INSERT INTO grading_policies (version, status, title, rules, created_by, published_by, published_at)
VALUES (1, 'published', '璧山区高层次人才分类认定标准（默认）', $json$[
  {"code": "A1", "grade": "A", "description_zh": "两院院士", "description_en": "Academician of the Chinese Academy of Sciences or of Engineering",
   "when": {"honours_any": ["academician"]}},
  {"code": "A2", "grade": "A", "description_zh": "国家最高科学技术奖等国家级顶尖奖项获得者", "description_en": "Winner of a national top science award",
   "when": {"honours_any": ["national_award"]}},
  {"code": "B1", "grade": "B", "description_zh": "国家级人才计划入选者", "description_en": "Selected by a national talent programme",
   "when": {"honours_any": ["national_programme"]}},
  {"code": "B2", "grade": "B", "description_zh": "博士研究生学历且具有正高级职称", "description_en": "Doctorate with a full senior professional title",
   "when": {"education": ["doctorate"], "title": ["senior_full"]}},
  {"code": "C1", "grade": "C", "description_zh": "重庆英才计划等市级人才计划入选者", "description_en": "Selected by a municipal talent programme",
   "when": {"honours_any": ["municipal_programme"]}},
  {"code": "C2", "grade": "C", "description_zh": "博士研究生学历", "description_en": "Doctorate",
   "when": {"education": ["doctorate"]}},
  {"code": "C3", "grade": "C", "description_zh": "正高级职称", "description_en": "Full senior professional title",
   "when": {"title": ["senior_full"]}},
  {"code": "C4", "grade": "C", "description_zh": "高级技师且获评璧山工匠", "description_en": "Senior technician honoured as a Bishan craftsman",
   "when": {"skill_level": ["senior_technician"], "honours_any": ["district_craftsman"]}},
  {"code": "D1", "grade": "D", "description_zh": "硕士研究生学历", "description_en": "Master's degree",
   "when": {"education": ["master"]}},
  {"code": "D2", "grade": "D", "description_zh": "副高级职称", "description_en": "Associate senior professional title",
   "when": {"title": ["senior_associate"]}},
  {"code": "D3", "grade": "D", "description_zh": "技师及以上职业技能等级", "description_en": "Technician or higher skill level",
   "when": {"skill_level": ["technician", "senior_technician"]}},
  {"code": "D4", "grade": "D", "description_zh": "本科学历、中级职称且年薪不低于30万元", "description_en": "Bachelor with an intermediate title and an annual salary of at least ¥300,000",
   "when": {"education": ["bachelor"], "title": ["intermediate"], "min_salary_fen": 30000000}},
  {"code": "D5", "grade": "D", "description_zh": "璧山英才或璧山工匠称号获得者", "description_en": "Honoured as a Bishan talent or Bishan craftsman",
   "when": {"honours_any": ["district_talent", "district_craftsman"]}}
]$json$, 'system', 'system', now());

-- +goose Down
ALTER TABLE talents DROP CONSTRAINT talents_grade_decision_fkey;
DROP TABLE talent_events;
DROP TABLE grade_decisions;
DROP TABLE talents;
DROP TABLE grading_policies;
