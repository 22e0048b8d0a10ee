package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"talentd/internal/httpapi"
	"talentd/talent"
)

// officeSubmitted has HR create and submit a record of the class aimed at, one at a time so that
// the queue's order is the order of the calls.
func officeSubmitted(t *testing.T, e *testEnv, aim talent.Grade) int64 {
	t.Helper()
	r := e.call("POST", "/v1/talents", "hr-x", newTalentBody(aim))
	mustStatus(t, r, http.StatusCreated, "HR registers")
	id := decodeTalent(t, r).ID
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/submit", id), "hr-x", nil), http.StatusOK, "HR submits")
	return id
}

// attrs reads one attribute of every element sel matches, in document order.
func (b *browser) attrs(sel, attr string) []string {
	b.t.Helper()
	js := fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.getAttribute(%q))`, sel, attr)
	return value(b, "read "+attr+" of "+sel, chromedp.Evaluate[[]string](js))
}

// status opens path and returns the status the page answered with.
func (b *browser) status(path string) int64 {
	b.t.Helper()
	return b.submit("open "+path, chromedp.Navigate(b.base+path))
}

// office: approve from the queue and see the card. HR submits records through the API; the office
// sees them oldest first with their suggested class, approves one from its row, two at once, returns
// one with a note, then finds the first one's card and suspends and resumes it.
func TestPages_OfficeQueueAndCards(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var ids []int64
	for range 5 {
		ids = append(ids, officeSubmitted(t, e, talent.GradeC))
	}
	one, two, three, back := ids[0], ids[1], ids[2], ids[3]
	row := func(id int64) string { return fmt.Sprintf(`tr[data-talent="%d"]`, id) }

	b := newBrowser(t, e)
	b.login("office")
	b.open("/office")
	var want []string
	for _, id := range ids {
		want = append(want, strconv.FormatInt(id, 10))
	}
	if got := b.attrs("tr[data-talent]", "data-talent"); !slices.Equal(got, want) {
		t.Fatalf("the queue is %v, want %v (oldest first)", got, want)
	}
	if got := b.attrs("[data-suggested]", "data-suggested"); len(got) != 5 || got[0] != "C" {
		t.Errorf("suggested classes %v, want C for each", got)
	}
	if txt := b.text(row(one) + " .suggested"); !strings.Contains(txt, "C类") {
		t.Errorf("the suggestion says %q", txt)
	}
	b.shot("queue")

	b.submit("approve one", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-approve="%d"]`, one))))
	if msg := b.text("#done"); !strings.Contains(msg, "已审核通过") {
		t.Errorf("after approving: %q", msg)
	}
	if b.nodeCount(row(one)) != 0 {
		t.Error("the approved record is still in the queue")
	}
	b.run("tick two", chromedp.Click(chromedp.ID(fmt.Sprintf("pick-%d", two))), chromedp.Click(chromedp.ID(fmt.Sprintf("pick-%d", three))))
	b.submit("bulk approve", chromedp.Click(chromedp.ID("bulk-approve")))
	if n := b.nodeCount(`#bulk-results li.ok`); n != 2 {
		t.Errorf("%d records approved in bulk, want 2: %s", n, b.text("main"))
	}
	b.shot("bulk-approved")
	if n := e.count(`SELECT count(*) FROM talents WHERE status = 'registered'`); n != 3 {
		t.Errorf("%d registered, want 3", n)
	}

	// Return one with a note, from its page: without the note it is refused next to the box.
	b.submit("review one", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-review="%d"]`, back))))
	if got := b.text("#assessment"); !strings.Contains(got, "C类") {
		t.Errorf("the record's assessment says %q", got)
	}
	if status := b.submit("return without a note", chromedp.Click(chromedp.ID("return"))); status != http.StatusUnprocessableEntity {
		t.Errorf("a return without a note answered %d", status)
	}
	if b.nodeCount(".field-error") == 0 {
		t.Errorf("no message next to the note: %s", b.text("main"))
	}
	b.run("write the note", chromedp.SendKeys(chromedp.ID("reason"), "请补充职称证书"))
	b.submit("return", chromedp.Click(chromedp.ID("return")))
	if got := value(b, "status", chromedp.AttributeValue(chromedp.ID("record-status"), "data-status")).Value; got != "returned" {
		t.Errorf("the record is %q after returning", got)
	}
	var comment string
	if err := e.db.QueryRow(`SELECT review_comment FROM talents WHERE id = $1`, back).Scan(&comment); err != nil || comment != "请补充职称证书" {
		t.Errorf("the stored comment is %q (%v)", comment, err)
	}
	b.shot("returned")

	// The card of the first approved talent.
	card, _ := e.cardOf(t, one, "office")
	b.open("/office/cards")
	at := fmt.Sprintf(`.cardrow[data-serial="%s"]`, card.Serial)
	if n := b.nodeCount(at); n != 1 {
		t.Fatalf("the card %s is not on the cards page: %s", card.Serial, b.text("main"))
	}
	if got := b.text(at + " .class"); got != "C类" {
		t.Errorf("class %q", got)
	}
	cardStatus := func() string {
		return value(b, "card status", chromedp.AttributeValue(chromedp.CSS(at+" .status"), "data-status")).Value
	}
	if got := cardStatus(); got != "active" {
		t.Errorf("status %q, want active", got)
	}
	b.shot("cards")
	if status := b.submit("suspend without a reason", chromedp.Click(chromedp.CSS(at+` button[data-to="suspended"]`))); status != http.StatusUnprocessableEntity {
		t.Errorf("suspending without a reason answered %d", status)
	}
	if msg := b.text(at + " .field-error"); !strings.Contains(msg, "原因") {
		t.Errorf("beside the reason: %q", msg)
	}
	reason := chromedp.ID("reason-" + card.Serial)
	b.run("suspend reason", chromedp.SendKeys(reason, "持卡人挂失"))
	b.submit("suspend", chromedp.Click(chromedp.CSS(at+` button[data-to="suspended"]`)))
	if got := cardStatus(); got != "suspended" {
		t.Fatalf("status %q after suspending, want suspended: %s", got, b.text("main"))
	}
	b.shot("suspended")
	b.run("resume reason", chromedp.SendKeys(reason, "已找回"))
	b.submit("resume", chromedp.Click(chromedp.CSS(at+` button[data-to="active"]`)))
	if got := cardStatus(); got != "active" {
		t.Errorf("status %q after resuming, want active", got)
	}
	if got, _ := e.cardOf(t, one, "office"); got.Status != "active" {
		t.Errorf("the API reads the card %q", got.Status)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action IN ('card.suspend', 'card.resume')`, card.Serial); n != 2 {
		t.Errorf("%d card changes audited, want 2", n)
	}
	b.shot("resumed")
}

