package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"talentd/talent"
)

// drawnBars reads the bars of one dashboard figure as the browser shows them: label → value.
func drawnBars(b *browser, figureID string) map[string]string {
	b.t.Helper()
	var bars []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	}
	raw := value(b, "read "+figureID, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll("#`+figureID+
		` svg .bar")].map(g => ({label: g.dataset.label, value: g.dataset.value})))`))
	if err := json.Unmarshal([]byte(raw), &bars); err != nil {
		b.t.Fatal(err)
	}
	out := map[string]string{}
	for _, bar := range bars {
		out[bar.Label] = bar.Value
	}
	return out
}

// The dashboard draws the API's figures: talents by class equal GET /v1/stats/talent for the office
// and, scoped, for HR, whose dashboard counts its own enterprise only; each figure downloads as a
// workbook with the same numbers.
func TestPages_DashboardDrawsTheAPIFigures(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, g := range []talent.Grade{talent.GradeA, talent.GradeB, talent.GradeB, talent.GradeC, talent.GradeD, talent.GradeD, talent.GradeD} {
		e.registered(t, newTalentBody(g))
	}
	// One talent of enterprise Y, which X's HR must not count.
	r := e.call("POST", "/v1/talents", "hr-y", newTalentBody(talent.GradeA))
	mustStatus(t, r, http.StatusCreated, "Y's talent")
	y := strconv.FormatInt(decodeTalent(t, r).ID, 10)
	mustStatus(t, e.call("POST", "/v1/talents/"+y+"/submit", "hr-y", nil), http.StatusOK, "submit")
	mustStatus(t, e.call("POST", "/v1/talents/"+y+"/approve", "office", nil), http.StatusOK, "approve")

	apiByGrade := func(user string) map[string]string {
		var st struct {
			ByGrade map[string]int `json:"by_grade"`
		}
		if err := json.Unmarshal(e.call("GET", "/v1/stats/talent", user, nil).Body, &st); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, g := range talent.GradeVocab.Terms() {
			out[g.Zh] = strconv.Itoa(st.ByGrade[g.Code])
		}
		return out
	}

	b := newBrowser(t, e)
	for _, user := range []string{"office", "hr-x"} {
		b.login(user)
		b.open("/dashboard")
		drawn, want := drawnBars(b, "talents-by-grade"), apiByGrade(user)
		if len(drawn) != len(want) {
			t.Fatalf("%s: drawn %v, API %v", user, drawn, want)
		}
		for label, v := range want {
			if drawn[label] != v {
				t.Errorf("%s: %s drawn as %q, the API says %s", user, label, drawn[label], v)
			}
		}
		b.shot("dashboard-" + user)
		b.submit("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	}
	if office, hr := apiByGrade("office"), apiByGrade("hr-x"); office["A类"] == hr["A类"] {
		t.Fatalf("the test needs the office and HR to differ in class A: %v %v", office, hr)
	}

	// The workbook of a figure holds the same numbers as the page.
	res := e.call("GET", "/dashboard/talents-by-grade.xlsx", "", nil, "Cookie", "talentd_session="+e.tokens["office"],
		"Accept-Language", "zh-CN")
	mustStatus(t, res, http.StatusOK, "download the figure")
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	want := apiByGrade("office")
	if len(rows) != 1+len(want) {
		t.Fatalf("workbook rows %v", rows)
	}
	for _, row := range rows[1:] {
		if want[row[0]] != row[1] {
			t.Errorf("workbook %s = %s, API %s", row[0], row[1], want[row[0]])
		}
	}
}
