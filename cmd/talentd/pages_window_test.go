package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"talentd/greencard"
	"talentd/internal/civil"
	"talentd/talent"
)

// The window station in a real browser: the scanner's keystrokes, the verdict's colours, the one
// click actions on a card and the camera.

// stationAct runs a on the station and waits until the verdict area was replaced by one that
// shows sel: every element of the area before a is marked stale, so an old verdict never passes.
func stationAct(b *browser, what string, a chromedp.Action[chromedp.Void], sel string) {
	b.t.Helper()
	b.run(what+" (mark the area)", chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll("#verdict-area *").forEach(e => e.dataset.stale = "1")`))
	b.run(what, a, chromedp.WaitVisible(chromedp.CSS(sel+":not([data-stale])")))
}

// scanAt types the token into the scan input as a keyboard-wedge scanner does, Enter included.
func scanAt(b *browser, token, sel string) {
	b.t.Helper()
	stationAct(b, "scan", chromedp.SendKeys(chromedp.ID("token"), token+"\r"), sel)
}

// focusedID is the id of the element that has the focus.
func focusedID(b *browser) string {
	b.t.Helper()
	return value(b, "read the focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
}

// serviceRows are the service codes the verdict lists, in order.
func serviceRows(b *browser) []string {
	b.t.Helper()
	return value(b, "read the services", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#verdict li[data-service]")].map(r => r.dataset.service)`))
}

// eligibleFor are the catalogue's services for a class, in the catalogue's order.
func eligibleFor(t *testing.T, e *testEnv, class string) []string {
	t.Helper()
	var codes []string
	if err := e.db.Select(&codes, `SELECT code FROM service_items WHERE $1 = ANY (eligible) ORDER BY sort_order, code`, class); err != nil {
		t.Fatal(err)
	}
	return codes
}

