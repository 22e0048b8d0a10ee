package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/errs"
	"talentd/talent"
)

// The window's journeys with the green card, each walked through the HTTP API as the accounts of
// the test environment: the service window, the office, HR.

// journeyVerdict is a verification answer as the window reads it.
type journeyVerdict struct {
	Valid   bool   `json:"valid"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Card    *struct {
		Serial    string `json:"serial"`
		Version   int    `json:"version"`
		Class     string `json:"class"`
		Status    string `json:"status"`
		ExpiresOn string `json:"expires_on"`
	} `json:"card"`
	Holder *struct {
		Name       string `json:"name"`
		BirthYear  int    `json:"birth_year"`
		IDLast4    string `json:"id_last4"`
		Enterprise string `json:"enterprise"`
		PhotoURL   string `json:"photo_url"`
	} `json:"holder"`
	Services []journeyService `json:"services"`
}

type journeyService struct {
	Code      string `json:"code"`
	Remaining *int   `json:"remaining"`
	Unlimited bool   `json:"unlimited"`
}

// useJSON is a service use as the API answers it.
type useJSON struct {
	ID         int64   `json:"id"`
	Serial     string  `json:"serial"`
	Service    string  `json:"service"`
	Status     string  `json:"status"`
	VoidedAt   *string `json:"voided_at"`
	VoidedBy   *string `json:"voided_by"`
	VoidReason *string `json:"void_reason"`
	Remaining  *int    `json:"remaining"`
	Unlimited  bool    `json:"unlimited"`
}

// verifyAs posts a verification as the user and decodes the verdict of a 200.
func (e *testEnv) verifyAs(t *testing.T, user string, body map[string]any, headers ...string) (journeyVerdict, response) {
	t.Helper()
	r := e.call("POST", "/v1/greencard/verify", user, body, headers...)
	var v journeyVerdict
	if r.Status == http.StatusOK {
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("verdict: %v: %s", err, r.Body)
		}
	}
	return v, r
}

// scanned is what a window reads from a card's QR: the office hands the token over, as the
// printed card does.
func (e *testEnv) scanned(t *testing.T, talentID int64) cardJSON {
	t.Helper()
	c, r := e.cardOf(t, talentID, "office")
	mustStatus(t, r, http.StatusOK, "card")
	return c
}

func decodeUse(t *testing.T, r response) useJSON {
	t.Helper()
	var u useJSON
	if err := json.Unmarshal(r.Body, &u); err != nil {
		t.Fatalf("not a use: %s", r.Body)
	}
	return u
}

func serviceIn(v journeyVerdict, code string) *journeyService {
	for i := range v.Services {
		if v.Services[i].Code == code {
			return &v.Services[i]
		}
	}
	return nil
}

// TestJourney_WindowActsOnWhatItScanned: the window verifies a card, then records a use and files
// an agent request by the serial the verdict names — for that card only, without registry rights.
func TestJourney_WindowActsOnWhatItScanned(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeB))
	other := e.registered(t, newTalentBody(talent.GradeB))
	card, otherCard := e.scanned(t, holder.ID), e.scanned(t, other.ID)

	v, r := e.verifyAs(t, "window", map[string]any{"token": card.Token, "window": "3号窗口"})
	mustStatus(t, r, http.StatusOK, "verify")
	if !v.Valid || v.Card == nil || v.Card.Serial != card.Serial || v.Card.Class != "B" || v.Card.Status != "active" || v.Card.ExpiresOn == "" {
		t.Fatalf("verdict card: %s", r.Body)
	}

	// A use by the serial the verdict named.
	r = e.call("POST", "/v1/greencard/uses", "window", map[string]any{"card_serial": v.Card.Serial, "service": "health_check", "window": "3号窗口"})
	mustStatus(t, r, http.StatusCreated, "use by card serial")
	if u := decodeUse(t, r); u.ID == 0 || u.Serial != card.Serial || u.Status != "recorded" || u.Remaining == nil || *u.Remaining != 0 || u.Unlimited {
		t.Errorf("use: %s", r.Body)
	}
	// Not a card this window verified: refused, whatever the card.
	mustStatus(t, e.call("POST", "/v1/greencard/uses", "window", map[string]any{"card_serial": otherCard.Serial, "service": "health_check"}),
		http.StatusConflict, "use of a card the window did not verify")
	mustStatus(t, e.call("POST", "/v1/greencard/uses", "window", map[string]any{"card_serial": "BS-1999-999999", "service": "health_check"}),
		http.StatusConflict, "use of a serial that does not exist")
	// One form or the other.
	mustStatus(t, e.call("POST", "/v1/greencard/uses", "window", map[string]any{"token": card.Token, "card_serial": card.Serial, "service": "transport"}),
		http.StatusUnprocessableEntity, "token and card serial")
	mustStatus(t, e.call("POST", "/v1/greencard/uses", "window", map[string]any{"service": "transport"}),
		http.StatusUnprocessableEntity, "neither token nor card serial")

	// An agent request filed by the window for the card it verified; it has no registry search.
	mustStatus(t, e.call("GET", "/v1/talents", "window", nil), http.StatusForbidden, "window searches the registry")
	r = e.call("POST", "/v1/greencard/requests", "window", map[string]any{"card_serial": card.Serial,
		"service": "agent_services", "description": "代办社保转移"})
	mustStatus(t, r, http.StatusCreated, "window files by card serial")
	req := r.json(t)
	id := strconv.FormatInt(int64(req["id"].(float64)), 10)
	if int64(req["talent_id"].(float64)) != holder.ID || req["filed_by"] != "window" {
		t.Errorf("request: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/greencard/requests", "window", map[string]any{"card_serial": otherCard.Serial,
		"service": "agent_services", "description": "代办社保转移"}), http.StatusConflict, "window files for a card it did not verify")

	// Visible to its filer and to the commissioner it was assigned to; not to HR of another enterprise.
	mustStatus(t, e.call("GET", "/v1/greencard/requests/"+id, "window", nil), http.StatusOK, "filer reads it")
	mustStatus(t, e.call("GET", "/v1/greencard/requests/"+id, "commissioner", nil), http.StatusOK, "assignee reads it")
	mustStatus(t, e.call("GET", "/v1/greencard/requests/"+id, "hr-y", nil), http.StatusNotFound, "HR of Y reads it")
	if list := e.call("GET", "/v1/greencard/requests", "window", nil); !strings.Contains(string(list.Body), `"id":`+id) {
		t.Errorf("the window's list lacks its request: %s", list.Body)
	}

	// The office files by card serial without scanning; HR for its own holders only.
	mustStatus(t, e.call("POST", "/v1/greencard/requests", "office", map[string]any{"card_serial": otherCard.Serial,
		"service": "agent_services", "description": "办公室代办"}), http.StatusCreated, "office files by card serial")
	mustStatus(t, e.call("POST", "/v1/greencard/requests", "hr-y", map[string]any{"card_serial": otherCard.Serial,
		"service": "agent_services", "description": "代办"}), http.StatusNotFound, "HR of Y files for X's holder")
	mustStatus(t, e.call("POST", "/v1/greencard/requests", "office", map[string]any{"talent_id": other.ID,
		"service": "agent_services", "description": "代办"}), http.StatusUnprocessableEntity, "filing by talent id")
}

// TestJourney_VoidAUse: a use recorded by mistake is voided the same day by the window that
// recorded it (or the office); the quota unit returns and the use stays in the history.
func TestJourney_VoidAUse(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.addAccount("window-2", auth.RoleServiceWindow, nil)
	holder := e.registered(t, newTalentBody(talent.GradeC))
	card := e.scanned(t, holder.ID)
	remainingHealthChecks := func() int {
		t.Helper()
		v, r := e.verifyAs(t, "window", map[string]any{"token": card.Token})
		mustStatus(t, r, http.StatusOK, "verify")
		s := serviceIn(v, "health_check")
		if s == nil || s.Remaining == nil {
			t.Fatalf("no health check quota in %s", r.Body)
		}
		return *s.Remaining
	}
	record := func() useJSON {
		t.Helper()
		r := e.call("POST", "/v1/greencard/uses", "window", map[string]any{"token": card.Token, "service": "health_check"})
		mustStatus(t, r, http.StatusCreated, "record")
		return decodeUse(t, r)
	}
	void := func(user string, id int64, body any) response {
		t.Helper()
		return e.call("POST", fmt.Sprintf("/v1/greencard/uses/%d/void", id), user, body)
	}
	reason := map[string]any{"reason": "误登记，持卡人未实际体检"}

	use := record()
	if remainingHealthChecks() != 0 {
		t.Fatal("the health check was not counted")
	}
	mustStatus(t, void("window-2", use.ID, reason), http.StatusNotFound, "another window voids it")
	mustStatus(t, void("hr-x", use.ID, reason), http.StatusForbidden, "HR voids it")
	mustStatus(t, void("window", use.ID, map[string]any{}), http.StatusUnprocessableEntity, "void without a reason")
	mustStatus(t, void("window", use.ID, map[string]any{"reason": strings.Repeat("错", 201)}), http.StatusUnprocessableEntity, "a reason too long")

	r := void("window", use.ID, reason)
	mustStatus(t, r, http.StatusOK, "void")
	voided := decodeUse(t, r)
	if voided.Status != "voided" || voided.VoidedAt == nil || voided.VoidedBy == nil || *voided.VoidedBy != "window" ||
		voided.VoidReason == nil || *voided.VoidReason != reason["reason"] || voided.Remaining == nil || *voided.Remaining != 1 {
		t.Errorf("voided use: %s", r.Body)
	}
	if n := remainingHealthChecks(); n != 1 {
		t.Errorf("after the void the verdict shows %d health checks left, want 1", n)
	}
	r = e.call("GET", "/v1/stats/services", "office", nil)
	if !bytes.Contains(r.Body, []byte(`"service":"health_check","name":"健康体检","uses":0`)) {
		t.Errorf("a voided use counts in the figures: %s", r.Body)
	}
	mustStatus(t, void("window", use.ID, reason), http.StatusConflict, "void twice")
	r = e.call("GET", fmt.Sprintf("/v1/talents/%d/service-uses", holder.ID), "office", nil)
	if !bytes.Contains(r.Body, []byte(`"status":"voided"`)) || !bytes.Contains(r.Body, []byte(`"void_reason":"误登记`)) {
		t.Errorf("the history lost the voided use: %s", r.Body)
	}

	// The unit is back: the holder can use it; the office may void that use too, the same day.
	again := record()
	mustStatus(t, void("office", again.ID, reason), http.StatusOK, "office voids")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'service_use.void'`); n != 2 {
		t.Errorf("%d voids audited, want 2", n)
	}

	// A use of an earlier day is settled.
	late := record()
	if _, err := e.db.Exec(`UPDATE service_uses SET used_at = used_at - interval '1 day' WHERE id = $1`, late.ID); err != nil {
		t.Fatal(err)
	}
	r = void("window", late.ID, reason)
	mustStatus(t, r, http.StatusConflict, "void the next day")
	if !strings.Contains(string(r.Body), "today") && !strings.Contains(string(r.Body), "当天") {
		t.Errorf("the refusal does not say why: %s", r.Body)
	}
	if n := remainingHealthChecks(); n != 0 {
		t.Errorf("a refused void changed the quota: %d left", n)
	}
}

// idNumberEndingInX draws talents until one's identity number ends in the check character X.
func idNumberEndingInX(t *testing.T) map[string]any {
	t.Helper()
	for range 500 {
		if b := newTalentBody(talent.GradeC); strings.HasSuffix(b["id_number"].(string), "X") {
			return b
		}
	}
	t.Fatal("no identity number ending in X")
	return nil
}

// TestJourney_LookupWithoutQR: a holder without the QR gives the serial and the last four of the
// identity number; a mismatch says no more than "not found", and guessing is throttled per serial.
func TestJourney_LookupWithoutQR(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := idNumberEndingInX(t)
	idNumber := body["id_number"].(string)
	holder := e.registered(t, body)
	card := e.scanned(t, holder.ID)

	byQR, r := e.verifyAs(t, "window", map[string]any{"token": card.Token})
	mustStatus(t, r, http.StatusOK, "verify by QR")
	lookup := map[string]any{"serial": strings.ToLower(card.Serial), "id_last4": strings.ToLower(idNumber[14:]), "window": "2号窗口"}
	byLookup, r := e.verifyAs(t, "window", lookup)
	mustStatus(t, r, http.StatusOK, "lookup")
	qr, _ := json.Marshal(byQR)
	looked, _ := json.Marshal(byLookup)
	if !byLookup.Valid || !bytes.Equal(qr, looked) {
		t.Errorf("the lookup's verdict differs from the scan's:\n%s\n%s", qr, looked)
	}

	misses := []map[string]any{
		{"serial": card.Serial, "id_last4": "0000"},
		{"serial": "BS-1999-999999", "id_last4": idNumber[14:]},
	}
	for _, miss := range misses {
		v, r := e.verifyAs(t, "window", miss)
		mustStatus(t, r, http.StatusOK, "lookup miss")
		if v.Valid || v.Reason != "not_found" || v.Card != nil || v.Holder != nil {
			t.Errorf("a miss reveals more than not_found: %s", r.Body)
		}
	}
	for _, bad := range []map[string]any{
		{"token": card.Token, "serial": card.Serial, "id_last4": idNumber[14:]},
		{"serial": card.Serial},
		{"id_last4": idNumber[14:]},
		{},
		{"serial": card.Serial, "id_last4": "12345"},
	} {
		_, r := e.verifyAs(t, "window", bad)
		mustStatus(t, r, http.StatusUnprocessableEntity, fmt.Sprintf("verify %v", bad))
	}
	e.svc.greencard.FlushVerificationLog()
	if n := e.count(`SELECT count(*) FROM card_verifications WHERE method = 'serial'`); n != 3 {
		t.Errorf("%d lookups in the verification log, want 3", n)
	}

	// Four more misses make five for this serial: then even the right answer waits.
	for i := range greencard.LookupAttempts - 1 {
		v, r := e.verifyAs(t, "window", map[string]any{"serial": card.Serial, "id_last4": fmt.Sprintf("%04d", i+1)})
		mustStatus(t, r, http.StatusOK, "miss")
		if v.Reason != "not_found" {
			t.Fatalf("miss %d: %s", i, r.Body)
		}
	}
	_, r = e.verifyAs(t, "window", lookup)
	mustStatus(t, r, http.StatusTooManyRequests, "lookup after five misses")
	if after, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || after < 1 || after > int(greencard.LookupWindow.Seconds()) {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// The count is in the database: another server process refuses too.
	other, err := newServices(e.db, testSecrets(), &config{}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.greencard.Close)
	window := auth.WithPrincipal(context.Background(), auth.Principal{AccountID: e.acct["window"].ID, Username: "window", Role: auth.RoleServiceWindow})
	if _, err := other.greencard.Verify(window, greencard.VerifyInput{Serial: card.Serial, IDLast4: idNumber[14:]}); !errs.Is(err, errs.TooManyRequests) {
		t.Errorf("another process lets the guessing on: %v", err)
	}
	// The QR still works, and other serials are not held up.
	if v, _ := e.verifyAs(t, "window", map[string]any{"token": card.Token}); !v.Valid {
		t.Error("the throttle stopped the QR")
	}
	if v, r := e.verifyAs(t, "window", map[string]any{"serial": "BS-1999-999998", "id_last4": "1234"}); r.Status != http.StatusOK || v.Reason != "not_found" {
		t.Errorf("another serial: %d %s", r.Status, r.Body)
	}
	// Once the misses are older than the window, the serial may be tried again.
	if _, err := e.db.Exec(`UPDATE card_verifications SET at = at - interval '16 minutes' WHERE method = 'serial'`); err != nil {
		t.Fatal(err)
	}
	if v, r := e.verifyAs(t, "window", lookup); r.Status != http.StatusOK || !v.Valid {
		t.Errorf("after the window: %d %s", r.Status, r.Body)
	}
}

// smallPNG is a tiny image to stand for a holder's photo.
func smallPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// storePhoto gives the talent a photo, as the registry's upload stores it.
func (e *testEnv) storePhoto(t *testing.T, talentID int64, img []byte) {
	t.Helper()
	sum := sha256.Sum256(img)
	if _, err := e.db.Exec(`INSERT INTO talent_photos (talent_id, content_type, image, sha256, width, height)
		VALUES ($1, 'image/png', $2, $3, 3, 4)`, talentID, img, sum[:]); err != nil {
		t.Fatal(err)
	}
}

// TestJourney_FaceToFace: the verdict tells the window enough to recognise the holder, and the
// photo is shown to the account that verified the card today — and to no other window.
func TestJourney_FaceToFace(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.addAccount("window-2", auth.RoleServiceWindow, nil)
	body := newTalentBody(talent.GradeB)
	idNumber := body["id_number"].(string)
	holder := e.registered(t, body)
	bare := e.registered(t, newTalentBody(talent.GradeB))
	card, bareCard := e.scanned(t, holder.ID), e.scanned(t, bare.ID)
	img := smallPNG(t)
	e.storePhoto(t, holder.ID, img)
	photoPath := "/v1/greencard/cards/" + card.Serial + "/photo"

	mustStatus(t, e.call("GET", photoPath, "window", nil), http.StatusNotFound, "photo before verifying")
	v, r := e.verifyAs(t, "window", map[string]any{"token": card.Token})
	mustStatus(t, r, http.StatusOK, "verify")
	h := v.Holder
	if h == nil || !strings.HasPrefix(h.Name, string([]rune(body["name"].(string))[:1])) || !strings.Contains(h.Name, "*") ||
		strconv.Itoa(h.BirthYear) != idNumber[6:10] || h.IDLast4 != idNumber[14:] || h.Enterprise != e.entX.Name || h.PhotoURL != photoPath {
		t.Fatalf("holder: %s", r.Body)
	}
	if v, _ := e.verifyAs(t, "window", map[string]any{"token": bareCard.Token}); v.Holder == nil || v.Holder.PhotoURL != "" {
		t.Errorf("a holder without a photo gets a photo_url: %+v", v.Holder)
	}

	r = e.call("GET", photoPath, "window", nil)
	mustStatus(t, r, http.StatusOK, "photo after verifying")
	if !bytes.Equal(r.Body, img) || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Cache-Control") != "private" || r.Header.Get("ETag") == "" {
		t.Errorf("photo: %v %d bytes", r.Header, len(r.Body))
	}
	mustStatus(t, e.call("GET", photoPath, "window", nil, "If-None-Match", r.Header.Get("ETag")), http.StatusNotModified, "cached photo")
	mustStatus(t, e.call("GET", photoPath, "window-2", nil), http.StatusNotFound, "another window's photo")
	mustStatus(t, e.call("GET", photoPath, "commissioner", nil), http.StatusNotFound, "commissioner before verifying")
	if _, r := e.verifyAs(t, "commissioner", map[string]any{"token": card.Token}); r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	mustStatus(t, e.call("GET", photoPath, "commissioner", nil), http.StatusOK, "commissioner after verifying")
	for user, want := range map[string]int{"office": 200, "admin": 200, "hr-x": 200, "hr-y": 404, "housing": 403} {
		mustStatus(t, e.call("GET", photoPath, user, nil), want, "photo as "+user)
	}
	mustStatus(t, e.call("GET", "/v1/greencard/cards/"+bareCard.Serial+"/photo", "office", nil), http.StatusNotFound, "no photo")

	// A verification of another day does not count.
	if _, err := e.db.Exec(`UPDATE card_verifications SET at = at - interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.call("GET", photoPath, "window", nil), http.StatusNotFound, "photo the day after verifying")

	// The printed card carries the photo inline, under a policy that allows exactly that.
	r = e.call("GET", "/v1/greencard/cards/"+card.Serial+"/print", "office", nil)
	mustStatus(t, r, http.StatusOK, "print")
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "img-src data:") {
		t.Errorf("print CSP: %q", csp)
	}
	if !bytes.Contains(r.Body, []byte("data:image/png;base64,"+base64.StdEncoding.EncodeToString(img))) {
		t.Errorf("the printed card lacks the photo")
	}
	if r = e.call("GET", "/v1/greencard/cards/"+bareCard.Serial+"/print", "office", nil); bytes.Contains(r.Body, []byte(`class="photo"`)) {
		t.Errorf("a card without a photo prints one")
	}
}

