package pgtest

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"
)

// checkedList finds "col = ANY (ARRAY['a'::text, 'b'::text])", which is how PostgreSQL prints a
// CHECK (col IN ('a', 'b')) back.
var checkedList = regexp.MustCompile(`\(?(\w+)\)? = ANY \(\(?ARRAY\[([^\]]*)\]`)
var quoted = regexp.MustCompile(`'((?:[^']|'')*)'`)

// CheckedValues returns the values a CHECK constraint of table allows in column (sorted), as the
// database enforces them, so a test can hold them against the enumeration the code states. It
// fails the test when no such constraint exists.
func CheckedValues(t testing.TB, db *sqlx.DB, table, column string) []string {
	t.Helper()
	var defs []string
	err := db.SelectContext(context.Background(), &defs,
		`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST($1 AS regclass) AND contype = 'c'`, table)
	if err != nil {
		t.Fatalf("constraints of %s: %v", table, err)
	}
	for _, d := range defs {
		for _, m := range checkedList.FindAllStringSubmatch(d, -1) {
			if m[1] != column {
				continue
			}
			var vals []string
			for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
				vals = append(vals, q[1])
			}
			slices.Sort(vals)
			return vals
		}
	}
	t.Fatalf("no CHECK (%s IN (…)) on %s among %q", column, table, defs)
	return nil
}
