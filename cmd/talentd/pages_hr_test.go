package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"talentd/talent"
)

// fetched is a download a page's link gives the signed-in browser.
type fetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Body   string `json:"body"` // base64
}

// fetchLink downloads the href of the link sel in the page, with the page's session, as the
// browser would save it.
func fetchLink(b *browser, sel string) (fetched, []byte) {
	b.t.Helper()
	js := fmt.Sprintf(`(async () => {
		const r = await fetch(document.querySelector(%q).href, {credentials: 'same-origin'});
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (const x of bytes) s += String.fromCharCode(x);
		return {status: r.status, type: r.headers.get('content-type') || '', body: btoa(s)};
	})()`, sel)
	f := value(b, "download "+sel, chromedp.Evaluate[fetched](js, chromedp.EvalAwaitPromise))
	raw, err := base64.StdEncoding.DecodeString(f.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return f, raw
}

// enterpriseTalents lists the ids and statuses of an enterprise's records, oldest first.
func enterpriseTalents(t *testing.T, e *testEnv, enterpriseID int64) (ids []int64, statuses []string) {
	t.Helper()
	rows, err := e.db.Query(`SELECT id, status FROM talents WHERE enterprise_id = $1 ORDER BY id`, enterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		ids, statuses = append(ids, id), append(statuses, st)
	}
	return ids, statuses
}

// badChecksum is a valid identity number with its check character changed.
func badChecksum(id string) string {
	last := "0"
	if strings.HasSuffix(id, "0") {
		last = "1"
	}
	return id[:17] + last
}

// HR imports a file with one bad row (nothing is imported: the service is all or nothing, and the
// page lists the bad cell), fixes it and imports again, then submits the new records from the list.
func TestPages_HRImportFixSubmit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.login("hr-x")
	if loc := b.location(); loc != "/hr" {
		t.Fatalf("HR lands on %s, want /hr", loc)
	}

	// The template is a workbook with the import's sheet.
	b.open("/hr/import")
	got, raw := fetchLink(b, "#template-xlsx")
	if got.Status != http.StatusOK || !strings.Contains(got.Type, "spreadsheetml") || !bytes.HasPrefix(raw, []byte("PK")) {
		t.Fatalf("the template: %d %q, %d bytes", got.Status, got.Type, len(raw))
	}
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the template is not a workbook: %v", err)
	}
	if !slices.Contains(wb.GetSheetList(), "人才信息") {
		t.Errorf("the template's sheets: %v", wb.GetSheetList())
	}

	rows := importRows(3)
	good := rows[1][3]
	rows[1][3] = badChecksum(good) // the second person, on row 3 of the sheet
	file := filepath.Join(t.TempDir(), "人才名单.csv")
	upload := func(what string, want int64) {
		t.Helper()
		if err := os.WriteFile(file, csvOf(t, importHeader, rows), 0o644); err != nil {
			t.Fatal(err)
		}
		b.run("choose the file", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}))
		if status := b.submit(what, chromedp.Click(chromedp.ID("upload"))); status != want {
			t.Fatalf("%s: status %d, want %d: %s", what, status, want, b.text("main"))
		}
	}
	upload("upload with a bad row", http.StatusUnprocessableEntity)
	cells := b.text(`#row-errors tr[data-row="3"]`)
	if !strings.Contains(cells, "身份证号") || !strings.Contains(cells, "校验码") {
		t.Errorf("row 3's problem: %q, want the 身份证号 column and the checksum message in Chinese", cells)
	}
	if n := b.nodeCount(`#row-errors tbody tr`); n != 1 {
		t.Errorf("%d problems listed, want the one", n)
	}
	if !strings.Contains(b.text("#problem"), "未导入任何记录") {
		t.Errorf("the refusal: %q", b.text("#problem"))
	}
	if ids, _ := enterpriseTalents(t, e, e.entX.ID); len(ids) != 0 {
		t.Fatalf("a refused file imported %d records", len(ids))
	}
	b.shot("import-row-errors")

	rows[1][3] = good
	upload("upload the corrected file", http.StatusOK)
	if done := b.text("#done"); !strings.Contains(done, "新增 3 条") {
		t.Errorf("after the corrected upload: %q", done)
	}
	ids, statuses := enterpriseTalents(t, e, e.entX.ID)
	if len(ids) != 3 || slices.ContainsFunc(statuses, func(s string) bool { return s != "draft" }) {
		t.Fatalf("imported %v %v, want three drafts", ids, statuses)
	}
	b.shot("imported")

	// The drafts, ticked in the list and submitted together.
	b.open("/hr?status=draft")
	if n := b.nodeCount(`#talents tr[data-talent]`); n != 3 {
		t.Fatalf("the draft list shows %d records, want 3", n)
	}
	if status := b.submit("submit nothing ticked", chromedp.Click(chromedp.ID("submit-selected"))); status != http.StatusUnprocessableEntity ||
		!strings.Contains(b.text("#problem"), "请先勾选") {
		t.Errorf("submitting with nothing ticked: %d %q", status, b.text("#problem"))
	}
	for _, id := range ids {
		b.run("tick a draft", chromedp.Click(chromedp.ID(fmt.Sprintf("pick-%d", id))))
	}
	b.shot("ticked")
	b.submit("submit the ticked records", chromedp.Click(chromedp.ID("submit-selected")))
	if done := b.text("#done"); !strings.Contains(done, "已提交审核 3 条") {
		t.Errorf("after submitting: %q", done)
	}
	if n := b.nodeCount(`#talents tr[data-talent]`); n != 0 || b.nodeCount(`#results tr.ok`) != 3 {
		t.Errorf("after submitting, the draft list shows %d records, want none (and the three results)", n)
	}
	if _, statuses = enterpriseTalents(t, e, e.entX.ID); slices.ContainsFunc(statuses, func(s string) bool { return s != "submitted" }) {
		t.Fatalf("after submitting, statuses %v", statuses)
	}
	b.open("/hr?status=submitted")
	if n := b.nodeCount(`#talents tr[data-status="submitted"]`); n != 3 {
		t.Errorf("the list shows %d submitted records, want 3", n)
	}
	b.shot("submitted")

	// Export: the enterprise's records as a workbook.
	b.open("/hr/import")
	got, raw = fetchLink(b, "#export-xlsx")
	if got.Status != http.StatusOK || !bytes.HasPrefix(raw, []byte("PK")) {
		t.Fatalf("the export: %d %q", got.Status, got.Type)
	}
	wb, err = excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if sheet, err := wb.GetRows(wb.GetSheetList()[0]); err != nil || len(sheet) != 4 {
		t.Errorf("the export has %d rows (%v), want the header and 3", len(sheet), err)
	}
}