// The policy editor: a draft from the policy in force, refusals shown by the rules box, a saved
// change, its dry run as a matrix whose cells are the API's impact and list their records, then
// publication.
func TestPages_OfficePolicy(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, g := range []talent.Grade{talent.GradeC, talent.GradeC, talent.GradeB, talent.GradeD} {
		e.registered(t, newTalentBody(g))
	}
	b := newBrowser(t, e)
	b.login("office")
	b.open("/office/policy")
	b.submit("draft", chromedp.Click(chromedp.ID("new-draft")))
	id := value(b, "draft id", chromedp.AttributeValue(chromedp.ID("draft"), "data-policy")).Value
	if id == "" {
		t.Fatalf("no draft: %s", b.text("main"))
	}
	rules := value(b, "rules", chromedp.Value(chromedp.ID("rules")))

	setRules := func(js string) {
		b.run("edit the rules", chromedp.Evaluate[chromedp.Void](`document.getElementById("rules").value = `+js))
	}
	setRules(`"[{"`)
	if status := b.submit("save broken JSON", chromedp.Click(chromedp.ID("save-policy"))); status != http.StatusUnprocessableEntity {
		t.Errorf("broken JSON answered %d", status)
	}
	if msg := b.text("#rules-errors"); !strings.Contains(msg, "JSON") {
		t.Errorf("broken JSON: %q", msg)
	}
	if got := value(b, "rules kept", chromedp.Value(chromedp.ID("rules"))); got != "[{" {
		t.Errorf("the box holds %q, want what was typed", got)
	}
	setRules(`JSON.stringify([{code: "X1", grade: "Z", description_zh: "无效", when: {}}])`)
	b.submit("save a bad rule", chromedp.Click(chromedp.ID("save-policy")))
	if got := b.attrs("#rules-errors li", "data-location"); !slices.Contains(got, "body.rules[0].grade") || !slices.Contains(got, "body.rules[0].when") {
		t.Errorf("the rule's errors are at %v", got)
	}
	b.shot("policy-errors")

	// Every class C rule grants B instead.
	js, _ := json.Marshal(rules)
	setRules(`JSON.stringify(JSON.parse(` + string(js) + `).map(r => r.grade === "C" ? {...r, grade: "B"} : r), null, 2)`)
	b.submit("save", chromedp.Click(chromedp.ID("save-policy")))
	if msg := b.text("#done"); !strings.Contains(msg, "已保存") {
		t.Fatalf("saving: %q %s", msg, b.text("main"))
	}
	b.submit("dry run", chromedp.Click(chromedp.ID("impact-link")))
	r := e.call("GET", "/v1/grading-policies/"+id+"/impact", "office", nil)
	mustStatus(t, r, http.StatusOK, "the API's impact")
	var imp struct {
		Changed int                       `json:"changed"`
		Matrix  map[string]map[string]int `json:"matrix"`
	}
	if err := json.Unmarshal(r.Body, &imp); err != nil {
		t.Fatal(err)
	}
	if imp.Matrix["C"]["B"] != 2 {
		t.Errorf("the API moves %d from C to B, want 2", imp.Matrix["C"]["B"])
	}
	for _, from := range []string{"A", "B", "C", "D", "none"} {
		for _, to := range []string{"A", "B", "C", "D", "none"} {
			got := b.text(fmt.Sprintf(`#impact-matrix td[data-from="%s"][data-to="%s"]`, from, to))
			if got != strconv.Itoa(imp.Matrix[from][to]) {
				t.Errorf("cell %s→%s shows %q, the API says %d", from, to, got, imp.Matrix[from][to])
			}
		}
	}
	if got := b.text("#impact-changed"); got != strconv.Itoa(imp.Changed) {
		t.Errorf("changed %q, the API says %d", got, imp.Changed)
	}
	b.submit("open the cell", chromedp.Click(chromedp.CSS(`#impact-matrix td[data-from="C"][data-to="B"] a`)))
	if n := b.nodeCount("#cell-list tr[data-talent]"); n != imp.Matrix["C"]["B"] {
		t.Errorf("the cell lists %d records, want %d", n, imp.Matrix["C"]["B"])
	}
	b.shot("impact")

	b.submit("publish", chromedp.Click(chromedp.ID("publish")))
	if msg := b.text("#done"); !strings.Contains(msg, "已发布") {
		t.Errorf("publishing: %q", msg)
	}
	if n := e.count(`SELECT count(*) FROM grading_policies WHERE id = $1 AND status = 'published'`, id); n != 1 {
		t.Error("the draft is not in force")
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE status = 'registered' AND grade = 'B'`); n != 3 {
		t.Errorf("%d talents of class B after publishing, want 3", n)
	}
	b.shot("published")
}

// The admin creates an account (a weak password refused beside its box first); the office may not
// open the accounts page, and HR may not open the office's desk at all.
func TestPages_OfficeAccountsAndRoles(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.login("admin")
	b.open("/office/accounts")
	fill := func(password string) {
		b.run("fill in the account",
			chromedp.SetValue(chromedp.ID("username"), "clerk.zhang"),
			chromedp.SetValue(chromedp.ID("display_name"), "张办事员"),
			chromedp.SetValue(chromedp.ID("new-password"), password),
			chromedp.SetValue(chromedp.ID("role"), "enterprise_hr"),
			chromedp.SetValue(chromedp.ID("enterprise_id"), strconv.FormatInt(e.entX.ID, 10)))
	}
	fill("12345678")
	if status := b.submit("a weak password", chromedp.Click(chromedp.ID("create-account"))); status != http.StatusUnprocessableEntity {
		t.Errorf("a weak password answered %d", status)
	}
	if msg := b.text("#new-account .field-error"); msg == "" {
		t.Error("no message beside the password")
	}
	b.shot("weak-password")
	fill("Lotus-Harbour-2026!")
	b.submit("create", chromedp.Click(chromedp.ID("create-account")))
	if msg := b.text("#done"); !strings.Contains(msg, "clerk.zhang") {
		t.Errorf("creating: %q", msg)
	}
	if n := e.count(`SELECT count(*) FROM accounts WHERE username = 'clerk.zhang' AND role = 'enterprise_hr' AND enterprise_id = $1`, e.entX.ID); n != 1 {
		t.Error("the account is not stored as asked")
	}
	if n := b.nodeCount(`tr[data-account="clerk.zhang"]`); n != 1 {
		t.Error("the new account is not listed")
	}
	b.shot("account-created")

	office := newBrowser(t, e)
	office.login("office")
	if status := office.status("/office/accounts"); status != http.StatusForbidden {
		t.Errorf("the office opens the accounts page with %d", status)
	}
	if n := office.nodeCount(`.subnav a[href="/office/accounts"]`); n != 0 {
		t.Error("the office's sub-navigation offers the accounts page")
	}
	office.open("/office/audit?action=account.create")
	if n := office.nodeCount(`#audit tr[data-action="account.create"]`); n < 1 {
		t.Errorf("the audit log does not show the account's creation: %s", office.text("main"))
	}
	office.shot("audit")

	hr := newBrowser(t, e)
	hr.login("hr-x")
	if status := hr.status("/office"); status != http.StatusForbidden {
		t.Errorf("HR opens /office with %d", status)
	}
	hr.shot("hr-forbidden")
}

