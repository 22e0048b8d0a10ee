package housing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/postgres"
	"talentd/talent"
)

// settingsReaders read the rules in force: the housing office, and the talent office that files
// talent-apartment applications under them.
var settingsReaders = []auth.Role{auth.RoleAdmin, auth.RoleHousingOffice, auth.RoleTalentOffice}

// maxHousehold is the largest household an application may state; the rooms table must cover it.
const maxHousehold = 20

// SettingsVersion is the settings in force with their version (their ETag): 1 while the defaults
// stand, one more for every saved change.
type SettingsVersion struct {
	Settings Settings
	Version  int
}

// lockSettings serialises changes of the settings, so that two saves never claim one version.
func lockSettings(ctx context.Context, q sqlx.ExecerContext) error {
	_, err := q.ExecContext(ctx, `LOCK TABLE housing_settings IN SHARE ROW EXCLUSIVE MODE`)
	return postgres.Translate(err, "lock housing settings")
}

func settingsVersion(ctx context.Context, q sqlx.QueryerContext) (SettingsVersion, error) {
	st, err := settingsInForce(ctx, q)
	if err != nil {
		return SettingsVersion{}, err
	}
	var saved int
	err = sqlx.GetContext(ctx, q, &saved, `SELECT count(*) FROM housing_settings`)
	return SettingsVersion{Settings: st, Version: saved + 1}, postgres.Translate(err, "housing settings")
}

// HousingSettings returns the settings in force.
func (s *Service) HousingSettings(ctx context.Context) (SettingsVersion, error) {
	if _, err := auth.Require(ctx, settingsReaders...); err != nil {
		return SettingsVersion{}, err
	}
	return settingsVersion(ctx, s.db)
}

// SaveSettings checks and saves a new version of the settings (housing office); ifVersion, when
// non-zero, must be the version in force. Rounds already committed keep the settings they were
// ranked under.
func (s *Service) SaveSettings(ctx context.Context, ifVersion int, st Settings) (SettingsVersion, error) {
	p, err := auth.Require(ctx, housingRoles...)
	if err != nil {
		return SettingsVersion{}, err
	}
	if err := st.check(); err != nil {
		return SettingsVersion{}, err
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return SettingsVersion{}, err
	}
	var out SettingsVersion
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockSettings(ctx, tx); err != nil {
			return err
		}
		before, err := settingsVersion(ctx, tx)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO housing_settings (settings, changed_by_id) VALUES ($1, $2)`,
			string(raw), p.ActorID()); err != nil {
			return postgres.Translate(err, "save housing settings")
		}
		if out, err = settingsVersion(ctx, tx); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_settings.update", EntityType: "housing_settings",
			EntityID: fmt.Sprint(out.Version), Before: before, After: out})
	})
	return out, err
}

// check states the rules a table of settings must keep, each problem by field.
func (st Settings) check() error {
	var fields []errs.FieldError
	bad := func(loc, code, zh, en string, v any) {
		fields = append(fields, errs.Field(loc, code, zh, en, v))
	}
	if len(st.EligibleGrades) == 0 {
		bad("body.eligible_grades", "required", "请至少选择一个可申请人才公寓的人才类别", "name at least one class", nil)
	}
	for i, g := range st.EligibleGrades {
		if !talent.GradeVocab.Has(string(g)) || slices.Index(st.EligibleGrades, g) != i {
			bad(fmt.Sprintf("body.eligible_grades[%d]", i), "bad_class", "人才类别只能是 A、B、C、D，每类只填一次",
				"classes A, B, C or D, each once", g)
		}
	}
	for class, pct := range st.RentDiscountPercent {
		if !talent.GradeVocab.Has(class) {
			bad("body.rent_discount_percent", "bad_class", "租金优惠只能按 A、B、C、D 类设置", "discounts are per class A–D", class)
		} else if pct < 0 || pct > 100 {
			bad("body.rent_discount_percent."+class, "bad_percent", "租金优惠比例应为 0 到 100", "a discount is 0 to 100 percent", pct)
		}
	}
	for _, class := range talent.GradeVocab.Codes() {
		if _, ok := st.RentDiscountPercent[class]; !ok {
			bad("body.rent_discount_percent", "missing_class", "请为 "+class+" 类人才填写租金优惠比例（0 到 100）",
				"state the discount of class "+class, nil)
		}
	}
	last := 0
	for i, r := range st.RoomsForHousehold {
		loc := fmt.Sprintf("body.rooms_for_household[%d]", i)
		if r.MaxHousehold <= last {
			bad(loc+".max_household", "not_sorted", "户型配置须按家庭人数从小到大排列，且人数不能重复",
				"rules go by household size, ascending, each size once", r.MaxHousehold)
		}
		if r.MinRooms > r.MaxRooms {
			bad(loc+".min_rooms", "bad_range", "最少室数不能大于最多室数", "min_rooms must not exceed max_rooms", r.MinRooms)
		}
		last = max(last, r.MaxHousehold)
	}
	if last < maxHousehold {
		bad("body.rooms_for_household", "not_covering", fmt.Sprintf("户型配置须覆盖 %d 人以内的所有家庭（最后一条的家庭人数填 %d）",
			maxHousehold, maxHousehold), fmt.Sprintf("the rules must cover households of up to %d", maxHousehold), last)
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}
