package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"talentd/talent"
)

// talentJSON is the part of a talent response the tests look at.
type talentJSON struct {
	ID              int64    `json:"id"`
	EnterpriseID    *int64   `json:"enterprise_id"`
	Status          string   `json:"status"`
	Gender          string   `json:"gender"`
	BirthDate       string   `json:"birth_date"`
	BirthYear       int      `json:"birth_year"`
	IDNumber        string   `json:"id_number"`
	Grade           *string  `json:"grade"`
	GradeRules      []string `json:"grade_rules"`
	GradeOverridden bool     `json:"grade_overridden"`
	ReviewComment   string   `json:"review_comment"`
	Assessment      *struct {
		Eligible bool     `json:"eligible"`
		Grade    string   `json:"grade"`
		Rules    []string `json:"rules"`
		Reason   string   `json:"reason"`
	} `json:"assessment"`
}

func decodeTalent(t *testing.T, r response) talentJSON {
	t.Helper()
	var v talentJSON
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("not a talent: %s", r.Body)
	}
	return v
}

var genMu sync.Mutex
var gen = talent.NewGenerator(99)

// newTalentBody returns a valid talent aiming at grade aim ("" for ineligible).
func newTalentBody(aim talent.Grade) map[string]any {
	genMu.Lock()
	in := gen.Talent(aim, nil)
	genMu.Unlock()
	b := map[string]any{"name": in.Name, "id_number": in.IDNumber, "education": in.Education, "title": in.Title,
		"skill_level": in.SkillLevel, "annual_salary_fen": in.AnnualSalaryFen, "mobile": in.Mobile,
		"school": in.School, "major": in.Major, "position": in.Position}
	if len(in.Honours) > 0 {
		b["honours"] = in.Honours
	}
	return b
}

// registered creates, submits and approves a talent of enterprise X (through hr-x) and returns it.
func (e *testEnv) registered(t *testing.T, body map[string]any) talentJSON {
	t.Helper()
	return e.registeredBy(t, "hr-x", body)
}

// registeredBy is registered for the enterprise of the HR user hr.
func (e *testEnv) registeredBy(t *testing.T, hr string, body map[string]any) talentJSON {
	t.Helper()
	r := e.call("POST", "/v1/talents", hr, body)
	mustStatus(t, r, http.StatusCreated, "create talent")
	id := strconv.FormatInt(decodeTalent(t, r).ID, 10)
	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/submit", hr, nil), http.StatusOK, "submit")
	r = e.call("POST", "/v1/talents/"+id+"/approve", "office", nil)
	mustStatus(t, r, http.StatusOK, "approve")
	return decodeTalent(t, r)
}

