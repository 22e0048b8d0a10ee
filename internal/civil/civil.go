// Package civil is a calendar date without a time of day or zone — a birth date, an arrival date —
// as JSON "2006-01-02", as PostgreSQL `date`, and as an OpenAPI string of format date.
package civil

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// Layout is the ISO 8601 calendar date layout used on the wire.
const Layout = "2006-01-02"

// Date is a calendar date; the zero value is "no date".
type Date struct {
	t time.Time // midnight UTC
}

// Of returns the date of t in t's own location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return New(y, m, d)
}

// New returns the date y-m-d (normalised like time.Date).
func New(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// Parse reads a "2006-01-02" date from year 0001 on: PostgreSQL has no year 0, so "0000-…"
// would otherwise get as far as the database and fail there.
func Parse(s string) (Date, error) {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date of the form YYYY-MM-DD: %q", s)
	}
	if t.Year() < 1 {
		return Date{}, fmt.Errorf("not a date from year 0001 on: %q", s)
	}
	return Date{t}, nil
}

// Today is the current date in loc.
func Today(loc *time.Location) Date { return Of(time.Now().In(loc)) }

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time is midnight UTC of d.
func (d Date) Time() time.Time { return d.t }

// String formats d as YYYY-MM-DD ("" for the zero date).
func (d Date) String() string {
	if d.t.IsZero() {
		return ""
	}
	return d.t.Format(Layout)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddYears returns the same month and day n years later. A day that does not exist in the target
// year (29 February in a common year) becomes the last day of its month, 28 February: a validity
// of N years never reaches into March.
func (d Date) AddYears(n int) Date {
	y, m, day := d.t.Date()
	out := New(y+n, m, day)
	if out.t.Month() != m {
		out = New(y+n, m+1, 0) // day 0 of the next month is the last day of m
	}
	return out
}

// YearsUntil is the age in whole years of someone born on d, on the date on.
func (d Date) YearsUntil(on Date) int {
	years := on.t.Year() - d.t.Year()
	if on.t.Month() < d.t.Month() || (on.t.Month() == d.t.Month() && on.t.Day() < d.t.Day()) {
		years--
	}
	return years
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// UnmarshalText reads "YYYY-MM-DD"; it is how a Date binds as a query parameter.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Scan reads a PostgreSQL date.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Of(v)
	case string:
		p, err := Parse(v)
		if err != nil {
			return err
		}
		*d = p
	case []byte:
		return d.Scan(string(v))
	default:
		return fmt.Errorf("civil: cannot scan %T into a date", src)
	}
	return nil
}

// Value writes d as a date string, or NULL for the zero date.
func (d Date) Value() (driver.Value, error) {
	if d.t.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Schema describes Date in the OpenAPI document.
func (Date) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Format: "date", Examples: []any{"1990-05-17"}}
}
