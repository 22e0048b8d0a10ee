package audit

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	in := map[string]any{
		"name":          "张三",
		"id_number":     "11010519491231002X",
		"password":      "hunter2-hunter2",
		"password_hash": "$argon2id$...",
		"nested": []any{
			map[string]any{"ID_Number": "440524199001010014", "token": "tls_abc"},
		},
	}
	out, err := redact(in)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, leak := range []string{"11010519491231002X", "hunter2", "argon2id", "tls_abc", "440524199001010014"} {
		if strings.Contains(s, leak) {
			t.Errorf("redacted document still contains %q: %s", leak, s)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back["id_number"] != "110105********002X" {
		t.Errorf("identity number not masked: %v", back["id_number"])
	}
	if back["name"] != "张三" {
		t.Error("ordinary fields must be kept")
	}
	if out, _ := redact(nil); out != nil {
		t.Error("nil stays nil (a creation has no before state)")
	}
}
