package greencard

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/talent"
)

// pauseLeave starts the talent's departure and holds it inside its transaction, right after the
// card hook revoked the card (the talent row and the card are locked, nothing is committed yet).
// release lets it commit and returns the departure's error.
func (f *fixture) pauseLeave(t *testing.T, talentID int64) (release func() error) {
	t.Helper()
	h := f.cards.Hooks()
	left := h.Left
	reached, proceed := make(chan struct{}), make(chan struct{})
	h.Left = func(ctx context.Context, tx sqlx.ExtContext, id int64) error {
		err := left(ctx, tx, id)
		close(reached)
		<-proceed
		return err
	}
	f.reg.SetHooks(h)
	done := make(chan error, 1)
	go func() {
		_, err := f.reg.Leave(f.ctx, talentID, "调离")
		done <- err
	}()
	select {
	case <-reached:
	case err := <-done:
		t.Fatalf("the departure ended before its hook: %v", err)
	}
	return func() error {
		close(proceed)
		err := <-done
		f.reg.SetHooks(f.cards.Hooks())
		return err
	}
}

// blockedOrDone waits until the operation finished or some session of the test database waits for
// a row lock, whichever comes first; it reports the operation's error if it finished.
func (f *fixture) blockedOrDone(t *testing.T, done <-chan error) (err error, finished bool) {
	t.Helper()
	for {
		select {
		case err := <-done:
			return err, true
		default:
		}
		var waiting int
		if err := f.db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return nil, false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// liveCardsOfLeavers counts the invariant's violations: live cards of talents who left.
func (f *fixture) liveCardsOfLeavers(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM cards c JOIN talents t ON t.id = c.talent_id
		WHERE c.status <> 'revoked' AND t.status = 'left'`); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCards_ReissueDuringDeparture: a reissue that starts while a departure is being committed
// must wait for it and then refuse, never leave an active card for a talent who left.
func TestCards_ReissueDuringDeparture(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tl := f.register(t, talent.GradeD)
	release := f.pauseLeave(t, tl.ID)
	done := make(chan error, 1)
	go func() {
		_, err := f.cards.Reissue(f.ctx, tl.ID, "遗失补办")
		done <- err
	}()
	err, finished := f.blockedOrDone(t, done)
	if leaveErr := release(); leaveErr != nil {
		t.Fatalf("leave: %v", leaveErr)
	}
	if !finished {
		err = <-done
	}
	if !errors.Is(err, ErrNotRegistered) {
		t.Errorf("reissue for a talent who left meanwhile: %v, want %v", err, ErrNotRegistered)
	}
	if n := f.liveCardsOfLeavers(t); n != 0 {
		t.Errorf("%d live cards of talents who left", n)
	}
}

// TestRequests_FiledDuringDeparture: an agent request filed while the holder's departure is being
// committed must wait for it and then be refused.
func TestRequests_FiledDuringDeparture(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.db.Exec(`INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ('commissioner-1', '专员', 'commissioner', 'unused')`); err != nil {
		t.Fatal(err)
	}
	tl := f.register(t, talent.GradeD)
	release := f.pauseLeave(t, tl.ID)
	done := make(chan error, 1)
	go func() {
		_, err := f.cards.FileRequest(f.ctx, tl.ID, "agent_services", "代办社保转移", nil)
		done <- err
	}()
	err, finished := f.blockedOrDone(t, done)
	if leaveErr := release(); leaveErr != nil {
		t.Fatalf("leave: %v", leaveErr)
	}
	if !finished {
		err = <-done
	}
	if !errors.Is(err, ErrHolderNotEnrolled) {
		t.Errorf("request for a holder who left meanwhile: %v, want %v", err, ErrHolderNotEnrolled)
	}
	var open int
	if err := f.db.Get(&open, `SELECT count(*) FROM agent_requests r JOIN talents t ON t.id = r.talent_id
		WHERE t.status = 'left' AND r.status IN ('submitted', 'accepted', 'in_progress')`); err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d open requests of holders who left", open)
	}
}

// TestCards_LeaveAndReissueStress: many departures and reissues at once; afterwards no talent
// who left holds a live card, and each reissue either succeeded or was refused as not registered.
func TestCards_LeaveAndReissueStress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var ids []int64
	for range 12 {
		ids = append(ids, f.register(t, talent.GradeD).ID)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 2*len(ids))
	for _, id := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := f.reg.Leave(f.ctx, id, "调离"); err != nil {
				errc <- err
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := f.cards.Reissue(f.ctx, id, "遗失补办"); err != nil && !errors.Is(err, ErrNotRegistered) {
				errc <- err
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("unexpected error: %v", err)
	}
	if n := f.liveCardsOfLeavers(t); n != 0 {
		t.Errorf("%d live cards of talents who left", n)
	}
}