// pngFile writes a small PNG image and returns its path.
func pngFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 80))
	for x := range 60 {
		for y := range 80 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: 120, B: uint8(y * 3), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The record form: a bad identity number is refused with the Chinese message next to it and the
// form kept as typed; a good one saves a draft, takes a photo and is submitted; returned by the
// office, the record shows the reviewer's note and is corrected and submitted again.
func TestPages_HRRecordForm(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.login("hr-x")
	person := importRows(1)[0]
	name, idNumber := person[1], person[3]

	b.open("/hr/talents/new")
	b.run("fill in the form",
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("id_number"), badChecksum(idNumber)),
		chromedp.SetValue(chromedp.ID("education"), "doctorate"),
		chromedp.SetValue(chromedp.ID("title"), "senior_full"),
		chromedp.SendKeys(chromedp.ID("salary"), "50万"),
	)
	if status := b.submit("save with a bad identity number", chromedp.Click(chromedp.ID("save"))); status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad identity number: status %d", status)
	}
	if msg := b.text(`.field-error[data-for="id_number"]`); !strings.Contains(msg, "校验码") {
		t.Errorf("next to the identity number: %q", msg)
	}
	if n := b.nodeCount(`.field-error`); n != 1 {
		t.Errorf("%d field messages, want the one", n)
	}
	if v := value(b, "read the name", chromedp.Value(chromedp.ID("name"))); v != name {
		t.Errorf("the form lost the name: %q", v)
	}
	if ids, _ := enterpriseTalents(t, e, e.entX.ID); len(ids) != 0 {
		t.Fatal("a refused form saved a record")
	}
	b.shot("record-bad-field")

	b.run("correct the number", chromedp.SetValue(chromedp.ID("id_number"), idNumber))
	b.submit("save", chromedp.Click(chromedp.ID("save")))
	ids, _ := enterpriseTalents(t, e, e.entX.ID)
	if len(ids) != 1 || b.location() != fmt.Sprintf("/hr/talents/%d?saved=1", ids[0]) {
		t.Fatalf("after saving: %v at %s", ids, b.location())
	}
	id := ids[0]

	big := filepath.Join(t.TempDir(), "big.png")
	if err := os.WriteFile(big, bytes.Repeat([]byte{0x89}, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run("choose a photo too large", chromedp.SetUploadFiles(chromedp.ID("photo-file"), []string{big}))
	if status := b.submit("upload a photo too large", chromedp.Click(chromedp.CSS(`#photo-form button`))); status != http.StatusUnprocessableEntity {
		t.Fatalf("a 3 MB photo: status %d", status)
	}
	if msg := b.text("#problem"); !strings.Contains(msg, "2 MB") {
		t.Errorf("a 3 MB photo: %q", msg)
	}
	if v := value(b, "read the name", chromedp.Value(chromedp.ID("name"))); v != name {
		t.Errorf("after a refused photo the form shows the name %q", v)
	}
	b.shot("photo-too-large")
	b.run("choose a photo", chromedp.SetUploadFiles(chromedp.ID("photo-file"), []string{pngFile(t)}))
	b.submit("upload the photo", chromedp.Click(chromedp.CSS(`#photo-form button`)))
	b.run("see the photo", chromedp.WaitVisible(chromedp.ID("photo")))
	if n := e.count(`SELECT count(*) FROM talent_photos WHERE talent_id = $1`, id); n != 1 {
		t.Fatalf("%d photos stored", n)
	}
	b.submit("submit the record", chromedp.Click(chromedp.CSS(`#submit-one button`)))
	if st := b.text("#record-status"); st != "待审核" {
		t.Fatalf("after submitting, the record shows %q", st)
	}
	b.shot("record-submitted")

	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/return", id), "office",
		map[string]any{"reason": "请补充职务信息"}), http.StatusOK, "return the record")
	b.open(fmt.Sprintf("/hr/talents/%d", id))
	if note := b.text("#review-comment"); !strings.Contains(note, "请补充职务信息") {
		t.Fatalf("the returned record shows %q", note)
	}
	b.shot("record-returned")
	b.run("correct the record", chromedp.SendKeys(chromedp.ID("position"), "研发总监"))
	b.submit("save the correction", chromedp.Click(chromedp.ID("save")))
	b.submit("submit again", chromedp.Click(chromedp.CSS(`#submit-one button`)))
	var status, position string
	if err := e.db.QueryRow(`SELECT status, position FROM talents WHERE id = $1`, id).Scan(&status, &position); err != nil {
		t.Fatal(err)
	}
	if status != "submitted" || position != "研发总监" {
		t.Errorf("after the correction: %s, position %q", status, position)
	}
}

