package talent

import (
	"encoding/base64"
	"encoding/json"

	"talentd/internal/errs"
)

// cursor is a position in a sorted talent listing: the last row's sort key and id.
type cursor struct {
	Key string `json:"k,omitempty"`
	ID  int64  `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = &errs.Error{Kind: errs.BadRequest, Message: "invalid cursor",
	Fields: []errs.FieldError{{Location: "query.cursor", Message: "not a cursor returned by this API"}}}

func decodeCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.ID <= 0 {
		return nil, errBadCursor
	}
	return &c, nil
}
