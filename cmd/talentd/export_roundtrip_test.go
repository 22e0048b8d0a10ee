package main

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"talentd/internal/govid"
	"talentd/internal/tabular"
	"talentd/talent"
)

// fullTalentBody is a record with every field an export shows filled in, including the ones a
// round trip could lose: honours with a level, a note that looks like a formula and has a comma.
func fullTalentBody(aim talent.Grade) map[string]any {
	b := newTalentBody(aim)
	b["email"] = "someone@example.com"
	b["field"] = "智能装备"
	b["graduation_year"] = 2012
	b["arrived_on"] = "2020-06-30"
	b["notes"] = "=1+1 备注, 含逗号"
	b["honours"] = []map[string]any{{"code": "district_talent", "level": "区级", "year": 2019}, {"code": "municipal_programme"}}
	b["annual_salary_fen"] = 35000050
	return b
}

// fingerprint digests every registry row, so that a test can tell that nothing was written.
func (e *testEnv) fingerprint() string {
	e.t.Helper()
	var fp string
	if err := e.db.Get(&fp, `SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM talents t`); err != nil {
		e.t.Fatal(err)
	}
	return fp
}

// exported downloads the export of user in query's format.
func (e *testEnv) exported(t *testing.T, user, query string) []byte {
	t.Helper()
	r := e.call("GET", "/v1/talents/export?"+query, user, nil)
	mustStatus(t, r, http.StatusOK, "export "+query)
	return r.Body
}

// sheet is an exported file read back: its header and rows.
type sheet struct {
	header []string
	rows   [][]string
}

func readSheet(t *testing.T, file []byte) *sheet {
	t.Helper()
	rd, err := tabular.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	s := &sheet{header: append([]string(nil), rd.Header()...)}
	for {
		row, err := rd.Next()
		if err != nil {
			break
		}
		s.rows = append(s.rows, append([]string(nil), row.Cells...))
	}
	return s
}

// set changes the cell under header in the row of record id.
func (s *sheet) set(t *testing.T, id int64, header, value string) {
	t.Helper()
	col := slices.Index(s.header, header)
	for _, r := range s.rows {
		if r[0] == strconv.FormatInt(id, 10) {
			r[col] = value
			return
		}
	}
	t.Fatalf("no row for record %d", id)
}

// get returns the cell under header in the row of record id.
func (s *sheet) get(t *testing.T, id int64, header string) string {
	t.Helper()
	col := slices.Index(s.header, header)
	for _, r := range s.rows {
		if r[0] == strconv.FormatInt(id, 10) {
			return r[col]
		}
	}
	t.Fatalf("no row for record %d", id)
	return ""
}

