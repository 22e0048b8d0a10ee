-- +goose Up
-- The printing of each card version: requested when the version is issued, then printed (by whom,
-- when), then handed over to the holder (by whom, when). Cards issued before this change wait to be
-- printed.
CREATE TABLE card_prints (
    card_id           bigint      NOT NULL,
    version           integer     NOT NULL,
    status            text        NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'printed', 'handed_over')),
    requested_at      timestamptz NOT NULL DEFAULT now(),
    printed_at        timestamptz,
    printed_by_id     bigint      REFERENCES accounts (id),
    printed_by        text,
    handed_over_at    timestamptz,
    handed_over_by_id bigint      REFERENCES accounts (id),
    handed_over_by    text,
    PRIMARY KEY (card_id, version),
    CONSTRAINT card_prints_version_fkey FOREIGN KEY (card_id, version) REFERENCES card_versions (card_id, version),
    -- A version is printed before it is handed over, and each step says when.
    CONSTRAINT card_prints_printed_when CHECK ((printed_at IS NULL) = (status = 'requested')),
    CONSTRAINT card_prints_handed_when CHECK ((handed_over_at IS NOT NULL) = (status = 'handed_over'))
);
CREATE INDEX card_prints_queue ON card_prints (status, card_id);

INSERT INTO card_prints (card_id, version, requested_at)
SELECT c.id, c.current_version, v.issued_at
FROM cards c JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version;

-- +goose Down
DROP TABLE card_prints;