// HR sees its own enterprise only, on every page of the portal; the other desks are closed to it.
// The portal's other pages show the enterprise's cards, requests, housing and subsidies.
func TestPages_HRScope(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeB)
	reg := e.registered(t, body)
	card, _ := e.cardOf(t, reg.ID, "hr-x")
	if card.Serial == "" {
		t.Fatal("the registered talent has no card")
	}

	mustStatus(t, e.call("POST", "/v1/greencard/requests", "hr-x", map[string]any{"card_serial": card.Serial,
		"service": "agent_services", "description": "代办子女入学"}), http.StatusCreated, "file a request")
	housed := e.fileHousing(t, "hr-x", publicRentalBody(newIDNumber()), http.StatusCreated)

	b := newBrowser(t, e)
	b.login("hr-x")
	b.open("/hr")
	if n := b.nodeCount(fmt.Sprintf(`#talents tr[data-talent="%d"]`, reg.ID)); n != 1 {
		t.Fatal("hr-x does not see its talent")
	}
	b.open("/hr/cards")
	if n := b.nodeCount(fmt.Sprintf(`#cards [data-serial="%s"]`, card.Serial)); n != 1 {
		t.Errorf("the card %s is not listed", card.Serial)
	}
	if href := value(b, "read the print link", chromedp.AttributeValue(chromedp.CSS(`#cards a.print`), "href")); !strings.HasSuffix(href.Value, "/v1/greencard/cards/"+card.Serial+"/print") {
		t.Errorf("the print link: %q", href.Value)
	}
	b.shot("cards")
	if status := value(b, "open the print page", chromedp.NavigateResponse(b.base+"/v1/greencard/cards/"+card.Serial+"/print")).Status; status != http.StatusOK {
		t.Errorf("the card's print page: %d", status)
	}
	b.shot("print")
	b.open("/hr/housing?kind=public_rental")
	if got := b.text(fmt.Sprintf(`#applications tr[data-application="%d"]`, housed.ID)); !strings.Contains(got, "公租房") ||
		!strings.Contains(got, "李四") || !strings.Contains(got, "轮候中") {
		t.Errorf("the housing application row: %q", got)
	}
	b.open("/hr/housing?kind=talent_apartment")
	if n := b.nodeCount(`#applications tr[data-application]`); n != 0 {
		t.Errorf("the talent-apartment filter shows %d public-rental applications", n)
	}
	b.open("/hr/requests")
	if got := b.text(`#requests tr[data-request]`); !strings.Contains(got, "代办子女入学") || !strings.Contains(got, body["name"].(string)) {
		t.Errorf("the request row: %q", got)
	}
	for _, path := range []string{"/hr/requests", "/hr/housing", "/hr/subsidies", "/hr/import", "/hr/talents/new"} {
		if status := value(b, "open "+path, chromedp.NavigateResponse(b.base+path)).Status; status != http.StatusOK {
			t.Errorf("%s: %d", path, status)
		}
		b.shot(strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "-"))
	}
	for _, path := range []string{"/window", "/commissioner", "/office"} {
		status := value(b, "open "+path, chromedp.NavigateResponse(b.base+path)).Status
		if status == http.StatusNotFound && path == "/office" {
			continue // the office's desk is not on this build
		}
		if status != http.StatusForbidden {
			t.Errorf("HR opening %s: %d, want 403", path, status)
		}
	}
	b.open("/hr")
	b.submit("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))

	b.login("hr-y")
	b.open("/hr")
	if n := b.nodeCount(`#talents tr[data-talent]`); n != 0 {
		t.Errorf("hr-y sees %d records of another enterprise", n)
	}
	if strings.Contains(b.text("main"), body["name"].(string)) {
		t.Error("hr-y sees hr-x's talent by name")
	}
	if status := value(b, "open hr-x's record", chromedp.NavigateResponse(b.base+fmt.Sprintf("/hr/talents/%d", reg.ID))).Status; status != http.StatusNotFound {
		t.Errorf("hr-y opening hr-x's record: %d, want 404", status)
	}
	b.open("/hr/cards")
	if n := b.nodeCount(`#cards [data-serial]`); n != 0 {
		t.Errorf("hr-y sees %d cards of another enterprise", n)
	}
	b.open("/hr/requests")
	if n := b.nodeCount(`#requests tr[data-request]`); n != 0 {
		t.Errorf("hr-y sees %d requests of another enterprise", n)
	}
	b.open("/hr/housing")
	if n := b.nodeCount(`#applications tr[data-application]`); n != 0 {
		t.Errorf("hr-y sees %d housing applications of another enterprise", n)
	}
	b.shot("hr-y")
}