func TestTalents_Workflow(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeB)
	body["education"], body["title"], body["honours"] = "doctorate", "senior_full", []any{}
	idNumber := body["id_number"].(string)

	r := e.call("POST", "/v1/talents", "hr-x", body)
	mustStatus(t, r, http.StatusCreated, "create")
	created := decodeTalent(t, r)
	if created.Status != "draft" || created.EnterpriseID == nil || *created.EnterpriseID != e.entX.ID {
		t.Errorf("created: %+v", created)
	}
	if created.IDNumber == idNumber || !strings.Contains(created.IDNumber, "********") {
		t.Errorf("HR must see a masked identity number, got %q", created.IDNumber)
	}
	if created.Assessment == nil || created.Assessment.Grade != "B" || created.Assessment.Rules[0] != "B2" {
		t.Errorf("assessment: %+v", created.Assessment)
	}
	if created.BirthDate != "" || strconv.Itoa(created.BirthYear) != idNumber[6:10] || created.Gender == "" {
		t.Errorf("HR sees the birth year (defaulted from the identity number), never the whole date: %+v", created)
	}
	id := strconv.FormatInt(created.ID, 10)
	office := decodeTalent(t, e.call("GET", "/v1/talents/"+id, "office", nil))
	if office.IDNumber != idNumber {
		t.Errorf("the office must see the whole number, got %q", office.IDNumber)
	}

	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/approve", "office", nil), http.StatusConflict, "approve a draft")
	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/submit", "hr-x", nil), http.StatusOK, "submit")
	mustStatus(t, e.call("PUT", "/v1/talents/"+id, "hr-x", body), http.StatusConflict, "HR edits a submitted record")
	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/approve", "hr-x", nil), http.StatusForbidden, "HR approves")
	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/return", "office", map[string]any{"reason": ""}), http.StatusUnprocessableEntity, "return without reason")
	r = e.call("POST", "/v1/talents/"+id+"/return", "office", map[string]any{"reason": "请补充职称证书"})
	mustStatus(t, r, http.StatusOK, "return")
	if v := decodeTalent(t, r); v.Status != "returned" || v.ReviewComment != "请补充职称证书" {
		t.Errorf("returned: %+v", v)
	}
	body["position"] = "首席科学家"
	mustStatus(t, e.call("PUT", "/v1/talents/"+id, "hr-x", body), http.StatusOK, "HR corrects a returned record")
	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/submit", "hr-x", nil), http.StatusOK, "resubmit")
	r = e.call("POST", "/v1/talents/"+id+"/approve", "office", nil)
	mustStatus(t, r, http.StatusOK, "approve")
	reg := decodeTalent(t, r)
	if reg.Status != "registered" || reg.Grade == nil || *reg.Grade != "B" || len(reg.GradeRules) != 1 || reg.GradeRules[0] != "B2" {
		t.Errorf("registered: %+v", reg)
	}

	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/grade-override", "office", map[string]any{"grade": "A"}),
		http.StatusUnprocessableEntity, "override without reason")
	r = e.call("POST", "/v1/talents/"+id+"/grade-override", "office", map[string]any{"grade": "A", "reason": "经区人才工作领导小组会议研究认定"})
	mustStatus(t, r, http.StatusOK, "override")
	if v := decodeTalent(t, r); *v.Grade != "A" || !v.GradeOverridden {
		t.Errorf("override: %+v", v)
	}

	r = e.call("GET", "/v1/talents/"+id+"/history", "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "history")
	var h struct {
		Events []struct {
			Action string `json:"action"`
		} `json:"events"`
		Decisions []struct {
			Grade         string         `json:"grade"`
			PolicyVersion int            `json:"policy_version"`
			Overridden    bool           `json:"overridden"`
			Attributes    map[string]any `json:"attributes"`
		} `json:"decisions"`
	}
	_ = json.Unmarshal(r.Body, &h)
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Action)
	}
	if strings.Join(actions, ",") != "create,submit,return,submit,approve,override_grade" {
		t.Errorf("history: %v", actions)
	}
	if len(h.Decisions) != 2 || h.Decisions[0].Grade != "B" || h.Decisions[0].PolicyVersion != 1 ||
		h.Decisions[0].Attributes["education"] != "doctorate" || !h.Decisions[1].Overridden {
		t.Errorf("decisions: %+v", h.Decisions)
	}
	if strings.Contains(string(r.Body), idNumber) {
		t.Error("the history leaks the identity number")
	}

	// Leaving, then re-registration for another employer.
	mustStatus(t, e.call("POST", "/v1/talents/"+id+"/leave", "hr-x", map[string]any{"reason": "调往外地工作"}), http.StatusOK, "leave")
	r = e.call("POST", "/v1/talents/"+id+"/reregister", "office", map[string]any{"enterprise_id": e.entY.ID})
	mustStatus(t, r, http.StatusOK, "re-register")
	if v := decodeTalent(t, r); v.Status != "draft" || *v.EnterpriseID != e.entY.ID || v.Grade != nil {
		t.Errorf("re-registered: %+v", v)
	}
	mustStatus(t, e.call("GET", "/v1/talents/"+id, "hr-x", nil), http.StatusNotFound, "old employer's HR")
	mustStatus(t, e.call("GET", "/v1/talents/"+id, "hr-y", nil), http.StatusOK, "new employer's HR")

	// One person, one record: HR of X registering the same number learns only the status.
	r = e.call("POST", "/v1/talents", "hr-x", body, "Accept-Language", "en")
	mustStatus(t, r, http.StatusConflict, "duplicate")
	if detail := r.json(t)["detail"].(string); !strings.Contains(detail, `"draft"`) || strings.Contains(detail, e.entY.Name) {
		t.Errorf("duplicate message: %q", detail)
	}
}

