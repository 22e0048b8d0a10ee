package subsidy

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/talent"
)

// awardProgramme reads a programme that takes nominations and awards, locked for update: an award
// programme, open.
func awardProgramme(ctx context.Context, tx *sqlx.Tx, id int64, onlyOpen bool) (Programme, error) {
	p, err := getProgramme(ctx, tx, id, onlyOpen, true)
	if err != nil {
		return p, err
	}
	if p.Kind != KindAward {
		return p, ErrNotAwardProgramme
	}
	if p.Status != ProgrammeOpen {
		return p, ErrProgrammeClosed
	}
	return p, nil
}

// Nominate puts a registered talent forward for an award programme: HR for its own enterprise's
// talent (another's is not found), the office for anyone.
func (s *Service) Nominate(ctx context.Context, programmeID int64, in NominationInput) (Nomination, error) {
	p, scope, err := beneficiaryReaches.Scope(ctx)
	if err != nil {
		return Nomination{}, err
	}
	if scope.None() || !p.Is(nominatorRoles...) {
		return Nomination{}, auth.ErrForbidden
	}
	if in, err = in.normalise(); err != nil {
		return Nomination{}, err
	}
	var out Nomination
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		t, err := lockTalent(ctx, tx, in.TalentID)
		if err != nil {
			return err
		}
		if !scope.SeesEnterprise(t.EnterpriseID) {
			return talent.ErrTalentNotFound
		}
		if t.Status != string(talent.StatusRegistered) {
			return ErrTalentNotRegistered
		}
		if _, err := awardProgramme(ctx, tx, programmeID, !scope.All()); err != nil {
			return err
		}
		if out, err = insertNomination(ctx, tx, programmeID, t, in.Reason, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_nomination.create", EntityType: "subsidy_nomination",
			EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, err
}

// Nominations lists a programme's nominations the caller sees, a page at a time.
func (s *Service) Nominations(ctx context.Context, programmeID int64, q page.Query) (page.Of[Nomination], error) {
	scope, err := s.visibleProgramme(ctx, programmeID)
	if err != nil {
		return page.Of[Nomination]{}, err
	}
	return page.Fetch(q, func(after int64, limit int) ([]Nomination, error) {
		return listNominations(ctx, s.db, programmeID, scope.All(), scope.EnterpriseID(), after, limit)
	}, func(n Nomination) int64 { return n.ID })
}

// visibleProgramme checks that the caller may read the programme's beneficiaries and sees the
// programme (HR: an open one), and returns the caller's scope.
func (s *Service) visibleProgramme(ctx context.Context, programmeID int64) (auth.Scope, error) {
	_, scope, err := beneficiaryReaches.Scope(ctx)
	if err != nil {
		return scope, err
	}
	if scope.None() {
		return scope, auth.ErrForbidden
	}
	_, err = getProgramme(ctx, s.db, programmeID, !scope.All(), false)
	return scope, err
}

// Award selects a winner of an award programme (the office, admin) from its nominees: the talent
// must hold a standing nomination of the programme (not_nominated otherwise), which the award marks
// awarded. It reserves the amount of the programme's budget and schedules one pending payout per
// instalment, in one transaction.
func (s *Service) Award(ctx context.Context, programmeID int64, in AwardInput) (Award, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return Award{}, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// The talent first, then the programme: the registry's departure locks the talent and never
		// the programme, so the two cannot wait on each other.
		t, err := lockTalent(ctx, tx, in.TalentID)
		if err != nil {
			return err
		}
		prog, err := awardProgramme(ctx, tx, programmeID, false)
		if err != nil {
			return err
		}
		if err := in.check(prog.Year); err != nil {
			return err
		}
		if t.Status != string(talent.StatusRegistered) {
			return ErrTalentNotRegistered
		}
		nomination, err := standingNomination(ctx, tx, programmeID, t.ID)
		if err != nil {
			return err
		}
		if _, err := reserve(ctx, tx, programmeID, in.AmountFen); err != nil {
			return err
		}
		if err := markNominationAwarded(ctx, tx, nomination); err != nil {
			return err
		}
		if id, err = insertAward(ctx, tx, programmeID, t, nomination, in.AmountFen, p.ActorID()); err != nil {
			return err
		}
		payouts := make([]int64, len(in.Instalments))
		for i, inst := range in.Instalments {
			if payouts[i], err = insertInstalmentPayout(ctx, tx, programmeID, id, t, i+1, inst.DueOn, inst.AmountFen,
				p.ActorID()); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_award.create", EntityType: "subsidy_award",
			EntityID: strconv.FormatInt(id, 10), After: map[string]any{"programme_id": programmeID, "talent_id": t.ID,
				"amount_fen": in.AmountFen, "instalments": in.Instalments, "payout_ids": payouts, "nomination_id": nomination}})
	})
	if err != nil {
		return Award{}, err
	}
	return getAward(ctx, s.db, id)
}

// Awards lists a programme's awards the caller sees, each with its instalments, a page at a time.
func (s *Service) Awards(ctx context.Context, programmeID int64, q page.Query) (page.Of[Award], error) {
	scope, err := s.visibleProgramme(ctx, programmeID)
	if err != nil {
		return page.Of[Award]{}, err
	}
	return page.Fetch(q, func(after int64, limit int) ([]Award, error) {
		return listAwards(ctx, s.db, programmeID, scope.All(), scope.EnterpriseID(), after, limit)
	}, func(a Award) int64 { return a.ID })
}
