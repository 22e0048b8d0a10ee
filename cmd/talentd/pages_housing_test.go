package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The housing office opens a round over two units for three applicants, previews the ranking with
// each applicant's why, commits it, accepts one offer (a lease appears) and declines the other
// with a reason (the unit goes to the third applicant); the public ranking shows the seed.
func TestPages_HousingRound(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	units := e.housingUnits(t, "public_rental", 2)
	// X is a key enterprise, so its worker ranks first; Y's two draw lots for the other unit.
	if _, err := e.db.Exec(`UPDATE enterprises SET key_enterprise = (id = $1)`, e.entX.ID); err != nil {
		t.Fatal(err)
	}
	first, _ := e.publicRentalApplication(t, e.entX.ID, "王小明")
	e.publicRentalApplication(t, e.entY.ID, "李四")
	e.publicRentalApplication(t, e.entY.ID, "赵五")

	b := newBrowser(t, e)
	b.login("housing")
	if loc := b.location(); loc != "/housing" {
		t.Fatalf("the housing office lands on %s", loc)
	}
	if n := b.nodeCount(`[data-waiting="public_rental"] tbody tr`); n != 3 {
		t.Errorf("the public-rental waiting list shows %d applicants, want 3", n)
	}
	b.shot("overview")

	b.open("/housing/rounds")
	b.submit("open a round without a title", chromedp.Click(chromedp.CSS(`#round-form button[type="submit"]`)))
	if b.text("#problem") == "" || b.nodeCount(`#round-form .field-error`) < 2 {
		t.Fatalf("a round without title, kind or units is not refused next to its inputs: %s", b.text("main"))
	}
	b.run("fill in the round",
		chromedp.SendKeys(chromedp.ID("r-title"), "2026年公租房第一批"),
		chromedp.SetValue(chromedp.ID("r-kind"), "public_rental"),
		chromedp.Click(chromedp.ID(fmt.Sprintf("u-%d", units[0]))),
		chromedp.Click(chromedp.ID(fmt.Sprintf("u-%d", units[1]))),
	)
	b.submit("open the round", chromedp.Click(chromedp.CSS(`#round-form button[type="submit"]`)))
	var round int64
	if err := e.db.Get(&round, `SELECT id FROM housing_rounds`); err != nil {
		t.Fatal(err)
	}
	if loc := b.location(); loc != fmt.Sprintf("/housing/rounds/%d", round) {
		t.Fatalf("after opening the round the page is %s", loc)
	}
	if hash := b.text("#seed-hash"); len(hash) != 64 {
		t.Errorf("the seed's hash shown is %q", hash)
	}
	b.shot("round-opened")

	b.submit("preview", chromedp.Click(chromedp.ID("preview")))
	if n := b.nodeCount(`#ranking tbody tr`); n != 3 {
		t.Fatalf("the preview ranks %d applicants, want 3", n)
	}
	whys := value(b, "read the whys", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#ranking td.why')].map(td => td.textContent.trim())`))
	for i, why := range whys {
		if !strings.Contains(why, "申请日") {
			t.Errorf("row %d has no why: %q", i+1, why)
		}
	}
	if !strings.Contains(whys[0], "重点企业") {
		t.Errorf("the first applicant's why does not name the key enterprise: %q", whys[0])
	}
	if n := b.nodeCount(fmt.Sprintf(`#ranking tbody tr:first-child[data-application="%d"]`, first)); n != 1 {
		t.Errorf("the key enterprise's worker is not first: %q", b.text(`#ranking tbody tr:first-child`))
	}
	if n := b.nodeCount(`#ranking td.no-unit`); n != 1 {
		t.Errorf("%d applicants go without a unit, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM housing_offers`); n != 0 {
		t.Fatalf("the preview made %d offers", n)
	}
	b.shot("preview")

	b.submit("commit", chromedp.Click(chromedp.ID("commit")))
	if n := e.count(`SELECT count(*) FROM housing_offers WHERE status = 'offered'`); n != 2 {
		t.Fatalf("the commit made %d offers, want 2", n)
	}
	if seed := b.text("#seed"); len(seed) != 64 {
		t.Errorf("the committed round shows the seed %q", seed)
	}
	if n := b.nodeCount(`#round-offers tbody tr`); n != 2 {
		t.Errorf("the round's page lists %d offers, want 2", n)
	}
	b.shot("committed")

	var accept, decline int64
	if err := e.db.Get(&accept, `SELECT id FROM housing_offers WHERE application_id = $1`, first); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&decline, `SELECT id FROM housing_offers WHERE application_id <> $1`, first); err != nil {
		t.Fatal(err)
	}
	b.submit("open the offers", chromedp.Click(chromedp.ID("offers-link")))
	row := func(id int64) string { return fmt.Sprintf(`#offers tr[data-offer="%d"]`, id) }
	b.run("name the resident", chromedp.SendKeys(chromedp.CSS(row(accept)+` textarea[name="resident_names"]`), "王小明"))
	b.submit("accept", chromedp.Click(chromedp.CSS(row(accept)+` button[data-action="accept"]`)))
	if n := e.count(fmt.Sprintf(`SELECT count(*) FROM housing_leases WHERE offer_id = %d AND status = 'active'`, accept)); n != 1 {
		t.Fatalf("accepting made %d leases: %s", n, b.text("main"))
	}
	if msg := b.text("#done"); !strings.Contains(msg, "租赁合同") {
		t.Errorf("after accepting the page says %q", msg)
	}
	b.shot("accepted")

	b.submit("decline without a reason", chromedp.Click(chromedp.CSS(row(decline)+` button[data-action="decline"]`)))
	if msg := b.text(row(decline) + ` .field-error`); msg == "" {
		t.Fatalf("declining without a reason is not refused next to the reason: %s", b.text("main"))
	}
	b.shot("decline-refused")
	b.run("choose the reason", chromedp.SetValue(chromedp.CSS(row(decline)+` select[name="reason"]`), "too_far"),
		chromedp.SendKeys(chromedp.CSS(row(decline)+` input[name="text"]`), "通勤时间过长"))
	b.submit("decline", chromedp.Click(chromedp.CSS(row(decline)+` button[data-action="decline"]`)))
	var status, reason string
	if err := e.db.QueryRow(`SELECT status, decline_reason FROM housing_offers WHERE id = $1`, decline).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "declined" || reason != "too_far" {
		t.Errorf("the declined offer is %s for %s", status, reason)
	}
	if n := e.count(`SELECT count(*) FROM housing_offers WHERE status = 'offered'`); n != 1 {
		t.Errorf("the freed unit was not offered to the next applicant (%d live offers)", n)
	}
	b.shot("declined")

	b.open("/housing/leases")
	if n := b.nodeCount(`#leases tr[data-status="active"]`); n != 1 {
		t.Errorf("the leases page shows %d active leases, want 1", n)
	}
	b.shot("leases")

	b.open(fmt.Sprintf("/ranking/%d", round))
	if n := b.nodeCount(`#public-ranking tbody tr`); n != 3 {
		t.Errorf("the public ranking lists %d applicants, want 3", n)
	}
	if got := b.text(`#public-ranking tbody`); strings.Contains(got, "王小明") {
		t.Errorf("the public ranking shows a full name: %q", got)
	}
	b.shot("public-ranking")
}

// HR may not open the housing desk.
func TestPages_HousingDeskForbidden(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.login("hr-x")
	resp := value(b, "open the housing desk as HR", chromedp.NavigateResponse(b.base+"/housing"))
	if resp.Status != http.StatusForbidden {
		t.Errorf("HR opening /housing: %d, want 403", resp.Status)
	}
	b.shot("hr-forbidden")
}

// The housing office adds an estate, imports units (a file with a bad row is refused with its
// rows' problems as a table, then imported), takes a unit into maintenance, and sets a lease's
// move-out day.
func TestPages_HousingInventoryAndLeases(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	lease := e.housingLease(t, "public_rental", nil, e.entX.ID)
	b := newBrowser(t, e)
	b.login("housing")
	b.open("/housing/estates")
	b.run("name the estate", chromedp.SendKeys(chromedp.ID("e-name"), "双星人才公寓"),
		chromedp.SendKeys(chromedp.ID("e-address"), "双星大道 8 号"))
	b.submit("add the estate", chromedp.Click(chromedp.CSS(`#estate-form button`)))
	if msg := b.text("#done"); !strings.Contains(msg, "双星人才公寓") {
		t.Fatalf("adding the estate says %q", msg)
	}

	dir := t.TempDir()
	write := func(name, body string) string {
		path := dir + "/" + name
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := unitCSVHeader + "双星人才公寓,,3栋,1502,15,2室1厅,68.5,人才公寓,1200\n" + "双星人才公寓,,3栋,1503,15,单间,35,人才公寓,800\n"
	bad := write("bad.csv", good+"双星人才公寓,,3栋,1504,二楼,2,-3,宿舍,abc\n")
	b.run("choose the bad file", chromedp.SetUploadFiles(chromedp.ID("i-file"), []string{bad}))
	if status := b.submit("import the bad file", chromedp.Click(chromedp.CSS(`#import-form button`))); status != http.StatusUnprocessableEntity {
		t.Errorf("a refused import answers %d", status)
	}
	if n := b.nodeCount(`#import-errors tbody tr`); n < 3 || b.text("#error-rows") != "1" {
		t.Fatalf("the refused import shows %d problems: %s", n, b.text("main"))
	}
	if n := e.count(`SELECT count(*) FROM housing_units WHERE number LIKE '150%'`); n != 0 {
		t.Fatalf("a refused import wrote %d units", n)
	}
	b.shot("import-refused")
	b.run("choose the good file", chromedp.SetUploadFiles(chromedp.ID("i-file"), []string{write("good.csv", good)}))
	b.submit("import the good file", chromedp.Click(chromedp.CSS(`#import-form button`)))
	if msg := b.text("#done"); !strings.Contains(msg, "新增 2 套") {
		t.Fatalf("the import says %q", msg)
	}

	var unit int64
	if err := e.db.Get(&unit, `SELECT id FROM housing_units WHERE number = '1503'`); err != nil {
		t.Fatal(err)
	}
	b.open(fmt.Sprintf("/housing/estates?estate=%d", e.count(`SELECT estate_id FROM housing_units WHERE id = $1`, unit)))
	row := fmt.Sprintf(`#units tr[data-unit="%d"]`, unit)
	b.submit("maintenance without a reason", chromedp.Click(chromedp.CSS(row+` button`)))
	if b.text("#problem") == "" || b.text(row+` .field-error`) == "" {
		t.Fatal("a status change without a reason is not refused next to the reason")
	}
	b.run("give the reason", chromedp.SendKeys(chromedp.CSS(row+` input[name="reason"]`), "卫生间漏水"))
	b.submit("maintenance", chromedp.Click(chromedp.CSS(row+` button`)))
	if got := b.text(row + ` td.status`); got != "维修中" {
		t.Errorf("the unit shows %q after going into maintenance", got)
	}
	b.shot("estates")

	b.open("/housing/leases")
	lrow := fmt.Sprintf(`#leases tr[data-lease="%d"]`, lease)
	b.run("choose the move-out day", chromedp.SetValue(chromedp.CSS(lrow+` input[name="move_out_on"]`), "2026-12-31"))
	b.submit("set the move-out", chromedp.Click(chromedp.CSS(lrow+` button[data-action="move-out"]`)))
	var due bool
	var on string
	if err := e.db.QueryRow(`SELECT move_out_due, move_out_on::text FROM housing_leases WHERE id = $1`, lease).Scan(&due, &on); err != nil {
		t.Fatal(err)
	}
	if !due || on != "2026-12-31" {
		t.Errorf("the lease's move-out: due %v on %s", due, on)
	}
	b.shot("move-out")

	b.open("/housing/applications?status=")
	b.shot("applications")
}
