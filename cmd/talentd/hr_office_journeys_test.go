package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"talentd/internal/govid"
	"talentd/talent"
)

const mergePatch = "application/merge-patch+json"

// TestJourney_HRCorrectsReturnedRecord: HR registers a person and submits; the office returns the
// record with a note; HR reads it (the number masked, the note shown), corrects one field with a
// merge patch that sends the masked number back, and resubmits; the office approves. The stored
// identity number never changed.
func TestJourney_HRCorrectsReturnedRecord(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeC)
	idNumber := body["id_number"].(string)
	r := e.call("POST", "/v1/talents", "hr-x", body)
	mustStatus(t, r, http.StatusCreated, "HR registers")
	path := fmt.Sprintf("/v1/talents/%d", decodeTalent(t, r).ID)
	mustStatus(t, e.call("POST", path+"/submit", "hr-x", nil), http.StatusOK, "HR submits")
	note := "请补充毕业院校全称"
	mustStatus(t, e.call("POST", path+"/return", "office", map[string]any{"reason": note}), http.StatusOK, "the office returns")

	r = e.call("GET", path, "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "HR reads the returned record")
	seen := decodeTalent(t, r)
	if seen.Status != "returned" || seen.ReviewComment != note || seen.IDNumber != govid.MaskIDNumber(idNumber) {
		t.Fatalf("HR sees %+v", seen)
	}
	etag := r.Header.Get("ETag")

	patch := map[string]any{"school": "重庆大学", "id_number": seen.IDNumber, "mobile": nil}
	mustStatus(t, e.call("PATCH", path, "hr-y", patch, "Content-Type", mergePatch), http.StatusNotFound, "HR of Y patches")
	mustStatus(t, e.call("PATCH", path, "hr-x", map[string]any{"school": "重庆大学", "salary": 1}, "Content-Type", mergePatch),
		http.StatusUnprocessableEntity, "an unknown member")
	r = e.call("PATCH", path, "hr-x", patch, "Content-Type", mergePatch, "If-Match", etag)
	mustStatus(t, r, http.StatusOK, "HR corrects the school, sending the masked number back")
	var fixed struct {
		School   string `json:"school"`
		Mobile   string `json:"mobile"`
		Position string `json:"position"`
		IDNumber string `json:"id_number"`
	}
	if err := json.Unmarshal(r.Body, &fixed); err != nil {
		t.Fatal(err)
	}
	if fixed.School != "重庆大学" || fixed.Mobile != "" || fixed.Position != body["position"] || fixed.IDNumber != seen.IDNumber {
		t.Errorf("after the patch: %+v", fixed)
	}
	mustStatus(t, e.call("PATCH", path, "hr-x", map[string]any{"major": "机械工程"}, "Content-Type", mergePatch, "If-Match", etag),
		http.StatusPreconditionFailed, "a patch against the version read before")

	// PUT keeps the number too when it is left out.
	replace := map[string]any{}
	for k, v := range body {
		if k != "id_number" {
			replace[k] = v
		}
	}
	replace["school"] = "重庆大学"
	mustStatus(t, e.call("PUT", path, "hr-x", replace), http.StatusOK, "HR replaces the record without the number")

	mustStatus(t, e.call("POST", path+"/submit", "hr-x", nil), http.StatusOK, "HR resubmits")
	mustStatus(t, e.call("PATCH", path, "hr-x", map[string]any{"major": "机械工程"}, "Content-Type", mergePatch),
		http.StatusConflict, "HR patches a submitted record")
	r = e.call("POST", path+"/approve", "office", nil)
	mustStatus(t, r, http.StatusOK, "the office approves")
	if v := decodeTalent(t, r); v.Status != "registered" || v.IDNumber != idNumber {
		t.Errorf("registered as %+v; the office must read the original number", v)
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE id_number_masked = $1 AND id_number_hash = $2`,
		govid.MaskIDNumber(idNumber), e.svc.talent.IDNumberIndex(idNumber)); n != 1 {
		t.Errorf("the stored number changed (%d rows hold the original)", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.update' AND entity_id = $1
		AND before IS NOT NULL AND after::text LIKE '%重庆大学%'`, strings.TrimPrefix(path, "/v1/talents/")); n != 2 {
		t.Errorf("%d audited corrections, want the patch and the replacement", n)
	}
	var h struct {
		Events []struct {
			Action string `json:"action"`
		} `json:"events"`
	}
	_ = json.Unmarshal(e.call("GET", path+"/history", "hr-x", nil).Body, &h)
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Action)
	}
	if strings.Join(actions, ",") != "create,submit,return,submit,approve" {
		t.Errorf("history %v", actions)
	}
}

