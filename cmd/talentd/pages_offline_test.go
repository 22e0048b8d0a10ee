package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"talentd/talent"
)

// setOnline cuts the browser's network (every request fails, navigator.onLine turns false and the
// page hears "offline") or restores it (the page hears "online").
func (b *browser) setOnline(online bool) {
	b.t.Helper()
	var rules []*network.Conditions
	if !online {
		rules = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	}
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule,
		network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
		b.t.Fatalf("network conditions: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: !online, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		b.t.Fatalf("network state: %v", err)
	}
}

// eventually evaluates js (a boolean, or a promise of one) until it is true, for at most 20 s.
func (b *browser) eventually(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := value(b, what, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("timeout-" + strings.ReplaceAll(what, " ", "-"))
			b.t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scan types a token into the station as the scanner does, Enter included.
func (b *browser) scan(token string) {
	b.t.Helper()
	b.run("clear the verdict", chromedp.Evaluate[chromedp.Void](`document.getElementById("verdict-area").replaceChildren()`))
	b.run("scan", chromedp.SendKeys(chromedp.ID("token"), token+"\r"), chromedp.WaitVisible(chromedp.ID("verdict")))
}

const offlineModule = `import("/static/offline.js")`

// With the network cut, the window station checks a valid card in the browser (green, "离线核验"),
// a card revoked since the page loaded is red, and uses recorded offline wait in a queue; when the
// network returns they are delivered exactly once at the time they were made, and one the server
// refuses (the year's quota spent meanwhile) is shown to the clerk with the server's reason.
func TestPages_WindowOffline(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeB))
	leaver := e.registered(t, newTalentBody(talent.GradeB))
	card, revoked := e.scanned(t, holder.ID), e.scanned(t, leaver.ID)
	b := newBrowser(t, e)
	b.login("window")
	b.open("/window")

	b.eventually("the offline lists are cached", `["keys", "revocations", "services", "reasons"].every(
		(n) => localStorage.getItem("talentd.offline." + n) !== null)`)
	// The page itself loaded the address window.js imports when the server is gone.
	b.eventually("the page preloaded offline.js", `performance.getEntriesByType("resource").some(
		(r) => new URL(r.name).pathname === "/static/offline.js" && new URL(r.name).search === "")`)

	mustStatus(t, e.call("POST", "/v1/greencard/cards/"+revoked.Serial+"/revoke", "office", map[string]any{"reason": "已离开本区"}),
		http.StatusOK, "revoke")
	b.eventually("the page learns of the revocation", offlineModule+`.then((m) => m.refreshNow()).then(() =>
		JSON.parse(localStorage.getItem("talentd.offline.revocations")).entries[`+jsString(revoked.Serial)+`]?.status?.reason === "revoked")`)

	b.setOnline(false)
	b.eventually("the page knows it is offline", `!navigator.onLine`)

	b.scan(card.Token)
	if tone := b.attr("#verdict", "data-tone"); tone != "ok" || b.attr("#verdict", "data-offline") != "true" {
		t.Fatalf("a valid card offline: tone %q, offline %q", tone, b.attr("#verdict", "data-offline"))
	}
	if text := b.text("#verdict"); !strings.Contains(text, "离线核验") || !strings.Contains(text, "吊销名单更新于") ||
		!strings.Contains(text, "此卡有效") || !strings.Contains(text, card.Serial) {
		t.Errorf("the offline verdict on a valid card says %q", text)
	}
	b.shot("offline-valid")

	b.scan(revoked.Token)
	if tone := b.attr("#verdict", "data-tone"); tone != "bad" {
		t.Errorf("a revoked card offline: tone %q", tone)
	}
	if text := b.text("#verdict"); !strings.Contains(text, "此卡已注销") || !strings.Contains(text, "离线核验") {
		t.Errorf("the offline verdict on a revoked card says %q", text)
	}
	b.shot("offline-revoked")

	b.scan(forged(t, card.Token))
	if text := b.text("#verdict"); b.attr("#verdict", "data-tone") != "bad" || !strings.Contains(text, "签名无效") {
		t.Errorf("a forged card offline: %q", text)
	}

	// Two health checks offline; the year allows one, so the second is refused when it arrives.
	before := time.Now()
	for range 2 {
		b.scan(card.Token)
		b.run("record a health check offline", chromedp.Click(chromedp.CSS(`#verdict button[data-service="health_check"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#verdict button[data-service="health_check"]:disabled`)))
	}
	after := time.Now()
	if n := b.nodeCount(`#offline-queue li[data-state="pending"]`); n != 2 {
		t.Fatalf("%d uses waiting, want 2", n)
	}
	b.shot("offline-queued")
	queued := value(b, "read the queue", chromedp.Evaluate[string](`localStorage.getItem("talentd.offline.queue")`))
	if n := e.count(`SELECT count(*) FROM service_uses`); n != 0 {
		t.Fatalf("%d uses reached the server while it was cut off", n)
	}

	restored := time.Now()
	b.setOnline(true)
	b.eventually("the queue is delivered", `(() => {
		const q = JSON.parse(localStorage.getItem("talentd.offline.queue") || "[]");
		return q.length === 1 && q[0].state === "refused";
	})()`)
	if n := e.count(`SELECT count(*) FROM service_uses WHERE talent_id = $1`, holder.ID); n != 1 {
		t.Fatalf("%d uses recorded, want 1", n)
	}
	refused := b.text(`#offline-queue li[data-state="refused"]`)
	if !strings.Contains(refused, "次数已用完") || !strings.Contains(refused, "健康体检") {
		t.Errorf("the refused use says %q", refused)
	}
	b.shot("offline-delivered")

	// As if the first answers had been lost: the same queue sent again records nothing more.
	b.run("queue the same uses again", chromedp.Evaluate[chromedp.Void](
		`localStorage.setItem("talentd.offline.queue", `+jsString(strings.ReplaceAll(queued, `"refused"`, `"pending"`))+`)`))
	b.eventually("the resent queue is answered", offlineModule+`.then((m) => m.flushQueue()).then(() =>
		JSON.parse(localStorage.getItem("talentd.offline.queue")).filter((u) => u.state === "pending").length === 0)`)
	var usedAt, receivedAt time.Time
	if err := e.db.QueryRow(`SELECT used_at, received_at FROM service_uses WHERE talent_id = $1`, holder.ID).
		Scan(&usedAt, &receivedAt); err != nil {
		t.Fatalf("exactly one use after the resend: %v", err)
	}
	if usedAt.Before(before.Add(-time.Second)) || usedAt.After(after.Add(time.Second)) || receivedAt.Before(restored.Add(-time.Second)) {
		t.Errorf("the use was made at %s and received at %s; want made offline between %s and %s, received after %s",
			usedAt, receivedAt, before, after, restored)
	}
}

// attr is the attribute name of the first element sel matches ("" when it has none).
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	return value(b, "read "+sel+" "+name, chromedp.Evaluate[string](
		fmt.Sprintf(`document.querySelector(%s)?.getAttribute(%s) ?? ""`, jsString(sel), jsString(name))))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
