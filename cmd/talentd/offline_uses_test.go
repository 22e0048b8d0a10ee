package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"talentd/internal/civil"
	"talentd/talent"
)

// TestJourney_OfflineUses: a window that lost the server sends the uses it queued with the time it
// made them and a key of its own; a resend is answered with the first use and records nothing, the
// key with other content is refused, a time outside the bounds is refused naming used_at, and the
// use counts against the quota of the year it was made in.
func TestJourney_OfflineUses(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	holder := e.registered(t, newTalentBody(talent.GradeB))
	card := e.scanned(t, holder.ID)
	uses := func() int { return e.count(`SELECT count(*) FROM service_uses WHERE talent_id = $1`, holder.ID) }

	offline := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	body := map[string]any{"token": card.Token, "service": "health_check", "used_at": offline.Format(time.RFC3339), "window": "离线窗口"}
	key := []string{"Idempotency-Key", "0b6f8a52-4c1e-4c0e-9a53-3f1f4f1d2a10"}

	r := e.call("POST", "/v1/greencard/uses", "window", body, key...)
	mustStatus(t, r, http.StatusCreated, "an offline use")
	first := r.json(t)
	usedAt, _ := time.Parse(time.RFC3339, first["used_at"].(string))
	receivedAt, _ := time.Parse(time.RFC3339, first["received_at"].(string))
	if !usedAt.Equal(offline) || !receivedAt.After(usedAt) {
		t.Errorf("an offline use answers used_at %v, received_at %v; want used_at %s", first["used_at"], first["received_at"], offline)
	}
	var stored time.Time
	var year int
	if err := e.db.QueryRow(`SELECT used_at, year FROM service_uses WHERE talent_id = $1`, holder.ID).Scan(&stored, &year); err != nil {
		t.Fatal(err)
	}
	if !stored.Equal(offline) || year != civil.InDistrict(offline).Time().Year() {
		t.Errorf("stored used_at %s in %d, want %s in the district year", stored, year, offline)
	}

	// Sent again, as after a lost answer: the same use, nothing more.
	r = e.call("POST", "/v1/greencard/uses", "window", body, key...)
	mustStatus(t, r, http.StatusCreated, "the resent use")
	if again := r.json(t); again["id"] != first["id"] || again["used_at"] != first["used_at"] {
		t.Errorf("the resend answered %s, want use %v", r.Body, first["id"])
	}
	if n := uses(); n != 1 {
		t.Fatalf("%d uses after a resend, want 1", n)
	}
	// The key with other content, and another account's identical key, each stand apart.
	other := map[string]any{"token": card.Token, "service": "transport", "used_at": offline.Format(time.RFC3339)}
	r = e.call("POST", "/v1/greencard/uses", "window", other, key...)
	mustStatus(t, r, http.StatusUnprocessableEntity, "the key with another use")
	if code := r.json(t)["code"]; code != "idempotency_key_reused" {
		t.Errorf("the key with another use: code %v", code)
	}
	if n := uses(); n != 1 {
		t.Fatalf("%d uses after a refused reuse of the key, want 1", n)
	}

	// The health check of the year it was made in is spent: a second one, now or offline, is refused
	// with the reason the clerk is shown.
	r = e.call("POST", "/v1/greencard/uses", "window", map[string]any{"token": card.Token, "service": "health_check"})
	mustStatus(t, r, http.StatusConflict, "a second health check this year")
	body["used_at"], key[1] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "second-offline"
	r = e.call("POST", "/v1/greencard/uses", "window", body, append(key, "Accept-Language", "zh-CN")...)
	mustStatus(t, r, http.StatusConflict, "a second offline health check")
	if p := r.json(t); p["code"] != "quota_exhausted" || !strings.Contains(p["detail"].(string), "次数已用完") {
		t.Errorf("the refused offline use: %s", r.Body)
	}

	// Outside the bounds: refused, naming used_at, in both languages.
	for name, at := range map[string]time.Time{
		"ten minutes ahead": time.Now().Add(10 * time.Minute),
		"73 hours ago":      time.Now().Add(-73 * time.Hour),
	} {
		b := map[string]any{"token": card.Token, "service": "transport", "used_at": at.Format(time.RFC3339)}
		r := e.call("POST", "/v1/greencard/uses", "window", b, "Idempotency-Key", "bounds-"+name[:3])
		mustStatus(t, r, http.StatusUnprocessableEntity, name)
		if msg := fieldErrors(t, r)["body.used_at"]; msg == "" {
			t.Errorf("%s: no message for body.used_at: %s", name, r.Body)
		}
		r = e.call("POST", "/v1/greencard/uses", "window", b, "Accept-Language", "zh-CN")
		mustStatus(t, r, http.StatusUnprocessableEntity, name+" in Chinese")
		if msg := fieldErrors(t, r)["body.used_at"]; !strings.ContainsAny(msg, "时间小时") {
			t.Errorf("%s: the Chinese message for body.used_at is %q", name, msg)
		}
	}
	mustStatus(t, e.call("POST", "/v1/greencard/uses", "window", map[string]any{"token": card.Token, "service": "transport",
		"used_at": "yesterday"}), http.StatusUnprocessableEntity, "a used_at that is not a time")
	if n := uses(); n != 1 {
		t.Errorf("%d uses after refused requests, want 1", n)
	}

	// The window reads the catalogue it checks a class's services against offline.
	mustStatus(t, e.call("GET", "/v1/greencard/services", "window", nil), http.StatusOK, "the window reads the catalogue")
}
