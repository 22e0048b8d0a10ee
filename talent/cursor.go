package talent

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"talentd/internal/errs"
)

// cursor is a position in a sorted talent listing: the sort it was made under, the last row's
// sort key and its id. It is kept short, because a cursor travels in a query parameter of
// bounded length: times are microseconds since the epoch.
type cursor struct {
	Sort int    `json:"s,omitempty"`
	Key  string `json:"k,omitempty"`
	ID   int64  `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = &errs.Error{Kind: errs.BadRequest, Code: "bad_cursor", Zh: "翻页参数无效，请从第一页重新查询",
	Message: "invalid cursor", Fields: []errs.FieldError{errs.Field("query.cursor", "bad_cursor",
		"不是本系统返回的翻页参数，或是在另一种排序下得到的", "not a cursor returned by this API for this sort order", nil)}}

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

// keyKind is the type of a sort key.
type keyKind int

const (
	keyID   keyKind = iota // the id alone
	keyText                // a text column, then the id
	keyTime                // a time that a record may lack, then the id
)

// sortSpec is a supported ordering of a talent listing.
type sortSpec struct {
	code int    // how cursors name it
	key  string // the SQL of the sort key, %[1]s standing for the table's qualifier
	desc bool
	kind keyKind
	// missing is what a record without the time sorts as: "infinity" puts it last in an
	// ascending order, "-infinity" last in a descending one.
	missing string
	text    func(Talent) string
	time    func(Talent) *time.Time
}

func submittedAt(t Talent) *time.Time  { return t.SubmittedAt }
func registeredAt(t Talent) *time.Time { return t.RegisteredAt }

// sorts are the orders a listing offers (sort=…); the review queue pages by submission time,
// oldest first, with the records never submitted last either way.
var sorts = map[string]sortSpec{
	"":               {code: 0, key: "%[1]sid", kind: keyID},
	"id":             {code: 0, key: "%[1]sid", kind: keyID},
	"-id":            {code: 1, key: "%[1]sid", desc: true, kind: keyID},
	"name":           {code: 2, key: "%[1]sname", kind: keyText, text: func(t Talent) string { return t.Name }},
	"registered_at":  {code: 3, key: "COALESCE(%[1]sregistered_at, '-infinity'::timestamptz)", kind: keyTime, missing: "-infinity", time: registeredAt},
	"-registered_at": {code: 4, key: "COALESCE(%[1]sregistered_at, '-infinity'::timestamptz)", desc: true, kind: keyTime, missing: "-infinity", time: registeredAt},
	"submitted_at":   {code: 5, key: "COALESCE(%[1]ssubmitted_at, 'infinity'::timestamptz)", kind: keyTime, missing: "infinity", time: submittedAt},
	"-submitted_at":  {code: 6, key: "COALESCE(%[1]ssubmitted_at, '-infinity'::timestamptz)", desc: true, kind: keyTime, missing: "-infinity", time: submittedAt},
}

// keyOn is the sort key's SQL on the table qualified by prefix ("" or "l.").
func (spec sortSpec) keyOn(prefix string) string { return fmt.Sprintf(spec.key, prefix) }

// orderBy is the ORDER BY clause on the table qualified by prefix.
func (spec sortSpec) orderBy(prefix string) string {
	dir := " ASC"
	if spec.desc {
		dir = " DESC"
	}
	if spec.kind == keyID {
		return " ORDER BY " + prefix + "id" + dir
	}
	return " ORDER BY " + spec.keyOn(prefix) + dir + ", " + prefix + "id" + dir
}

// cursorAfter is the position just after t.
func (spec sortSpec) cursorAfter(t Talent) cursor {
	c := cursor{Sort: spec.code, ID: t.ID}
	switch spec.kind {
	case keyText:
		c.Key = spec.text(t)
	case keyTime:
		c.Key = spec.missing
		if at := spec.time(t); at != nil {
			c.Key = strconv.FormatInt(at.UnixMicro(), 10)
		}
	}
	return c
}

// keyArg is the SQL argument of a cursor's sort key. A cursor made under another order carries
// the wrong kind of key, which the database would choke on: it is the client's mistake (400).
func (spec sortSpec) keyArg(c cursor) (any, error) {
	if c.Sort != spec.code {
		return nil, errBadCursor
	}
	switch spec.kind {
	case keyText:
		return c.Key, nil
	case keyTime:
		if c.Key == spec.missing {
			return c.Key, nil
		}
		micros, err := strconv.ParseInt(c.Key, 10, 64)
		at := time.UnixMicro(micros).UTC()
		if err != nil || at.Year() < 1 || at.Year() > 9999 {
			return nil, errBadCursor
		}
		return at, nil
	}
	return nil, nil
}
