package talent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/postgres"
)

const talentColumns = `id, enterprise_id, status, name, gender, birth_date, id_number_cipher, id_number_masked,
       mobile, email, position, education, school, major, graduation_year, title, skill_level, honours,
       annual_salary_fen, field, arrived_on, notes, grade, grade_rules, grade_overridden, grade_decision_id,
       review_comment, submitted_at, registered_at, left_at, version, created_at, updated_at`

// translateTalent adds the registry's meaning to driver errors on talent rows.
func translateTalent(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrTalentNotFound
	}
	if postgres.Constraint(err) == "talents_enterprise_id_fkey" {
		return errUnknownEnterprise
	}
	return postgres.Translate(err, what)
}

// sealedID is an identity number in the three forms the table keeps.
type sealedID struct {
	cipher []byte
	hash   []byte
	masked string
}

const insertTalent = `
INSERT INTO talents (enterprise_id, name, gender, birth_date, id_number_cipher, id_number_hash, id_number_masked,
       mobile, email, position, education, school, major, graduation_year, title, skill_level, honours, honour_codes,
       annual_salary_fen, field, arrived_on, notes, name_grams)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
ON CONFLICT (id_number_hash) DO NOTHING
RETURNING ` + talentColumns

// insertTalentRow inserts a draft; found is false when the identity number exists already.
func insertTalentRow(ctx context.Context, q sqlx.ExtContext, in TalentInput, id sealedID) (Talent, bool, error) {
	var out Talent
	err := sqlx.GetContext(ctx, q, &out, insertTalent, in.EnterpriseID, in.Name, in.Gender, in.BirthDate,
		id.cipher, id.hash, id.masked, in.Mobile, in.Email, in.Position, in.Education, in.School, in.Major,
		nullInt(in.GraduationYear), in.Title, in.SkillLevel, HonourList(in.Honours), HonourList(in.Honours).codes(),
		in.AnnualSalaryFen, in.Field, in.ArrivedOn, in.Notes, nameGrams(in.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return out, false, nil
	}
	return out, err == nil, translateTalent(err, "create talent")
}

func nullInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

const updateTalent = `
UPDATE talents SET enterprise_id = $2, name = $3, gender = $4, birth_date = $5, id_number_cipher = $6,
       id_number_hash = $7, id_number_masked = $8, mobile = $9, email = $10, position = $11, education = $12,
       school = $13, major = $14, graduation_year = $15, title = $16, skill_level = $17, honours = $18,
       honour_codes = $19, annual_salary_fen = $20, field = $21, arrived_on = $22, notes = $23, name_grams = $24,
       version = version + 1, updated_at = now()
WHERE id = $1
RETURNING ` + talentColumns

func updateTalentRow(ctx context.Context, q sqlx.ExtContext, id int64, in TalentInput, sid sealedID) (Talent, error) {
	var out Talent
	err := sqlx.GetContext(ctx, q, &out, updateTalent, id, in.EnterpriseID, in.Name, in.Gender, in.BirthDate,
		sid.cipher, sid.hash, sid.masked, in.Mobile, in.Email, in.Position, in.Education, in.School, in.Major,
		nullInt(in.GraduationYear), in.Title, in.SkillLevel, HonourList(in.Honours), HonourList(in.Honours).codes(),
		in.AnnualSalaryFen, in.Field, in.ArrivedOn, in.Notes, nameGrams(in.Name))
	return out, translateTalent(err, "update talent")
}

const selectTalent = `SELECT ` + talentColumns + ` FROM talents WHERE id = $1`

func getTalent(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Talent, error) {
	query := selectTalent
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var out Talent
	err := sqlx.GetContext(ctx, q, &out, query, id)
	return out, translateTalent(err, "get talent")
}

const selectStatusByHash = `SELECT status FROM talents WHERE id_number_hash = $1`

const selectOtherStatusByHash = `SELECT status FROM talents WHERE id_number_hash = $1 AND id <> $2`

// otherStatusByHash returns the status of the record, other than id, that holds the identity
// number with this blind index; NotFound when there is none.
func otherStatusByHash(ctx context.Context, q sqlx.QueryerContext, hash []byte, id int64) (Status, error) {
	var st Status
	err := sqlx.GetContext(ctx, q, &st, selectOtherStatusByHash, hash, id)
	return st, translateTalent(err, "find talent")
}

func statusByHash(ctx context.Context, q sqlx.QueryerContext, hash []byte) (Status, error) {
	var st Status
	err := sqlx.GetContext(ctx, q, &st, selectStatusByHash, hash)
	return st, translateTalent(err, "find talent")
}

// transition is a change of workflow status with the columns it sets besides status.
type transition struct {
	to            Status
	comment       *string // review_comment; nil keeps it
	submitted     bool
	registered    bool
	left          bool
	enterpriseID  **int64 // re-registration may move the person to another enterprise
	clearGrade    bool
	gradeDecision *Decision
}

func applyTransition(ctx context.Context, q sqlx.ExtContext, t Talent, tr transition) (Talent, error) {
	sets := []string{"status = $2", "version = version + 1", "updated_at = now()"}
	args := []any{t.ID, string(tr.to)}
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if tr.comment != nil {
		add("review_comment", *tr.comment)
	}
	if tr.submitted {
		sets = append(sets, "submitted_at = now()")
	}
	if tr.registered {
		sets = append(sets, "registered_at = now()", "left_at = NULL")
	}
	if tr.left {
		sets = append(sets, "left_at = now()")
	}
	if tr.enterpriseID != nil {
		add("enterprise_id", *tr.enterpriseID)
	}
	if tr.clearGrade {
		sets = append(sets, "grade = NULL", "grade_rules = '{}'", "grade_overridden = false", "grade_decision_id = NULL",
			"registered_at = NULL", "submitted_at = NULL")
	}
	if d := tr.gradeDecision; d != nil {
		add("grade", string(d.Grade))
		add("grade_rules", d.Rules)
		add("grade_overridden", d.Overridden)
		add("grade_decision_id", d.ID)
	}
	var out Talent
	err := sqlx.GetContext(ctx, q, &out, `UPDATE talents SET `+strings.Join(sets, ", ")+` WHERE id = $1 RETURNING `+talentColumns, args...)
	return out, translateTalent(err, "update talent status")
}

const insertEvent = `
INSERT INTO talent_events (talent_id, action, from_status, to_status, comment, actor_id, actor_username)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

func insertEventRow(ctx context.Context, q sqlx.ExtContext, p auth.Principal, talentID int64, action string, from *Status, to Status, comment string) error {
	var fromS *string
	if from != nil {
		s := string(*from)
		fromS = &s
	}
	_, err := q.ExecContext(ctx, insertEvent, talentID, action, fromS, string(to), comment, p.ActorID(), p.Username)
	return translateTalent(err, "record talent event")
}

const selectEvents = `
SELECT id, action, from_status, to_status, comment, actor_username, at FROM talent_events
WHERE talent_id = $1 ORDER BY id`

func listEvents(ctx context.Context, q sqlx.QueryerContext, talentID int64) ([]Event, error) {
	out := []Event{}
	err := sqlx.SelectContext(ctx, q, &out, selectEvents, talentID)
	return out, translateTalent(err, "list talent events")
}

const insertDecision = `
INSERT INTO grade_decisions (talent_id, policy_id, grade, rules, attributes, overridden, reason, decided_by_id, decided_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id, decided_at`

func insertDecisionRow(ctx context.Context, q sqlx.ExtContext, p auth.Principal, talentID int64, d *Decision) error {
	row := q.QueryRowxContext(ctx, insertDecision, talentID, d.PolicyID, string(d.Grade), d.Rules, d.Attributes,
		d.Overridden, d.Reason, p.ActorID(), p.Username)
	d.DecidedBy = p.Username
	return translateTalent(row.Scan(&d.ID, &d.DecidedAt), "record grade decision")
}

const selectDecisions = `
SELECT d.id, d.policy_id, p.version AS policy_version, d.grade, d.rules, d.attributes, d.overridden, d.reason,
       d.decided_by, d.decided_at
FROM grade_decisions d JOIN grading_policies p ON p.id = d.policy_id
WHERE d.talent_id = $1 ORDER BY d.id`

func listDecisions(ctx context.Context, q sqlx.QueryerContext, talentID int64) ([]Decision, error) {
	out := []Decision{}
	err := sqlx.SelectContext(ctx, q, &out, selectDecisions, talentID)
	return out, translateTalent(err, "list grade decisions")
}

// TalentFilter narrows a talent search; zero values do not filter.
type TalentFilter struct {
	Grade        string
	Status       string
	EnterpriseID int64
	// Employed: "true" only enterprise-employed talent, "false" only those without an enterprise.
	Employed       string
	Education      string
	Title          string
	Honour         string
	Query          string // part of the name
	IDNumberHash   []byte // an exact identity number, as its blind index
	RegisteredFrom civil.Date
	RegisteredTo   civil.Date // inclusive
	Sort           string     // id (default), -id, name, registered_at, -registered_at, submitted_at, -submitted_at
}

// auditView is the filter as the audit log keeps it: what was asked for, never an identity
// number (only whether one was looked up).
func (f TalentFilter) auditView() map[string]any {
	out := map[string]any{}
	for k, v := range map[string]string{"grade": f.Grade, "status": f.Status, "employed": f.Employed,
		"education": f.Education, "title": f.Title, "honour": f.Honour, "name": f.Query, "sort": f.Sort,
		"registered_from": f.RegisteredFrom.String(), "registered_to": f.RegisteredTo.String()} {
		if v != "" {
			out[k] = v
		}
	}
	if f.EnterpriseID != 0 {
		out["enterprise_id"] = f.EnterpriseID
	}
	if _, err := govid.ParseIDNumber(strings.ToUpper(strings.TrimSpace(f.Query))); err == nil || f.IDNumberHash != nil {
		delete(out, "name")
		out["id_number"] = "one person"
	}
	return out
}

// where builds the WHERE clause of f within the caller's scope.
func (f TalentFilter) where(scope auth.Scope) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if !scope.All() {
		add("enterprise_id = CAST(? AS bigint)", scope.EnterpriseID())
	}
	if f.EnterpriseID != 0 {
		add("enterprise_id = CAST(? AS bigint)", f.EnterpriseID)
	}
	switch f.Employed {
	case "true":
		conds = append(conds, "enterprise_id IS NOT NULL")
	case "false":
		conds = append(conds, "enterprise_id IS NULL")
	}
	if f.Grade != "" {
		add("grade = ?", f.Grade)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Education != "" {
		add("education = ?", f.Education)
	}
	if f.Title != "" {
		add("title = ?", f.Title)
	}
	if f.Honour != "" {
		add("honour_codes @> ARRAY[?]::text[]", f.Honour)
	}
	if f.Query != "" {
		add("name_grams @> ?", queryGrams(f.Query))
		add(`name ILIKE '%' || ? || '%'`, escapeLike(f.Query))
	}
	if f.IDNumberHash != nil {
		add("id_number_hash = ?", f.IDNumberHash)
	}
	if !f.RegisteredFrom.IsZero() {
		add("registered_at >= ?", districtMidnight(f.RegisteredFrom))
	}
	if !f.RegisteredTo.IsZero() {
		add("registered_at < ?", districtMidnight(f.RegisteredTo).AddDate(0, 0, 1))
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// districtMidnight is the instant the district's day d begins.
func districtMidnight(d civil.Date) time.Time {
	y, m, day := d.Time().Date()
	return time.Date(y, m, day, 0, 0, 0, 0, civil.District)
}

// listedRow is a talent row as a listing reads it: with its employer's name and whether it has
// a photo.
type listedRow struct {
	Talent
	EnterpriseName *string `db:"enterprise_name"`
	HasPhoto       bool    `db:"has_photo"`
}

// listTalentRows returns up to limit rows matching f after the cursor position, and the total.
// The page is chosen on the talents alone (where the indexes serve the order), then joined to
// the employers' names and re-sorted, so that the join never touches more than one page.
func listTalentRows(ctx context.Context, q sqlx.QueryerContext, f TalentFilter, scope auth.Scope, after *cursor, limit int, withTotal bool) ([]listedRow, int, error) {
	spec, ok := sorts[f.Sort]
	if !ok {
		return nil, 0, errs.Fields(errs.Field("query.sort", "sort_unknown", "不支持这种排序", "unknown sort order", f.Sort))
	}
	where, args := f.where(scope)
	total := -1
	if withTotal {
		var err error
		if total, err = countTalents(ctx, q, f, scope, where, args); err != nil {
			return nil, 0, err
		}
	}
	if after != nil {
		key, err := spec.keyArg(*after)
		if err != nil {
			return nil, 0, err
		}
		cmp := ">"
		if spec.desc {
			cmp = "<"
		}
		keyset := fmt.Sprintf("id %s $%d", cmp, len(args)+1)
		if spec.kind == keyID {
			args = append(args, after.ID)
		} else {
			keyset = fmt.Sprintf("(%s, id) %s ($%d, $%d)", spec.keyOn(""), cmp, len(args)+1, len(args)+2)
			args = append(args, key, after.ID)
		}
		if where == "" {
			where = " WHERE " + keyset
		} else {
			where += " AND " + keyset
		}
	}
	args = append(args, limit)
	query := `SELECT l.*, e.name AS enterprise_name,
       EXISTS (SELECT 1 FROM talent_photos ph WHERE ph.talent_id = l.id) AS has_photo
FROM (SELECT ` + talentColumns + ` FROM talents` + where + spec.orderBy("") + fmt.Sprintf(" LIMIT $%d", len(args)) + `) l
LEFT JOIN enterprises e ON e.id = l.enterprise_id` + spec.orderBy("l.")
	var rows []listedRow
	err := sqlx.SelectContext(ctx, q, &rows, query, args...)
	return rows, total, translateTalent(err, "list talents")
}

// countFromCounters totals the running counts (talent_counts) for filters they cover — status,
// grade, enterprise, employed — so that the common listings never count the registry row by row.
const countFromCounters = `
SELECT COALESCE(sum(n), 0) FROM talent_counts
WHERE kind = 'status' AND ($1 = '' OR k1 = $1) AND ($2 = '' OR k2 = $2)
  AND (CAST($3 AS bigint) = 0 OR enterprise_id = CAST($3 AS bigint))
  AND (CAST($4 AS boolean) OR enterprise_id = CAST($5 AS bigint))
  AND ($6 = '' OR ($6 = 'true') = (enterprise_id <> 0))`

func countTalents(ctx context.Context, q sqlx.QueryerContext, f TalentFilter, scope auth.Scope, where string, args []any) (int, error) {
	var total int
	if f.Education == "" && f.Title == "" && f.Honour == "" && f.Query == "" && f.IDNumberHash == nil &&
		f.RegisteredFrom.IsZero() && f.RegisteredTo.IsZero() {
		err := sqlx.GetContext(ctx, q, &total, countFromCounters, f.Status, f.Grade, f.EnterpriseID, scope.All(), scope.EnterpriseID(), f.Employed)
		return total, translateTalent(err, "count talents")
	}
	err := sqlx.GetContext(ctx, q, &total, `SELECT count(*) FROM talents`+where, args...)
	return total, translateTalent(err, "count talents")
}

// gradeRow is what re-grading needs of a registered talent.
type gradeRow struct {
	ID              int64          `db:"id"`
	Name            string         `db:"name"`
	Grade           *Grade         `db:"grade"`
	GradeOverridden bool           `db:"grade_overridden"`
	Education       string         `db:"education"`
	Title           string         `db:"title"`
	SkillLevel      string         `db:"skill_level"`
	HonourCodes     pq.StringArray `db:"honour_codes"`
	AnnualSalaryFen int64          `db:"annual_salary_fen"`
	BirthDate       civil.Date     `db:"birth_date"`
}

func (g gradeRow) attributes() Attributes {
	return Attributes{Education: g.Education, Title: g.Title, SkillLevel: g.SkillLevel, Honours: g.HonourCodes,
		AnnualSalaryFen: g.AnnualSalaryFen, BirthDate: g.BirthDate}
}

const selectRegisteredForGrading = `
SELECT id, name, grade, grade_overridden, education, title, skill_level, honour_codes, annual_salary_fen, birth_date
FROM talents WHERE status = 'registered' AND id > $1 ORDER BY id LIMIT $2`

// eachRegistered calls fn for every registered talent, in id order, a batch at a time so that
// memory stays flat however large the registry.
func eachRegistered(ctx context.Context, q sqlx.QueryerContext, fn func(gradeRow) error) error {
	var after int64
	for {
		var batch []gradeRow
		if err := sqlx.SelectContext(ctx, q, &batch, selectRegisteredForGrading, after, 5000); err != nil {
			return translateTalent(err, "read registered talents")
		}
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(batch) < 5000 {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}