// TestJourney_AfterTalentLeaves: the card of a talent who left stays readable, revoked; a new
// registration issues a new card, which is then the talent's card.
func TestJourney_AfterTalentLeaves(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeC))
	card := e.scanned(t, holder.ID)
	sid := strconv.FormatInt(holder.ID, 10)
	mustStatus(t, e.call("POST", "/v1/talents/"+sid+"/leave", "hr-x", map[string]any{"reason": "调离本区"}), http.StatusOK, "leave")

	for _, path := range []string{"/v1/talents/" + sid + "/card", "/v1/greencard/cards/" + card.Serial} {
		r := e.call("GET", path, "office", nil)
		mustStatus(t, r, http.StatusOK, path)
		var c cardJSON
		_ = json.Unmarshal(r.Body, &c)
		if c.Serial != card.Serial || c.Status != "revoked" {
			t.Errorf("%s: %s", path, r.Body)
		}
	}
	mustStatus(t, e.call("GET", "/v1/greencard/cards/"+card.Serial, "hr-y", nil), http.StatusNotFound, "HR of Y reads it")
	if v, _ := e.verifyAs(t, "window", map[string]any{"token": card.Token}, "Accept-Language", "zh-CN"); v.Valid || v.Reason != "revoked" || v.Message != "此卡已注销" {
		t.Errorf("verdict on the card of a talent who left: %+v", v)
	}

	// Back in the registry: a new card, the talent's card from then on.
	mustStatus(t, e.call("POST", "/v1/talents/"+sid+"/reregister", "office", nil), http.StatusOK, "reregister")
	mustStatus(t, e.call("POST", "/v1/talents/"+sid+"/submit", "hr-x", nil), http.StatusOK, "submit")
	mustStatus(t, e.call("POST", "/v1/talents/"+sid+"/approve", "office", nil), http.StatusOK, "approve")
	fresh := e.scanned(t, holder.ID)
	if fresh.Serial == card.Serial || fresh.Status != "active" {
		t.Errorf("after re-registration: %+v", fresh)
	}
}

