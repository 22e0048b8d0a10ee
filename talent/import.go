package talent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/postgres"
	"talentd/internal/tabular"
)

// MaxImportBytes bounds an upload: about 200,000 rows of a typical list.
const MaxImportBytes = 32 << 20

// maxReportedErrors bounds the error report; ErrorRows still counts every bad row.
const maxReportedErrors = 1000

// ImportResult reports what an upload did, or (when all-or-nothing refused it) would have done.
type ImportResult struct {
	Imported  int           `json:"imported" doc:"New draft records"`
	Updated   int           `json:"updated" doc:"Existing drafts of the same people, updated from the file"`
	ErrorRows int           `json:"error_rows" doc:"Rows with at least one problem (not imported)"`
	Errors    []ImportError `json:"errors" doc:"The problems, row by row (at most 1000 listed)"`
	Format    string        `json:"format,omitempty" doc:"csv or xlsx"`
	Encoding  string        `json:"encoding,omitempty" doc:"The detected text encoding of a CSV file"`
}

// report collects row problems, remembering which rows are bad.
type report struct {
	ImportResult
	badRows map[int]bool
}

func (r *report) add(e ImportError) {
	if !r.badRows[e.Row] {
		r.badRows[e.Row] = true
		r.ErrorRows++
	}
	if len(r.Errors) < maxReportedErrors {
		r.Errors = append(r.Errors, e)
	}
}

// ErrImportRefused is returned (with the report) when all-or-nothing mode finds a bad row.
var ErrImportRefused = errs.Untranslated(errs.Invalid, "the file has errors; nothing was imported")

// stageColumns are the columns of the staging table the upload is streamed into.
var stageColumns = []string{"row_no", "enterprise_id", "name", "gender", "birth_date", "id_number_cipher",
	"id_number_hash", "id_number_masked", "mobile", "email", "position", "education", "school", "major",
	"graduation_year", "title", "skill_level", "honours", "honour_codes", "annual_salary_fen", "field",
	"arrived_on", "notes", "name_grams"}

const createStage = `
CREATE TEMP TABLE talent_import (
    row_no integer NOT NULL, enterprise_id bigint, name text, gender text, birth_date date,
    id_number_cipher bytea, id_number_hash bytea, id_number_masked text, mobile text, email text,
    position text, education text, school text, major text, graduation_year integer, title text,
    skill_level text, honours jsonb, honour_codes text[], annual_salary_fen bigint, field text,
    arrived_on date, notes text, name_grams text[]
) ON COMMIT DROP`

// ImportTalents reads a CSV or XLSX upload of talent records into drafts. Every row is checked
// like a record entered by hand (and must be eligible under the policy in force); the report
// lists each problem by row and column. All-or-nothing by default: one bad row imports nothing
// (ErrImportRefused with the report). With partial, the good rows are imported. Uploading the
// same file again updates the drafts it made instead of duplicating them.
//
// The rows stream through COPY into a staging table and are checked and merged in SQL, so memory
// stays flat however long the file.
func (s *Service) ImportTalents(ctx context.Context, data []byte, partial bool) (ImportResult, error) {
	p, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return ImportResult{}, err
	}
	rep := &report{ImportResult: ImportResult{Errors: []ImportError{}}, badRows: map[int]bool{}}
	rd, err := tabular.Open(data)
	if err != nil {
		if errors.Is(err, tabular.ErrInvalidFile) {
			rep.add(ImportError{Row: 0, Message: err.Error()})
			return rep.ImportResult, ErrImportRefused
		}
		return ImportResult{}, err
	}
	defer rd.Close()
	rep.Format, rep.Encoding = rd.Format(), rd.Encoding()
	cols, problems := mapHeader(rd.Header())
	if len(problems) > 0 {
		for _, pr := range problems {
			rep.add(ImportError{Row: 1, Message: pr})
		}
		return rep.ImportResult, ErrImportRefused
	}
	pol, err := currentPolicy(ctx, s.db)
	if err != nil {
		return ImportResult{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		resolve, err := enterpriseResolver(ctx, tx)
		if err != nil {
			return err
		}
		rp := &rowParser{cols: cols, header: rd.Header(), enterprise: resolve}
		if err := s.stage(ctx, tx, scope, pol, rd, rp, rep); err != nil {
			return err
		}
		// Nothing else may register these people while the file is merged.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE talents IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return postgres.Translate(err, "import: lock")
		}
		if err := checkStage(ctx, tx, rp, rep); err != nil {
			return err
		}
		if rep.ErrorRows > 0 && !partial {
			return ErrImportRefused
		}
		return s.merge(ctx, tx, p, rep)
	})
	if err != nil {
		if errors.Is(err, ErrImportRefused) {
			rep.Imported, rep.Updated = 0, 0
			return rep.ImportResult, err
		}
		return ImportResult{}, err
	}
	return rep.ImportResult, nil
}