// The rest of the office's work: a class overridden with a reason, a card reissued, a catalogue
// item edited (a refusal shown in its form first), and an API key issued once and revoked.
func TestPages_OfficeOverrideCatalogueKeys(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeC))
	b := newBrowser(t, e)
	b.login("office")

	b.open(fmt.Sprintf("/office/talents/%d", holder.ID))
	b.run("choose B", chromedp.SetValue(chromedp.ID("grade"), "B"))
	if status := b.submit("override without a reason", chromedp.Click(chromedp.CSS("#override button"))); status != http.StatusUnprocessableEntity {
		t.Errorf("an override without a reason answered %d", status)
	}
	b.run("give the reason", chromedp.SetValue(chromedp.ID("grade"), "B"), chromedp.SendKeys(chromedp.ID("override-reason"), "经区人才工作领导小组研究"))
	b.submit("override", chromedp.Click(chromedp.CSS("#override button")))
	if got := b.text("#record-grade"); !strings.Contains(got, "B类") {
		t.Errorf("the class reads %q after the override", got)
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE id = $1 AND grade = 'B' AND grade_overridden`, holder.ID); n != 1 {
		t.Error("the override is not stored")
	}
	b.shot("overridden")

	card, _ := e.cardOf(t, holder.ID, "office")
	b.open("/office/cards?q=" + card.Serial)
	b.run("reissue reason", chromedp.SendKeys(chromedp.ID(fmt.Sprintf("reissue-%d", holder.ID)), "卡片损坏"))
	b.submit("reissue", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-reissue="%d"]`, holder.ID))))
	if got, _ := e.cardOf(t, holder.ID, "office"); got.Version < 2 {
		t.Errorf("the card is at version %d after the reissue: %s", got.Version, b.text("main"))
	}

	var code string
	if err := e.db.QueryRow(`SELECT code FROM service_items ORDER BY sort_order, code LIMIT 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	b.open("/office/catalogue")
	form := fmt.Sprintf(`[data-service="%s"] `, code)
	b.run("clear the name", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, form+`input[name="name_zh"]`)))
	if status := b.submit("save without a name", chromedp.Click(chromedp.CSS(form+"button.primary"))); status != http.StatusUnprocessableEntity {
		t.Errorf("a nameless service answered %d", status)
	}
	if got := b.attrs(form+".field-error", "data-location"); !slices.Equal(got, []string{"body.name_zh"}) {
		t.Errorf("the refusal is at %v", got)
	}
	b.run("edit", chromedp.SetValue(chromedp.CSS(form+`input[name="name_zh"]`), "人才子女入学"),
		chromedp.SetValue(chromedp.CSS(form+`input[name="yearly_quota"]`), "7"))
	b.submit("save", chromedp.Click(chromedp.CSS(form+"button.primary")))
	if n := e.count(`SELECT count(*) FROM service_items WHERE code = $1 AND yearly_quota = 7 AND name_zh = '人才子女入学'`, code); n != 1 {
		t.Errorf("the item is not saved: %s", b.text(form))
	}
	b.shot("catalogue")

	admin := newBrowser(t, e)
	admin.login("admin")
	admin.open(fmt.Sprintf("/office/accounts/%d", e.acct["hr-y"].ID))
	admin.run("name the key", chromedp.SendKeys(chromedp.ID("key-name"), "对账接口"))
	admin.submit("issue", chromedp.Click(chromedp.ID("issue-key")))
	key := admin.text("#new-key")
	if len(key) < 20 {
		t.Fatalf("the key shown is %q", key)
	}
	if r := e.call("GET", "/v1/auth/me", "", nil, "Authorization", "Bearer "+key); r.Status != http.StatusOK {
		t.Errorf("the new key authenticates with %d", r.Status)
	}
	admin.shot("key-issued")
	admin.open(fmt.Sprintf("/office/accounts/%d", e.acct["hr-y"].ID))
	if admin.nodeCount("#new-key") != 0 {
		t.Error("the key is shown again")
	}
	var keyID int64
	if err := e.db.QueryRow(`SELECT id FROM auth_tokens WHERE name = '对账接口'`).Scan(&keyID); err != nil {
		t.Fatal(err)
	}
	admin.submit("revoke", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-revoke="%d"]`, keyID))))
	if r := e.call("GET", "/v1/auth/me", "", nil, "Authorization", "Bearer "+key); r.Status != http.StatusUnauthorized {
		t.Errorf("the revoked key authenticates with %d", r.Status)
	}
}