// A scan through the wedge input shows the green verdict with the holder's photo and facts and
// the class's services; one click records a use and the quota drops, the use is voided from the
// clerk's day and the quota returns, an agent request is filed — and the clerk's day counts one
// scan, however often the card was shown again.
func TestPagesWindow_ScanUseVoidRequest(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeB)
	holder := e.registered(t, body)
	mustStatus(t, e.call("PUT", fmt.Sprintf("/v1/talents/%d/photo", holder.ID), "hr-x", jpegWithExif(t, "window"),
		"Content-Type", "image/jpeg"), http.StatusOK, "photo")
	card := e.scanned(t, holder.ID)
	b := newBrowser(t, e)
	b.login("window")

	scanAt(b, card.Token, `#verdict`)
	if tone := value(b, "tone", chromedp.Evaluate[string](`document.getElementById("verdict").dataset.tone`)); tone != "ok" {
		b.shot("scan-not-green")
		t.Fatalf("a valid card's verdict is %q, want ok: %s", tone, b.text("#verdict"))
	}
	ms := value(b, "Enter to verdict", chromedp.Evaluate[string](`document.getElementById("verdict").dataset.ms`))
	t.Logf("Enter → verdict: %s ms (online scan)", ms)
	if ms == "" {
		t.Error("the verdict carries no data-ms")
	}
	if got := value(b, "serial", chromedp.Evaluate[string](`document.getElementById("verdict").dataset.serial`)); got != card.Serial {
		t.Errorf("data-serial %q, want %q", got, card.Serial)
	}
	if got := b.text("#verdict-reason"); got != greencard.ReasonVocab.Label("valid", "zh") {
		t.Errorf("the reason says %q", got)
	}
	if got, want := serviceRows(b), eligibleFor(t, e, "B"); !slices.Equal(got, want) {
		t.Errorf("services %v, want class B's %v", got, want)
	}
	if got := b.text(`[data-remaining="health_check"]`); got != "1" {
		t.Errorf("health checks left %q, want 1", got)
	}
	if got := b.text(`[data-remaining="transport"]`); got != "不限" {
		t.Errorf("transport left %q, want 不限", got)
	}
	if got := b.text("#card-class"); got != "B类" {
		t.Errorf("class %q", got)
	}
	if got := b.text("#card-serial"); got != card.Serial {
		t.Errorf("serial %q", got)
	}
	if name, full := b.text("#holder-name"), []rune(body["name"].(string)); !strings.Contains(name, "*") || strings.ContainsRune(name, full[len(full)-1]) {
		t.Errorf("the name %q is not masked", name)
	}
	if expiry := b.text("#card-expiry"); len(expiry) != 10 {
		t.Errorf("expiry %q", expiry)
	}
	b.run("the photo loads", chromedp.Poll[chromedp.Void](
		`(() => { const i = document.querySelector("#verdict img.photo"); return !!i && i.complete && i.naturalWidth > 0 })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if f := focusedID(b); f != "token" {
		t.Errorf("after the verdict the focus is on %q, want the scan input", f)
	}
	b.shot("verdict-valid")

	// One click records a use; the verdict comes back with the quota one lower.
	stationAct(b, "record a health check", chromedp.Click(chromedp.CSS(`button[data-use="health_check"]`)), "#done")
	if got := b.text("#done"); !strings.Contains(got, "已登记使用：健康体检") {
		t.Errorf("after the use: %q", got)
	}
	if got := b.text(`[data-remaining="health_check"]`); got != "0" {
		t.Errorf("health checks left after the use %q, want 0", got)
	}
	if b.nodeCount(`button[data-use="health_check"]:disabled`) != 1 {
		t.Error("the used-up service can still be clicked")
	}
	if got := b.text("#today-uses"); got != "1" {
		t.Errorf("the day counts %s uses", got)
	}
	if f := focusedID(b); f != "token" {
		t.Errorf("after the use the focus is on %q", f)
	}
	if n := e.count(`SELECT count(*) FROM service_uses WHERE voided_at IS NULL`); n != 1 {
		t.Errorf("%d uses stored", n)
	}
	b.shot("use-recorded")

	// A use recorded by mistake is voided from the clerk's day, with a reason.
	b.run("type the reason", chromedp.SendKeys(chromedp.CSS(`#today .void input[name="reason"]`), "登记错误"))
	stationAct(b, "void the use", chromedp.Click(chromedp.CSS(`#today button[data-void]`)), "#done")
	if got := b.text("#done"); !strings.Contains(got, "已撤销") {
		t.Errorf("after the void: %q", got)
	}
	if got := b.text(`[data-remaining="health_check"]`); got != "1" {
		t.Errorf("health checks left after the void %q, want 1", got)
	}
	if b.nodeCount(`#today li.voided`) != 1 || b.text("#today-uses") != "0" {
		t.Errorf("the day after the void: %s", b.text("#today"))
	}
	if n := e.count(`SELECT count(*) FROM service_uses WHERE voided_at IS NOT NULL AND void_reason = '登记错误'`); n != 1 {
		t.Errorf("%d voided uses stored", n)
	}
	b.shot("use-voided")

	// An agent request for a chosen service.
	b.run("describe the request",
		chromedp.SetValue(chromedp.ID("request-service"), "children_schooling"),
		chromedp.SendKeys(chromedp.ID("request-description"), "代办子女转学手续"))
	stationAct(b, "file the request", chromedp.Click(chromedp.ID("request-submit")), "#done")
	if got := b.text("#done"); !strings.Contains(got, "已提交代办：子女入学") {
		t.Errorf("after the request: %q", got)
	}
	if n := e.count(`SELECT count(*) FROM agent_requests WHERE service_code = 'children_schooling' AND description = '代办子女转学手续'`); n != 1 {
		t.Errorf("%d requests stored", n)
	}
	if tone := value(b, "tone", chromedp.Evaluate[string](`document.getElementById("verdict").dataset.tone`)); tone != "ok" {
		t.Errorf("the card shown again is %q", tone)
	}
	b.shot("request-filed")
	// One click, with nothing typed, files a request for the chosen service.
	stationAct(b, "file a request with one click", chromedp.Click(chromedp.ID("request-submit")), "#done")
	if n := e.count(`SELECT count(*) FROM agent_requests WHERE service_code = 'agent_services' AND description = '窗口代办：政务代办'`); n != 1 {
		t.Errorf("%d one-click requests stored", n)
	}

	// Showing the card again logged no scan: the day has the one.
	if got := b.text("#today-scans"); got != "1" {
		t.Errorf("the day counts %s scans, want 1", got)
	}
	if got := b.text("#today-valid"); got != "1" {
		t.Errorf("the day counts %s valid scans, want 1", got)
	}

	// On a 10-inch tablet, upright, nothing needs a sideways scroll.
	b.run("tablet", chromedp.EmulateViewport(800, 1280))
	if w := value(b, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 800 {
		t.Errorf("on a tablet the page is %dpx wide", w)
	}
	b.shot("tablet")
}

// A tampered token is red with the reason in Chinese; a lookup by serial and last four is green;
// wrong last fours are red, and after too many of them the station says, in Chinese, to wait.
func TestPagesWindow_ForgedAndLookup(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeC))
	card := e.scanned(t, holder.ID)
	var last4 string
	if err := e.db.Get(&last4, `SELECT substr(id_number_masked, 15, 4) FROM talents WHERE id = $1`, holder.ID); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.login("window")

	scanAt(b, forged(t, card.Token), `#verdict[data-tone="bad"]`)
	if got, want := b.text("#verdict-reason"), greencard.ReasonVocab.Label("bad_signature", "zh"); got != want {
		t.Errorf("a forged card says %q, want %q", got, want)
	}
	if b.nodeCount("#verdict button[data-use]") != 0 {
		t.Error("a forged card offers services")
	}
	if f := focusedID(b); f != "token" {
		t.Errorf("after a red verdict the focus is on %q", f)
	}
	b.shot("verdict-forged")

	b.run("open the lookup", chromedp.Click(chromedp.CSS("details.lookup summary")),
		chromedp.Evaluate[chromedp.Void](`window.stationPage = "the same"`))
	lookup := func(serial, last4, sel string) {
		t.Helper()
		b.run("clear the lookup", chromedp.Evaluate[chromedp.Void](
			`document.getElementById("serial").value = ""; document.getElementById("id_last4").value = ""`))
		stationAct(b, "look up "+serial, chromedp.Steps(
			chromedp.SendKeys(chromedp.ID("serial"), serial),
			chromedp.SendKeys(chromedp.ID("id_last4"), last4+"\r")), sel)
	}
	lookup(card.Serial, last4, `#verdict[data-tone="ok"]`)
	if got := value(b, "serial", chromedp.Evaluate[string](`document.getElementById("verdict").dataset.serial`)); got != card.Serial {
		t.Errorf("the lookup shows %q", got)
	}
	b.shot("lookup-valid")

	wrong := "0000"
	if last4 == wrong {
		wrong = "1111"
	}
	for range greencard.LookupAttempts {
		lookup(card.Serial, wrong, `#verdict[data-tone="bad"]`)
	}
	if got, want := b.text("#verdict-reason"), greencard.ReasonVocab.Label("not_found", "zh"); got != want {
		t.Errorf("a wrong last four says %q, want %q", got, want)
	}
	lookup(card.Serial, last4, `#problem`)
	if got := b.text("#problem"); !strings.Contains(got, "核验失败次数过多") || !strings.Contains(got, "分钟后可再试") {
		t.Errorf("the throttled lookup says %q", got)
	}
	b.shot("lookup-throttled")
	if same := value(b, "the page stayed", chromedp.Evaluate[string](`window.stationPage || ""`)); same != "the same" {
		t.Error("a lookup reloaded the page instead of swapping the verdict in")
	}
	if got := b.text("#today-invalid"); got != "6" {
		t.Errorf("the day counts %s invalid scans, want 6 (one forged, five wrong)", got)
	}
}

