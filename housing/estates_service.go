package housing

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

// CreateEstate adds an estate (housing office).
func (s *Service) CreateEstate(ctx context.Context, in EstateInput) (Estate, error) {
	in, err := housingInput(ctx, in)
	if err != nil {
		return Estate{}, err
	}
	var out Estate
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if out, err = insertEstate(ctx, tx, in); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_estate.create", EntityType: "housing_estate",
			EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, err
}

// Estate returns one estate to the inventory's readers.
func (s *Service) Estate(ctx context.Context, id int64) (Estate, error) {
	if _, err := auth.Require(ctx, inventoryReaders...); err != nil {
		return Estate{}, err
	}
	return getEstate(ctx, s.db, id, false)
}

// Estates lists the estates in the order they were added, a page at a time.
func (s *Service) Estates(ctx context.Context, q page.Query) (page.Of[Estate], error) {
	if _, err := auth.Require(ctx, inventoryReaders...); err != nil {
		return page.Of[Estate]{}, err
	}
	return listPage(q, func(after int64, limit int) ([]Estate, error) { return listEstates(ctx, s.db, after, limit) },
		func(e Estate) int64 { return e.ID })
}

// UpdateEstate renames or re-addresses an estate (housing office); ifVersion, when non-zero, must
// match the stored version.
func (s *Service) UpdateEstate(ctx context.Context, id int64, ifVersion int, in EstateInput) (Estate, error) {
	in, err := housingInput(ctx, in)
	if err != nil {
		return Estate{}, err
	}
	var out Estate
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getEstate(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if out, err = updateEstate(ctx, tx, id, in); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_estate.update", EntityType: "housing_estate",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	return out, err
}