func TestTalents_Validation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ok := newTalentBody(talent.GradeD)
	idn := ok["id_number"].(string)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range ok {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	wrongCheck := idn[:17] + map[bool]string{true: "0", false: "1"}[idn[17] != '0']
	otherGender := map[bool]string{true: "male", false: "female"}[(idn[16]-'0')%2 == 0]
	cases := map[string]struct {
		body  map[string]any
		field string
	}{
		"bad checksum":           {with("id_number", wrongCheck), "body.id_number"},
		"birth date disagrees":   {with("birth_date", "1970-01-01"), "body.birth_date"},
		"gender disagrees":       {with("gender", otherGender), "body.gender"},
		"bad mobile":             {with("mobile", "23812345678"), "body.mobile"},
		"unknown education":      {with("education", "phd"), "body.education"},
		"future arrival":         {with("arrived_on", "2999-01-01"), "body.arrived_on"},
		"negative salary":        {with("annual_salary_fen", -1), "body.annual_salary_fen"},
		"other enterprise":       {with("enterprise_id", e.entY.ID), "body.enterprise_id"},
		"unknown honour":         {with("honours", []any{map[string]any{"code": "nobel"}}), "body.honours[0].code"},
		"date in the wrong form": {with("birth_date", "1990/01/01"), "body.birth_date"},
	}
	before := e.count(`SELECT count(*) FROM talents`)
	for name, c := range cases {
		r := e.call("POST", "/v1/talents", "hr-x", c.body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if n := e.count(`SELECT count(*) FROM talents`); n != before {
		t.Errorf("invalid input wrote %d records", n-before)
	}

	// An ineligible record may be drafted but not submitted.
	r := e.call("POST", "/v1/talents", "hr-x", newTalentBody(""), "Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusCreated, "ineligible draft")
	v := decodeTalent(t, r)
	if v.Assessment == nil || v.Assessment.Eligible || !strings.Contains(v.Assessment.Reason, "不符合") {
		t.Errorf("assessment of an ineligible record, in Chinese by default: %+v", v.Assessment)
	}
	en := decodeTalent(t, e.call("GET", fmt.Sprintf("/v1/talents/%d", v.ID), "hr-x", nil, "Accept-Language", "en"))
	if en.Assessment == nil || !strings.Contains(en.Assessment.Reason, "no rule") {
		t.Errorf("assessment of an ineligible record, in English when asked: %+v", en.Assessment)
	}
	r = e.call("POST", fmt.Sprintf("/v1/talents/%d/submit", v.ID), "hr-x", nil, "Accept-Language", "en")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "not eligible") {
		t.Errorf("submit ineligible: %d %s", r.Status, r.Body)
	}
}

func TestTalents_ScopeAndMasking(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	x := e.registered(t, newTalentBody(talent.GradeC))
	yBody := newTalentBody(talent.GradeD)
	yBody["enterprise_id"] = e.entY.ID
	r := e.call("POST", "/v1/talents", "office", yBody)
	mustStatus(t, r, http.StatusCreated, "office creates for Y")
	y := decodeTalent(t, r)
	yID := strconv.FormatInt(y.ID, 10)

	mustStatus(t, e.call("GET", "/v1/talents/"+yID, "hr-x", nil), http.StatusNotFound, "HR of X reads Y's talent")
	edit := map[string]any{}
	for k, v := range yBody {
		if k != "enterprise_id" {
			edit[k] = v
		}
	}
	mustStatus(t, e.call("PUT", "/v1/talents/"+yID, "hr-x", edit), http.StatusNotFound, "HR of X edits Y's talent")
	mustStatus(t, e.call("POST", "/v1/talents/"+yID+"/submit", "hr-x", nil), http.StatusNotFound, "HR of X submits Y's talent")
	mustStatus(t, e.call("GET", "/v1/talents/"+yID+"/history", "hr-x", nil), http.StatusNotFound, "HR of X reads Y's history")

	var list struct {
		Items []talentJSON `json:"items"`
		Total int          `json:"total"`
	}
	mustStatus(t, e.call("GET", "/v1/talents?q="+yBody["id_number"].(string), "hr-x", nil), http.StatusUnprocessableEntity,
		"HR looking a person up by identity number")
	for _, q := range []string{"", "?q=" + yBody["name"].(string), fmt.Sprintf("?enterprise_id=%d", e.entY.ID)} {
		r = e.call("GET", "/v1/talents"+q, "hr-x", nil)
		mustStatus(t, r, http.StatusOK, "list")
		_ = json.Unmarshal(r.Body, &list)
		for _, it := range list.Items {
			if it.ID == y.ID {
				t.Errorf("HR of X found Y's talent with %q", q)
			}
		}
	}
	r = e.call("GET", "/v1/talents", "hr-x", nil)
	_ = json.Unmarshal(r.Body, &list)
	if list.Total != 1 || list.Items[0].ID != x.ID {
		t.Errorf("HR of X lists %d (%s)", list.Total, r.Body)
	}
	r = e.call("GET", "/v1/talents", "office", nil)
	_ = json.Unmarshal(r.Body, &list)
	if list.Total != 2 {
		t.Errorf("the office sees %d, want 2", list.Total)
	}

	// Masking per role: whole for admin and office, masked for every other reader.
	for user, whole := range map[string]bool{"admin": true, "office": true, "finance": false, "housing": false, "commissioner": false, "hr-y": false} {
		r := e.call("GET", "/v1/talents/"+yID, user, nil)
		mustStatus(t, r, http.StatusOK, user+" reads")
		got := decodeTalent(t, r).IDNumber
		if (got == yBody["id_number"]) != whole {
			t.Errorf("%s sees %q", user, got)
		}
	}
	// Search by a whole identity number finds exactly that person.
	r = e.call("GET", "/v1/talents?q="+yBody["id_number"].(string), "office", nil)
	_ = json.Unmarshal(r.Body, &list)
	if list.Total != 1 || list.Items[0].ID != y.ID {
		t.Errorf("search by identity number: %s", r.Body)
	}
}

// TestTalents_EncryptedAtRest: the identity number appears nowhere in the database in plain text —
// not in the table, its history, decisions or the audit log, nor in the table's files on disk.
func TestTalents_EncryptedAtRest(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeC)
	idn := body["id_number"].(string)
	reg := e.registered(t, body)
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/grade-override", reg.ID), "office",
		map[string]any{"grade": "B", "reason": "复核"}), http.StatusOK, "override")
	for _, table := range []string{"talents", "talent_events", "grade_decisions", "audit_log"} {
		var dump string
		if err := e.db.Get(&dump, `SELECT COALESCE(string_agg(x::text, ' '), '') FROM `+table+` x`); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(dump, idn) || strings.Contains(dump, idn[6:14]+idn[14:]) {
			t.Errorf("%s holds the identity number in plain text", table)
		}
	}
	// The bytes of the table's files, where the server lets a superuser read them.
	if _, err := e.db.Exec(`CHECKPOINT`); err == nil {
		var raw []byte
		if err := e.db.Get(&raw, `SELECT pg_read_binary_file(pg_relation_filepath('talents'))`); err == nil {
			if strings.Contains(string(raw), idn) {
				t.Error("the table file holds the identity number in plain text")
			}
			if !strings.Contains(string(raw), idn[:6]+"********"+idn[14:]) {
				t.Error("the table file was read but does not even hold the masked number: the check is looking at the wrong file")
			}
		}
	}
}

