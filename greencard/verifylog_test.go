package greencard

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"talentd/internal/pgtest"
)

// TestVerifyLog_OneBadLineCostsOnlyItself: a line the database refuses (here a window name with a
// NUL, which PostgreSQL text cannot hold) must not take the other windows' scans of its batch
// with it.
func TestVerifyLog_OneBadLineCostsOnlyItself(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	l := newVerifyLog(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer l.close()
	now := time.Now()
	for i := 0; i < 9; i++ {
		window := "窗口" + string(rune('1'+i))
		if i == 4 {
			window = "bad\x00window"
		}
		l.add(verificationEntry{at: now, window: window, valid: false, reason: "malformed", method: MethodQR})
	}
	l.flush()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM card_verifications`); err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Errorf("stored %d lines, want the 8 good ones", n)
	}
}
