package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
)

const insertRecord = `
INSERT INTO audit_log (actor_id, actor_username, actor_role, action, entity_type, entity_id, before, after, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// Write stores e inside tx (the transaction of the change it describes), with the actor taken from
// ctx's principal (a change without one is refused: the command line acts as auth.System) and the
// request id from ctx.
func Write(ctx context.Context, tx sqlx.ExtContext, e Entry) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return fmt.Errorf("audit: a change without an actor: %w", err)
	}
	before, err := redact(e.Before)
	if err != nil {
		return fmt.Errorf("audit: encode before: %w", err)
	}
	after, err := redact(e.After)
	if err != nil {
		return fmt.Errorf("audit: encode after: %w", err)
	}
	_, err = tx.ExecContext(ctx, insertRecord, p.ActorID(), p.Username, string(p.Role), e.Action,
		e.EntityType, e.EntityID, nullJSON(before), nullJSON(after), reqctx.ID(ctx))
	return postgres.Translate(err, "audit: write")
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// list returns records newest first, matching f.
func list(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]Record, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.EntityType != "" {
		add("entity_type = $%d", f.EntityType)
	}
	if f.EntityID != "" {
		add("entity_id = $%d", f.EntityID)
	}
	if f.ActorID != 0 {
		add("actor_id = $%d", f.ActorID)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To)
	}
	if f.AfterID != 0 {
		add("id < $%d", f.AfterID)
	}
	query := `SELECT id, at, actor_id, actor_username, actor_role, action, entity_type, entity_id,
       before, after, request_id FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	var rows []recordRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, postgres.Translate(err, "audit: list")
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = r.Record
		out[i].Before, out[i].After = json.RawMessage(r.BeforeJSON), json.RawMessage(r.AfterJSON)
	}
	return out, nil
}

// recordRow scans the nullable jsonb columns as bytes (json.RawMessage cannot hold SQL NULL).
type recordRow struct {
	Record
	BeforeJSON []byte `db:"before"`
	AfterJSON  []byte `db:"after"`
}

// WriteSet records one change per row of source, set-based, for bulk operations (imports) where a
// round trip per record would dominate, and returns how many it recorded. source is a SELECT of
// (entity_id text, after jsonb) taking args as $1..$n; with, when not empty, is the body of a
// WITH clause whose (data-modifying) statements source may read, so that a change and its audit
// records are one statement. source must itself leave identity numbers masked and secrets out,
// because these rows bypass the redaction that Write applies.
func WriteSet(ctx context.Context, tx sqlx.ExtContext, action, entityType, with, source string, args ...any) (int, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return 0, fmt.Errorf("audit: a change without an actor: %w", err)
	}
	if with != "" {
		with = "WITH " + with
	}
	n := len(args)
	stmt := fmt.Sprintf(`%s
INSERT INTO audit_log (actor_id, actor_username, actor_role, action, entity_type, entity_id, after, request_id)
SELECT CAST($%d AS bigint), $%d, $%d, $%d, $%d, src.entity_id, src.after, $%d
FROM (%s) AS src (entity_id, after)`, with, n+1, n+2, n+3, n+4, n+5, n+6, source)
	args = append(args, p.ActorID(), p.Username, string(p.Role), action, entityType, reqctx.ID(ctx))
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, postgres.Translate(err, "audit: write set")
	}
	count, err := res.RowsAffected()
	return int(count), err
}
