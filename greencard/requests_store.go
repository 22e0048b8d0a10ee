package greencard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// SQL over agent_requests r: a request is open until resolved or rejected, and overdue while open
// after its due date in the district.
const (
	sqlRequestOpen    = `r.status IN ('submitted', 'accepted', 'in_progress')`
	sqlRequestOverdue = `(` + sqlRequestOpen + ` AND r.due_on < ` + civil.SQLToday + `)`
)

// sqlResolvedOnTime: resolved no later than its due date, in the district.
var sqlResolvedOnTime = `(r.status = 'resolved' AND ` + civil.SQLDateOf("r.closed_at") + ` <= r.due_on)`

const requestColumns = `r.id, r.talent_id, r.service_code, r.description, r.status, r.commissioner_id, r.filed_by,
       r.due_on, r.accepted_at, r.closed_at, r.outcome, r.satisfaction, ` + sqlRequestOverdue + ` AS overdue,
       t.enterprise_id, r.filed_by_id, r.created_at, r.updated_at`

const requestFrom = ` FROM agent_requests r JOIN talents t ON t.id = r.talent_id`

func getRequest(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Request, error) {
	query := `SELECT ` + requestColumns + requestFrom + ` WHERE r.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF r`
	}
	var r Request
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRequestNotFound
	}
	return r, postgres.Translate(err, "agent request")
}

// lockAssignments serialises the assignment of requests so that two filed at once see each
// other's load.
func lockAssignments(ctx context.Context, q sqlx.ExecerContext) error {
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7421)`)
	return postgres.Translate(err, "assign")
}

// Least open load first; ties go to the longest-serving commissioner.
const selectLeastLoaded = `
SELECT a.id FROM accounts a
LEFT JOIN agent_requests r ON r.commissioner_id = a.id AND ` + sqlRequestOpen + `
WHERE a.role = 'commissioner' AND a.active
GROUP BY a.id ORDER BY count(r.id), a.id LIMIT 1`

func leastLoadedCommissioner(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, selectLeastLoaded)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoCommissioner
	}
	return id, postgres.Translate(err, "assign")
}

func checkCommissioner(ctx context.Context, q sqlx.QueryerContext, id int64) error {
	var ok bool
	if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1 AND role = 'commissioner' AND active)`, id); err != nil {
		return postgres.Translate(err, "commissioner")
	}
	if !ok {
		return ErrNotCommissioner
	}
	return nil
}

const insertRequest = `
INSERT INTO agent_requests (talent_id, service_code, description, commissioner_id, filed_by_id, filed_by, due_on)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

// newRequest is an agent request to store.
type newRequest struct {
	talentID     int64
	service      string
	description  string
	commissioner int64
	due          civil.Date
}

func insertRequestRow(ctx context.Context, q sqlx.QueryerContext, r newRequest, by auth.Principal) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, insertRequest, r.talentID, r.service, r.description, r.commissioner,
		by.ActorID(), by.Username, r.due)
	return id, postgres.Translate(err, "file request")
}

const insertNote = `
INSERT INTO agent_request_notes (request_id, from_status, to_status, note, actor_id, actor_username)
VALUES ($1, $2, $3, $4, $5, $6)`

// requestNote is one line of a request's history to write.
type requestNote struct {
	from *RequestStatus
	to   RequestStatus
	text string
}

func insertRequestNote(ctx context.Context, q sqlx.ExecerContext, id int64, n requestNote, by auth.Principal) error {
	_, err := q.ExecContext(ctx, insertNote, id, n.from, n.to, n.text, by.ActorID(), by.Username)
	return postgres.Translate(err, "request note")
}

func requestNotes(ctx context.Context, q sqlx.QueryerContext, id int64) ([]RequestNote, error) {
	notes := []RequestNote{}
	err := sqlx.SelectContext(ctx, q, &notes, `SELECT from_status, to_status, note, actor_username, at
		FROM agent_request_notes WHERE request_id = $1 ORDER BY id`, id)
	return notes, postgres.Translate(err, "request notes")
}

const (
	updateRequestStatus = `
UPDATE agent_requests SET status = $2,
       accepted_at = CASE WHEN $2 = 'accepted' THEN now() ELSE accepted_at END,
       closed_at = CASE WHEN $2 IN ('resolved', 'rejected') THEN now() ELSE closed_at END,
       outcome = CASE WHEN $2 IN ('resolved', 'rejected') THEN $3 ELSE outcome END,
       version = version + 1, updated_at = now()
