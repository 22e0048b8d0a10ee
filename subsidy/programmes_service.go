package subsidy

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// programmeEntity is a programme's id in the audit log.
func programmeEntity(id int64) string { return strconv.FormatInt(id, 10) }

// CreateProgramme adds an award or enterprise-subsidy programme (the office, admin).
func (s *Service) CreateProgramme(ctx context.Context, in ProgrammeInput) (Programme, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return Programme{}, err
	}
	if in, err = in.normalise(); err != nil {
		return Programme{}, err
	}
	var out Programme
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if out, err = insertProgramme(ctx, tx, in, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_programme.create", EntityType: "subsidy_programme",
			EntityID: programmeEntity(out.ID), After: out})
	})
	return out, err
}

// programmeScope returns whether the caller sees only open programmes (HR), refusing roles that
// read none.
func programmeScope(ctx context.Context) (onlyOpen bool, err error) {
	_, scope, err := programmeReaches.Scope(ctx)
	if err != nil {
		return false, err
	}
	if scope.None() {
		return false, auth.ErrForbidden
	}
	return !scope.All(), nil
}

// Programme returns one programme with its committed, paid and remaining figures; HR sees open
// programmes only.
func (s *Service) Programme(ctx context.Context, id int64) (Programme, error) {
	onlyOpen, err := programmeScope(ctx)
	if err != nil {
		return Programme{}, err
	}
	return getProgramme(ctx, s.db, id, onlyOpen, false)
}

// Programmes lists the programmes the caller sees, filtered, a page at a time.
func (s *Service) Programmes(ctx context.Context, f ProgrammeFilter, q page.Query) (page.Of[Programme], error) {
	onlyOpen, err := programmeScope(ctx)
	if err != nil {
		return page.Of[Programme]{}, err
	}
	return page.Fetch(q, func(after int64, limit int) ([]Programme, error) {
		return listProgrammes(ctx, s.db, f, onlyOpen, after, limit)
	}, func(p Programme) int64 { return p.ID })
}

// UpdateProgramme edits a programme (the office, admin); ifVersion, when non-zero, must match the
// stored version. The kind never changes, and the budget never drops below the committed total.
func (s *Service) UpdateProgramme(ctx context.Context, id int64, ifVersion int, in ProgrammeInput) (Programme, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Programme{}, err
	}
	in, err := in.normalise()
	if err != nil {
		return Programme{}, err
	}
	var out Programme
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getProgramme(ctx, tx, id, false, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if in.Kind != before.Kind {
			return ErrKindFixed
		}
		if in.BudgetFen < before.CommittedFen {
			return errBudgetBelowCommitted(before, in.BudgetFen)
		}
		if out, err = updateProgramme(ctx, tx, id, in); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_programme.update", EntityType: "subsidy_programme",
			EntityID: programmeEntity(id), Before: before, After: out})
	})
	return out, err
}

// SetProgrammeStatus closes or reopens a programme (the office, admin); a closed programme takes
// no nominations, awards or applications, but its payouts go on.
func (s *Service) SetProgrammeStatus(ctx context.Context, id int64, ifVersion int, status ProgrammeStatus) (Programme, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Programme{}, err
	}
	var out Programme
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getProgramme(ctx, tx, id, false, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if out, err = setProgrammeStatus(ctx, tx, id, status); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_programme." + map[ProgrammeStatus]string{
			ProgrammeOpen: "reopen", ProgrammeClosed: "close"}[status], EntityType: "subsidy_programme",
			EntityID: programmeEntity(id), Before: map[string]any{"status": before.Status},
			After: map[string]any{"status": out.Status}})
	})
	return out, err
}