// TestJourney_UnlimitedQuota: where a service has no yearly quota, remaining is null and
// unlimited says why.
func TestJourney_UnlimitedQuota(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	card := e.scanned(t, e.registered(t, newTalentBody(talent.GradeB)).ID)
	v, r := e.verifyAs(t, "window", map[string]any{"token": card.Token})
	mustStatus(t, r, http.StatusOK, "verify")
	transport, health := serviceIn(v, "transport"), serviceIn(v, "health_check")
	if transport == nil || transport.Remaining != nil || !transport.Unlimited {
		t.Errorf("transport: %+v", transport)
	}
	if health == nil || health.Remaining == nil || *health.Remaining != 1 || health.Unlimited {
		t.Errorf("health check: %+v", health)
	}
	if !bytes.Contains(r.Body, []byte(`"code":"transport","name":"交通出行","remaining":null,"unlimited":true`)) {
		t.Errorf("verdict JSON: %s", r.Body)
	}
	r = e.call("POST", "/v1/greencard/uses", "window", map[string]any{"token": card.Token, "service": "transport"})
	mustStatus(t, r, http.StatusCreated, "transport use")
	if u := decodeUse(t, r); u.Remaining != nil || !u.Unlimited {
		t.Errorf("use of an unlimited service: %s", r.Body)
	}
}

