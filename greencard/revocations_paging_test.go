package greencard

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
	"talentd/talent"
)

// offlineClient is a window client that polls the revocation list with the cursor it was given
// and remembers what it learnt.
type offlineClient struct {
	cursor string
	listed map[string]int    // "serial/version/reason" → times listed
	state  map[string]string // "serial/version" → the last reason listed
}

func newOfflineClient() *offlineClient {
	return &offlineClient{listed: map[string]int{}, state: map[string]string{}}
}

// poll fetches pages of the given size until the list has no more.
func (c *offlineClient) poll(t *testing.T, f *fixture, limit int) {
	t.Helper()
	for range 100 {
		page, err := f.cards.Revocations(f.ctx, RevocationQuery{Cursor: c.cursor, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if page.NextCursor == "" {
			t.Fatal("a page without next_cursor")
		}
		c.cursor = page.NextCursor
		for _, r := range page.Items {
			sv := r.Serial + "/" + strconv.Itoa(r.Version)
			c.listed[sv+"/"+string(r.Reason)]++
			c.state[sv] = string(r.Reason)
		}
		if !page.More {
			return
		}
	}
	t.Fatal("the list never ends")
}

// TestRevocations_PagingOneInstant: 25 cards superseded in one transaction share one timestamp;
// paging with a limit of 10 must still return each of them exactly once.
func TestRevocations_PagingOneInstant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var ids []int64
	for range 25 {
		ids = append(ids, f.register(t, talent.GradeD).ID)
	}
	// One transaction reissues every card, as a policy publication does.
	if err := postgres.InTx(f.ctx, f.db, func(tx *sqlx.Tx) error {
		for _, id := range ids {
			if _, err := f.cards.issueOrReissue(f.ctx, tx, id, "C", "policy"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := newOfflineClient()
	c.poll(t, f, 10)
	superseded := 0
	for k, n := range c.listed {
		if n != 1 {
			t.Errorf("%s listed %d times", k, n)
		}
		superseded++
	}
	if superseded != 25 {
		t.Errorf("paging returned %d superseded versions, want 25", superseded)
	}
	// Polling again finds nothing new and keeps the place.
	before := c.cursor
	c.poll(t, f, 10)
	if c.cursor != before || len(c.listed) != 25 {
		t.Errorf("a poll with nothing new moved the cursor or listed more: %d", len(c.listed))
	}

	// A first call with since starts after that time; a changes list from the beginning holds all.
	page, err := f.cards.Revocations(f.ctx, RevocationQuery{Since: time.Now().Add(-time.Hour), Limit: 100})
	if err != nil || len(page.Items) != 25 || page.More {
		t.Errorf("since an hour ago: %d items, more %v, %v", len(page.Items), page.More, err)
	}
	page, err = f.cards.Revocations(f.ctx, RevocationQuery{Since: time.Now().Add(time.Hour), Limit: 100})
	if err != nil || len(page.Items) != 0 || page.NextCursor == "" {
		t.Errorf("since an hour ahead: %d items, cursor %q, %v", len(page.Items), page.NextCursor, err)
	}
	for _, bad := range []string{"x", "eyJ0IjoxfQ", "bnVsbA"} { // garbage, {"t":1}, null
		if _, err := f.cards.Revocations(f.ctx, RevocationQuery{Cursor: bad}); !errors.Is(err, ErrBadRevocationCursor) {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}

// TestRevocations_InFlightTransaction: a change made by a transaction that began earlier but
// commits after a later change was listed must still reach a client that pages on.
func TestRevocations_InFlightTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.card(t, f.register(t, talent.GradeD).ID)
	b := f.card(t, f.register(t, talent.GradeD).ID)
	c := newOfflineClient()
	c.poll(t, f, 10)

	// A departure's transaction revokes card a and is still open...
	tx, err := f.db.BeginTxx(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := f.cards.revokeLive(f.ctx, tx, a.TalentID, "left"); err != nil {
		t.Fatal(err)
	}
	// ...while the office suspends card b, and the client polls.
	if _, err := f.cards.SetStatus(f.ctx, b.Serial, CardSuspended, "挂失"); err != nil {
		t.Fatal(err)
	}
	c.poll(t, f, 10)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	c.poll(t, f, 10)
	if c.state[a.Serial+"/1"] != CardRevoked || c.state[b.Serial+"/1"] != CardSuspended {
		t.Errorf("the client learnt %v; want %s revoked and %s suspended", c.state, a.Serial, b.Serial)
	}
}

// TestRevocations_ReissueOfASuspendedCard: the new version of a suspended card is suspended too,
// and an offline client must learn it (it only knew the old version was suspended).
func TestRevocations_ReissueOfASuspendedCard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tl := f.register(t, talent.GradeD)
	card := f.card(t, tl.ID)
	if _, err := f.cards.SetStatus(f.ctx, card.Serial, CardSuspended, "挂失"); err != nil {
		t.Fatal(err)
	}
	c := newOfflineClient()
	c.poll(t, f, 10)
	if _, err := f.cards.Reissue(f.ctx, tl.ID, "renewal"); err != nil {
		t.Fatal(err)
	}
	c.poll(t, f, 10)
	now := f.card(t, tl.ID)
	if now.Status != CardSuspended || now.CurrentVersion != 2 {
		t.Fatalf("reissued card: %+v", now)
	}
	refused := func(sv string) bool { r, ok := c.state[sv]; return ok && r != CardActive }
	if !refused(card.Serial+"/1") || !refused(card.Serial+"/2") {
		t.Errorf("an offline client knows %v; want both versions of %s refused", c.state, card.Serial)
	}
	if v := f.verdict(t, now.Token); v.Valid || v.Reason != ReasonSuspended {
		t.Errorf("online verdict of the reissued suspended card: %v %s", v.Valid, v.Reason)
	}
}
