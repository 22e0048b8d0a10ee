package talent

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/postgres"
)

// updateBatch is how many rows naming a record are checked at a time: the rows and their records
// are held in memory a batch at a time, so memory stays flat however long the file.
const updateBatch = 500

// stagedUpdate is a row naming a record as the file has it (before it is checked), its fields in
// the shape of the record.
type stagedUpdate struct {
	RowNo     int           `db:"row_no"`
	TalentID  int64         `db:"talent_id"`
	BirthYear sql.NullInt64 `db:"birth_year"`
	Talent
}

const selectStagedUpdates = `
SELECT row_no, talent_id, birth_year, enterprise_id, name, gender, birth_date, id_number_cipher, mobile, email,
       position, education, school, major, graduation_year, title, skill_level, honours, annual_salary_fen, field,
       arrived_on, notes
FROM talent_import WHERE talent_id IS NOT NULL AND NOT merged AND row_no > $1 ORDER BY row_no LIMIT $2`

// The records a batch names, as far as the caller reaches them: a record outside the caller's
// scope is "not found", exactly like one that does not exist.
const selectNamedRecords = `SELECT ` + talentColumns + ` FROM talents
WHERE id = ANY($1) AND (CAST($2 AS boolean) OR enterprise_id = CAST($3 AS bigint))`

// Rows that name a record an earlier row of the file names already.
const selectRepeatedRecords = `
SELECT row_no, first_row FROM (
    SELECT row_no, min(row_no) OVER (PARTITION BY talent_id) AS first_row FROM talent_import WHERE talent_id IS NOT NULL
) d WHERE first_row <> row_no ORDER BY row_no`

// Row problems of the rows that name a record.
var (
	errRecordNotFound = errs.New(errs.NotFound, "record_not_found", "找不到该记录",
		"no such record (check 编号(系统); leave it empty for a new person)")
	errExampleRow = errs.New(errs.Invalid, "example_row",
		"该行使用的是模板示例中的身份证号，请删除示例行，或改填真实人员信息",
		"this row has the template's example identity number: delete the example row or fill in a real person")
)

// resolveUpdates checks every row that names a record against that record: a row the caller may
// not reach is "not found"; a row that changes nothing counts as unchanged; a changed row must
// pass the rules of an edit by hand and is restaged as the record's new state with what changed.
// The rows as read are then dropped. Runs with the table locked, after staging.
func (r *importRun) resolveUpdates(ctx context.Context) error {
	if err := r.dropRepeatedRecords(ctx); err != nil {
		return err
	}
	after := 0
	for {
		var batch []stagedUpdate
		if err := sqlx.SelectContext(ctx, r.tx, &batch, selectStagedUpdates, after, updateBatch); err != nil {
			return postgres.Translate(err, "import: read updates")
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].RowNo
		if err := r.resolveBatch(ctx, batch); err != nil {
			return err
		}
	}
	_, err := r.tx.ExecContext(ctx, `DELETE FROM talent_import WHERE talent_id IS NOT NULL AND NOT merged`)
	return postgres.Translate(err, "import: read updates")
}

// dropRepeatedRecords reports and drops the rows that name a record a row before them names.
func (r *importRun) dropRepeatedRecords(ctx context.Context) error {
	var repeated []struct {
		Row   int64 `db:"row_no"`
		First int64 `db:"first_row"`
	}
	if err := sqlx.SelectContext(ctx, r.tx, &repeated, selectRepeatedRecords); err != nil {
		return postgres.Translate(err, "import: check")
	}
	var bad pq.Int64Array
	for _, x := range repeated {
		r.rep.add(r.rp.problem(int(x.Row), "id", "", errs.Newf(errs.Conflict, "duplicate_row",
			"与本文件第%d行是同一条记录，请合并为一行", "the same record as row %d of this file", x.First)))
		bad = append(bad, x.Row)
	}
	return r.dropRows(ctx, bad)
}

