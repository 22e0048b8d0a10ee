package housing

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// roundRow is a housing_rounds row.
type roundRow struct {
	ID          int64       `db:"id"`
	Kind        Kind        `db:"kind"`
	Title       string      `db:"title"`
	Status      RoundStatus `db:"status"`
	SeedSHA256  []byte      `db:"seed_sha256"`
	SeedCipher  []byte      `db:"seed_cipher"`
	Seed        []byte      `db:"seed"`
	Settings    []byte      `db:"settings"`
	CreatedAt   time.Time   `db:"created_at"`
	CommittedAt *time.Time  `db:"committed_at"`
	Version     int         `db:"version"`
	UnitCount   int         `db:"unit_count"`
	OfferCount  int         `db:"offer_count"`
}

// round is the row as the API shows it: hashes in hex, the seed only once revealed.
func (r roundRow) round() Round {
	out := Round{ID: r.ID, Kind: r.Kind, Title: r.Title, Status: r.Status, SeedSHA256: hex.EncodeToString(r.SeedSHA256),
		UnitCount: r.UnitCount, OfferCount: r.OfferCount, CreatedAt: r.CreatedAt, CommittedAt: r.CommittedAt, Version: r.Version}
	if r.Seed != nil {
		out.Seed = hex.EncodeToString(r.Seed)
	}
	if r.Settings != nil {
		st := DefaultSettings()
		if json.Unmarshal(r.Settings, &st) == nil {
			out.Settings = &st
		}
	}
	return out
}

const roundColumns = `r.id, r.kind, r.title, r.status, r.seed_sha256, r.seed_cipher, r.seed, r.settings, r.created_at,
       r.committed_at, r.version,
       (SELECT count(*) FROM housing_round_units ru WHERE ru.round_id = r.id) AS unit_count,
       (SELECT count(*) FROM housing_offers o WHERE o.round_id = r.id) AS offer_count`

// getRound reads a round; forUpdate locks it for the rest of the transaction.
func getRound(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (roundRow, error) {
	query := `SELECT ` + roundColumns + ` FROM housing_rounds r WHERE r.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF r`
	}
	var r roundRow
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRoundNotFound
	}
	return r, postgres.Translate(err, "housing round")
}

