package housing

import (
	"context"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// CreateUnit adds an available unit to an estate (housing office).
func (s *Service) CreateUnit(ctx context.Context, in UnitInput) (Unit, error) {
	in, err := housingInput(ctx, in)
	if err != nil {
		return Unit{}, err
	}
	var out Unit
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := getEstate(ctx, tx, in.EstateID, false); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return errUnknownEstate(in.EstateID)
			}
			return err
		}
		id, err := insertUnit(ctx, tx, in)
		if err != nil {
			return err
		}
		if out, err = getUnit(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_unit.create", EntityType: "housing_unit",
			EntityID: strconv.FormatInt(id, 10), After: out})
	})
	return out, err
}

// Unit returns one unit to the inventory's readers.
func (s *Service) Unit(ctx context.Context, id int64) (Unit, error) {
	if _, err := auth.Require(ctx, inventoryReaders...); err != nil {
		return Unit{}, err
	}
	return getUnit(ctx, s.db, id, false)
}

// Units lists the units matching the filter in the order they were added, a page at a time.
func (s *Service) Units(ctx context.Context, f UnitFilter, q page.Query) (page.Of[Unit], error) {
	if _, err := auth.Require(ctx, inventoryReaders...); err != nil {
		return page.Of[Unit]{}, err
	}
	if f.MaxArea > 0 && f.MinArea > f.MaxArea {
		return page.Of[Unit]{}, errs.Fields(errs.Field("query.min_area", "bad_range", "最小面积不能大于最大面积",
			"min_area must not exceed max_area", f.MinArea))
	}
	return listPage(q, func(after int64, limit int) ([]Unit, error) { return listUnits(ctx, s.db, f, after, limit) },
		func(u Unit) int64 { return u.ID })
}

// UpdateUnit replaces a unit's description (housing office); ifVersion, when non-zero, must match.
// A unit held by a live offer or lease keeps its kind (ErrUnitHeld): the household was matched to it.
func (s *Service) UpdateUnit(ctx context.Context, id int64, ifVersion int, in UnitInput) (Unit, error) {
	in, err := housingInput(ctx, in)
	if err != nil {
		return Unit{}, err
	}
	var out Unit
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getUnit(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if in.EstateID != before.EstateID {
			if _, err := getEstate(ctx, tx, in.EstateID, false); err != nil {
				if errs.KindOf(err) == errs.NotFound {
					return errUnknownEstate(in.EstateID)
				}
				return err
			}
		}
		if in.Kind != before.Kind {
			if err := refuseHeld(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := updateUnit(ctx, tx, id, in); err != nil {
			return err
		}
		if out, err = getUnit(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_unit.update", EntityType: "housing_unit",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	return out, err
}

// refuseHeld returns ErrUnitHeld when a live offer or lease holds the unit.
func refuseHeld(ctx context.Context, q sqlx.QueryerContext, id int64) error {
	held, err := unitHeld(ctx, q, id)
	if err != nil {
		return err
	}
	if held {
		return ErrUnitHeld
	}
	return nil
}

// errUnitNotAvailable refuses a maintenance change of a unit that is offered or occupied.
var errUnitNotAvailable = errs.New(errs.Conflict, "unit_not_available", "该房源已配租或已入住，不能更改维修状态",
	"the unit is offered or occupied; its maintenance status cannot change")

// SetUnitStatus puts a unit into maintenance or brings it back available (housing office), with a
// reason kept in the audit log. A held unit cannot go into maintenance (ErrUnitHeld).
func (s *Service) SetUnitStatus(ctx context.Context, id int64, status UnitStatusChange, reason string) (Unit, error) {
	if _, err := auth.Require(ctx, housingRoles...); err != nil {
		return Unit{}, err
	}
	reason = strings.TrimSpace(reason)
	var fields []errs.FieldError
	if !unitStatusChangeVocab.Has(string(status)) {
		fields = append(fields, errs.Field("body.status", "bad_status", "只能设为“可分配”或“维修中”",
			"the status is available or maintenance", status))
	}
	if reason == "" {
		fields = append(fields, errs.Field("body.reason", "required", "请填写原因", "a reason is required", nil))
	}
	if len(fields) > 0 {
		return Unit{}, errs.Fields(fields...)
	}
	var out Unit
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getUnit(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := refuseHeld(ctx, tx, id); err != nil {
			return err
		}
		if before.Status != UnitAvailable && before.Status != UnitMaintenance {
			return errUnitNotAvailable
		}
		if before.Status == UnitStatus(status) {
			out = before
			return nil // already so: nothing to record
		}
		if err := setUnitStatus(ctx, tx, id, UnitStatus(status)); err != nil {
			return err
		}
		if out, err = getUnit(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_unit.status", EntityType: "housing_unit",
			EntityID: strconv.FormatInt(id, 10), Before: before,
			After: map[string]any{"unit": out, "reason": reason}})
	})
	return out, err
}