// enterpriseResolver resolves the credit codes of a file. The codes are read before the rows
// stream in, because the connection cannot answer queries while a COPY is in progress.
func enterpriseResolver(ctx context.Context, q sqlx.QueryerContext) (func(string) (int64, bool), error) {
	rows, err := q.QueryxContext(ctx, `SELECT uscc, id FROM enterprises`)
	if err != nil {
		return nil, postgres.Translate(err, "import: enterprises")
	}
	defer rows.Close()
	known := map[string]int64{}
	for rows.Next() {
		var uscc string
		var id int64
		if err := rows.Scan(&uscc, &id); err != nil {
			return nil, err
		}
		known[uscc] = id
	}
	return func(uscc string) (int64, bool) { id, ok := known[uscc]; return id, ok }, postgres.Translate(rows.Err(), "import: enterprises")
}

// stage parses, validates and grades every row, streaming the good ones into the staging table.
func (s *Service) stage(ctx context.Context, tx *sqlx.Tx, scope auth.Scope, pol *Policy, rd *tabular.Reader, rp *rowParser, rep *report) error {
	if _, err := tx.ExecContext(ctx, createStage); err != nil {
		return postgres.Translate(err, "import: staging table")
	}
	stmt, err := tx.PrepareContext(ctx, "COPY talent_import ("+strings.Join(stageColumns, ", ")+") FROM STDIN")
	if err != nil {
		return postgres.Translate(err, "import: copy")
	}
	defer stmt.Close()
	today := civil.DistrictToday()
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		var rowErr *tabular.RowError
		if errors.As(err, &rowErr) {
			rep.add(ImportError{Row: rowErr.Line, Message: rowErr.Reason})
			continue
		}
		if err != nil {
			if errors.Is(err, tabular.ErrInvalidFile) {
				// The file itself is broken past this point: no row of it is imported, even
				// with partial, or a cut-off file would be half-written without a word.
				rep.add(ImportError{Row: row.Line, Message: err.Error()})
				return ErrImportRefused
			}
			return err
		}
		in, problems := rp.parse(row.Line, row.Cells)
		problems = mergeProblems(problems, s.validateRow(scope, rp, row.Line, &in))
		if len(problems) == 0 {
			if a := pol.Assess(in.attributesForAssessment(), today); !a.Eligible {
				problems = append(problems, ImportError{Row: row.Line, Message: "not eligible: " + a.Reason})
			}
		}
		if len(problems) > 0 {
			for _, pr := range problems {
				rep.add(pr)
			}
			continue
		}
		sid := s.seal(in.IDNumber)
		honours, _ := HonourList(in.Honours).Value()
		if _, err := stmt.ExecContext(ctx, row.Line, in.EnterpriseID, in.Name, in.Gender, in.BirthDate.String(),
			sid.cipher, sid.hash, sid.masked, in.Mobile, in.Email, in.Position, in.Education, in.School, in.Major,
			nullInt(in.GraduationYear), in.Title, in.SkillLevel, honours, HonourList(in.Honours).codes(),
			in.AnnualSalaryFen, in.Field, nullDate(in.ArrivedOn), in.Notes, nameGrams(in.Name)); err != nil {
			return postgres.Translate(err, "import: copy")
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return postgres.Translate(err, "import: copy")
	}
	return nil
}

// mergeProblems adds validation problems to parse problems, leaving out columns that already
// failed to parse (their field is empty, and "required" would only repeat the first complaint).
func mergeProblems(parsed, validated []ImportError) []ImportError {
	seen := map[string]bool{}
	for _, p := range parsed {
		seen[p.Column] = true
	}
	for _, v := range validated {
		if !seen[v.Column] {
			parsed = append(parsed, v)
		}
	}
	return parsed
}

// validateRow applies the same rules as a record entered through the API, reporting them by the
// file's column names.
func (s *Service) validateRow(scope auth.Scope, rp *rowParser, line int, in *TalentInput) []ImportError {
	err := s.prepare(scope, in)
	if err == nil {
		return nil
	}
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return []ImportError{{Row: line, Message: err.Error()}}
	}
	out := make([]ImportError, 0, len(e.Fields))
	for _, f := range e.Fields {
		field := fieldOfLocation(f.Location)
		value := ""
		if f.Value != nil {
			value = fmt.Sprint(f.Value)
		}
		if field == "id_number" {
			value = maskForReport(value)
		}
		out = append(out, ImportError{Row: line, Column: rp.headerOf(field), Value: value, Message: f.Message})
	}
	return out
}

// Rows that repeat a person earlier in the same file, and rows whose person the registry holds
// already in a state an upload may not change (anything but a draft of the same enterprise).
const selectStageConflicts = `
SELECT i.row_no, d.first_row, t.status
FROM talent_import i
LEFT JOIN (SELECT row_no, min(row_no) OVER (PARTITION BY id_number_hash) AS first_row FROM talent_import) d
       ON d.row_no = i.row_no AND d.first_row <> i.row_no
LEFT JOIN talents t ON t.id_number_hash = i.id_number_hash
       AND (t.status <> 'draft' OR t.enterprise_id IS DISTINCT FROM i.enterprise_id)
WHERE d.first_row IS NOT NULL OR t.id IS NOT NULL
ORDER BY i.row_no`

