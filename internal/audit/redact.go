package audit

import (
	"encoding/json"
	"strings"

	"talentd/internal/govid"
)

// Keys whose values never enter the audit log at all.
var droppedKeys = map[string]bool{
	"password": true, "password_hash": true, "token": true, "token_hash": true, "secret": true,
	"id_number_cipher": true, "id_number_hash": true,
}

// redact turns v into JSON with identity numbers masked and secrets removed, at any depth, so no
// caller has to remember to do it.
func redact(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, err
	}
	return json.Marshal(redactValue(tree))
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			lk := strings.ToLower(k)
			switch {
			case droppedKeys[lk]:
				delete(t, k)
			case lk == "id_number":
				if s, ok := val.(string); ok {
					t[k] = govid.MaskIDNumber(s)
				}
			default:
				t[k] = redactValue(val)
			}
		}
		return t
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
		return t
	default:
		return v
	}
}
