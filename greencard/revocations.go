package greencard

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"time"

	"talentd/internal/errs"
)

// Revocation is a change an offline client must apply: a serial-version to refuse (superseded,
// suspended, revoked), or a suspended card that is active again.
type Revocation struct {
	CardID  int64            `db:"card_id" json:"-"`
	Serial  string           `db:"serial" json:"serial"`
	Version int              `db:"version" json:"version"`
	Reason  RevocationReason `db:"reason" json:"reason" doc:"active: a suspension was lifted"`
	Since   time.Time        `db:"since" json:"since"`
}

// RevocationQuery asks for a page of the revocation list.
type RevocationQuery struct {
	// Cursor continues after the last change a previous page listed; when set, Since is ignored.
	Cursor string
	// Since starts a first call after this time; zero starts from the beginning.
	Since time.Time
	// Limit is the page size (1 to 10,000; default 1,000).
	Limit int
}

// RevocationPage is one page of the revocation list.
type RevocationPage struct {
	Items []Revocation
	// NextCursor is where the next call continues: after this page's last change or, when nothing
	// was new, where this call started. Always set, so a client keeps its place across polls.
	NextCursor string
	// More is set when the page is full: fetch the next one now rather than at the next poll.
	More bool
}

// ErrBadRevocationCursor refuses a cursor this service did not make.
var ErrBadRevocationCursor = &errs.Error{Kind: errs.BadRequest, Code: "bad_cursor", Zh: "翻页标记无效",
	Message: "invalid cursor", Fields: []errs.FieldError{errs.Field("query.cursor", "bad_cursor",
		"这不是本接口返回的翻页标记，请用 since 重新开始", "not a cursor returned by this API; start again with since", nil)}}

// revocationKey is a position in the revocation list. Changes are ordered by (time, card,
// version), which is unique: time alone is not, since every row one transaction writes shares its
// now() (a policy publication supersedes thousands of versions at one instant).
type revocationKey struct {
	At      *int64 `json:"t"` // microseconds since 1970, PostgreSQL's precision
	CardID  *int64 `json:"c"`
	Version *int64 `json:"v"`
}

// maxCursorTime bounds a cursor's time so a forged one cannot reach PostgreSQL as an out-of-range
// timestamp (a 500): the end of year 9999.
const maxCursorTime = 253_402_300_800_000_000 // time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

func newRevocationKey(at time.Time, cardID, version int64) revocationKey {
	t := at.UnixMicro()
	return revocationKey{At: &t, CardID: &cardID, Version: &version}
}

func (k revocationKey) encode() string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeRevocationKey(s string) (revocationKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return revocationKey{}, ErrBadRevocationCursor
	}
	var k revocationKey
	if err := json.Unmarshal(raw, &k); err != nil || k.At == nil || k.CardID == nil || k.Version == nil ||
		*k.At < 0 || *k.At >= maxCursorTime || *k.CardID < 0 || *k.Version < 0 || *k.Version > math.MaxInt32 {
		return revocationKey{}, ErrBadRevocationCursor
	}
	return k, nil
}