// A valid card is amber when it expires within 30 days, and when none of its services has a use
// left this year.
func TestPagesWindow_Amber(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	expiring := e.scanned(t, e.registered(t, newTalentBody(talent.GradeB)).ID)
	e.db.MustExec(`UPDATE card_versions v SET expires_on = $2 FROM cards c
		WHERE c.id = v.card_id AND c.serial = $1`, expiring.Serial, civil.Of(civil.DistrictToday().Time().AddDate(0, 0, 10)))

	spent := e.registered(t, newTalentBody(talent.GradeD))
	spentCard := e.scanned(t, spent.ID)
	if spentCard.Class != "D" {
		t.Fatalf("the second card is of class %s, want D", spentCard.Class)
	}
	// Class D without the unlimited services, and every quota of the year taken.
	e.db.MustExec(`UPDATE service_items SET eligible = array_remove(eligible, 'D') WHERE yearly_quota IS NULL`)
	e.db.MustExec(`INSERT INTO service_quota_usage (talent_id, service_code, year, used)
		SELECT $1, code, $2, yearly_quota FROM service_items WHERE 'D' = ANY (eligible)`,
		spent.ID, civil.DistrictToday().Time().Year())

	b := newBrowser(t, e)
	b.login("window")
	scanAt(b, expiring.Token, `#verdict[data-tone="warn"]`)
	if got := b.text("#verdict-warn"); !strings.Contains(got, "还有 10 天") {
		t.Errorf("an expiring card warns %q", got)
	}
	if b.nodeCount(`#verdict button[data-use]:not(:disabled)`) == 0 {
		t.Error("an expiring card offers no service")
	}
	b.shot("verdict-expiring")

	scanAt(b, spentCard.Token, `#verdict[data-tone="warn"]`)
	if got := b.text("#verdict-warn"); !strings.Contains(got, "均已用完") {
		t.Errorf("a card with nothing left warns %q", got)
	}
	if n := b.nodeCount(`#verdict button[data-use]:not(:disabled)`); n != 0 {
		t.Errorf("a card with nothing left offers %d services", n)
	}
	b.shot("verdict-used-up")
}