// queueItem is what the review queue shows of a record.
type queueItem struct {
	ID             int64   `json:"id"`
	Status         string  `json:"status"`
	EnterpriseName string  `json:"enterprise_name"`
	SuggestedGrade *string `json:"suggested_grade"`
	SuggestedRule  string  `json:"suggested_rule"`
}

// listAll pages through a listing (path with its query) to the end and returns every item.
func listAll[T any](t *testing.T, e *testEnv, path, user string) []T {
	t.Helper()
	var all []T
	cursor := ""
	for range 20 {
		r := e.call("GET", path+"&cursor="+cursor, user, nil)
		mustStatus(t, r, http.StatusOK, "GET "+path)
		var page struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
	t.Fatalf("%s: more than 20 pages", path)
	return nil
}

// bulkAnswer is the answer of a bulk operation.
type bulkAnswer struct {
	Results []struct {
		ID      int64  `json:"id"`
		OK      bool   `json:"ok"`
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"results"`
	Succeeded int  `json:"succeeded"`
	Failed    int  `json:"failed"`
	Applied   bool `json:"applied"`
}

func decodeBulk(t *testing.T, r response) bulkAnswer {
	t.Helper()
	var b bulkAnswer
	if err := json.Unmarshal(r.Body, &b); err != nil || len(b.Results) == 0 {
		t.Fatalf("not a bulk answer (%d): %s", r.Status, r.Body)
	}
	return b
}

// outcome sums up a bulk answer as "id:status" or "id:code", in order.
func (b bulkAnswer) outcome() []string {
	var out []string
	for _, it := range b.Results {
		if it.OK {
			out = append(out, fmt.Sprintf("%d:%s", it.ID, it.Status))
		} else {
			out = append(out, fmt.Sprintf("%d:%s", it.ID, it.Code))
		}
	}
	return out
}

// TestJourney_ReviewQueue: HR submits a batch; the office works the queue oldest first, with each
// record's employer and suggested grade, approves some in bulk, tries an all-or-nothing batch that
// cannot pass, and returns one with a comment.
func TestJourney_ReviewQueue(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	create := func(user string, body map[string]any) int64 {
		r := e.call("POST", "/v1/talents", user, body)
		mustStatus(t, r, http.StatusCreated, user+" registers")
		return decodeTalent(t, r).ID
	}
	a, b, c := create("hr-x", newTalentBody(talent.GradeC)), create("hr-x", newTalentBody(talent.GradeC)), create("hr-x", newTalentBody(talent.GradeC))
	ineligible, theirs := create("hr-x", newTalentBody("")), create("hr-y", newTalentBody(talent.GradeD))

	r := e.call("POST", "/v1/talents/bulk-submit", "hr-x", map[string]any{"ids": []int64{a, b, c, ineligible, theirs}},
		"Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusOK, "HR submits a batch")
	sub := decodeBulk(t, r)
	want := []string{fmt.Sprintf("%d:submitted", a), fmt.Sprintf("%d:submitted", b), fmt.Sprintf("%d:submitted", c),
		fmt.Sprintf("%d:talent_not_eligible", ineligible), fmt.Sprintf("%d:talent_not_found", theirs)}
	if !slices.Equal(sub.outcome(), want) || sub.Succeeded != 3 || sub.Failed != 2 || !sub.Applied {
		t.Errorf("bulk submit: %v (%d/%d), want %v", sub.outcome(), sub.Succeeded, sub.Failed, want)
	}
	if msg := sub.Results[4].Message; !strings.Contains(msg, "找不到") {
		t.Errorf("the message is for a Chinese clerk: %q", msg)
	}
	mustStatus(t, e.call("POST", "/v1/talents/bulk-approve", "hr-x", map[string]any{"ids": []int64{a}}), http.StatusForbidden, "HR approves")
	mustStatus(t, e.call("POST", "/v1/talents/bulk-submit", "hr-x", map[string]any{"ids": []int64{a, a}}),
		http.StatusUnprocessableEntity, "a record twice")

	// The queue, oldest first, two at a time.
	queue := listAll[queueItem](t, e, "/v1/talents?status=submitted&sort=submitted_at&limit=2", "office")
	var order []int64
	for _, it := range queue {
		order = append(order, it.ID)
		if it.EnterpriseName != e.entX.Name || it.SuggestedGrade == nil || *it.SuggestedGrade != "C" || it.SuggestedRule == "" {
			t.Errorf("queue item %+v", it)
		}
	}
	if !slices.Equal(order, []int64{a, b, c}) {
		t.Errorf("the queue is %v, want %v (oldest first)", order, []int64{a, b, c})
	}

	mustStatus(t, e.call("POST", "/v1/talents/bulk-return", "office", map[string]any{"ids": []int64{c}}),
		http.StatusUnprocessableEntity, "a return without a comment")

	// All or nothing: the draft fails, so neither of the others is approved.
	r = e.call("POST", "/v1/talents/bulk-approve", "office", map[string]any{"ids": []int64{a, b, ineligible}, "all_or_nothing": true})
	mustStatus(t, r, http.StatusOK, "an all-or-nothing batch that cannot pass")
	all := decodeBulk(t, r)
	want = []string{fmt.Sprintf("%d:not_applied", a), fmt.Sprintf("%d:not_applied", b), fmt.Sprintf("%d:talent_wrong_status", ineligible)}
	if all.Applied || all.Succeeded != 0 || all.Failed != 3 || !slices.Equal(all.outcome(), want) {
		t.Errorf("all or nothing: %+v, want %v", all, want)
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE id = ANY($1) AND status = 'submitted'`, "{"+fmt.Sprint(a)+","+fmt.Sprint(b)+"}"); n != 2 {
		t.Errorf("the rolled-back batch changed %d records", 2-n)
	}
	if n := e.count(`SELECT count(*) FROM grade_decisions`) + e.count(`SELECT count(*) FROM cards`); n != 0 {
		t.Errorf("the rolled-back batch left %d decisions and cards", n)
	}

	r = e.call("POST", "/v1/talents/bulk-approve", "office", map[string]any{"ids": []int64{a, b}, "all_or_nothing": true})
	mustStatus(t, r, http.StatusOK, "the office approves two")
	if ok := decodeBulk(t, r); !ok.Applied || ok.Succeeded != 2 {
		t.Errorf("approve: %+v", ok)
	}
	r = e.call("POST", "/v1/talents/bulk-return", "office", map[string]any{"ids": []int64{c, a}, "comment": "请补充职称证书"},
		"Accept-Language", "en")
	mustStatus(t, r, http.StatusOK, "the office returns one")
	ret := decodeBulk(t, r)
	want = []string{fmt.Sprintf("%d:returned", c), fmt.Sprintf("%d:talent_wrong_status", a)}
	if !slices.Equal(ret.outcome(), want) || !strings.Contains(ret.Results[1].Message, "cannot return") {
		t.Errorf("return: %+v, want %v with an English message", ret, want)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.approve'`); n != 2 {
		t.Errorf("%d approvals audited, want one per record", n)
	}
	if n := e.count(`SELECT count(*) FROM cards`); n != 2 {
		t.Errorf("%d cards issued, want one per registered record", n)
	}
	if v := decodeTalent(t, e.call("GET", fmt.Sprintf("/v1/talents/%d", c), "hr-x", nil)); v.ReviewComment != "请补充职称证书" {
		t.Errorf("HR reads the comment %q", v.ReviewComment)
	}

	// Registered records carry no suggestion.
	r = e.call("GET", "/v1/talents?status=registered", "office", nil)
	var registered struct {
		Items []queueItem `json:"items"`
	}
	_ = json.Unmarshal(r.Body, &registered)
	if len(registered.Items) != 2 || registered.Items[0].SuggestedGrade != nil || strings.Contains(string(r.Body), "suggested_grade") {
		t.Errorf("registered listing: %s", r.Body)
	}
}

// jpegWithExif is a small JPEG carrying an APP1 Exif segment (with marker in it) right after SOI,
// as a phone camera writes one.
func jpegWithExif(t *testing.T, marker string) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 120, 160))
	for y := range 160 {
		for x := range 120 {
			m.Set(x, y, color.RGBA{uint8(x * 2), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"), marker...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	plain := b.Bytes()
	out := append(append(append([]byte{}, plain[:2]...), seg...), payload...)
	return append(out, plain[2:]...)
}

// jpegSegments lists the markers of a JPEG's segments before its image data.
func jpegSegments(t *testing.T, jpg []byte) []byte {
	t.Helper()
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		t.Fatalf("not a JPEG: % x", jpg[:min(len(jpg), 8)])
	}
	var out []byte
	for i := 2; i+4 <= len(jpg) && jpg[i] == 0xFF; i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:])) {
		out = append(out, jpg[i+1])
		if jpg[i+1] == 0xDA { // start of scan
			break
		}
	}
	return out
}