// roundUnitIDs lists a round's units.
func roundUnitIDs(ctx context.Context, q sqlx.QueryerContext, id int64) ([]int64, error) {
	ids := []int64{}
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT unit_id FROM housing_round_units WHERE round_id = $1 ORDER BY unit_id`, id)
	return ids, postgres.Translate(err, "round units")
}

// listRounds returns up to limit rounds before the id (0: from the newest), newest first.
func listRounds(ctx context.Context, q sqlx.QueryerContext, kind Kind, status RoundStatus, before int64, limit int) ([]Round, error) {
	var rows []roundRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+roundColumns+` FROM housing_rounds r
WHERE ($1 = '' OR r.kind = $1) AND ($2 = '' OR r.status = $2) AND (CAST($3 AS bigint) = 0 OR r.id < CAST($3 AS bigint))
ORDER BY r.id DESC LIMIT $4`, string(kind), string(status), before, limit)
	out := make([]Round, len(rows))
	for i, r := range rows {
		out[i] = r.round()
	}
	return out, postgres.Translate(err, "list housing rounds")
}

// unitsNotAvailable returns those of ids that are not available units of the kind (missing ones
// included), locking the others against change until the transaction ends.
func unitsNotAvailable(ctx context.Context, q sqlx.QueryerContext, kind Kind, ids []int64) ([]int64, error) {
	var ok []int64
	err := sqlx.SelectContext(ctx, q, &ok, `SELECT id FROM housing_units WHERE id = ANY($1) AND kind = $2 AND status = 'available'
ORDER BY id FOR SHARE`, pq.Array(ids), string(kind))
	if err != nil {
		return nil, postgres.Translate(err, "round units")
	}
	fine := make(map[int64]bool, len(ok))
	for _, id := range ok {
		fine[id] = true
	}
	var bad []int64
	for _, id := range ids {
		if !fine[id] {
			bad = append(bad, id)
		}
	}
	return bad, nil
}

// insertRound stores a new open round with its units and returns its id.
func insertRound(ctx context.Context, q sqlx.QueryerContext, in RoundInput, seedHash, seedCipher []byte, by *int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `
WITH r AS (INSERT INTO housing_rounds (kind, title, seed_sha256, seed_cipher, created_by_id) VALUES ($1, $2, $3, $4, $5) RETURNING id),
     u AS (INSERT INTO housing_round_units (round_id, unit_id) SELECT r.id, unnest(CAST($6 AS bigint[])) FROM r)
SELECT id FROM r`, string(in.Kind), in.Title, seedHash, seedCipher, by, pq.Array(in.UnitIDs))
	return id, postgres.Translate(err, "open housing round")
}

// selectRankingApplications reads what ranking needs of the kind's pending applications. The
// district date is counted in days since 1970-01-01; $2 locks the rows (a commit) or not (a preview).
var selectRankingApplications = `
SELECT a.id, COALESCE(a.grade, ''), a.household_size, a.preferred_rooms, a.refusals,
       btrim(a.current_housing) IN ('', '无') AS no_current_housing,
       COALESCE(e.key_enterprise, false) AS key_enterprise,
       ` + civil.SQLDateOf("a.applied_at") + ` - DATE '1970-01-01' AS applied_day
FROM housing_applications a LEFT JOIN enterprises e ON e.id = a.enterprise_id
WHERE a.kind = $1 AND a.status = 'pending'
ORDER BY a.id`

// rankingApplications streams the kind's pending applications into compact rows, scoring them
// under the settings. forUpdate locks them (and only them) until the transaction ends.
func rankingApplications(ctx context.Context, q sqlx.QueryerContext, kind Kind, st Settings, forUpdate bool) ([]rankedApplication, error) {
	query := selectRankingApplications
	if forUpdate {
		query += ` FOR UPDATE OF a`
	}
	rows, err := q.QueryContext(ctx, query, string(kind))
	if err != nil {
		return nil, postgres.Translate(err, "ranking applications")
	}
	defer rows.Close()
	var out []rankedApplication
	var prefs pq.Int64Array
	for rows.Next() {
		var a rankedApplication
		var size, refusals, day int
		var noHousing, key bool
		if err := rows.Scan(&a.ID, &a.Grade, &size, &prefs, &refusals, &noHousing, &key, &day); err != nil {
			return nil, postgres.Translate(err, "ranking applications")
		}
		a.HouseholdSize, a.Refusals, a.AppliedOn, a.Preferred = int32(size), int32(refusals), int32(day), preferenceMask(prefs)
		if kind == KindPublicRental {
			a.Priority = int32(priorityScore(st.PublicRentalPriority, key, size, noHousing))
			a.KeyEnterprise, a.NoCurrentHousing = key, noHousing
		}
		out = append(out, a)
	}
	return out, postgres.Translate(rows.Err(), "ranking applications")
}

// availableRoundUnits reads the round's units that are still available (a unit another round
// offered meanwhile is skipped); forUpdate locks them, in id order, until the transaction ends.
func availableRoundUnits(ctx context.Context, q sqlx.QueryerContext, roundID int64, kind Kind, forUpdate bool) ([]roundUnit, error) {
	query := `SELECT u.id, u.rooms, CAST(round(u.area_m2 * 100) AS bigint) FROM housing_round_units ru
JOIN housing_units u ON u.id = ru.unit_id
WHERE ru.round_id = $1 AND u.kind = $2 AND u.status = 'available' ORDER BY u.id`
	if forUpdate {
		query += ` FOR UPDATE OF u`
	}
	rows, err := q.QueryContext(ctx, query, roundID, string(kind))
	if err != nil {
		return nil, postgres.Translate(err, "round units")
	}
	defer rows.Close()
	var out []roundUnit
	for rows.Next() {
		var u roundUnit
		if err := rows.Scan(&u.ID, &u.Rooms, &u.AreaCenti); err != nil {
			return nil, postgres.Translate(err, "round units")
		}
		out = append(out, u)
	}
	return out, postgres.Translate(rows.Err(), "round units")
}

// applicantNames returns the names of the applications, by id, for masking.
func applicantNames(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, applicant_name FROM housing_applications WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, postgres.Translate(err, "applicant names")
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, postgres.Translate(err, "applicant names")
		}
		out[id] = maskApplicantName(name)
	}
	return out, postgres.Translate(rows.Err(), "applicant names")
}

// maskApplicantName keeps the surname (the first character) and hides the rest, one * each.
func maskApplicantName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// insertRoundEntries publishes a committed round's ranking: each applicant's rank, ticket and the
// inputs it was ranked by, in one statement.
func insertRoundEntries(ctx context.Context, q sqlx.ExecerContext, roundID int64, ranked []rankedApplication) error {
	n := len(ranked)
	ids, ranks, priorities, refusals, tickets := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([][]byte, n)
	keys, unhoused := make([]bool, n), make([]bool, n)
	for i := range ranked {
		a := &ranked[i]
		ids[i], ranks[i], priorities[i], refusals[i], tickets[i] = a.ID, int64(i+1), int64(a.Priority), int64(a.Refusals), a.Ticket[:]
		keys[i], unhoused[i] = a.KeyEnterprise, a.NoCurrentHousing
	}
	_, err := q.ExecContext(ctx, `
INSERT INTO housing_round_entries (round_id, application_id, rank, grade, priority, refusals, applied_at, household_size, lottery,
       key_enterprise, no_current_housing)
SELECT $1, x.id, x.rank, a.grade, x.priority, x.refusals, a.applied_at, a.household_size, x.lottery, x.key, x.unhoused
FROM unnest(CAST($2 AS bigint[]), CAST($3 AS int[]), CAST($4 AS int[]), CAST($5 AS int[]), CAST($6 AS bytea[]),
            CAST($7 AS boolean[]), CAST($8 AS boolean[]))
     AS x(id, rank, priority, refusals, lottery, key, unhoused)
JOIN housing_applications a ON a.id = x.id`, roundID, pq.Array(ids), pq.Array(ranks), pq.Array(priorities),
		pq.Array(refusals), pq.ByteaArray(tickets), pq.Array(keys), pq.Array(unhoused))
	return postgres.Translate(err, "round ranking")
}

// revealRound marks a round committed, publishing its seed and the settings it was ranked under.
func revealRound(ctx context.Context, q sqlx.ExecerContext, id int64, seed, settings []byte, by *int64) error {
	_, err := q.ExecContext(ctx, `UPDATE housing_rounds SET status = 'committed', seed = $2, settings = $3,
       committed_at = now(), committed_by_id = $4, version = version + 1 WHERE id = $1`, id, seed, string(settings), by)
	return postgres.Translate(err, "commit housing round")
}

// publishedEntry is a stored line of a committed round's ranking with what the public list shows.
type publishedEntry struct {
	Rank           int           `db:"rank"`
	ApplicationID  int64         `db:"application_id"`
	Name           string        `db:"applicant_name"`
	Grade          *string       `db:"grade"`
	Priority       int           `db:"priority"`
	Refusals       int           `db:"refusals"`
	AppliedOn      civil.Date    `db:"applied_on"`
	HouseholdSize  int           `db:"household_size"`
	PreferredRooms pq.Int64Array `db:"preferred_rooms"`
	Lottery        []byte        `db:"lottery"`
	KeyEnterprise  bool          `db:"key_enterprise"`
	NoHousing      bool          `db:"no_current_housing"`
	UnitID         *int64        `db:"unit_id"`
}

// publishedEntries reads a committed round's ranking, with the unit each applicant was first
// offered by the round.
func publishedEntries(ctx context.Context, q sqlx.QueryerContext, roundID int64) ([]publishedEntry, error) {
	var rows []publishedEntry
	err := sqlx.SelectContext(ctx, q, &rows, `
SELECT e.rank, e.application_id, a.applicant_name, e.grade, e.priority, e.refusals,
       `+civil.SQLDateOf("e.applied_at")+` AS applied_on, e.household_size, a.preferred_rooms, e.lottery,
       e.key_enterprise, e.no_current_housing,
       (SELECT o.unit_id FROM housing_offers o WHERE o.round_id = e.round_id AND o.application_id = e.application_id
        ORDER BY o.id LIMIT 1) AS unit_id
FROM housing_round_entries e JOIN housing_applications a ON a.id = e.application_id
WHERE e.round_id = $1 ORDER BY e.rank`, roundID)
	return rows, postgres.Translate(err, "round ranking")
}

// lockAllocation serialises, per kind, the work that moves applicants between offers: a round's
// commit and the cascade of a refused offer. Both lock units and then applications, but a cascade
// locks the refusing applicant before the next one, which a commit locking every pending
// applicant in id order could otherwise meet the other way round.
func lockAllocation(ctx context.Context, q sqlx.ExecerContext, kind Kind) error {
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('housing_allocation'), hashtext($1))`, string(kind))
	return postgres.Translate(err, "allocation lock")
}
