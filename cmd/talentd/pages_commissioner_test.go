package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"talentd/talent"
)

// The commissioner works a request from the board: accept, start, resolve with a note (refused
// without one, in Chinese), then records the holder's satisfaction; an overdue request is marked.
func TestPages_CommissionerBoard(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	reg := e.registered(t, newTalentBody(talent.GradeC))
	card, _ := e.cardOf(t, reg.ID, "office")
	e.verify(t, card.Token)
	file := func(desc string) int64 {
		r := e.call("POST", "/v1/greencard/requests", "window", map[string]any{"card_serial": card.Serial,
			"service": "agent_services", "description": desc, "commissioner_id": e.acct["commissioner"].ID})
		mustStatus(t, r, http.StatusCreated, "file a request")
		var v struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(r.Body, &v)
		return v.ID
	}
	id := file("代办社保转移")
	late := file("代办公积金提取")
	if _, err := e.db.Exec(`UPDATE agent_requests SET due_on = current_date - 3 WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, e)
	b.login("commissioner")
	if loc := b.location(); loc != "/commissioner" {
		t.Fatalf("the commissioner lands on %s", loc)
	}
	card1 := fmt.Sprintf(`[data-request="%d"]`, id)
	inColumn := func(status string, req int64) int {
		return b.nodeCount(fmt.Sprintf(`.column[data-status="%s"] [data-request="%d"]`, status, req))
	}
	if inColumn("submitted", id) != 1 || inColumn("submitted", late) != 1 {
		t.Fatal("the new requests are not in the 待接单 column")
	}
	if n := b.nodeCount(fmt.Sprintf(`[data-request="%d"].is-overdue`, late)); n != 1 {
		t.Error("the overdue request is not marked")
	}
	if got := b.text("#overdue-count"); got != "1" {
		t.Errorf("overdue count %q, want 1", got)
	}
	b.shot("board")

	click := func(what, sel string) {
		b.submit(what, chromedp.Click(chromedp.CSS(sel)))
	}
	click("accept", card1+` button[data-action="accept"]`)
	if inColumn("accepted", id) != 1 {
		t.Fatalf("after 接哨 the request is not in the accepted column: %s", b.text("main"))
	}
	click("start", card1+` button[data-action="start"]`)
	click("resolve without a note", card1+` button[data-action="resolve"]`)
	if msg := b.text("#problem"); msg == "" || inColumn("in_progress", id) != 1 {
		t.Fatalf("resolving without a note: %q, and the request must stay in progress", msg)
	}
	b.shot("note-required")
	b.run("write the note", chromedp.SendKeys(chromedp.CSS(card1+` input[name="note"]`), "已办结：社保关系已转入"))
	b.submit("resolve with a note", chromedp.Click(chromedp.CSS(card1+` button[data-action="resolve"]`)))
	if inColumn("resolved", id) != 1 {
		t.Fatal("the resolved request is not in the resolved column")
	}
	b.run("choose the score", chromedp.SetValue(chromedp.CSS(card1+` select[name="score"]`), "4"))
	b.submit("rate", chromedp.Click(chromedp.CSS(card1+` form.rate button`)))
	var status string
	var score int
	if err := e.db.QueryRow(`SELECT status, satisfaction FROM agent_requests WHERE id = $1`, id).Scan(&status, &score); err != nil {
		t.Fatal(err)
	}
	if status != "resolved" || score != 4 {
		t.Errorf("the request is %s rated %d, want resolved rated 4", status, score)
	}
	b.shot("resolved-and-rated")
}

// The office's board holds every commissioner's requests, each naming its commissioner, and narrows
// to one commissioner's.
func TestPages_OfficeSeesEveryCommissionersBoard(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.addAccount("commissioner-2", "commissioner", nil)
	reg := e.registered(t, newTalentBody(talent.GradeC))
	card, _ := e.cardOf(t, reg.ID, "office")
	e.verify(t, card.Token)
	file := func(commissioner string) {
		mustStatus(t, e.call("POST", "/v1/greencard/requests", "window", map[string]any{"card_serial": card.Serial,
			"service": "agent_services", "description": "代办", "commissioner_id": e.acct[commissioner].ID}),
			http.StatusCreated, "file a request")
	}
	file("commissioner")
	file("commissioner-2")

	b := newBrowser(t, e)
	b.login("office")
	b.open("/commissioner")
	if n := b.nodeCount("[data-request]"); n != 2 {
		t.Fatalf("the office's board shows %d requests, want both commissioners' 2", n)
	}
	if n := b.nodeCount("[data-request] [data-commissioner]"); n != 2 {
		t.Errorf("%d requests name their commissioner, want 2", n)
	}
	b.open(fmt.Sprintf("/commissioner?commissioner=%d", e.acct["commissioner-2"].ID))
	if n := b.nodeCount("[data-request]"); n != 1 {
		t.Errorf("narrowed to commissioner-2 the board shows %d requests, want 1", n)
	}
	b.shot("office-board")

	// A commissioner's own board has no such choice: it is theirs alone.
	b.submit("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	b.login("commissioner")
	if b.nodeCount("#board-filter") != 0 || b.nodeCount("[data-request]") != 1 {
		t.Error("the commissioner's board is not theirs alone")
	}
}
