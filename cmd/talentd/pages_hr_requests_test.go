package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"talentd/talent"
)

// HR files an agent request for one of its card holders from the portal: without a description
// the request service refuses it beside the field, in Chinese; with one it is filed, given to a
// commissioner and listed.
func TestPages_HRFilesAgentRequest(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeC))
	card := e.scanned(t, holder.ID)

	b := newBrowser(t, e)
	b.login("hr-x")
	b.open("/hr/requests")
	if got := value(b, "read the holder", chromedp.Value(chromedp.ID("request-holder"))); got != card.Serial {
		t.Fatalf("the form offers %q, want the holder's card %s", got, card.Serial)
	}
	// The browser insists on a description; the service does too, as a clerk without the browser's
	// check would find.
	b.run("drop the browser's check", chromedp.Evaluate[chromedp.Void](`document.getElementById("request-description").removeAttribute("required")`))
	b.submit("file without a description", chromedp.Click(chromedp.CSS(`#file-request button[type="submit"]`)))
	if msg := b.text("#file-request .field-error"); msg != "请填写代办事项的内容" {
		t.Errorf("the description's error says %q", msg)
	}
	b.run("describe", chromedp.SendKeys(chromedp.ID("request-description"), "代办社保转移"))
	b.submit("file the request", chromedp.Click(chromedp.CSS(`#file-request button[type="submit"]`)))
	if b.text("#done") == "" {
		t.Fatal("filing says nothing")
	}
	var n int
	var commissioner *int64
	if err := e.db.QueryRow(`SELECT count(*), max(commissioner_id) FROM agent_requests WHERE talent_id = $1 AND description = '代办社保转移'`,
		holder.ID).Scan(&n, &commissioner); err != nil {
		t.Fatal(err)
	}
	if n != 1 || commissioner == nil {
		t.Fatalf("%d requests filed, commissioner %v", n, commissioner)
	}
	if b.nodeCount("#requests tr[data-request]") != 1 {
		t.Error("the filed request is not listed")
	}
	b.shot("request-filed")
}

// HR nominates one of its registered talent for an open award programme from the portal, and the
// nomination is listed; the office then finds it among the programme's nominations.
func TestPages_HRNominates(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	nominee := e.registered(t, newTalentBody(talent.GradeB))
	programme := e.createSubsidyProgramme(t, subsidyProgrammeBody("bishan_talent_hr", 100_000_000))

	b := newBrowser(t, e)
	b.login("hr-x")
	b.open("/hr/subsidies")
	b.run("choose", chromedp.SetValue(chromedp.ID("nominate-programme"), programme),
		chromedp.SetValue(chromedp.ID("nominate-talent"), strconv.FormatInt(nominee.ID, 10)),
		chromedp.SendKeys(chromedp.ID("nominate-reason"), "主持研发的新能源电池项目获市级科技进步奖"))
	b.submit("nominate", chromedp.Click(chromedp.CSS(`#nominate button[type="submit"]`)))
	if b.text("#done") == "" || b.nodeCount("#nominations tr[data-nomination]") != 1 {
		t.Fatalf("the nomination is not confirmed and listed: %s", b.text("main"))
	}
	r := e.call("GET", "/v1/subsidy/programmes/"+programme+"/nominations", "office", nil)
	mustStatus(t, r, http.StatusOK, "the office reads the nominations")
	if !strings.Contains(string(r.Body), `"talent_id":`+strconv.FormatInt(nominee.ID, 10)) {
		t.Errorf("the office does not see the nomination: %s", r.Body)
	}
	b.shot("nominated")
}