// resolveBatch checks one batch and restages its changed rows.
func (r *importRun) resolveBatch(ctx context.Context, batch []stagedUpdate) error {
	ids := make(pq.Int64Array, len(batch))
	for i, u := range batch {
		ids[i] = u.TalentID
	}
	var records []Talent
	if !r.scope.None() {
		if err := sqlx.SelectContext(ctx, r.tx, &records, selectNamedRecords, ids, r.scope.All(), r.scope.EnterpriseID()); err != nil {
			return translateTalent(err, "import: read records")
		}
	}
	byID := make(map[int64]Talent, len(records))
	for _, t := range records {
		byID[t.ID] = t
	}
	var out []resolution
	for _, u := range batch {
		cur, ok := byID[u.TalentID]
		if !ok {
			r.rep.add(r.rp.problem(u.RowNo, "id", "", errRecordNotFound))
			continue
		}
		res, err := r.resolveRow(u, cur)
		if err != nil {
			return err
		}
		switch {
		case len(res.problems) > 0:
			for _, p := range res.problems {
				r.rep.add(p)
			}
		case res.changes == nil:
			r.rep.Unchanged++
		default:
			out = append(out, res)
		}
	}
	if len(out) == 0 {
		return nil
	}
	stmt, err := r.tx.PrepareContext(ctx, copyStage)
	if err != nil {
		return postgres.Translate(err, "import: copy")
	}
	defer stmt.Close()
	for _, x := range out {
		if err := r.copyRow(ctx, stmt, x.line, x.row, x.id, true, x.changes); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return postgres.Translate(err, "import: copy")
}

// resolution is what checking a row against the record it names decided.
type resolution struct {
	line int
	row  parsedRow // the record's new state
	id   sealedID  // its identity number to stage: no ciphertext when the number stays
	// changes is what changed, as JSON for the audit log; nil when nothing did.
	changes  []byte
	problems []ImportError
}

// resolveRow merges a row with the record it names and checks the result like an edit by hand.
func (r *importRun) resolveRow(u stagedUpdate, cur Talent) (resolution, error) {
	res := resolution{line: u.RowNo}
	curNumber, err := r.s.ring.Open(cur.IDNumberCipher, idPurpose)
	if err != nil {
		return res, errs.Wrap(errs.Internal, "import_unseal", "无法读取原记录的身份证号",
			"the record's identity number cannot be opened", err)
	}
	row := parsedRow{in: u.input(), recordID: u.TalentID, keepIDNumber: u.IDNumberCipher == nil, birthYear: int(u.BirthYear.Int64)}
	if row.keepIDNumber {
		row.in.IDNumber = curNumber
	} else if row.in.IDNumber, err = r.s.ring.Open(u.IDNumberCipher, idPurpose); err != nil {
		return res, errs.Wrap(errs.Internal, "import_unseal", "无法读取上传的身份证号",
			"the uploaded identity number cannot be opened", err)
	}
	keepAbsent(&row.in, cur, r.rp.cols)
	keepHonourLevels(&row.in, cur.Honours)
	if res.problems = r.checkRow(u.RowNo, &row); len(res.problems) > 0 {
		return res, nil
	}
	changes := changedFields(cur, curNumber, row.in)
	if len(changes) == 0 {
		return res, nil
	}
	if e := editRefusal(r.p.Role, cur.Status); e != nil {
		res.problems = []ImportError{r.rp.problem(u.RowNo, "", "", e)}
		return res, nil
	}
	// A draft goes to review as it is now: like a new row, it must be eligible. A record under
	// review or registered is the office correcting it; its grade stays as decided.
	if cur.Status == StatusDraft || cur.Status == StatusReturned {
		if res.problems = r.checkEligible(u.RowNo, row.in); len(res.problems) > 0 {
			return res, nil
		}
	}
	res.row, res.id = row, sealedID{hash: r.s.IDNumberIndex(row.in.IDNumber)}
	if row.in.IDNumber != curNumber {
		res.id = r.s.seal(row.in.IDNumber)
	}
	res.changes, err = json.Marshal(changes)
	return res, err
}

// input is the row's fields as a talent input.
func (u stagedUpdate) input() TalentInput {
	return TalentInput{Name: u.Name, Gender: u.Gender, BirthDate: u.BirthDate, Mobile: u.Mobile, Email: u.Email,
		EnterpriseID: u.EnterpriseID, Position: u.Position, Education: u.Education, School: u.School, Major: u.Major,
		GraduationYear: deref(u.GraduationYear), Title: u.Title, SkillLevel: u.SkillLevel, Honours: u.Honours,
		AnnualSalaryFen: u.AnnualSalaryFen, Field: u.Field, ArrivedOn: u.ArrivedOn, Notes: u.Notes}
}

// keepAbsent gives the fields the file has no column for the record's values: an upload changes
// what it shows, nothing else. Gender and birth date are left to follow the identity number.
func keepAbsent(in *TalentInput, cur Talent, cols columnMap) {
	keep := func(field string, apply func()) {
		if !cols.has(field) {
			apply()
		}
	}
	keep("mobile", func() { in.Mobile = cur.Mobile })
	keep("email", func() { in.Email = cur.Email })
	keep("enterprise_uscc", func() { in.EnterpriseID = cur.EnterpriseID })
	keep("position", func() { in.Position = cur.Position })
	keep("school", func() { in.School = cur.School })
	keep("major", func() { in.Major = cur.Major })
	keep("graduation_year", func() { in.GraduationYear = deref(cur.GraduationYear) })
	keep("title", func() { in.Title = cur.Title })
	keep("skill_level", func() { in.SkillLevel = cur.SkillLevel })
	keep("honours", func() { in.Honours = cur.Honours })
	keep("field", func() { in.Field = cur.Field })
	keep("arrived_on", func() { in.ArrivedOn = cur.ArrivedOn })
	keep("notes", func() { in.Notes = cur.Notes })
	if !cols.has("annual_salary") && !cols.has("annual_salary_fen") {
		in.AnnualSalaryFen = cur.AnnualSalaryFen
	}
}

// keepHonourLevels carries the level of each honour (which files do not show) over from the
// record to the same honour of the same year in the row.
func keepHonourLevels(in *TalentInput, cur HonourList) {
	for i, h := range in.Honours {
		for _, c := range cur {
			if c.Code == h.Code && c.Year == h.Year {
				in.Honours[i].Level = c.Level
				break
			}
		}
	}
}

// fieldChange is one changed field as the audit log keeps it.
type fieldChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// changedFields compares a checked row with the record it names; the identity number is compared
// whole but kept in the result only masked.
func changedFields(cur Talent, curNumber string, in TalentInput) map[string]fieldChange {
	out := map[string]fieldChange{}
	diff := func(field string, from, to any, same bool) {
		if !same {
			out[field] = fieldChange{From: from, To: to}
		}
	}
	str := func(field, from, to string) { diff(field, from, to, from == to) }
	str("name", cur.Name, in.Name)
	str("gender", cur.Gender, in.Gender)
	str("birth_date", cur.BirthDate.String(), in.BirthDate.String())
	diff("id_number", cur.IDNumberMasked, govid.MaskIDNumber(in.IDNumber), curNumber == in.IDNumber)
	str("mobile", cur.Mobile, in.Mobile)
	str("email", cur.Email, in.Email)
	diff("enterprise_id", cur.EnterpriseID, in.EnterpriseID, deref(cur.EnterpriseID) == deref(in.EnterpriseID))
	str("position", cur.Position, in.Position)
	str("education", cur.Education, in.Education)
	str("school", cur.School, in.School)
	str("major", cur.Major, in.Major)
	diff("graduation_year", cur.GraduationYear, nullInt(in.GraduationYear), deref(cur.GraduationYear) == in.GraduationYear)
	str("title", cur.Title, in.Title)
	str("skill_level", cur.SkillLevel, in.SkillLevel)
	diff("honours", cur.Honours, HonourList(in.Honours), slices.Equal([]Honour(cur.Honours), in.Honours))
	diff("annual_salary_fen", cur.AnnualSalaryFen, in.AnnualSalaryFen, cur.AnnualSalaryFen == in.AnnualSalaryFen)
	str("field", cur.Field, in.Field)
	str("arrived_on", cur.ArrivedOn.String(), in.ArrivedOn.String())
	str("notes", cur.Notes, in.Notes)
	return out
}
