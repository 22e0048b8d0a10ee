// Package page is the one list shape every talentd listing uses — {"items": [...], "next_cursor": "..."}
// — with opaque keyset cursors, so clients never depend on offsets that shift under concurrent writes.
package page

import (
	"encoding/base64"
	"strconv"

	"talentd/internal/errs"
)

// DefaultLimit and MaxLimit bound a page's size.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Of is one page of a listing.
type Of[T any] struct {
	Items      []T    `json:"items" nullable:"false" doc:"The items of this page"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to fetch the next page; absent on the last page"`
}

// Query holds the paging parameters shared by every list operation; embed it in an input struct.
type Query struct {
	Cursor string `query:"cursor" maxLength:"64" doc:"Opaque cursor from a previous page's next_cursor"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Page size"`
}

// After decodes the cursor into the id after which the page starts (0 for the first page).
func (q Query) After() (int64, error) {
	if q.Cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	if err == nil {
		if id, perr := strconv.ParseInt(string(raw), 10, 64); perr == nil && id > 0 {
			return id, nil
		}
	}
	return 0, BadCursor("query.cursor", q.Cursor)
}

// ErrBadCursor is the error of a cursor this API did not issue (or issued for another listing or
// sort order); errors.Is matches it whatever cursor was sent.
var ErrBadCursor = errs.New(errs.BadRequest, "bad_cursor", "翻页标记无效，请从第一页重新查询", "invalid cursor")

// BadCursor is ErrBadCursor naming the parameter (location, e.g. "query.cursor") and the value sent.
func BadCursor(location, value string) error {
	e := *ErrBadCursor
	e.Fields = []errs.FieldError{errs.Field(location, "bad_cursor", "翻页标记：不是本系统给出的翻页标记",
		"not a cursor returned by this API", value)}
	return &e
}

// Size returns the page size to use.
func (q Query) Size() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// Cursor encodes the id of a page's last item.
func Cursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(lastID, 10)))
}

// Build makes a page from rows fetched with a limit of size+1: the extra row only tells that a next
// page exists. id extracts the keyset id of an item.
func Build[T any](rows []T, size int, id func(T) int64) Of[T] {
	out := Of[T]{Items: rows}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(rows) > size {
		out.Items = rows[:size]
		out.NextCursor = Cursor(id(out.Items[size-1]))
	}
	return out
}
