package greencard

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// The card with a serial, with its holder and (for the verify path) the services its class may
// use with this year's uses by the holder — one round trip for a window's scan. The last four
// characters of the identity number are characters 15–18 of its masked form.
const selectVerifiedCard = `
SELECT c.id, c.talent_id, c.current_version, c.status, v.grade, v.expires_on, t.name, COALESCE(e.name, '') AS enterprise,
       CAST(extract(year FROM t.birth_date) AS integer) AS birth_year, substr(t.id_number_masked, 15, 4) AS id_last4,
       s.codes, s.names, s.quotas, s.used
FROM cards c
JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
JOIN talents t ON t.id = c.talent_id
LEFT JOIN enterprises e ON e.id = t.enterprise_id
LEFT JOIN LATERAL (
    SELECT array_agg(i.code ORDER BY i.sort_order, i.code) AS codes,
           array_agg(i.name_zh ORDER BY i.sort_order, i.code) AS names,
           array_agg(COALESCE(i.yearly_quota, -1) ORDER BY i.sort_order, i.code) AS quotas,
           array_agg(COALESCE(u.used, 0) ORDER BY i.sort_order, i.code) AS used
    FROM service_items i
    LEFT JOIN service_quota_usage u ON u.service_code = i.code AND u.talent_id = c.talent_id AND u.year = $3
    WHERE $2 AND v.grade = ANY (i.eligible)) s ON true
WHERE c.serial = $1`

type verifiedRow struct {
	ID             int64      `db:"id"`
	TalentID       int64      `db:"talent_id"`
	CurrentVersion int        `db:"current_version"`
	Status         string     `db:"status"`
	Grade          string     `db:"grade"`
	ExpiresOn      civil.Date `db:"expires_on"`
	Name           string     `db:"name"`
	Enterprise     string     `db:"enterprise"`
	BirthYear      int        `db:"birth_year"`
	IDLast4        string     `db:"id_last4"`
	// The services the class may use, as parallel arrays (quota -1: unlimited).
	Codes  pq.StringArray `db:"codes"`
	Names  pq.StringArray `db:"names"`
	Quotas pq.Int64Array  `db:"quotas"`
	Used   pq.Int64Array  `db:"used"`
}

// verifiedCard reads the card with the serial; found is false when there is none. It runs
// selectVerifiedCard as a prepared statement: planning the four-table join costs more than
// executing it, and a window scans all day. Inside a transaction (recording a use, a lookup) it
// runs as a plain query: preparing would need a second connection while the transaction holds one.
func (s *Service) verifiedCard(ctx context.Context, q sqlx.QueryerContext, serial string, withServices bool) (row verifiedRow, found bool, err error) {
	year := s.today().Time().Year()
	if _, inTx := q.(*sqlx.Tx); inTx {
		err = sqlx.GetContext(ctx, q, &row, selectVerifiedCard, serial, withServices, year)
	} else {
		stmt, perr := s.prepared(ctx)
		if perr != nil {
			return row, false, perr
		}
		err = stmt.GetContext(ctx, &row, serial, withServices, year)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return row, false, nil
	}
	return row, err == nil, postgres.Translate(err, "verify")
}

func (s *Service) prepared(ctx context.Context) (*sqlx.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.verifyStmt == nil {
		stmt, err := s.db.PreparexContext(ctx, selectVerifiedCard)
		if err != nil {
			return nil, postgres.Translate(err, "prepare verification")
		}
		s.verifyStmt = stmt
	}
	return s.verifyStmt, nil
}

const insertVerifications = `
INSERT INTO card_verifications (at, account_id, window_name, valid, reason, serial, version, talent_id, method)
SELECT * FROM unnest(CAST($1 AS timestamptz[]), CAST($2 AS bigint[]), CAST($3 AS text[]), CAST($4 AS boolean[]),
       CAST($5 AS text[]), CAST($6 AS text[]), CAST($7 AS integer[]), CAST($8 AS bigint[]), CAST($9 AS text[]))`

// insertVerificationLines writes lines of the verification log in one statement.
func insertVerificationLines(ctx context.Context, q sqlx.ExecerContext, batch []verificationEntry) error {
	n := len(batch)
	at := make([]time.Time, n)
	account := make([]*int64, n)
	window := make(pq.StringArray, n)
	valid := make(pq.BoolArray, n)
	reason := make(pq.StringArray, n)
	serial := make([]*string, n)
	version := make([]*int, n)
	talentID := make([]*int64, n)
	method := make(pq.StringArray, n)
	for i, e := range batch {
		at[i], account[i], window[i], valid[i], reason[i] = e.at, e.accountID, e.window, e.valid, e.reason
		serial[i], version[i], talentID[i], method[i] = e.serial, e.version, e.talentID, e.method
	}
	_, err := q.ExecContext(ctx, insertVerifications, pq.GenericArray{A: at}, pq.GenericArray{A: account},
		window, valid, reason, pq.GenericArray{A: serial}, pq.GenericArray{A: version}, pq.GenericArray{A: talentID}, method)
	return postgres.Translate(err, "verification log")
}

// lockLookups serialises the lookups of one serial until the transaction ends, across every
// server process, so that concurrent guesses cannot all pass the count of failures at once.
func lockLookups(ctx context.Context, q sqlx.ExecerContext, serial string) error {
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('greencard.lookup:' || $1, 0))`, serial)
	return postgres.Translate(err, "lookup lock")
}

// A failed lookup is logged as not_found under the serial that was typed; a lookup that found the
// card by its serial and last four characters is not a failure, whatever its verdict.
const selectFailedLookups = `
SELECT count(*) AS n, min(at) AS oldest FROM card_verifications
WHERE serial = $1 AND method = 'serial' AND NOT valid AND reason = 'not_found' AND at > $2`

// failedLookups counts the failed lookups of a serial since the instant, and when the oldest was.
func failedLookups(ctx context.Context, q sqlx.QueryerContext, serial string, since time.Time) (int, time.Time, error) {
	var row struct {
		N      int        `db:"n"`
		Oldest *time.Time `db:"oldest"`
	}
	if err := sqlx.GetContext(ctx, q, &row, selectFailedLookups, serial, since); err != nil {
		return 0, time.Time{}, postgres.Translate(err, "failed lookups")
	}
	if row.Oldest == nil {
		return row.N, time.Time{}, nil
	}
	return row.N, *row.Oldest, nil
}

// A verification by the account since the instant that identified the card (its holder is known)
// and, when $4, found it valid.
const selectSawCard = `
SELECT EXISTS (SELECT 1 FROM card_verifications
               WHERE account_id = $1 AND serial = $2 AND at >= $3 AND talent_id IS NOT NULL AND (valid OR NOT $4))`

func sawCard(ctx context.Context, q sqlx.QueryerContext, accountID int64, serial string, since time.Time, validOnly bool) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, selectSawCard, accountID, serial, since, validOnly)
	return ok, postgres.Translate(err, "verification log")
}
