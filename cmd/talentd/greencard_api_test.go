package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"talentd/talent"
)

type cardJSON struct {
	Serial  string `json:"serial"`
	Version int    `json:"version"`
	Class   string `json:"class"`
	Status  string `json:"status"`
	Token   string `json:"token"`
}

type verdictJSON struct {
	Valid  bool   `json:"valid"`
	Reason string `json:"reason"`
	Card   *struct {
		Serial string `json:"serial"`
		Class  string `json:"class"`
	} `json:"card"`
	Holder *struct {
		Name       string `json:"name"`
		Enterprise string `json:"enterprise"`
	} `json:"holder"`
	Services []struct {
		Code      string `json:"code"`
		Remaining *int   `json:"remaining"`
	} `json:"services"`
}

func (e *testEnv) cardOf(t *testing.T, talentID int64, user string) (cardJSON, response) {
	t.Helper()
	r := e.call("GET", fmt.Sprintf("/v1/talents/%d/card", talentID), user, nil)
	var c cardJSON
	_ = json.Unmarshal(r.Body, &c)
	return c, r
}

func (e *testEnv) verify(t *testing.T, token string) verdictJSON {
	t.Helper()
	r := e.call("POST", "/v1/greencard/verify", "window", map[string]any{"token": token, "window": "3号窗口"})
	mustStatus(t, r, http.StatusOK, "verify")
	var v verdictJSON
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGreenCard_IssueVerifyUse(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	reg := e.registered(t, newTalentBody(talent.GradeB))
	c, r := e.cardOf(t, reg.ID, "hr-x")
	mustStatus(t, r, http.StatusOK, "card")
	if c.Class != "B" || c.Version != 1 || c.Status != "active" || len(c.Token) > 150 || !strings.HasPrefix(c.Serial, "BS-") {
		t.Fatalf("card: %+v", c)
	}
	// Scope: HR of another enterprise learns nothing.
	_, r = e.cardOf(t, reg.ID, "hr-y")
	mustStatus(t, r, http.StatusNotFound, "HR of Y reads X's card")
	mustStatus(t, e.call("GET", "/v1/greencard/cards/"+c.Serial+"/qr.png", "hr-y", nil), http.StatusNotFound, "HR of Y reads X's QR")

	v := e.verify(t, c.Token)
	if !v.Valid || v.Card.Class != "B" || v.Holder == nil || !strings.Contains(v.Holder.Name, "*") || v.Holder.Enterprise != e.entX.Name {
		t.Fatalf("verdict: %+v", v)
	}
	for _, junk := range []string{"", "x", strings.Repeat("A", 4000), "欧阳娜娜", c.Token[:60]} {
		if v := e.verify(t, junk); v.Valid || v.Reason != "malformed" {
			t.Errorf("%.20q: %+v", junk, v)
		}
	}
	// A body that is not a verification at all is a 4xx, not a verdict.
	mustStatus(t, e.call("POST", "/v1/greencard/verify", "window", `{"token": 5}`), http.StatusUnprocessableEntity, "wrong type")
	mustStatus(t, e.call("POST", "/v1/greencard/verify", "hr-x", map[string]any{"token": c.Token}), http.StatusForbidden, "HR verifies")

	// The QR PNG reads back to the exact token with an independent decoder, and is cached by ETag.
	r = e.call("GET", "/v1/greencard/cards/"+c.Serial+"/qr.png", "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "qr")
	img, _, err := image.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// The image is the code alone, as rendered: read it as such. (Without the hint, gozxing's finder
	// sometimes takes a 1:1:3:1:1 run inside the data for a finder pattern and misjudges the size —
	// a trait of that detector on some random tokens; internal/qrpng's tests exercise detection on
	// fixed ones.)
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil || res.GetText() != c.Token {
		t.Errorf("decoded %q, %v", res, err)
	}
	tag := r.Header.Get("ETag")
	if r2 := e.call("GET", "/v1/greencard/cards/"+c.Serial+"/qr.png", "hr-x", nil, "If-None-Match", tag); r2.Status != http.StatusNotModified {
		t.Errorf("conditional QR: %d", r2.Status)
	}
	r = e.call("GET", "/v1/greencard/cards/"+c.Serial+"/print", "office", nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(c.Serial)) || !bytes.Contains(r.Body, []byte("data:image/png;base64,")) {
		t.Errorf("print page: %d", r.Status)
	}

	// Uses: the last unit of a quota goes to exactly one of many windows.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.call("POST", "/v1/greencard/uses", "window", map[string]any{"token": c.Token, "service": "health_check"}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, code := range codes {
		if code == http.StatusCreated {
			created++
		} else if code != http.StatusConflict {
			t.Errorf("use: %d", code)
		}
	}
	if created != 1 {
		t.Errorf("%d health checks on a quota of one", created)
	}
	r = e.call("GET", fmt.Sprintf("/v1/talents/%d/service-uses", reg.ID), "hr-x", nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"service":"health_check"`)) {
		t.Errorf("uses: %d %s", r.Status, r.Body)
	}
	r = e.call("GET", "/v1/stats/services", "office", nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"service":"health_check","name":"健康体检","uses":1`)) {
		t.Errorf("service stats: %s", r.Body)
	}

	// Reissue through the API: the old QR is superseded; the key set is public.
	r = e.call("POST", fmt.Sprintf("/v1/talents/%d/card/reissue", reg.ID), "office", map[string]any{"reason": "遗失补办"})
	mustStatus(t, r, http.StatusOK, "reissue")
	if v := e.verify(t, c.Token); v.Reason != "superseded" {
		t.Errorf("old card after reissue: %s", v.Reason)
	}
	r = e.call("GET", "/v1/greencard/keys", "", nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"crv":"Ed25519"`)) {
		t.Errorf("keys: %d %s", r.Status, r.Body)
	}
	// The list withholds changes newer than the oldest transaction still open in the database (so
	// that a cursor never skips one committed late); on a loaded machine another connection may
	// hold one open for a moment, so the change is awaited rather than expected at once.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = e.call("GET", "/v1/greencard/revocations", "window", nil)
		if r.Status == http.StatusOK && bytes.Contains(r.Body, []byte(`"reason":"superseded"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revocations never listed the superseded version: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAgentRequests(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.addAccount("commissioner-2", "commissioner", nil)
	reg := e.registered(t, newTalentBody(talent.GradeC))
	card, _ := e.cardOf(t, reg.ID, "office")
	e.verify(t, card.Token) // the window files for the holder in front of it
	file := func(user string) (int, response) {
		r := e.call("POST", "/v1/greencard/requests", user, map[string]any{"card_serial": card.Serial, "service": "agent_services", "description": "代办社保转移"})
		var v struct {
			ID             int    `json:"id"`
			CommissionerID int64  `json:"commissioner_id"`
			Status         string `json:"status"`
		}
		_ = json.Unmarshal(r.Body, &v)
		return v.ID, r
	}
	id1, r := file("window")
	mustStatus(t, r, http.StatusCreated, "file")
	id2, _ := file("hr-x")
	// Least open load: the two requests go to different commissioners.
	var a, b int64
	_ = e.db.Get(&a, `SELECT commissioner_id FROM agent_requests WHERE id = $1`, id1)
	_ = e.db.Get(&b, `SELECT commissioner_id FROM agent_requests WHERE id = $1`, id2)
	if a == b || a == 0 {
		t.Errorf("assignments %d and %d", a, b)
	}
	_, r = file("hr-y")
	mustStatus(t, r, http.StatusNotFound, "HR of Y files for X's talent")

	// The commissioner works only their own requests.
	mine, other := strconv.Itoa(id1), strconv.Itoa(id2)
	if a != e.acct["commissioner"].ID {
		mine, other = other, mine
	}
	mustStatus(t, e.call("POST", "/v1/greencard/requests/"+other+"/accept", "commissioner", nil), http.StatusNotFound, "another's request")
	mustStatus(t, e.call("POST", "/v1/greencard/requests/"+mine+"/resolve", "commissioner", map[string]any{"note": "x"}), http.StatusConflict, "resolve before accepting")
	t.Run("workflow", func(t *testing.T) {
		id, _ := file("office")
		rid := strconv.Itoa(id)
		var assignee int64
		_ = e.db.Get(&assignee, `SELECT commissioner_id FROM agent_requests WHERE id = $1`, id)
		mustStatus(t, e.call("POST", "/v1/greencard/requests/"+rid+"/assign", "office", map[string]any{"commissioner_id": e.acct["commissioner"].ID}), http.StatusOK, "assign")
		for _, step := range []string{"accept", "start"} {
			mustStatus(t, e.call("POST", "/v1/greencard/requests/"+rid+"/"+step, "commissioner", map[string]any{"note": "ok"}), http.StatusOK, step)
		}
		mustStatus(t, e.call("POST", "/v1/greencard/requests/"+rid+"/satisfaction", "hr-x", map[string]any{"satisfaction": 5}), http.StatusConflict, "rate before resolution")
		mustStatus(t, e.call("POST", "/v1/greencard/requests/"+rid+"/resolve", "commissioner", map[string]any{}), http.StatusUnprocessableEntity, "resolve without note")
		mustStatus(t, e.call("POST", "/v1/greencard/requests/"+rid+"/resolve", "commissioner", map[string]any{"note": "已办结"}), http.StatusOK, "resolve")
		mustStatus(t, e.call("POST", "/v1/greencard/requests/"+rid+"/satisfaction", "hr-x", map[string]any{"satisfaction": 5}), http.StatusOK, "rate")
		r := e.call("GET", "/v1/greencard/requests/"+rid, "hr-x", nil)
		if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"satisfaction":5`)) || bytes.Count(r.Body, []byte(`"to_status"`)) != 5 {
			t.Errorf("request: %s", r.Body)
		}
		mustStatus(t, e.call("GET", "/v1/greencard/requests/"+rid, "hr-y", nil), http.StatusNotFound, "HR of Y reads it")
	})
	// An overdue request shows in the overdue list; the figures add up.
	if _, err := e.db.Exec(`UPDATE agent_requests SET due_on = due_on - 60 WHERE id = $1`, id1); err != nil {
		t.Fatal(err)
	}
	r = e.call("GET", "/v1/greencard/requests?overdue=true", "office", nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(fmt.Sprintf(`"id":%d`, id1))) && !bytes.Contains(r.Body, []byte(fmt.Sprintf(`"id":%d`, id2))) {
		t.Errorf("overdue: %s", r.Body)
	}
	r = e.call("GET", "/v1/stats/requests", "office", nil)
	var st struct {
		Received        int      `json:"received"`
		Resolved        int      `json:"resolved"`
		ResolutionRate  float64  `json:"resolution_rate"`
		AvgSatisfaction *float64 `json:"avg_satisfaction"`
		ByCommissioner  []struct {
			Received int `json:"received"`
		} `json:"by_commissioner"`
	}
	_ = json.Unmarshal(r.Body, &st)
	if st.Received != 3 || st.Resolved != 1 || st.ResolutionRate != 0.3333 ||
		st.AvgSatisfaction == nil || *st.AvgSatisfaction != 5 || len(st.ByCommissioner) != 2 {
		t.Errorf("request stats: %s", r.Body)
	}
	r = e.call("GET", "/v1/stats/requests", "hr-y", nil)
	_ = json.Unmarshal(r.Body, &st)
	if st.Received != 0 {
		t.Errorf("HR of Y counts X's requests: %s", r.Body)
	}
}