// TestPolicy_DraftImpactPublish: a new policy version is drafted, its dry-run reports how grades
// would move, and publishing re-grades the registry in one transaction, audited and announced to
// the hook; overridden grades stay.
func TestPolicy_DraftImpactPublish(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var hookCalls []string
	var hookMu sync.Mutex
	e.svc.talent.Subscribe(talent.Hooks{GradeChanged: func(_ context.Context, _ sqlx.ExtContext, id int64, old, new talent.Grade) error {
		hookMu.Lock()
		defer hookMu.Unlock()
		hookCalls = append(hookCalls, fmt.Sprintf("%d:%s>%s", id, old, new))
		return nil
	}})
	master := func() map[string]any {
		b := newTalentBody(talent.GradeD)
		b["education"], b["title"], b["skill_level"], b["honours"] = "master", "none", "none", []any{}
		return b
	}
	m1, m2, m3 := e.registered(t, master()), e.registered(t, master()), e.registered(t, master())
	c := e.registered(t, newTalentBody(talent.GradeC))
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/grade-override", m3.ID), "office",
		map[string]any{"grade": "B", "reason": "特殊贡献"}), http.StatusOK, "override m3")
	hookCalls = nil

	r := e.call("GET", "/v1/grading-policies/current", "office", nil)
	mustStatus(t, r, http.StatusOK, "current")
	var cur struct {
		ID    int64            `json:"id"`
		Rules []map[string]any `json:"rules"`
	}
	_ = json.Unmarshal(r.Body, &cur)
	for _, rule := range cur.Rules {
		if rule["code"] == "D1" { // a master's degree now earns C
			rule["code"], rule["grade"] = "C5", "C"
		}
	}
	mustStatus(t, e.call("POST", "/v1/grading-policies", "office", map[string]any{"title": "2027版", "rules": []any{}}),
		http.StatusUnprocessableEntity, "empty rules")
	bad := map[string]any{"title": "坏", "rules": []any{map[string]any{"code": "X", "grade": "A", "description_zh": "空", "when": map[string]any{}}}}
	mustStatus(t, e.call("POST", "/v1/grading-policies", "office", bad), http.StatusUnprocessableEntity, "rule without conditions")
	r = e.call("POST", "/v1/grading-policies", "office", map[string]any{"title": "2027版", "rules": cur.Rules})
	mustStatus(t, r, http.StatusCreated, "draft")
	var draft struct {
		ID      int64  `json:"id"`
		Version int    `json:"version"`
		Status  string `json:"status"`
	}
	_ = json.Unmarshal(r.Body, &draft)
	if draft.Version != 2 || draft.Status != "draft" {
		t.Fatalf("draft: %s", r.Body)
	}
	pid := strconv.FormatInt(draft.ID, 10)

	r = e.call("GET", "/v1/grading-policies/"+pid+"/impact", "office", nil)
	mustStatus(t, r, http.StatusOK, "impact")
	var imp struct {
		Registered int                       `json:"registered"`
		Changed    int                       `json:"changed"`
		Overridden int                       `json:"overridden"`
		Matrix     map[string]map[string]int `json:"matrix"`
		Examples   []struct {
			TalentID int64  `json:"talent_id"`
			From     string `json:"from"`
			To       string `json:"to"`
		} `json:"examples"`
	}
	_ = json.Unmarshal(r.Body, &imp)
	if imp.Registered != 4 || imp.Changed != 2 || imp.Overridden != 1 || imp.Matrix["D"]["C"] != 2 || imp.Matrix["C"]["C"] != 1 || len(imp.Examples) != 2 {
		t.Errorf("impact: %s", r.Body)
	}
	if n := e.count(`SELECT count(*) FROM grade_decisions`); n != 5 {
		t.Errorf("the dry run wrote decisions: %d", n)
	}

	mustStatus(t, e.call("POST", "/v1/grading-policies/"+pid+"/publish", "hr-x", nil), http.StatusForbidden, "HR publishes")
	r = e.call("POST", "/v1/grading-policies/"+pid+"/publish", "office", nil)
	mustStatus(t, r, http.StatusOK, "publish")
	mustStatus(t, e.call("POST", "/v1/grading-policies/"+pid+"/publish", "office", nil), http.StatusConflict, "publish twice")
	mustStatus(t, e.call("PUT", "/v1/grading-policies/"+pid, "office", map[string]any{"title": "x", "rules": cur.Rules}), http.StatusConflict, "edit published")

	for id, want := range map[int64]string{m1.ID: "C", m2.ID: "C", m3.ID: "B", c.ID: "C"} {
		v := decodeTalent(t, e.call("GET", fmt.Sprintf("/v1/talents/%d", id), "office", nil))
		if *v.Grade != want {
			t.Errorf("talent %d: grade %s, want %s", id, *v.Grade, want)
		}
	}
	var version int
	if err := e.db.Get(&version, `SELECT p.version FROM talents t JOIN grade_decisions d ON d.id = t.grade_decision_id
		JOIN grading_policies p ON p.id = d.policy_id WHERE t.id = $1`, c.ID); err != nil || version != 2 {
		t.Errorf("unchanged grades must still be re-decided under version 2: %d %v", version, err)
	}
	if n := e.count(`SELECT count(*) FROM grading_policies WHERE status = 'published'`); n != 1 {
		t.Errorf("%d policies in force", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.regrade'`); n != 2 {
		t.Errorf("%d re-grade audit records, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'grading_policy.publish'`); n != 1 {
		t.Errorf("%d publish audit records", n)
	}
	if len(hookCalls) != 2 || !strings.HasSuffix(hookCalls[0], ":D>C") {
		t.Errorf("hook calls: %v", hookCalls)
	}
}

// TestTalents_CursorFromAnotherSort: a cursor made under one sort order and sent with another is
// the client's mistake, answered 400, never a database error.
func TestTalents_CursorFromAnotherSort(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for range 3 {
		e.registered(t, newTalentBody(talent.GradeD))
	}
	r := e.call("GET", "/v1/talents?limit=1&sort=id", "office", nil)
	mustStatus(t, r, http.StatusOK, "first page")
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	_ = json.Unmarshal(r.Body, &page)
	if page.NextCursor == "" {
		t.Fatal("no next cursor")
	}
	for _, sort := range []string{"registered_at", "-registered_at"} {
		r = e.call("GET", "/v1/talents?limit=1&sort="+sort+"&cursor="+page.NextCursor, "office", nil)
		mustStatus(t, r, http.StatusBadRequest, "cursor from sort=id with sort="+sort)
	}
	// Under its own order the cursor pages through every record once.
	seen := map[int64]bool{}
	for _, it := range listAll[talentJSON](t, e, "/v1/talents?limit=1&sort=-registered_at", "office") {
		if seen[it.ID] {
			t.Fatalf("talent %d listed twice", it.ID)
		}
		seen[it.ID] = true
	}
	if len(seen) != 3 {
		t.Errorf("paged through %d of 3", len(seen))
	}
}

// TestTalents_UpdateToAnotherPersonsNumber: changing a record's identity number to one already in
// the registry is refused with the friendly 409 that names only the other record's status.
func TestTalents_UpdateToAnotherPersonsNumber(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	first := newTalentBody(talent.GradeC)
	e.registered(t, first)
	second := newTalentBody(talent.GradeC)
	r := e.call("POST", "/v1/talents", "office", second)
	mustStatus(t, r, http.StatusCreated, "create second")
	id := strconv.FormatInt(decodeTalent(t, r).ID, 10)
	second["id_number"] = first["id_number"]
	r = e.call("PUT", "/v1/talents/"+id, "office", second, "Accept-Language", "en")
	mustStatus(t, r, http.StatusConflict, "update to the first person's number")
	if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "registered") || !strings.Contains(d, "already in the registry") {
		t.Errorf("detail: %q", d)
	}
}
