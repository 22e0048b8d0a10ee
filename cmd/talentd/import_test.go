package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"talentd/internal/tabular"
	"talentd/talent"
)

var importHeader = []string{"序号", "姓名", "性别", "身份证号", "手机号", "学历", "毕业院校", "专业", "职称", "技能等级", "人才计划/荣誉", "年薪（元）", "备注"}

var (
	eduLabel  = map[string]string{"doctorate": "博士", "master": "硕士研究生", "bachelor": "本科", "associate": "大专", "other": "其他"}
	titleLbl  = map[string]string{"senior_full": "正高级", "senior_associate": "副高", "intermediate": "中级", "junior": "初级", "none": "无"}
	skillLbl  = map[string]string{"senior_technician": "高级技师", "technician": "技师", "senior_worker": "高级工", "none": ""}
	honourLbl = map[string]string{"academician": "院士", "national_award": "国家最高科学技术奖", "national_programme": "国家级人才计划", "municipal_programme": "重庆英才计划", "district_talent": "璧山英才", "district_craftsman": "璧山工匠"}
	genderLbl = map[string]string{"male": "男", "female": "女"}
)

// importRows returns n eligible talents as the cells HR would type under importHeader.
func importRows(n int) [][]string {
	genMu.Lock()
	defer genMu.Unlock()
	out := make([][]string, n)
	for i := range out {
		in := gen.Talent(gen.AimedGrade(), nil)
		var honours []string
		for _, h := range in.Honours {
			honours = append(honours, fmt.Sprintf("%s(%d)", honourLbl[h.Code], h.Year))
		}
		out[i] = []string{strconv.Itoa(i + 1), in.Name, genderLbl[in.Gender], in.IDNumber, in.Mobile, eduLabel[in.Education],
			in.School, in.Major, titleLbl[in.Title], skillLbl[in.SkillLevel], strings.Join(honours, "；"),
			strconv.FormatInt(in.AnnualSalaryFen/100, 10), "批量导入"}
	}
	return out
}

func csvOf(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	var b strings.Builder
	for _, r := range append([][]string{header}, rows...) {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	return []byte(b.String())
}

type importReport struct {
	Created   int    `json:"created"`
	Imported  int    `json:"imported"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	ErrorRows int    `json:"error_rows"`
	Encoding  string `json:"encoding"`
	Errors    []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Value   string `json:"value"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// upload posts file as multipart field "file" and decodes the report; headers are name, value
// pairs (Accept-Language, say).
func (e *testEnv) upload(t *testing.T, user string, file []byte, query string, headers ...string) (int, importReport) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "人才名单.csv")
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/talents/import"+query, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var rep importReport
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("import response %d: %s", res.StatusCode, raw)
	}
	return res.StatusCode, rep
}

