package talent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
)

// MaxImportBytes bounds an upload: about 200,000 rows of a typical list.
const MaxImportBytes = 32 << 20

// maxReportedErrors bounds the error report; ErrorRows still counts every bad row.
const maxReportedErrors = 1000

// ImportResult reports what an upload did, or (when all-or-nothing refused it) the problems that
// stopped it, with every count zero.
type ImportResult struct {
	Created   int           `json:"created" doc:"New draft records"`
	Updated   int           `json:"updated" doc:"Existing records the file changed: rows carrying 编号(系统), and drafts of the same people"`
	Unchanged int           `json:"unchanged" doc:"Rows that match their record as it stands (nothing written)"`
	Imported  int           `json:"imported" deprecated:"true" doc:"Same as created (its name before unchanged rows were counted)"`
	ErrorRows int           `json:"error_rows" doc:"Rows with at least one problem (not imported)"`
	Errors    []ImportError `json:"errors" doc:"The problems, row by row (at most 1000 listed)"`
	Format    string        `json:"format,omitempty" doc:"csv or xlsx"`
	Encoding  string        `json:"encoding,omitempty" doc:"The detected text encoding of a CSV file"`
}

// report collects row problems, remembering which rows are bad.
type report struct {
	ImportResult
	badRows map[int]bool
	lang    string
}

func newReport(lang string) *report {
	return &report{ImportResult: ImportResult{Errors: []ImportError{}}, badRows: map[int]bool{}, lang: lang}
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

// addFile reports a problem with the file as a whole (row 0) or its header (row 1).
func (r *report) addFile(row int, e *errs.Error) {
	r.add(ImportError{Row: row, Code: e.Code, Message: e.In(r.lang)})
}

// result is the report as the caller gets it: problems in row order; refused, nothing counted.
func (r *report) result(refused bool) ImportResult {
	if refused {
		r.Created, r.Updated, r.Unchanged = 0, 0, 0
	}
	r.Imported = r.Created
	sort.SliceStable(r.Errors, func(i, j int) bool { return r.Errors[i].Row < r.Errors[j].Row })
	return r.ImportResult
}

// ErrImportRefused is returned (with the report) when all-or-nothing mode finds a bad row.
var ErrImportRefused = errs.New(errs.Invalid, "import_refused",
	"文件中有错误，未导入任何记录；请按错误清单逐行修改后重新上传",
	"the file has errors; nothing was imported")

// importRun is one upload being imported, inside its transaction.
type importRun struct {
	s     *Service
	tx    *sqlx.Tx
	p     auth.Principal
	scope auth.Scope
	pol   *Policy
	rp    *rowParser
	rep   *report
	today civil.Date
}

// ImportTalents reads a CSV or XLSX upload of talent records. A row without a record id becomes a
// new draft (or updates the draft of the same person and enterprise); a row carrying the id an
// export wrote (编号(系统)) updates that record — only the fields whose cells differ from it, under
// the same rules as editing the record by hand. Every row is checked like a record entered by hand
// (new and changed drafts must be eligible under the policy in force); the report lists each
// problem by row and column, in the reader's language. All-or-nothing by default: one bad row
// imports nothing (ErrImportRefused with the report). With partial, the good rows are imported.
// An export uploaded back unchanged changes nothing.
//
// The rows stream through COPY into a staging table and are checked and merged in SQL, so memory
// stays flat however long the file.
func (s *Service) ImportTalents(ctx context.Context, data []byte, partial bool) (ImportResult, error) {
	p, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return ImportResult{}, err
	}
	rep := newReport(reqctx.Lang(ctx))
	rd, err := tabular.Open(data)
	if err != nil {
		if errors.Is(err, tabular.ErrInvalidFile) {
			rep.addFile(0, FileProblem(err))
			return rep.result(true), ErrImportRefused
		}
		return ImportResult{}, err
	}
	defer rd.Close()
	rep.Format, rep.Encoding = rd.Format(), rd.Encoding()
	cols, problems := mapHeader(rd.Header())
	if len(problems) > 0 {
		for _, pr := range problems {
			rep.addFile(1, pr)
		}
		return rep.result(true), ErrImportRefused
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
		run := &importRun{s: s, tx: tx, p: p, scope: scope, pol: pol, rep: rep, today: civil.DistrictToday(),
			rp: &rowParser{cols: cols, header: rd.Header(), lang: rep.lang, enterprise: resolve}}
		if err := run.stage(ctx, rd); err != nil {
			return err
		}
		// Nothing else may change the registry while the file is merged.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE talents IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return postgres.Translate(err, "import: lock")
		}
		if err := run.resolveUpdates(ctx); err != nil {
			return err
		}
		if err := run.checkStage(ctx); err != nil {
			return err
		}
		if rep.ErrorRows > 0 && !partial {
			return ErrImportRefused
		}
		return run.merge(ctx)
	})
	if err != nil {
		if errors.Is(err, ErrImportRefused) {
			return rep.result(true), err
		}
		return ImportResult{}, err
	}
	return rep.result(false), nil
}

// FileProblem says in Chinese what is wrong with an unreadable file; the English is the reader's
// own description, which names the limit or the line.
func FileProblem(err error) *errs.Error {
	detail := err.Error()
	kinds := []struct {
		kind     error
		code, zh string
	}{
		{tabular.ErrEmpty, "file_empty", "文件是空的，请填写后再上传"},
		{tabular.ErrUnknownFormat, "file_unreadable", "无法读取该文件：请上传 CSV 或 Excel（.xlsx）文件；旧版 .xls 或设置了密码的文件请另存为不加密的 .xlsx"},
		{tabular.ErrNoWorksheet, "file_no_worksheet", "工作簿中没有可见的工作表"},
		{tabular.ErrMalformedCSV, "file_malformed", "CSV 文件格式有误（如引号不成对），请用 Excel 重新另存为 CSV"},
		{tabular.ErrTooLarge, "file_too_large", "文件超出系统的处理上限，请拆分成几个文件分别上传"},
	}
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			return errs.New(errs.Invalid, k.code, k.zh+"（"+detail+"）", detail)
		}
	}
	return errs.New(errs.Invalid, "file_unreadable", "无法读取该文件（"+detail+"）", detail)
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

