-- +goose Up
-- Running counts of talent records by the dimensions the statistics report, kept by statement-level
-- triggers so that the statistics read a few hundred rows instead of scanning the registry.
--   kind 'status':    every record, k1 = status, k2 = grade ('' when none)
--   kind 'education', 'title', 'month': registered records only, k1 = the value (month: YYYY-MM of
--   registration in district time)
-- enterprise_id is 0 for talent not employed by an enterprise.
CREATE TABLE talent_counts (
    kind          text   NOT NULL,
    enterprise_id bigint NOT NULL,
    k1            text   NOT NULL,
    k2            text   NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (kind, enterprise_id, k1, k2)
);

-- +goose StatementBegin
-- The source query names the changed rows with d = +1 (new) or -1 (old); the deltas are applied in
-- key order, so concurrent transactions lock counter rows in the same order and cannot deadlock.
CREATE FUNCTION talent_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src text;
BEGIN
    src := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS d, enterprise_id, status, grade, education, title, registered_at FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS d, enterprise_id, status, grade, education, title, registered_at FROM old_rows'
        ELSE 'SELECT 1 AS d, enterprise_id, status, grade, education, title, registered_at FROM new_rows
              UNION ALL
              SELECT -1, enterprise_id, status, grade, education, title, registered_at FROM old_rows'
    END;
    EXECUTE format($q$
        INSERT INTO talent_counts AS c (kind, enterprise_id, k1, k2, n)
        SELECT v.kind, COALESCE(r.enterprise_id, 0), v.k1, v.k2, sum(r.d)
        FROM (%s) AS r
        CROSS JOIN LATERAL (VALUES
            ('status', r.status, COALESCE(r.grade, '')),
            ('education', r.education, ''),
            ('title', r.title, ''),
            ('month', COALESCE(to_char(r.registered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), ''), '')
        ) AS v (kind, k1, k2)
        WHERE v.kind = 'status' OR r.status = 'registered'
        GROUP BY 1, 2, 3, 4
        HAVING sum(r.d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (kind, enterprise_id, k1, k2) DO UPDATE SET n = c.n + EXCLUDED.n
    $q$, src);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER talent_counts_insert AFTER INSERT ON talents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION talent_counts_apply();
CREATE TRIGGER talent_counts_update AFTER UPDATE ON talents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION talent_counts_apply();
CREATE TRIGGER talent_counts_delete AFTER DELETE ON talents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION talent_counts_apply();

-- Counts of the records that exist already.
INSERT INTO talent_counts (kind, enterprise_id, k1, k2, n)
SELECT v.kind, COALESCE(t.enterprise_id, 0), v.k1, v.k2, count(*)
FROM talents t
CROSS JOIN LATERAL (VALUES
    ('status', t.status, COALESCE(t.grade, '')),
    ('education', t.education, ''),
    ('title', t.title, ''),
    ('month', COALESCE(to_char(t.registered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), ''), '')
) AS v (kind, k1, k2)
WHERE v.kind = 'status' OR t.status = 'registered'
GROUP BY 1, 2, 3, 4;

-- +goose Down
DROP TRIGGER talent_counts_delete ON talents;
DROP TRIGGER talent_counts_update ON talents;
DROP TRIGGER talent_counts_insert ON talents;
DROP FUNCTION talent_counts_apply();
DROP TABLE talent_counts;
