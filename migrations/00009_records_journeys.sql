-- +goose Up
-- The review queue: submitted records by submission time (oldest first, or newest first), paged on
-- (time, id). The expressions are the listing's sort keys, records never submitted sorting last.
CREATE INDEX talents_review_queue ON talents ((COALESCE(submitted_at, 'infinity'::timestamptz)), id)
    WHERE status = 'submitted';
CREATE INDEX talents_review_queue_newest ON talents ((COALESCE(submitted_at, '-infinity'::timestamptz)), id)
    WHERE status = 'submitted';

-- +goose Down
DROP INDEX talents_review_queue_newest;
DROP INDEX talents_review_queue;
