package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestCardPrinting_API: the print queue, a batch marked printed all or nothing, the order of the
// steps with a refusal in both languages, and HR kept out.
func TestCardPrinting_API(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	serials := e.cardsToPrint(t, 3)
	a, b, c := serials[0], serials[1], serials[2]
	if p := e.printOf(t, a); p.Print.Status != "requested" {
		t.Fatalf("a new card's print status: %+v", p.Print)
	}
	queue := func(status string) []string {
		t.Helper()
		r := e.call("GET", "/v1/greencard/print-queue?status="+status, "office", nil)
		mustStatus(t, r, http.StatusOK, "print queue")
		var page struct {
			Items []struct {
				Serial string `json:"serial"`
				Name   string `json:"name"`
			} `json:"items"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range page.Items {
			if it.Name == "" {
				t.Errorf("a queued card without its holder's name: %s", r.Body)
			}
			out = append(out, it.Serial)
		}
		return out
	}
	if got := queue("requested"); len(got) != 3 || got[0] != a {
		t.Errorf("waiting: %v", got)
	}

	r := e.call("POST", "/v1/greencard/cards/"+a+"/handed-over", "office", nil)
	mustStatus(t, r, http.StatusConflict, "hand over an unprinted card")
	if body := r.json(t); body["code"] != "card_print_conflict" || !strings.Contains(body["detail"].(string), "requested") {
		t.Errorf("the refusal: %s", r.Body)
	}
	r = e.call("POST", "/v1/greencard/cards/"+a+"/handed-over", "office", nil, "Accept-Language", "zh-CN")
	if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "待打印") || !strings.Contains(d, "已交付") {
		t.Errorf("the refusal in Chinese: %s", r.Body)
	}

	mustStatus(t, e.call("POST", "/v1/greencard/cards/"+b+"/printed", "office", nil), http.StatusOK, "print one")
	r = e.call("POST", "/v1/greencard/print-batches", "office", map[string]any{"serials": []string{a, b, c}})
	mustStatus(t, r, http.StatusConflict, "a batch with a printed card")
	if !strings.Contains(string(r.Body), b) {
		t.Errorf("the refusal does not name the printed card: %s", r.Body)
	}
	if got := queue("requested"); len(got) != 2 {
		t.Errorf("after the refused batch, waiting: %v", got)
	}
	for _, bad := range []any{map[string]any{"serials": []string{}}, map[string]any{"serials": []string{a, a}},
		map[string]any{"serials": []string{"bad serial"}}, map[string]any{}} {
		if r := e.call("POST", "/v1/greencard/print-batches", "office", bad); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("batch %v: %d %s", bad, r.Status, r.Body)
		}
	}
	r = e.call("POST", "/v1/greencard/print-batches", "office", map[string]any{"serials": []string{c, a}})
	mustStatus(t, r, http.StatusOK, "print a batch")
	var batch struct {
		Items []printJSON `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &batch); err != nil || len(batch.Items) != 2 || batch.Items[0].Serial != c ||
		batch.Items[1].Print.Status != "printed" {
		t.Errorf("the batch answered %s", r.Body)
	}
	if got := queue("printed"); len(got) != 3 {
		t.Errorf("printed: %v", got)
	}
	mustStatus(t, e.call("POST", "/v1/greencard/cards/"+a+"/handed-over", "office", nil), http.StatusOK, "hand over")
	if got := queue("handed_over"); len(got) != 1 || got[0] != a {
		t.Errorf("handed over: %v", got)
	}

	for _, user := range []string{"hr-x", "window"} {
		for _, call := range []struct{ method, path string }{
			{"GET", "/v1/greencard/print-queue"}, {"POST", "/v1/greencard/cards/" + b + "/handed-over"},
		} {
			if r := e.call(call.method, call.path, user, nil); r.Status != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d", call.method, call.path, user, r.Status)
			}
		}
	}
	if p := e.printOf(t, b); p.Print.Status != "printed" {
		t.Errorf("after the refusals %s is %s", b, p.Print.Status)
	}
}