// HR applies for an enterprise subsidy: a bad supplier code is refused next to its row, the
// corrected application shows the amount and its working; returned by the office, it is corrected
// and recalculated.
func TestPages_HRSubsidyApplication(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := newSubsidyApplicationCase(t, e, 150_000)
	award := e.createSubsidyProgramme(t, subsidyProgrammeBody("bishan_talent", 10_000_000))
	body := newTalentBody(talent.GradeB)
	own := e.registered(t, body)
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+award+"/nominations", "hr-x",
		map[string]any{"talent_id": own.ID, "reason": "技术骨干"}), http.StatusCreated, "nominate")
	b := newBrowser(t, e)
	b.login("hr-x")
	b.open("/hr/subsidies")
	if level := value(b, "read the platform level", chromedp.Value(chromedp.ID("platform_level"))); level != "none" {
		t.Errorf("a new application declares platform level %q, want none", level)
	}
	b.run("fill in the application",
		chromedp.SetValue(chromedp.ID("programme_id"), c.programme),
		chromedp.SendKeys(chromedp.ID("rd_spending"), "1万"),
		chromedp.SendKeys(chromedp.ID("supplier_uscc_0"), c.local),
		chromedp.SendKeys(chromedp.ID("purchase_amount_0"), "20,000"),
		chromedp.SendKeys(chromedp.ID("supplier_uscc_1"), "91500000X00000000X"),
		chromedp.SendKeys(chromedp.ID("purchase_amount_1"), "20000"),
	)
	if status := b.submit("apply with a bad supplier code", chromedp.Click(chromedp.ID("apply"))); status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad supplier code: status %d", status)
	}
	if msg := b.text(`#supplier_uscc_1 + .field-error`); !strings.Contains(msg, "供应商") {
		t.Errorf("next to the second supplier: %q", msg)
	}
	if n := e.count(`SELECT count(*) FROM subsidy_applications`); n != 0 {
		t.Fatal("a refused application was stored")
	}
	b.shot("subsidy-bad-supplier")

	b.run("correct the supplier", chromedp.SetValue(chromedp.ID("supplier_uscc_1"), c.nonLocal))
	b.submit("apply", chromedp.Click(chromedp.ID("apply")))
	if got := b.text("#calculated"); got != "1,100.00" {
		t.Errorf("calculated %q, want 1,100.00 (500 of R&D, 600 of local supply)", got)
	}
	if n := b.nodeCount(`#working tr[data-line]`); n != 3 {
		t.Errorf("%d working lines, want 3", n)
	}
	b.shot("subsidy-working")

	id := strings.TrimPrefix(strings.TrimSuffix(b.location(), "?saved=calculated"), "/hr/subsidies/")
	mustStatus(t, e.call("POST", "/v1/subsidy/applications/"+id+"/return", "office", map[string]any{"reason": "研发投入请按审计报告填写"}),
		http.StatusOK, "return the application")
	b.open("/hr/subsidies/" + id)
	if got := b.text("#decision"); !strings.Contains(got, "审计报告") {
		t.Errorf("the returned application shows %q", got)
	}
	b.run("correct the R&D spending", chromedp.SetValue(chromedp.ID("rd_spending"), "2万"))
	b.submit("submit again", chromedp.Click(chromedp.ID("correct")))
	if got, st := b.text("#calculated"), b.text("#application-status"); got != "1,600.00" || st != "已提交待审核" {
		t.Errorf("after the correction: %q, %q", got, st)
	}
	b.open("/hr/subsidies")
	if n := b.nodeCount(`#subsidy-applications tr[data-application]`); n != 1 {
		t.Errorf("the list shows %d applications", n)
	}
	if got := b.text(`#nominations tr[data-nomination]`); !strings.Contains(got, body["name"].(string)) || !strings.Contains(got, "已提名") {
		t.Errorf("the nomination row: %q", got)
	}
	b.shot("subsidies")
}
