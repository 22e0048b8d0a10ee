-- +goose Up
-- An application's working lines hold the calculation's lines as a clerk reads them: every code the
-- calculation writes (a purchase from a non-local supplier is a line of its own, saying why it does
-- not count; the overall cap is a line taking off what passes the cap, a negative amount), the
-- rate and cap applied, and the line's label and working in both languages.
ALTER TABLE subsidy_application_lines
    DROP CONSTRAINT subsidy_application_lines_rule_check,
    DROP CONSTRAINT subsidy_application_lines_amount_fen_check,
    ADD CONSTRAINT subsidy_application_lines_rule_check CHECK (rule IN ('rd_platform', 'rd_investment', 'local_supply',
        'local_supply_excluded', 'overall_cap', 'adjustment')),
    ADD COLUMN label_zh       text    NOT NULL DEFAULT '' CHECK (length(label_zh) <= 100),
    ADD COLUMN label_en       text    NOT NULL DEFAULT '' CHECK (length(label_en) <= 100),
    ADD COLUMN rate_bp        bigint  NOT NULL DEFAULT 0 CHECK (rate_bp BETWEEN 0 AND 10000),
    ADD COLUMN cap_fen        bigint  CHECK (cap_fen >= 0),
    ADD COLUMN explanation_en text    NOT NULL DEFAULT '' CHECK (length(explanation_en) <= 1000);

-- +goose Down
ALTER TABLE subsidy_application_lines
    DROP COLUMN explanation_en,
    DROP COLUMN cap_fen,
    DROP COLUMN rate_bp,
    DROP COLUMN label_en,
    DROP COLUMN label_zh,
    DROP CONSTRAINT subsidy_application_lines_rule_check,
    ADD CONSTRAINT subsidy_application_lines_rule_check CHECK (rule IN ('rd_platform', 'rd_investment', 'local_supply', 'adjustment')),
    ADD CONSTRAINT subsidy_application_lines_amount_fen_check CHECK (amount_fen >= 0);
