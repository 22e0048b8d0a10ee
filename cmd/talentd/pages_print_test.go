package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"talentd/talent"
)

// printJSON is a card's print status as the API shows it.
type printJSON struct {
	Serial string `json:"serial"`
	Print  struct {
		Status       string  `json:"status"`
		PrintedBy    *string `json:"printed_by"`
		HandedOverBy *string `json:"handed_over_by"`
	} `json:"print"`
}

// cardsToPrint registers n holders and returns their cards' serials, oldest first.
func (e *testEnv) cardsToPrint(t *testing.T, n int) []string {
	t.Helper()
	serials := make([]string, n)
	for i := range serials {
		serials[i] = e.scanned(t, e.registered(t, newTalentBody(talent.GradeB)).ID).Serial
	}
	return serials
}

func (e *testEnv) printOf(t *testing.T, serial string) printJSON {
	t.Helper()
	r := e.call("GET", "/v1/greencard/cards/"+serial, "office", nil)
	mustStatus(t, r, http.StatusOK, "card "+serial)
	var p printJSON
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfPages counts the pages of a PDF Chromium printed.
var pdfPage = regexp.MustCompile(`/Type\s*/Page\b`)

// submitPrint clicks the button with the id and waits for the page its form leads to, which must
// answer 200.
func submitPrint(b *browser, what, id string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id)))
	if err != nil {
		b.shot("failed-" + id)
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("%s: %d", what, resp.Status)
	}
}

// The office prints two waiting cards on an A4 sheet, marks them printed, hands one over; the
// single card's print page opens in the same signed-in browser, without a bearer token.
func TestPages_PrintCards(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	serials := e.cardsToPrint(t, 9)
	first, second, single := serials[0], serials[1], serials[2]
	b := newBrowser(t, e)
	b.login("office")
	if n := b.nodeCount(`.topbar nav a[href="/print"]`); n != 1 {
		t.Errorf("the office's navigation has %d links to /print", n)
	}

	b.open("/print")
	if n := b.nodeCount(`#queue[data-status="requested"] tbody tr`); n != len(serials) {
		t.Fatalf("the queue of waiting cards has %d rows, want %d", n, len(serials))
	}
	b.shot("queue")
	b.run("choose two cards", chromedp.Click(chromedp.ID("pick-"+first)), chromedp.Click(chromedp.ID("pick-"+second)))
	submitPrint(b, "print the chosen cards", "print-selected")
	if loc := b.location(); loc != "/print/sheet?serial="+first+"&serial="+second {
		t.Errorf("the sheet is at %s", loc)
	}
	if sheets, cards, marks := b.nodeCount(".sheet"), b.nodeCount(".sheet .id1"), b.nodeCount(".sheet .cut-mark"); sheets != 1 || cards != 2 || marks != 8 {
		t.Errorf("the sheet: %d sheets, %d cards, %d cut marks; want 1, 2, 8", sheets, cards, marks)
	}
	// ID-1 at 96 CSS pixels to the inch: 85.60 × 53.98 mm.
	size := value(b, "measure a card", chromedp.Evaluate[[]float64](
		`(r => [r.width, r.height])(document.querySelector(".id1").getBoundingClientRect())`))
	if len(size) != 2 || math.Abs(size[0]-85.6/25.4*96) > 0.5 || math.Abs(size[1]-53.98/25.4*96) > 0.5 {
		t.Errorf("a card measures %v px, want ID-1", size)
	}
	if qr := value(b, "the QR's source", chromedp.Evaluate[string](`document.querySelector(".id1 .qr").src.slice(0, 22)`)); qr != "data:image/png;base64," {
		t.Errorf("the QR is %q", qr)
	}
	b.shot("sheet")

	submitPrint(b, "mark the sheet printed", "mark-printed")
	if done := b.text("#done"); !strings.Contains(done, "2 张") {
		t.Errorf("after marking printed: %q", done)
	}
	if n := b.nodeCount(`#queue[data-status="printed"] tbody tr`); n != 2 {
		t.Errorf("%d printed cards listed, want 2", n)
	}
	for _, s := range []string{first, second} {
		if p := e.printOf(t, s); p.Print.Status != "printed" || p.Print.PrintedBy == nil || *p.Print.PrintedBy != "office" {
			t.Errorf("%s after the sheet: %+v", s, p.Print)
		}
	}

	submitPrint(b, "hand one over", "handover-"+first)
	if done := b.text("#done"); done != "已交付："+first {
		t.Errorf("after handing over: %q", done)
	}
	if n := b.nodeCount(`#queue[data-status="printed"] tbody tr`); n != 1 {
		t.Errorf("%d cards still printed, want 1", n)
	}
	b.open("/print?status=handed_over")
	if n := b.nodeCount(`#queue[data-status="handed_over"] tbody tr[data-serial="` + first + `"]`); n != 1 {
		t.Errorf("the handed-over card is not listed as handed over")
	}
	if p := e.printOf(t, first); p.Print.Status != "handed_over" || p.Print.HandedOverBy == nil || *p.Print.HandedOverBy != "office" {
		t.Errorf("%s after handing over: %+v", first, p.Print)
	}
	b.open("/print")
	if n := b.nodeCount(`#queue tbody tr`); n != len(serials)-2 {
		t.Errorf("%d cards still waiting, want %d", n, len(serials)-2)
	}

	// The single card's print page, from the API, in the signed-in browser.
	resp := value(b, "open a card's print page", chromedp.NavigateResponse(b.base+"/v1/greencard/cards/"+single+"/print"))
	if resp.Status != http.StatusOK {
		t.Fatalf("the card's print page: %d", resp.Status)
	}
	if h := b.text("h1"); h != "璧山区人才绿卡" || !strings.Contains(b.text(".card"), single) {
		t.Errorf("the card's print page shows %q", h)
	}

	// Eight cards fill one A4 page; a ninth starts a second.
	for _, tc := range []struct{ cards, pages int }{{8, 1}, {9, 2}} {
		b.open("/print/sheet?serial=" + strings.Join(serials[:tc.cards], "&serial="))
		if n := b.nodeCount(".sheet"); n != tc.pages {
			t.Errorf("%d cards: %d sheets", tc.cards, n)
		}
		pdf := value(b, "print to PDF", chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
		if n := len(pdfPage.FindAll(pdf, -1)); n != tc.pages || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("%d cards print on %d pages, want %d", tc.cards, n, tc.pages)
		}
		b.shot(fmt.Sprintf("sheets-of-%d", tc.cards))
	}

	// A sheet of no cards says why.
	b.open("/print/sheet")
	if msg := b.text("#problem"); !strings.Contains(msg, "请选择1至200张绿卡") {
		t.Errorf("an empty sheet says %q", msg)
	}
}