// csv writes the sheet as a UTF-8 CSV file, as Excel saves it.
func (s *sheet) csv(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tabular.NewCSVWriter(&buf, tabular.UTF8BOM)
	for _, r := range append([][]string{s.header}, s.rows...) {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xlsx writes the sheet as a workbook.
func (s *sheet) xlsx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := tabular.NewXLSXWriter(&buf, "人才信息", s.header)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// createTalent registers a draft through the API as user and returns its id.
func (e *testEnv) createTalent(t *testing.T, user string, body map[string]any) int64 {
	t.Helper()
	r := e.call("POST", "/v1/talents", user, body)
	mustStatus(t, r, http.StatusCreated, "create talent")
	return decodeTalent(t, r).ID
}

// roundTripEnv is enterprise X with three drafts, a submitted and a registered record, and a
// draft of enterprise Y.
type roundTripEnv struct {
	*testEnv
	drafts                   []int64
	submitted, registered, y int64
}

func newRoundTripEnv(t *testing.T) *roundTripEnv {
	e := &roundTripEnv{testEnv: newTestEnv(t)}
	for _, aim := range []talent.Grade{talent.GradeB, talent.GradeC, talent.GradeD} {
		e.drafts = append(e.drafts, e.createTalent(t, "hr-x", fullTalentBody(aim)))
	}
	e.submitted = e.createTalent(t, "hr-x", fullTalentBody(talent.GradeC))
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/submit", e.submitted), "hr-x", nil), http.StatusOK, "submit")
	e.registered = e.testEnv.registered(t, fullTalentBody(talent.GradeB)).ID
	e.y = e.createTalent(t, "hr-y", fullTalentBody(talent.GradeC))
	return e
}

// TestExport_RoundTrip: what HR exports uploads back — as CSV (UTF-8 or GBK) or XLSX — without
// a single change, although its identity numbers are masked and its birth dates shown as years;
// an edited cell updates that record and nothing else.
func TestExport_RoundTrip(t *testing.T) {
	t.Parallel()
	e := newRoundTripEnv(t)
	before := e.fingerprint()
	audits := e.count(`SELECT count(*) FROM audit_log`)

	for _, query := range []string{"format=csv", "format=csv&encoding=gbk", "format=xlsx"} {
		file := e.exported(t, "hr-x", query)
		status, rep := e.upload(t, "hr-x", file, "")
		if status != http.StatusOK || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 5 || rep.ErrorRows != 0 {
			t.Errorf("%s uploaded back: %d %+v", query, status, rep)
		}
		if e.fingerprint() != before {
			t.Fatalf("%s uploaded back changed the registry", query)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("unchanged uploads wrote %d audit records", n-audits)
	}

	t.Run("EditOneCell", func(t *testing.T) {
		s := readSheet(t, e.exported(t, "hr-x", "format=csv"))
		if masked := s.get(t, e.drafts[0], "身份证号"); !strings.Contains(masked, "*") {
			t.Fatalf("HR's export shows a whole identity number")
		}
		var hash []byte
		var version int
		if err := e.db.QueryRow(`SELECT id_number_hash, version FROM talents WHERE id = $1`, e.drafts[0]).Scan(&hash, &version); err != nil {
			t.Fatal(err)
		}
		s.set(t, e.drafts[0], "职务", "首席工程师")
		status, rep := e.upload(t, "hr-x", s.csv(t), "")
		if status != http.StatusOK || rep.Created != 0 || rep.Updated != 1 || rep.Unchanged != 4 || rep.ErrorRows != 0 {
			t.Fatalf("one edited cell: %d %+v", status, rep)
		}
		var position string
		var after []byte
		var newVersion int
		if err := e.db.QueryRow(`SELECT position, id_number_hash, version FROM talents WHERE id = $1`, e.drafts[0]).Scan(&position, &after, &newVersion); err != nil {
			t.Fatal(err)
		}
		if position != "首席工程师" || !bytes.Equal(hash, after) || newVersion != version+1 {
			t.Errorf("after the edit: position %q, identity number kept %v, version %d→%d", position, bytes.Equal(hash, after), version, newVersion)
		}
		var changes string
		if err := e.db.Get(&changes, `SELECT after->>'changes' FROM audit_log WHERE action = 'talent.import_update'
			AND entity_id = $1 ORDER BY id DESC LIMIT 1`, strconv.FormatInt(e.drafts[0], 10)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(changes, `"position"`) || !strings.Contains(changes, "首席工程师") || strings.Contains(changes, "id_number") {
			t.Errorf("audit of the edit: %s", changes)
		}
		if n := e.count(`SELECT count(*) FROM talent_events WHERE talent_id = $1 AND action = 'import_update'`, e.drafts[0]); n != 1 {
			t.Errorf("%d history events of the edit", n)
		}
		if n := e.count(`SELECT count(*) FROM talents WHERE version > 1 AND id <> ALL($1)`,
			fmt.Sprintf("{%d,%d,%d}", e.drafts[0], e.submitted, e.registered)); n != 0 {
			t.Errorf("%d other records were written", n)
		}
	})

	t.Run("EditInWorkbook", func(t *testing.T) {
		s := readSheet(t, e.exported(t, "hr-x", "format=xlsx"))
		// The generated title may be either; the record stays eligible by its honours.
		newTitle, want := "副高", "senior_associate"
		if s.get(t, e.drafts[1], "职称") == "副高级" {
			newTitle, want = "中级职称", "intermediate"
		}
		s.set(t, e.drafts[1], "职称", newTitle)
		s.set(t, e.drafts[1], "年薪(元)", "36万")
		s.set(t, e.drafts[1], "毕业年份", "")
		status, rep := e.upload(t, "hr-x", s.xlsx(t), "")
		if status != http.StatusOK || rep.Updated != 1 || rep.Unchanged != 4 {
			t.Fatalf("edited workbook: %d %+v", status, rep)
		}
		var title string
		var salary int64
		if err := e.db.QueryRow(`SELECT title, annual_salary_fen FROM talents WHERE id = $1`, e.drafts[1]).Scan(&title, &salary); err != nil {
			t.Fatal(err)
		}
		if title != want || salary != 36_000_000 {
			t.Errorf("after the edit: %s, %d fen", title, salary)
		}
		// The audit record says what each changed field was and became, an emptied one as null.
		if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.import_update' AND entity_id = $1
			AND after->'changes'->'title'->>'to' = $2 AND (SELECT count(*) FROM jsonb_object_keys(after->'changes')) = 3
			AND after->'changes' @> '{"annual_salary_fen": {"from": 35000050, "to": 36000000},
			                          "graduation_year": {"from": 2012, "to": null}}'::jsonb`,
			strconv.FormatInt(e.drafts[1], 10), want); n != 1 {
			t.Errorf("%d audit records with the changes", n)
		}
	})

	t.Run("AnotherEnterprisesRecord", func(t *testing.T) {
		fp := e.fingerprint()
		s := readSheet(t, e.exported(t, "hr-x", "format=csv"))
		s.rows[0][0] = strconv.FormatInt(e.y, 10)
		s.rows[1][0] = "999999"
		for _, query := range []string{"", "?partial=true"} {
			status, rep := e.upload(t, "hr-x", s.csv(t), query)
			if rep.ErrorRows != 2 || rep.Errors[0].Code != "record_not_found" || rep.Errors[0].Message != "找不到该记录" ||
				rep.Errors[1].Code != "record_not_found" || rep.Errors[0].Column != "编号(系统)" {
				t.Errorf("%q: %d %+v", query, status, rep)
			}
			if (query == "") != (status == http.StatusUnprocessableEntity) {
				t.Errorf("%q: status %d", query, status)
			}
		}
		if e.fingerprint() != fp {
			t.Error("rows naming records HR cannot see changed the registry")
		}
	})

	t.Run("NotEditable", func(t *testing.T) {
		fp := e.fingerprint()
		s := readSheet(t, e.exported(t, "hr-x", "format=csv"))
		s.set(t, e.registered, "职务", "改了")
		s.set(t, e.submitted, "备注", "改了")
		status, rep := e.upload(t, "hr-x", s.csv(t), "?partial=true")
		if status != http.StatusOK || rep.ErrorRows != 2 || rep.Updated != 0 || len(rep.Errors) != 2 {
			t.Fatalf("edits of records under review: %d %+v", status, rep)
		}
		for _, er := range rep.Errors {
			if er.Code != "talent_not_editable" || !strings.Contains(er.Message, "企业只能修改草稿或已退回的记录") {
				t.Errorf("refusal: %+v", er)
			}
		}
		if e.fingerprint() != fp {
			t.Error("refused edits changed the registry")
		}
	})

	t.Run("NewRowInExport", func(t *testing.T) {
		// A clerk adds a person below the exported rows, writing the birth date as the export
		// shows it, as a year: it must be the identity number's year.
		s := readSheet(t, e.exported(t, "hr-x", "format=csv"))
		body := fullTalentBody(talent.GradeC)
		number := body["id_number"].(string)
		row := make([]string, len(s.header))
		for header, value := range map[string]string{"姓名": "新来的人", "身份证号": number, "学历": "博士",
			"出生日期": strconv.Itoa(atoi(t, number[6:10]) + 1)} {
			row[slices.Index(s.header, header)] = value
		}
		s.rows = append(s.rows, row)
		status, rep := e.upload(t, "hr-x", s.csv(t), "")
		if status != http.StatusUnprocessableEntity || rep.ErrorRows != 1 || rep.Errors[0].Code != "birth_date_mismatch" {
			t.Fatalf("wrong birth year: %d %+v", status, rep)
		}
		row[slices.Index(s.header, "出生日期")] = number[6:10]
		status, rep = e.upload(t, "hr-x", s.csv(t), "")
		if status != http.StatusOK || rep.Created != 1 || rep.ErrorRows != 0 {
			t.Fatalf("new row in an export: %d %+v", status, rep)
		}
		if n := e.count(`SELECT count(*) FROM talents WHERE name = '新来的人' AND enterprise_id = $1`, e.entX.ID); n != 1 {
			t.Errorf("%d new records of X", n)
		}
	})

	t.Run("MaskedNumberWithoutID", func(t *testing.T) {
		s := readSheet(t, e.exported(t, "hr-x", "format=csv"))
		s.rows[0][0] = ""
		status, rep := e.upload(t, "hr-x", s.csv(t), "")
		if status != http.StatusUnprocessableEntity || rep.ErrorRows != 1 || rep.Errors[0].Code != "masked_id_number" {
			t.Errorf("masked number in a new row: %d %+v", status, rep)
		}
	})
}

// TestExport_RoundTripOffice: the office's export (whole identity numbers) uploads back
// unchanged; a corrected identity number is a change, a number another record holds is refused,
// and one record twice in a file is refused.
func TestExport_RoundTripOffice(t *testing.T) {
	t.Parallel()
	e := newRoundTripEnv(t)
	before := e.fingerprint()
	status, rep := e.upload(t, "office", e.exported(t, "office", "format=xlsx"), "")
	if status != http.StatusOK || rep.Unchanged != 6 || rep.Updated != 0 || rep.Created != 0 {
		t.Fatalf("office export uploaded back: %d %+v", status, rep)
	}
	if e.fingerprint() != before {
		t.Fatal("the office's unchanged upload changed the registry")
	}

	s := readSheet(t, e.exported(t, "office", "format=csv"))
	number := s.get(t, e.registered, "身份证号")
	// The same person with a mistyped sequence digit corrected: birth date and gender stay.
	digit := (number[14]-'0'+1)%10 + '0'
	check, err := govid.IDCheckChar(number[:14] + string(digit) + number[15:17])
	if err != nil {
		t.Fatal(err)
	}
	corrected := number[:14] + string(digit) + number[15:17] + string(check)
	s.set(t, e.registered, "身份证号", corrected)
	// Another record's number, with the birth date and gender it carries, so that the one problem
	// is whose number it is.
	for _, col := range []string{"身份证号", "出生日期", "性别"} {
		s.set(t, e.submitted, col, s.get(t, e.drafts[0], col))
	}
	s.rows = append(s.rows, append([]string(nil), s.rows[len(s.rows)-1]...))

	status, rep = e.upload(t, "office", s.csv(t), "?partial=true")
	if status != http.StatusOK || rep.Updated != 1 || rep.ErrorRows != 2 {
		t.Fatalf("corrected number: %d %+v", status, rep)
	}
	codes := map[string]bool{}
	for _, er := range rep.Errors {
		codes[er.Code] = true
		if strings.Contains(er.Value+er.Message, number[6:14]) {
			t.Errorf("the report shows an identity number: %+v", er)
		}
	}
	if !codes["duplicate_row"] || len(codes) != 2 {
		t.Errorf("problems: %+v", rep.Errors)
	}
	var masked string
	if err := e.db.Get(&masked, `SELECT id_number_masked FROM talents WHERE id = $1`, e.registered); err != nil {
		t.Fatal(err)
	}
	if masked != govid.MaskIDNumber(corrected) {
		t.Errorf("masked number after the correction: %s", masked)
	}
	var audit string
	if err := e.db.Get(&audit, `SELECT after::text FROM audit_log WHERE action = 'talent.import_update' AND entity_id = $1`,
		strconv.FormatInt(e.registered, 10)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(audit, number) || strings.Contains(audit, corrected) || !strings.Contains(audit, `"id_number"`) {
		t.Errorf("audit of the correction: %s", audit)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
