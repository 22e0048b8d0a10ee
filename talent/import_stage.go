package talent

import (
	"context"
	"database/sql"
	"strings"

	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/errs"
	"talentd/internal/postgres"
)

// The staging table holds the rows of one upload for the length of its transaction. A row with
// talent_id names a record: first as read from the file (merged false), then, once checked
// against the record, as the record's new state with what changed (merged true).
const createStage = `
CREATE TEMP TABLE talent_import (
    row_no integer NOT NULL, talent_id bigint, merged boolean NOT NULL, birth_year integer, changes jsonb,
    enterprise_id bigint, name text, gender text, birth_date date,
    id_number_cipher bytea, id_number_hash bytea, id_number_masked text, mobile text, email text,
    position text, education text, school text, major text, graduation_year integer, title text,
    skill_level text, honours jsonb, honour_codes text[], annual_salary_fen bigint, field text,
    arrived_on date, notes text, name_grams text[]
) ON COMMIT DROP`

// stageColumns are the columns of the staging table the upload is streamed into.
var stageColumns = []string{"row_no", "talent_id", "merged", "birth_year", "changes", "enterprise_id", "name",
	"gender", "birth_date", "id_number_cipher", "id_number_hash", "id_number_masked", "mobile", "email",
	"position", "education", "school", "major", "graduation_year", "title", "skill_level", "honours",
	"honour_codes", "annual_salary_fen", "field", "arrived_on", "notes", "name_grams"}

var copyStage = "COPY talent_import (" + strings.Join(stageColumns, ", ") + ") FROM STDIN"

// copyRow streams one row into the staging table through stmt (a COPY). An identity number
// without a ciphertext (one that stays as the record has it) is staged as NULL.
func (r *importRun) copyRow(ctx context.Context, stmt *sql.Stmt, line int, row parsedRow, id sealedID, merged bool, changes []byte) error {
	in := row.in
	honours, _ := HonourList(in.Honours).Value()
	// COPY writes a nil []byte as an empty value, not as NULL: absent values are untyped nils.
	var talentID, cipher, hash, masked, changed any
	if row.recordID != 0 {
		talentID = row.recordID
	}
	if id.cipher != nil {
		cipher = id.cipher
	}
	if id.hash != nil {
		hash = id.hash
	}
	if id.masked != "" {
		masked = id.masked
	}
	if changes != nil {
		changed = string(changes)
	}
	_, err := stmt.ExecContext(ctx, line, talentID, merged, nullInt(row.birthYear), changed, in.EnterpriseID, in.Name,
		in.Gender, nullDate(in.BirthDate), cipher, hash, masked, in.Mobile, in.Email, in.Position, in.Education,
		in.School, in.Major, nullInt(in.GraduationYear), in.Title, in.SkillLevel, honours, HonourList(in.Honours).codes(),
		in.AnnualSalaryFen, in.Field, nullDate(in.ArrivedOn), in.Notes, nameGrams(in.Name))
	return postgres.Translate(err, "import: copy")
}

// Rows that repeat a person of another row of the file — earlier, or (for a new row) the row that
// names the person's record by id — and rows whose person the registry holds already where the
// row may not have them: for a new row, anything but a draft of the same enterprise (which the
// row then updates); for a row naming a record, any other record.
const selectStageConflicts = `
SELECT i.row_no, COALESCE(d.first_row, m.row_no) AS other_row, t.status
FROM talent_import i
LEFT JOIN (SELECT row_no, min(row_no) OVER (PARTITION BY id_number_hash) AS first_row FROM talent_import) d
       ON d.row_no = i.row_no AND d.first_row <> i.row_no
LEFT JOIN talents same ON i.talent_id IS NULL AND same.id_number_hash = i.id_number_hash
LEFT JOIN talent_import m ON m.talent_id = same.id
LEFT JOIN talents t ON t.id_number_hash = i.id_number_hash
       AND CASE WHEN i.talent_id IS NULL THEN t.status <> 'draft' OR t.enterprise_id IS DISTINCT FROM i.enterprise_id
                ELSE t.id <> i.talent_id END
WHERE d.first_row IS NOT NULL OR m.row_no IS NOT NULL OR t.id IS NOT NULL
ORDER BY i.row_no`

// checkStage reports and drops the rows that would register a person twice.
func (r *importRun) checkStage(ctx context.Context) error {
	rows, err := r.tx.QueryContext(ctx, selectStageConflicts)
	if err != nil {
		return postgres.Translate(err, "import: check")
	}
	defer rows.Close()
	var bad pq.Int64Array
	for rows.Next() {
		var row int64
		var other *int64
		var status *string
		if err := rows.Scan(&row, &other, &status); err != nil {
			return err
		}
		var e *errs.Error
		if other == nil {
			e = withCode(errDuplicate(Status(*status)), "duplicate_id_number")
		} else {
			e = errs.Newf(errs.Conflict, "duplicate_row", "与本文件第%d行是同一人（身份证号相同）", "the same person as row %d of this file", *other)
		}
		r.rep.add(r.rp.problem(int(row), "id_number", "", e))
		bad = append(bad, row)
	}
	if err := rows.Err(); err != nil {
		return postgres.Translate(err, "import: check")
	}
	return r.dropRows(ctx, bad)
}

// dropRows removes rows reported as bad from the staging table.
func (r *importRun) dropRows(ctx context.Context, rows pq.Int64Array) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := r.tx.ExecContext(ctx, `DELETE FROM talent_import WHERE row_no = ANY($1)`, rows)
	return postgres.Translate(err, "import: check")
}