// sessionCall sends a page request with user's session cookie (a form when form is not nil), asking
// for English (the browser tests read Chinese), and returns the status.
func sessionCall(t *testing.T, e *testEnv, user, method, path string, form url.Values) int {
	t.Helper()
	sess, err := e.svc.accounts.Login(context.Background(), user, testPassword, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: sess.Token})
	req.Header.Set("Accept-Language", "en")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// What a clerk or a script might send the office's pages that makes no sense is refused with a
// 4xx and changes nothing; nothing is a 500.
func TestPages_OfficeRefusesNonsense(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeC))
	card, _ := e.cardOf(t, holder.ID, "office")
	long := strings.Repeat("长", 600)
	cases := []struct {
		method, path string
		form         url.Values
		want         int
	}{
		{"GET", "/office?cursor=bogus", nil, http.StatusBadRequest},
		{"GET", "/office/talents/abc", nil, http.StatusNotFound},
		{"GET", "/office/talents/999999", nil, http.StatusNotFound},
		{"POST", "/office/review/approve", url.Values{"id": {"x"}}, http.StatusUnprocessableEntity},
		{"POST", "/office/review/approve", url.Values{}, http.StatusUnprocessableEntity},
		{"POST", "/office/review/return", url.Values{"id": {"1"}}, http.StatusUnprocessableEntity},
		{"POST", "/office/review/destroy", url.Values{"id": {"1"}}, http.StatusNotFound},
		{"POST", "/office/review/999999/approve", url.Values{}, http.StatusNotFound},
		{"POST", fmt.Sprintf("/office/talents/%d/approve", holder.ID), url.Values{}, http.StatusConflict},
		{"POST", fmt.Sprintf("/office/talents/%d/override", holder.ID), url.Values{"grade": {"Z"}, "reason": {"x"}}, http.StatusUnprocessableEntity},
		{"POST", fmt.Sprintf("/office/talents/%d/override", holder.ID), url.Values{"grade": {"B"}, "reason": {long}}, http.StatusUnprocessableEntity},
		{"POST", fmt.Sprintf("/office/talents/%d/fly", holder.ID), url.Values{}, http.StatusNotFound},
		{"GET", "/office/policy/abc/impact", nil, http.StatusNotFound},
		{"GET", "/office/policy/999999/impact", nil, http.StatusNotFound},
		{"POST", "/office/policy/1", url.Values{"title": {"x"}, "rules": {"[]"}}, http.StatusUnprocessableEntity},
		{"POST", "/office/policy/1", url.Values{"title": {"x"}, "rules": {`[{"code":"A1","grade":"A","description_zh":"x","when":{"min_age":30}}]`}}, http.StatusConflict},
		{"POST", "/office/policy/1", url.Values{"title": {"x"}, "rules": {`[{"code":"A1","bogus":1}]`}}, http.StatusUnprocessableEntity},
		{"POST", "/office/review/return", url.Values{"id": {"1"}, "comment": {long}}, http.StatusUnprocessableEntity},
		{"POST", "/office/catalogue/nothing", url.Values{"name_zh": {long}, "standard_days": {"5"}}, http.StatusUnprocessableEntity},
		{"POST", "/office/policy/1/publish", url.Values{}, http.StatusConflict},
		{"GET", "/office/cards?q=" + url.QueryEscape(long), nil, http.StatusUnprocessableEntity},
		{"POST", "/office/cards/" + card.Serial + "/status", url.Values{"to": {"lost"}, "reason": {"x"}}, http.StatusConflict},
		{"POST", "/office/cards/" + card.Serial + "/status", url.Values{"to": {"suspended"}}, http.StatusUnprocessableEntity},
		{"POST", "/office/cards/NOPE/status", url.Values{"to": {"suspended"}, "reason": {"x"}}, http.StatusNotFound},
		{"POST", "/office/talents/999999/reissue", url.Values{"reason": {"x"}}, http.StatusNotFound},
		{"POST", "/office/catalogue/nothing", url.Values{"name_zh": {"x"}, "standard_days": {"5"}}, http.StatusNotFound},
		{"POST", "/office/catalogue/nothing", url.Values{"name_zh": {"x"}, "standard_days": {"0"}}, http.StatusUnprocessableEntity},
		{"POST", "/office/catalogue/nothing", url.Values{"name_zh": {"x"}, "standard_days": {"5"}, "yearly_quota": {"lots"}}, http.StatusUnprocessableEntity},
		{"GET", "/office/audit?from=yesterday", nil, http.StatusUnprocessableEntity},
		{"GET", "/office/audit?from=2026-02-01&to=2026-01-01", nil, http.StatusUnprocessableEntity},
		{"GET", "/office/audit?actor_id=-3", nil, http.StatusUnprocessableEntity},
		{"GET", "/office/audit?cursor=bogus", nil, http.StatusBadRequest},
	}
	for _, path := range []string{"/office", "/office/review", "/office/policy", "/office/policy?id=1", "/office/policy/1/impact?from=C&to=C",
		"/office/cards", "/office/cards?q=" + card.Serial, "/office/catalogue", "/office/audit?entity_type=talent",
		fmt.Sprintf("/office/talents/%d", holder.ID)} {
		if got := sessionCall(t, e, "office", "GET", path, nil); got != http.StatusOK {
			t.Errorf("GET %s in English: %d", path, got)
		}
	}
	for _, path := range []string{"/office/accounts", fmt.Sprintf("/office/accounts/%d", e.acct["hr-x"].ID)} {
		if got := sessionCall(t, e, "admin", "GET", path, nil); got != http.StatusOK {
			t.Errorf("GET %s in English: %d", path, got)
		}
	}

	before := e.count(`SELECT count(*) FROM audit_log`)
	for _, c := range cases {
		if got := sessionCall(t, e, "office", c.method, c.path, c.form); got != c.want {
			t.Errorf("%.80s %.80s: %d, want %d", c.method+" "+c.path, c.form.Encode(), got, c.want)
		}
	}
	admin := []struct {
		path string
		form url.Values
		want int
	}{
		{"/office/accounts", url.Values{"username": {"X"}, "display_name": {""}, "password": {"short"}, "role": {"king"}}, http.StatusUnprocessableEntity},
		{"/office/accounts", url.Values{"username": {"abc"}, "display_name": {"a"}, "password": {"Lotus-Harbour-2026!"}, "role": {"enterprise_hr"}, "enterprise_id": {"x"}}, http.StatusUnprocessableEntity},
		{fmt.Sprintf("/office/accounts/%d/disable", e.acct["admin"].ID), url.Values{"version": {"1"}}, http.StatusConflict},
		{"/office/accounts/999999/unlock", url.Values{}, http.StatusNotFound},
		{fmt.Sprintf("/office/accounts/%d/password", e.acct["hr-y"].ID), url.Values{"password": {"123"}}, http.StatusUnprocessableEntity},
		{fmt.Sprintf("/office/accounts/%d/keys", e.acct["hr-y"].ID), url.Values{"name": {""}}, http.StatusUnprocessableEntity},
		{fmt.Sprintf("/office/accounts/%d/keys", e.acct["hr-y"].ID), url.Values{"name": {"k"}, "expires_on": {"2001-01-01"}}, http.StatusUnprocessableEntity},
		{fmt.Sprintf("/office/accounts/%d/keys/999999", e.acct["hr-y"].ID), url.Values{}, http.StatusNotFound},
	}
	for _, c := range admin {
		if got := sessionCall(t, e, "admin", "POST", c.path, c.form); got != c.want {
			t.Errorf("admin POST %s %.80s: %d, want %d", c.path, c.form.Encode(), got, c.want)
		}
	}
	if after := e.count(`SELECT count(*) FROM audit_log`); after != before {
		t.Errorf("the refused requests wrote %d audit records", after-before)
	}
	for _, user := range []string{"hr-x", "window", "commissioner", "housing", "finance"} {
		if got := sessionCall(t, e, user, "GET", "/office", nil); got != http.StatusForbidden {
			t.Errorf("%s opens /office with %d", user, got)
		}
		if got := sessionCall(t, e, user, "POST", "/office/review/approve", url.Values{"id": {"1"}}); got != http.StatusForbidden {
			t.Errorf("%s approves through the office's page with %d", user, got)
		}
	}
	if got := sessionCall(t, e, "office", "POST", "/office/accounts", url.Values{"username": {"sneaky"}}); got != http.StatusForbidden {
		t.Errorf("the office creates accounts with %d", got)
	}
}