WHERE id = $1`
	updateRequestCommissioner = `UPDATE agent_requests SET commissioner_id = $2, version = version + 1, updated_at = now() WHERE id = $1`
	updateRequestSatisfaction = `UPDATE agent_requests SET satisfaction = $2, version = version + 1, updated_at = now() WHERE id = $1`
)

// execRequest runs one of the request updates, naming what failed.
func execRequest(ctx context.Context, q sqlx.ExecerContext, what, query string, args ...any) error {
	_, err := q.ExecContext(ctx, query, args...)
	return postgres.Translate(err, what)
}

// requestScopeSQL confines a query over agent_requests r joined to talents t to a scope, whose
// requestScopeArgs are the query's parameters $n, $n+1 and $n+2.
func requestScopeSQL(n int) string {
	return fmt.Sprintf(`(CAST($%d AS boolean) OR t.enterprise_id = CAST($%d AS bigint)
  OR r.commissioner_id = CAST($%d AS bigint) OR r.filed_by_id = CAST($%[3]d AS bigint))`, n, n+1, n+2)
}

func requestScopeArgs(scope auth.Scope) []any {
	return []any{scope.All(), scope.EnterpriseID(), scope.AccountID()}
}

var selectRequests = `SELECT ` + requestColumns + requestFrom + `
WHERE ` + requestScopeSQL(8) + `
  AND ($1 = '' OR r.status = $1) AND ($2 = '' OR r.service_code = $2)
  AND (CAST($3 AS bigint) = 0 OR r.commissioner_id = CAST($3 AS bigint))
  AND (CAST($4 AS bigint) = 0 OR r.talent_id = CAST($4 AS bigint))
  AND (NOT $5 OR ` + sqlRequestOverdue + `)
  AND (CAST($6 AS bigint) = 0 OR r.id < CAST($6 AS bigint))
ORDER BY r.id DESC LIMIT $7`

// listRequests returns up to limit requests in the scope matching the filter, before the id.
func listRequests(ctx context.Context, q sqlx.QueryerContext, f RequestFilter, scope auth.Scope, before int64, limit int) ([]Request, error) {
	var rows []Request
	err := sqlx.SelectContext(ctx, q, &rows, selectRequests, append([]any{f.Status, f.ServiceCode, f.CommissionerID,
		f.TalentID, f.Overdue, before, limit}, requestScopeArgs(scope)...)...)
	return rows, postgres.Translate(err, "list requests")
}

var requestCountsSelect = `
count(*) AS received,
count(*) FILTER (WHERE r.accepted_at IS NOT NULL) AS accepted,
count(*) FILTER (WHERE r.status = 'resolved') AS resolved,
count(*) FILTER (WHERE ` + sqlResolvedOnTime + `) AS resolved_on_time,
count(*) FILTER (WHERE r.status = 'rejected') AS rejected,
count(*) FILTER (WHERE ` + sqlRequestOpen + `) AS open,
count(*) FILTER (WHERE ` + sqlRequestOverdue + `) AS overdue,
COALESCE(round(count(*) FILTER (WHERE r.accepted_at IS NOT NULL)::numeric / NULLIF(count(*), 0), 4), 0)::float8 AS acceptance_rate,
COALESCE(round(count(*) FILTER (WHERE r.status = 'resolved')::numeric / NULLIF(count(*), 0), 4), 0)::float8 AS resolution_rate,
COALESCE(round(count(*) FILTER (WHERE ` + sqlResolvedOnTime + `)::numeric
      / NULLIF(count(*) FILTER (WHERE r.status = 'resolved'), 0), 4), 0)::float8 AS on_time_rate,
round(avg(r.satisfaction), 2)::float8 AS avg_satisfaction,
count(r.satisfaction) AS rated`

// requestStatsWhere takes the period as $1 and $2 and the scope as $3 to $5.
var requestStatsWhere = ` WHERE r.created_at >= $1 AND r.created_at < $2 AND ` + requestScopeSQL(3)

// requestStatistics computes the figures of the requests filed in [from, to) within the scope.
func requestStatistics(ctx context.Context, q sqlx.QueryerContext, from, to time.Time, scope auth.Scope) (RequestStats, error) {
	args := append([]any{from, to}, requestScopeArgs(scope)...)
	var out RequestStats
	if err := sqlx.GetContext(ctx, q, &out.RequestCounts, `SELECT `+requestCountsSelect+requestFrom+requestStatsWhere, args...); err != nil {
		return out, postgres.Translate(err, "request statistics")
	}
	out.ByService = []ServiceRequestCounts{}
	if err := sqlx.SelectContext(ctx, q, &out.ByService, `SELECT r.service_code, `+requestCountsSelect+requestFrom+requestStatsWhere+
		` GROUP BY r.service_code ORDER BY r.service_code`, args...); err != nil {
		return out, postgres.Translate(err, "request statistics")
	}
	out.ByCommissioner = []CommissionerRequestCounts{}
	if err := sqlx.SelectContext(ctx, q, &out.ByCommissioner, `SELECT r.commissioner_id, a.display_name, `+requestCountsSelect+
		requestFrom+` JOIN accounts a ON a.id = r.commissioner_id`+requestStatsWhere+` GROUP BY r.commissioner_id, a.display_name ORDER BY r.commissioner_id`, args...); err != nil {
		return out, postgres.Translate(err, "request statistics")
	}
	return out, nil
}