// The merge writes the staged rows, each kind of change one statement that also writes the
// history event and the audit record (identity number masked) of every record it touched:
// records named by id are updated with what changed; drafts of the same people (rows without
// an id) are updated where they differ; everyone else becomes a new draft.
const (
	importAuditColumns = `t.id, t.enterprise_id, t.status, t.name, t.id_number_masked, t.education, t.title,
              t.skill_level, t.honours, t.annual_salary_fen, t.mobile, t.position, t.version`

	importSetColumns = `name = i.name, gender = i.gender, birth_date = i.birth_date,
           mobile = i.mobile, email = i.email, position = i.position, education = i.education, school = i.school,
           major = i.major, graduation_year = i.graduation_year, title = i.title, skill_level = i.skill_level,
           honours = i.honours, honour_codes = i.honour_codes, annual_salary_fen = i.annual_salary_fen,
           field = i.field, arrived_on = i.arrived_on, notes = i.notes, name_grams = i.name_grams,
           version = t.version + 1, updated_at = now()`

	updateByID = `
changed AS (
    UPDATE talents t SET ` + importSetColumns + `, enterprise_id = i.enterprise_id,
           id_number_cipher = COALESCE(i.id_number_cipher, t.id_number_cipher), id_number_hash = i.id_number_hash,
           id_number_masked = COALESCE(i.id_number_masked, t.id_number_masked)
    FROM talent_import i
    WHERE i.talent_id = t.id AND i.merged
    RETURNING ` + importAuditColumns + `, i.changes)`

	// A draft of the same person is updated only where the row says something else.
	updateByPerson = `
changed AS (
    UPDATE talents t SET ` + importSetColumns + `, id_number_cipher = i.id_number_cipher,
           id_number_masked = i.id_number_masked
    FROM talent_import i
    WHERE i.talent_id IS NULL AND t.id_number_hash = i.id_number_hash AND t.status = 'draft'
      AND t.enterprise_id IS NOT DISTINCT FROM i.enterprise_id
      AND (t.name, t.gender, t.birth_date, t.mobile, t.email, t.position, t.education, t.school, t.major,
           t.graduation_year, t.title, t.skill_level, t.honours, t.annual_salary_fen, t.field, t.arrived_on, t.notes)
          IS DISTINCT FROM
          (i.name, i.gender, i.birth_date, i.mobile, i.email, i.position, i.education, i.school, i.major,
           i.graduation_year, i.title, i.skill_level, i.honours, i.annual_salary_fen, i.field, i.arrived_on, i.notes)
    RETURNING ` + importAuditColumns + `, NULL::jsonb AS changes)`

	insertNew = `
changed AS (
    INSERT INTO talents AS t (enterprise_id, name, gender, birth_date, id_number_cipher, id_number_hash, id_number_masked,
           mobile, email, position, education, school, major, graduation_year, title, skill_level, honours,
           honour_codes, annual_salary_fen, field, arrived_on, notes, name_grams)
    SELECT enterprise_id, name, gender, birth_date, id_number_cipher, id_number_hash, id_number_masked, mobile, email,
           position, education, school, major, graduation_year, title, skill_level, honours, honour_codes,
           annual_salary_fen, field, arrived_on, notes, name_grams
    FROM talent_import i
    WHERE i.talent_id IS NULL AND NOT EXISTS (SELECT 1 FROM talents x WHERE x.id_number_hash = i.id_number_hash)
    RETURNING ` + importAuditColumns + `, NULL::jsonb AS changes)`

	// The history event keeps the record's status: an upload changes fields, never the workflow.
	importEvents = `,
events AS (
    INSERT INTO talent_events (talent_id, action, from_status, to_status, actor_id, actor_username)
    SELECT id, $1, status, status, $2, $3 FROM changed)`

	// The audit view of an imported record: the fields auditRecord keeps, and for a record named
	// by id the fields the row changed, with their old and new values.
	auditOfChanged = `
SELECT id::text,
       CASE WHEN changes IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('changes', changes) END ||
       jsonb_build_object('id', id, 'enterprise_id', enterprise_id, 'status', status, 'name', name,
                          'id_number', id_number_masked, 'education', education, 'title', title,
                          'skill_level', skill_level, 'honours', honours, 'annual_salary_fen', annual_salary_fen,
                          'mobile', mobile, 'position', position, 'version', version)
FROM changed`

	// Rows without an id whose person has a draft the file may update (checkStage has removed
	// the others): those the update leaves alone are unchanged.
	countSamePerson = `
SELECT count(*) FROM talent_import i JOIN talents t ON t.id_number_hash = i.id_number_hash
WHERE i.talent_id IS NULL`
)

func (r *importRun) merge(ctx context.Context) error {
	var samePerson int
	if err := r.tx.GetContext(ctx, &samePerson, countSamePerson); err != nil {
		return postgres.Translate(err, "import: merge")
	}
	actor := r.p.ActorID()
	var byID, byPerson int
	for _, step := range []struct {
		change, event, action string
		count                 *int
	}{
		{updateByID, "import_update", "talent.import_update", &byID},
		{updateByPerson, "import_update", "talent.import_update", &byPerson},
		{insertNew, "import", "talent.import", &r.rep.Created},
	} {
		n, err := audit.WriteSet(ctx, r.tx, step.action, "talent", step.change+importEvents, auditOfChanged,
			step.event, actor, r.p.Username)
		if err != nil {
			return err
		}
		*step.count = n
	}
	r.rep.Updated = byID + byPerson
	r.rep.Unchanged += samePerson - byPerson
	return nil
}