func TestImport_Encodings(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(csvOf(t, importHeader, importRows(3)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"utf-8":     csvOf(t, importHeader, importRows(3)),
		"utf-8-bom": append([]byte("\xef\xbb\xbf"), csvOf(t, importHeader, importRows(3))...),
		"gb18030":   gbk,
	}
	for enc, f := range files {
		status, rep := e.upload(t, "hr-x", f, "")
		if status != http.StatusOK || rep.Imported != 3 || rep.ErrorRows != 0 || rep.Encoding != enc {
			t.Errorf("%s: %d %+v", enc, status, rep)
		}
	}
	// The names arrive intact, whatever the encoding.
	var names []string
	if err := e.db.Select(&names, `SELECT name FROM talents ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !strings.ContainsFunc(n, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("garbled name %q", n)
		}
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE status = 'draft' AND enterprise_id = $1`, e.entX.ID); n != 9 {
		t.Errorf("%d drafts of X, want 9", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.import' AND actor_username = 'hr-x'`); n != 9 {
		t.Errorf("%d import audit records, want 9", n)
	}
}

func TestImport_XLSX(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var buf bytes.Buffer
	xw, err := tabular.NewXLSXWriter(&buf, "名单", importHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range importRows(4) {
		if err := xw.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	status, rep := e.upload(t, "hr-x", buf.Bytes(), "")
	if status != http.StatusOK || rep.Imported != 4 {
		t.Errorf("xlsx: %d %+v", status, rep)
	}
}

func TestImport_AllOrNothingPartialIdempotent(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rows := importRows(5)
	bad := append([][]string{}, rows...)
	broken := append([]string{}, rows[2]...)
	broken[3] = broken[3][:17] + map[bool]string{true: "0", false: "1"}[broken[3][17] != '0'] // checksum
	broken[5] = "博士后"                                                                         // unknown education
	bad[2] = broken
	dup := append([]string{}, rows[0]...)
	dup[0] = "6"
	bad = append(bad, dup) // the same person twice in one file

	status, rep := e.upload(t, "hr-x", csvOf(t, importHeader, bad), "")
	if status != http.StatusUnprocessableEntity || rep.Imported != 0 || rep.ErrorRows != 2 {
		t.Fatalf("all or nothing: %d %+v", status, rep)
	}
	if n := e.count(`SELECT count(*) FROM talents`); n != 0 {
		t.Fatalf("a refused import wrote %d records", n)
	}
	got := map[string]bool{}
	for _, er := range rep.Errors {
		got[fmt.Sprintf("%d/%s", er.Row, er.Column)] = true
		if strings.Contains(er.Value, broken[3]) {
			t.Error("the report echoes a whole identity number")
		}
	}
	for _, want := range []string{"4/身份证号", "4/学历", "7/身份证号"} {
		if !got[want] {
			t.Errorf("report lacks %s: %+v", want, rep.Errors)
		}
	}

	status, rep = e.upload(t, "hr-x", csvOf(t, importHeader, bad), "?partial=true")
	if status != http.StatusOK || rep.Imported != 4 || rep.ErrorRows != 2 {
		t.Fatalf("partial: %d %+v", status, rep)
	}
	// The same file again: the drafts stay as they are, nobody is duplicated.
	status, rep = e.upload(t, "hr-x", csvOf(t, importHeader, bad), "?partial=true")
	if status != http.StatusOK || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 4 {
		t.Fatalf("re-upload: %d %+v", status, rep)
	}
	// With one cell changed, that draft is updated and the others are left alone.
	edited := append([][]string{}, rows...)
	edited[1] = append([]string{}, rows[1]...)
	edited[1][12] = "改过的备注"
	status, rep = e.upload(t, "hr-x", csvOf(t, importHeader, edited), "?partial=true")
	if status != http.StatusOK || rep.Created != 1 || rep.Updated != 1 || rep.Unchanged != 3 {
		t.Fatalf("re-upload with an edit: %d %+v", status, rep)
	}
	if n := e.count(`SELECT count(*) FROM talents`); n != 5 {
		t.Errorf("%d records after re-upload, want 5", n)
	}
	// Against the registry: a person already submitted is refused, naming only the status.
	var id int64
	if err := e.db.Get(&id, `SELECT id FROM talents ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/submit", id), "hr-x", nil), http.StatusOK, "submit")
	status, rep = e.upload(t, "hr-x", csvOf(t, importHeader, rows[:2]), "", "Accept-Language", "en")
	if status != http.StatusUnprocessableEntity || rep.ErrorRows != 1 || rep.Errors[0].Row != 2 || rep.Errors[0].Column != "身份证号" ||
		rep.Errors[0].Code == "" || !strings.Contains(rep.Errors[0].Message, "submitted") {
		t.Errorf("against the registry: %d %+v", status, rep)
	}
}

func TestImport_HeadersAndScope(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	status, rep := e.upload(t, "hr-x", csvOf(t, []string{"姓名", "身份证", "学历", "工资"}, importRows(1)), "")
	if status != http.StatusUnprocessableEntity || rep.ErrorRows != 1 || len(rep.Errors) < 3 {
		t.Errorf("wrong headers: %d %+v", status, rep)
	}
	status, rep = e.upload(t, "hr-x", []byte("\x00\x01\x02garbage"), "")
	if status != http.StatusUnprocessableEntity || len(rep.Errors) != 1 {
		t.Errorf("garbage: %d %+v", status, rep)
	}
	// English headers work too.
	en := []string{"no", "name", "gender", "id_number", "mobile", "education", "school", "major", "title", "skill_level", "honours", "annual_salary", "notes"}
	if status, rep := e.upload(t, "hr-x", csvOf(t, en, importRows(1)), ""); status != http.StatusOK || rep.Imported != 1 {
		t.Errorf("english headers: %d %+v", status, rep)
	}

	// HR of X cannot import into Y.
	withEnt := append([]string{}, importHeader...)
	withEnt = append(withEnt, "统一社会信用代码")
	row := append(importRows(1)[0], e.entY.USCC)
	status, rep = e.upload(t, "hr-x", csvOf(t, withEnt, [][]string{row}), "")
	if status != http.StatusUnprocessableEntity || rep.Imported != 0 || !strings.Contains(fmt.Sprint(rep.Errors), "统一社会信用代码") {
		t.Errorf("HR imports into Y: %d %+v", status, rep)
	}
	// The office can.
	if status, rep := e.upload(t, "office", csvOf(t, withEnt, [][]string{row}), ""); status != http.StatusOK || rep.Imported != 1 {
		t.Errorf("office imports into Y: %d %+v", status, rep)
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE enterprise_id = $1`, e.entY.ID); n != 1 {
		t.Errorf("%d talents of Y", n)
	}

	// Export: HR of X gets only X's records, masked; the office gets everything, whole.
	for user, want := range map[string]int{"hr-x": 1, "office": 2} {
		r := e.call("GET", "/v1/talents/export?format=csv", user, nil)
		mustStatus(t, r, http.StatusOK, "export "+user)
		rd, err := tabular.Open(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		idColumn := slices.Index(rd.Header(), "身份证号")
		n, masked := 0, 0
		for {
			row, err := rd.Next()
			if err != nil {
				break
			}
			n++
			if strings.Contains(row.Cells[idColumn], "*") {
				masked++
			}
		}
		if n != want || (user == "hr-x") != (masked == n) {
			t.Errorf("%s export: %d rows, %d masked", user, n, masked)
		}
	}
	r := e.call("GET", "/v1/talents/export?format=xlsx&q=", "office", nil)
	if r.Status != http.StatusOK || !bytes.HasPrefix(r.Body, []byte("PK")) || !strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Errorf("xlsx export: %d %q", r.Status, r.Header.Get("Content-Disposition"))
	}
	r = e.call("GET", "/v1/talents/import-template?format=csv", "hr-x", nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("身份证号")) {
		t.Errorf("template: %d %s", r.Status, r.Body)
	}
}

func TestImport_TooLarge(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	big := bytes.Repeat([]byte("张三,男\r\n"), (talent.MaxImportBytes+(128<<10))/10)
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/talents/import", bytes.NewReader(big))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+e.tokens["hr-x"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM talents`); n != 0 {
		t.Errorf("oversized upload wrote %d", n)
	}
}

// TestExport_Reimports: an exported file uploads back without errors and changes nothing (the
// office's export carries whole identity numbers and the export-only columns are ignored).
func TestExport_Reimports(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if status, rep := e.upload(t, "office", csvOf(t, importHeader, importRows(3)), ""); status != http.StatusOK {
		t.Fatalf("%d %+v", status, rep)
	}
	r := e.call("GET", "/v1/talents/export?format=xlsx", "office", nil)
	mustStatus(t, r, http.StatusOK, "export")
	status, rep := e.upload(t, "office", r.Body, "")
	if status != http.StatusOK || rep.Unchanged != 3 || rep.Updated != 0 || rep.Created != 0 {
		t.Errorf("re-import of an export: %d %+v", status, rep)
	}
}

// TestImport_BrokenFileIsNeverHalfImported: a file that breaks partway (here an unclosed quote after
// three good rows) is refused whole, even with partial=true, which lets bad rows be skipped but
// never a cut-off file be half-written.
func TestImport_BrokenFileIsNeverHalfImported(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	file := append(csvOf(t, importHeader, importRows(3)), []byte("4,\"张三,男\r\n")...)
	for _, q := range []string{"", "?partial=true"} {
		status, rep := e.upload(t, "hr-x", file, q)
		if status != http.StatusUnprocessableEntity || rep.Imported != 0 || len(rep.Errors) == 0 {
			t.Errorf("%q: %d %+v", q, status, rep)
		}
	}
	if n := e.count(`SELECT count(*) FROM talents`); n != 0 {
		t.Errorf("%d talents imported from a broken file", n)
	}
}