// stage parses every row and streams it into the staging table. A new record is validated and
// graded here; a row that names a record is staged as read, and checked against the record once
// the table is locked (resolveUpdates).
func (r *importRun) stage(ctx context.Context, rd *tabular.Reader) error {
	if _, err := r.tx.ExecContext(ctx, createStage); err != nil {
		return postgres.Translate(err, "import: staging table")
	}
	stmt, err := r.tx.PrepareContext(ctx, copyStage)
	if err != nil {
		return postgres.Translate(err, "import: copy")
	}
	defer stmt.Close()
	for {
		line, cells, err := r.next(rd)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if cells == nil {
			continue // a row the reader refused, already reported
		}
		switch example, usesExampleID := r.rp.isExample(cells); {
		case example:
			continue // the template's example row, left in
		case usesExampleID:
			r.rep.add(r.rp.problem(line, "id_number", exampleIDNumber, errExampleRow))
			continue
		}
		row, problems := r.rp.parse(line, cells)
		if row.recordID != 0 {
			if len(problems) == 0 {
				err = r.copyRow(ctx, stmt, line, row, r.rawID(row), false, nil)
			}
		} else {
			problems = mergeProblems(problems, r.checkRow(line, &row))
			if len(problems) == 0 {
				problems = r.checkEligible(line, row.in)
			}
			if len(problems) == 0 {
				err = r.copyRow(ctx, stmt, line, row, r.s.seal(row.in.IDNumber), false, nil)
			}
		}
		if err != nil {
			return err
		}
		for _, pr := range problems {
			r.rep.add(pr)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return postgres.Translate(err, "import: copy")
	}
	return nil
}

// next returns the next row's cells; nil cells for a row the reader refused (it is reported),
// io.EOF after the last.
func (r *importRun) next(rd *tabular.Reader) (int, []string, error) {
	row, err := rd.Next()
	var rowErr *tabular.RowError
	switch {
	case err == nil:
		return row.Line, row.Cells, nil
	case err == io.EOF:
		return 0, nil, err
	case errors.As(err, &rowErr):
		r.rep.add(r.rp.problem(rowErr.Line, "", "", errs.New(errs.Invalid, "row_unreadable",
			"该行无法读取（"+rowErr.Reason+"）", rowErr.Reason)))
		return rowErr.Line, nil, nil
	case errors.Is(err, tabular.ErrInvalidFile):
		// The file itself is broken past this point: no row of it is imported, even with
		// partial, or a cut-off file would be half-written without a word.
		r.rep.addFile(row.Line, FileProblem(err))
		return 0, nil, ErrImportRefused
	}
	return 0, nil, err
}

// rawID is how a row naming a record stages its identity number before it is checked: sealed when
// the cell has a number, nothing when the cell is masked (the record's number stays).
func (r *importRun) rawID(row parsedRow) sealedID {
	if row.keepIDNumber {
		return sealedID{}
	}
	return r.s.seal(row.in.IDNumber)
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

// checkRow applies the rules of a record entered through the API to a row (normalising it as
// they do), reporting them by the file's column names.
func (r *importRun) checkRow(line int, row *parsedRow) []ImportError {
	if err := r.s.prepare(r.scope, &row.in); err != nil {
		return r.problemsOf(line, err)
	}
	if row.birthYear != 0 && row.in.BirthDate.Time().Year() != row.birthYear {
		return []ImportError{r.rp.problem(line, "birth_date", "", errBirthYear)}
	}
	return nil
}

// errBirthYear refuses a birth year that is not the one in the identity number.
var errBirthYear = errs.New(errs.Invalid, "birth_date_mismatch", "出生年份与身份证号不符",
	"the birth year does not agree with the identity number")

// problemsOf turns a validation error into row problems, one per field.
func (r *importRun) problemsOf(line int, err error) []ImportError {
	var e *errs.Error
	if !errors.As(err, &e) {
		return []ImportError{{Row: line, Code: "invalid_row", Message: err.Error()}}
	}
	if len(e.Fields) == 0 {
		return []ImportError{r.rp.problem(line, "", "", withCode(e, "invalid_row"))}
	}
	out := make([]ImportError, 0, len(e.Fields))
	for _, f := range e.Fields {
		value := ""
		if f.Value != nil {
			value = strings.TrimSpace(fmt.Sprint(f.Value))
		}
		fe := errs.New(errs.Invalid, f.Code, f.Zh, f.Message)
		out = append(out, r.rp.problem(line, fieldOfLocation(f.Location), value, withCode(fe, "invalid_value")))
	}
	return out
}

// withCode gives an error without a stable code the fallback one.
func withCode(e *errs.Error, fallback string) *errs.Error {
	if e.Code != "" {
		return e
	}
	c := *e
	c.Code = fallback
	return &c
}

// checkEligible refuses a record the policy in force does not grade.
func (r *importRun) checkEligible(line int, in TalentInput) []ImportError {
	a := r.pol.Assess(in.attributesForAssessment(), r.today)
	if a.Eligible {
		return nil
	}
	return []ImportError{r.rp.problem(line, "", "", errs.Newf(errs.Invalid, "not_eligible",
		"不符合现行人才分类认定标准（第%d版）的任何一条，不能登记",
		"not eligible: matches no rule of grading policy version %d", a.PolicyVersion))}
}