// forged returns the token with its signature's last byte altered.
func forged(t *testing.T, token string) string {
	t.Helper()
	b32 := base32.StdEncoding.WithPadding(base32.NoPadding)
	raw, err := b32.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x01
	return b32.EncodeToString(raw)
}

// signedByStranger returns the token's claims signed by a key the district never had.
func signedByStranger(t *testing.T, token string) string {
	t.Helper()
	claims, err := cardtoken.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	claims.KeyID = cardtoken.KeyIDOf(stranger.Public().(ed25519.PublicKey))
	out, err := cardtoken.Sign(claims, stranger)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestJourney_VerdictMessages: every reason a verdict can give comes with its message, in Chinese
// unless the reader asks for English.
func TestJourney_VerdictMessages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	token := func(grade talent.Grade) (string, string) {
		c := e.scanned(t, e.registered(t, newTalentBody(grade)).ID)
		return c.Token, c.Serial
	}
	valid, _ := token(talent.GradeB)
	superseded, supersededSerial := token(talent.GradeC)
	var holderID int64
	if err := e.db.Get(&holderID, `SELECT talent_id FROM cards WHERE serial = $1`, supersededSerial); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/card/reissue", holderID), "office", map[string]any{"reason": "遗失补办"}), http.StatusOK, "reissue")
	suspended, suspendedSerial := token(talent.GradeC)
	mustStatus(t, e.call("POST", "/v1/greencard/cards/"+suspendedSerial+"/suspend", "office", map[string]any{"reason": "挂失"}), http.StatusOK, "suspend")
	revoked, revokedSerial := token(talent.GradeD)
	mustStatus(t, e.call("POST", "/v1/greencard/cards/"+revokedSerial+"/revoke", "office", map[string]any{"reason": "违规"}), http.StatusOK, "revoke")
	expired, expiredSerial := token(talent.GradeD)
	if _, err := e.db.Exec(`UPDATE card_versions v SET expires_on = current_date - 2 FROM cards c WHERE c.id = v.card_id AND c.serial = $1`, expiredSerial); err != nil {
		t.Fatal(err)
	}
	cases := map[string]map[string]any{
		greencard.ReasonValid:        {"token": valid},
		greencard.ReasonMalformed:    {"token": "不是二维码"},
		greencard.ReasonBadSignature: {"token": forged(t, valid)},
		greencard.ReasonUnknownKey:   {"token": signedByStranger(t, valid)},
		greencard.ReasonNotFound:     {"serial": "BS-1999-999999", "id_last4": "1234"},
		greencard.ReasonSuperseded:   {"token": superseded},
		greencard.ReasonSuspended:    {"token": suspended},
		greencard.ReasonRevoked:      {"token": revoked},
		greencard.ReasonExpired:      {"token": expired},
	}
	for _, reason := range greencard.ReasonVocab.Codes() {
		body, ok := cases[reason]
		if !ok {
			t.Errorf("no case reaches the reason %s", reason)
			continue
		}
		for _, lang := range []string{"zh", "en"} {
			headers := []string{"Accept-Language", "zh-CN"}
			if lang == "en" {
				headers = []string{"Accept-Language", "en-GB,en;q=0.9"}
			}
			v, r := e.verifyAs(t, "window", body, headers...)
			mustStatus(t, r, http.StatusOK, reason)
			if v.Reason != reason || v.Message == "" || v.Message != greencard.ReasonVocab.Label(reason, lang) {
				t.Errorf("%s in %s: %s", reason, lang, r.Body)
			}
		}
	}
}
