package talent_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// TestService_Subscribe: every subscriber hears a change, in the order they subscribed, inside
// the change's transaction; an error from the second undoes the change and what the first wrote.
func TestService_Subscribe(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := talent.NewService(db, testRing(t))
	ctx := auth.WithPrincipal(context.Background(), office)
	var calls []string
	failSecond := true
	s.Subscribe(talent.Hooks{
		GradeChanged: func(ctx context.Context, tx sqlx.ExtContext, id int64, old, new talent.Grade) error {
			calls = append(calls, "first "+string(new))
			_, err := tx.ExecContext(ctx, `UPDATE talents SET notes = 'written by the first subscriber' WHERE id = $1`, id)
			return err
		},
		Left: func(context.Context, sqlx.ExtContext, int64) error {
			calls = append(calls, "first left")
			return nil
		},
	})
	s.Subscribe(talent.Hooks{GradeChanged: func(_ context.Context, _ sqlx.ExtContext, _ int64, _, new talent.Grade) error {
		calls = append(calls, "second "+string(new))
		if failSecond {
			return errors.New("the second subscriber refuses")
		}
		return nil
	}})

	tl, err := s.CreateTalent(ctx, talent.NewGenerator(7).Talent(talent.GradeC, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, tl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, tl.ID); err == nil {
		t.Fatal("the approval went through although a subscriber failed")
	}
	if !slices.Equal(calls, []string{"first C", "second C"}) {
		t.Errorf("calls %v, want both subscribers in order", calls)
	}
	var after struct {
		Status    string `db:"status"`
		Notes     string `db:"notes"`
		Decisions int    `db:"decisions"`
	}
	if err := db.Get(&after, `SELECT status, notes, (SELECT count(*) FROM grade_decisions WHERE talent_id = t.id) AS decisions
		FROM talents t WHERE id = $1`, tl.ID); err != nil {
		t.Fatal(err)
	}
	if after.Status != "submitted" || after.Notes == "written by the first subscriber" || after.Decisions != 0 {
		t.Errorf("the failed approval left %+v", after)
	}

	calls, failSecond = nil, false
	if reg, err := s.Approve(ctx, tl.ID); err != nil || reg.Status != talent.StatusRegistered {
		t.Fatalf("approve: %v", err)
	}
	if _, err := s.Leave(ctx, tl.ID, "调离"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []string{"first C", "second C", "first left"}) {
		t.Errorf("calls %v", calls)
	}
}