// The camera reads the card's QR (a fake camera playing a video of it) and the station verifies
// it to green.
func TestPagesWindow_Camera(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	card := e.scanned(t, e.registered(t, newTalentBody(talent.GradeA)).ID)
	r := e.call("GET", "/v1/greencard/cards/"+card.Serial+"/qr.png", "office", nil)
	mustStatus(t, r, http.StatusOK, "qr")
	video := filepath.Join(t.TempDir(), "card.y4m")
	writeY4M(t, video, r.Body, 640, 480, 10)

	b := newBrowser(t, e,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video))
	b.login("window")
	b.run("the camera button shows", chromedp.WaitVisible(chromedp.ID("camera")))
	stationAct(b, "scan with the camera", chromedp.Click(chromedp.ID("camera")), `#verdict[data-tone="ok"]`)
	if got := value(b, "serial", chromedp.Evaluate[string](`document.getElementById("verdict").dataset.serial`)); got != card.Serial {
		t.Errorf("the camera verified %q, want %q", got, card.Serial)
	}
	if !value(b, "camera off", chromedp.Evaluate[bool](`document.getElementById("camera-box").hidden`)) {
		t.Error("the camera stays open after the scan")
	}
	b.shot("verdict-camera")
}

// writeY4M writes a video of frames identical frames (YUV 4:2:0) showing the QR PNG in the middle
// of a white picture, scaled up by whole pixels with a quiet zone around it.
func writeY4M(t *testing.T, path string, qrPNG []byte, w, h, frames int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	scale := max(1, (h*4/5)/max(bounds.Dx(), bounds.Dy()))
	size := image.Pt(bounds.Dx()*scale, bounds.Dy()*scale)
	off := image.Pt((w-size.X)/2, (h-size.Y)/2)
	luma := bytes.Repeat([]byte{255}, w*h)
	for y := range size.Y {
		for x := range size.X {
			r, g, bl, _ := img.At(bounds.Min.X+x/scale, bounds.Min.Y+y/scale).RGBA()
			luma[(off.Y+y)*w+off.X+x] = byte((299*r + 587*g + 114*bl) / 1000 >> 8)
		}
	}
	chroma := bytes.Repeat([]byte{128}, 2*(w/2)*(h/2))
	var out bytes.Buffer
	fmt.Fprintf(&out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range frames {
		out.WriteString("FRAME\n")
		out.Write(luma)
		out.Write(chroma)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Without the script the forms still work: a post renders the whole station with the verdict, and
// a use shows the card again with its quota one lower.
func TestPagesWindow_WithoutScript(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	card := e.scanned(t, e.registered(t, newTalentBody(talent.GradeB)).ID)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", "zh-CN")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, _ := post("/login", url.Values{"username": {"window"}, "password": {testPassword}}); status != http.StatusOK {
		t.Fatalf("sign in: %d", status)
	}
	status, page := post("/window", url.Values{"token": {card.Token}})
	if status != http.StatusOK || !strings.Contains(page, `<html`) || !strings.Contains(page, `data-tone="ok"`) ||
		!strings.Contains(page, `data-serial="`+card.Serial+`"`) {
		t.Fatalf("the scan without script: %d %s", status, page)
	}
	status, page = post("/window/use", url.Values{"serial": {card.Serial}, "service": {"health_check"}})
	if status != http.StatusOK || !strings.Contains(page, `id="done"`) || !strings.Contains(page, `data-remaining="health_check">0<`) {
		t.Errorf("the use without script: %d %s", status, page)
	}
	status, page = post("/window/use", url.Values{"serial": {card.Serial}, "service": {"health_check"}})
	if status != http.StatusConflict || !strings.Contains(page, "本年度的次数已用完") || !strings.Contains(page, `id="verdict"`) {
		t.Errorf("a use beyond the quota without script: %d %s", status, page)
	}
}
