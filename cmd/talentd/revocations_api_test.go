package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"talentd/internal/auth"
	"talentd/talent"
)

// TestAPI_RevocationsCursor pages the offline revocation list through HTTP with next_cursor, one
// change per page, and refuses cursors it did not make with a 400.
func TestAPI_RevocationsCursor(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Username: "office", Role: auth.RoleTalentOffice})
	gen := talent.NewGenerator(77)
	want := map[string]bool{}
	for range 3 {
		tl, err := e.svc.talent.CreateTalent(ctx, gen.Talent(talent.GradeD, nil))
		if err == nil {
			_, err = e.svc.talent.Submit(ctx, tl.ID)
		}
		if err == nil {
			_, err = e.svc.talent.Approve(ctx, tl.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.greencard.Reissue(ctx, tl.ID, "遗失补办")
		if err != nil {
			t.Fatal(err)
		}
		want[c.Serial] = true
	}

	type page struct {
		Items []struct {
			Serial  string `json:"serial"`
			Version int    `json:"version"`
			Reason  string `json:"reason"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
		More       bool   `json:"more"`
	}
	seen := map[string]int{}
	query := "limit=1"
	var last page
	for i := 0; i < 10; i++ {
		r := e.call("GET", "/v1/greencard/revocations?"+query, "window", nil)
		mustStatus(t, r, http.StatusOK, "revocations")
		last = page{}
		if err := json.Unmarshal(r.Body, &last); err != nil {
			t.Fatal(err)
		}
		for _, it := range last.Items {
			if it.Reason == "superseded" && it.Version == 1 {
				seen[it.Serial]++
			}
		}
		if last.NextCursor == "" {
			t.Fatalf("page %d has no next_cursor: %s", i, r.Body)
		}
		query = "limit=1&cursor=" + url.QueryEscape(last.NextCursor)
		if !last.More {
			break
		}
	}
	for s := range want {
		if seen[s] != 1 {
			t.Errorf("%s superseded listed %d times", s, seen[s])
		}
	}
	// Caught up: the last cursor answers an empty page and keeps its place.
	r := e.call("GET", "/v1/greencard/revocations?"+query, "window", nil)
	mustStatus(t, r, http.StatusOK, "revocations when caught up")
	var caughtUp page
	if err := json.Unmarshal(r.Body, &caughtUp); err != nil || len(caughtUp.Items) != 0 || caughtUp.More || caughtUp.NextCursor == "" {
		t.Errorf("caught up: %s", r.Body)
	}

	b64 := base64.RawURLEncoding.EncodeToString
	for _, bad := range []string{"garbage", "!!!", b64([]byte("{}")), b64([]byte(`{"t":"x"}`)),
		b64([]byte(`{"t":-99999999999999999,"c":1,"v":1}`)), b64([]byte(`{"t":1700000000000000,"c":-1,"v":1}`)),
		b64([]byte(`[1,2,3]`)), b64([]byte("null"))} {
		r := e.call("GET", "/v1/greencard/revocations?cursor="+url.QueryEscape(bad), "window", nil)
		if r.Status != http.StatusBadRequest {
			t.Errorf("cursor %q: %d %s", bad, r.Status, r.Body)
		}
	}
}