func checkStage(ctx context.Context, tx *sqlx.Tx, rp *rowParser, rep *report) error {
	rows, err := tx.QueryContext(ctx, selectStageConflicts)
	if err != nil {
		return postgres.Translate(err, "import: check")
	}
	defer rows.Close()
	var bad pq.Int64Array
	for rows.Next() {
		var row int64
		var first *int64
		var status *string
		if err := rows.Scan(&row, &first, &status); err != nil {
			return err
		}
		col := rp.headerOf("id_number")
		if first != nil {
			rep.add(ImportError{Row: int(row), Column: col, Message: fmt.Sprintf("the same person as row %d of this file", *first)})
		} else {
			rep.add(ImportError{Row: int(row), Column: col, Message: errDuplicate(Status(*status)).Message})
		}
		bad = append(bad, row)
	}
	if err := rows.Err(); err != nil {
		return postgres.Translate(err, "import: check")
	}
	if len(bad) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM talent_import WHERE row_no = ANY($1)`, bad); err != nil {
			return postgres.Translate(err, "import: check")
		}
	}
	return nil
}

// The merge: drafts of the same people are updated, everyone else becomes a new draft. Each is one
// statement that also writes the history event and the audit record (identity number masked) of
// every record it touched.
const (
	updateFromStage = `
changed AS (
    UPDATE talents t SET name = i.name, gender = i.gender, birth_date = i.birth_date,
           id_number_cipher = i.id_number_cipher, id_number_masked = i.id_number_masked, mobile = i.mobile,
           email = i.email, position = i.position, education = i.education, school = i.school, major = i.major,
           graduation_year = i.graduation_year, title = i.title, skill_level = i.skill_level, honours = i.honours,
           honour_codes = i.honour_codes, annual_salary_fen = i.annual_salary_fen, field = i.field,
           arrived_on = i.arrived_on, notes = i.notes, name_grams = i.name_grams, version = t.version + 1, updated_at = now()
    FROM talent_import i
    WHERE t.id_number_hash = i.id_number_hash AND t.status = 'draft' AND t.enterprise_id IS NOT DISTINCT FROM i.enterprise_id
    RETURNING t.id, t.enterprise_id, t.status, t.name, t.id_number_masked, t.education, t.title, t.skill_level,
              t.honours, t.annual_salary_fen, t.mobile, t.position, t.version)`

	insertFromStage = `
changed AS (
    INSERT INTO talents (enterprise_id, name, gender, birth_date, id_number_cipher, id_number_hash, id_number_masked,
           mobile, email, position, education, school, major, graduation_year, title, skill_level, honours,
           honour_codes, annual_salary_fen, field, arrived_on, notes, name_grams)
    SELECT enterprise_id, name, gender, birth_date, id_number_cipher, id_number_hash, id_number_masked, mobile, email,
           position, education, school, major, graduation_year, title, skill_level, honours, honour_codes,
           annual_salary_fen, field, arrived_on, notes, name_grams
    FROM talent_import i
    WHERE NOT EXISTS (SELECT 1 FROM talents t WHERE t.id_number_hash = i.id_number_hash)
    RETURNING id, enterprise_id, status, name, id_number_masked, education, title, skill_level, honours,
              annual_salary_fen, mobile, position, version)`

	importEvents = `,
events AS (
    INSERT INTO talent_events (talent_id, action, from_status, to_status, actor_id, actor_username)
    SELECT id, $1, 'draft', 'draft', $2, $3 FROM changed)`

	// The audit view of an imported record: the fields auditRecord keeps.
	auditOfChanged = `
SELECT id::text,
       jsonb_build_object('id', id, 'enterprise_id', enterprise_id, 'status', status, 'name', name,
                          'id_number', id_number_masked, 'education', education, 'title', title,
                          'skill_level', skill_level, 'honours', honours, 'annual_salary_fen', annual_salary_fen,
                          'mobile', mobile, 'position', position, 'version', version)
FROM changed`
)

func (s *Service) merge(ctx context.Context, tx *sqlx.Tx, p auth.Principal, rep *report) error {
	actor := p.ActorID()
	for _, step := range []struct {
		change, event, action string
		count                 *int
	}{
		{updateFromStage, "import_update", "talent.import_update", &rep.Updated},
		{insertFromStage, "import", "talent.import", &rep.Imported},
	} {
		n, err := audit.WriteSet(ctx, tx, step.action, "talent", step.change+importEvents, auditOfChanged,
			step.event, actor, p.Username)
		if err != nil {
			return err
		}
		*step.count = n
	}
	return nil
}