// TestJourney_Photos: HR uploads a phone photo of its talent; it comes back without its Exif
// segment, with an ETag that answers 304; only those who may read the record see it; what is not
// a photo, or too large, is refused; HR removes it again.
func TestJourney_Photos(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := e.call("POST", "/v1/talents", "hr-x", newTalentBody(talent.GradeC))
	mustStatus(t, r, http.StatusCreated, "HR registers")
	id := decodeTalent(t, r).ID
	path := fmt.Sprintf("/v1/talents/%d", id)
	upload := jpegWithExif(t, "GPS 29.59N 106.22E")
	if !slices.Contains(jpegSegments(t, upload), 0xE1) {
		t.Fatal("the test photo has no APP1 segment")
	}

	mustStatus(t, e.call("PUT", path+"/photo", "hr-y", upload, "Content-Type", "image/jpeg"), http.StatusNotFound, "HR of Y uploads")
	r = e.call("PUT", path+"/photo", "hr-x", upload, "Content-Type", "image/jpeg")
	mustStatus(t, r, http.StatusOK, "HR uploads")
	var info struct {
		SHA256 string `json:"sha256"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	}
	if err := json.Unmarshal(r.Body, &info); err != nil || info.Width != 120 || info.Height != 160 {
		t.Fatalf("upload answer: %s", r.Body)
	}

	r = e.call("GET", path+"/photo", "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "HR fetches the photo")
	sum := sha256.Sum256(r.Body)
	if r.Header.Get("Content-Type") != "image/jpeg" || r.Header.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` ||
		hex.EncodeToString(sum[:]) != info.SHA256 || !strings.Contains(r.Header.Get("Cache-Control"), "private") {
		t.Errorf("photo headers %v", r.Header)
	}
	if slices.Contains(jpegSegments(t, r.Body), 0xE1) || bytes.Contains(r.Body, []byte("GPS")) {
		t.Error("the stored photo keeps the Exif segment")
	}
	etag := r.Header.Get("ETag")
	r = e.call("GET", path+"/photo", "commissioner", nil, "If-None-Match", etag)
	if r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Errorf("If-None-Match with the current ETag: %d, %d bytes", r.Status, len(r.Body))
	}
	mustStatus(t, e.call("GET", path+"/photo", "commissioner", nil, "If-None-Match", `"0000"`), http.StatusOK, "a stale ETag")
	mustStatus(t, e.call("GET", path+"/photo", "hr-y", nil), http.StatusNotFound, "HR of Y fetches the photo")
	mustStatus(t, e.call("GET", path+"/photo", "window", nil), http.StatusForbidden, "a service window fetches the photo")

	var withPhoto struct {
		HasPhoto bool   `json:"has_photo"`
		PhotoURL string `json:"photo_url"`
	}
	_ = json.Unmarshal(e.call("GET", path, "hr-x", nil).Body, &withPhoto)
	if !withPhoto.HasPhoto || withPhoto.PhotoURL != path+"/photo" {
		t.Errorf("the record shows %+v", withPhoto)
	}
	if list := e.call("GET", "/v1/talents", "hr-x", nil); !strings.Contains(string(list.Body), `"has_photo":true`) {
		t.Errorf("the listing does not show the photo: %s", list.Body)
	}

	var png8 bytes.Buffer
	if err := png.Encode(&png8, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, contentType string
		data              []byte
		status            int
	}{
		{"text", "text/plain", []byte("不是照片"), http.StatusUnprocessableEntity},
		{"a PNG sent as JPEG", "image/jpeg", png8.Bytes(), http.StatusUnprocessableEntity},
		{"a truncated JPEG", "image/jpeg", upload[:len(upload)/2], http.StatusUnprocessableEntity},
		{"just over 2 MiB", "image/jpeg", append(slices.Clone(upload), make([]byte, talent.MaxPhotoBytes)...), http.StatusUnprocessableEntity},
		{"far over 2 MiB", "image/jpeg", make([]byte, 3*talent.MaxPhotoBytes), http.StatusRequestEntityTooLarge},
	} {
		mustStatus(t, e.call("PUT", path+"/photo", "hr-x", c.data, "Content-Type", c.contentType), c.status, c.what)
	}
	if n := e.count(`SELECT count(*) FROM talent_photos WHERE talent_id = $1 AND sha256 = decode($2, 'hex')`, id, info.SHA256); n != 1 {
		t.Error("a refused upload replaced the photo")
	}
	var audited string
	if err := e.db.Get(&audited, `SELECT after::text FROM audit_log WHERE action = 'talent.photo_put' AND entity_id = $1`,
		strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(audited, info.SHA256) || !strings.Contains(audited, `"width": 120`) || len(audited) > 500 {
		t.Errorf("the audit keeps %s", audited)
	}

	mustStatus(t, e.call("DELETE", path+"/photo", "hr-y", nil), http.StatusNotFound, "HR of Y removes the photo")
	mustStatus(t, e.call("DELETE", path+"/photo", "hr-x", nil), http.StatusNoContent, "HR removes the photo")
	mustStatus(t, e.call("GET", path+"/photo", "hr-x", nil), http.StatusNotFound, "the removed photo")
	mustStatus(t, e.call("DELETE", path+"/photo", "hr-x", nil), http.StatusNotFound, "removing it twice")
	_ = json.Unmarshal(e.call("GET", path, "hr-x", nil).Body, &withPhoto)
	if withPhoto.HasPhoto {
		t.Error("the record still shows a photo")
	}
}
