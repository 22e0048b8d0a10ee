package housing

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"slices"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
	"talentd/talent"
)

// ErrUnitImportRefused is returned (with the report) when all-or-nothing mode finds a bad row.
var ErrUnitImportRefused = errs.New(errs.Invalid, "import_refused",
	"文件中有错误，未导入任何房源；请按错误清单逐行修改后重新上传", "the file has errors; no unit was imported")

var (
	errDuplicateRow = errs.New(errs.Invalid, "duplicate_row", "文件中已有同一小区、楼栋和房号的房源",
		"the file lists a unit of this estate, building and number already")
	errImportHeld = errs.New(errs.Conflict, "unit_held", "该房源已有待确认的配租或在租合同，不能更改类型",
		"the unit is held by a live offer or lease; its kind cannot change")
)

// ImportUnits reads a CSV (UTF-8 or GBK) or XLSX upload of units (housing office). A row names
// its estate, which is created when new; a unit that exists (the same estate, building and number)
// is updated, unless a live offer or lease holds it and the row changes its kind. Every row is
// checked; the report lists each problem by row and column in the reader's language. All or
// nothing by default (ErrUnitImportRefused with the report); with partial the good rows are
// imported.
func (s *Service) ImportUnits(ctx context.Context, data []byte, partial bool) (UnitImportResult, error) {
	if _, err := auth.Require(ctx, housingRoles...); err != nil {
		return UnitImportResult{}, err
	}
	rep := &unitReport{UnitImportResult: UnitImportResult{Errors: []talent.ImportError{}}, badRows: map[int]bool{},
		lang: reqctx.Lang(ctx)}
	rd, err := tabular.Open(data)
	if err != nil {
		if errors.Is(err, tabular.ErrInvalidFile) {
			rep.add(0, "", "", talent.FileProblem(err))
			return rep.refused(), ErrUnitImportRefused
		}
		return UnitImportResult{}, err
	}
	defer rd.Close()
	rep.Format, rep.Encoding = rd.Format(), rd.Encoding()
	cols, problems := mapUnitHeader(rd.Header())
	for _, p := range problems {
		rep.add(1, "", "", p)
	}
	if len(problems) > 0 {
		return rep.refused(), ErrUnitImportRefused
	}
	rows, err := readUnitRows(rd, cols, rep)
	if err != nil {
		return UnitImportResult{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := mergeUnits(ctx, tx, rows, rep); err != nil {
			return err
		}
		if rep.ErrorRows > 0 && !partial {
			return ErrUnitImportRefused
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_unit.import", EntityType: "housing_unit", EntityID: "import",
			After: map[string]int{"created": rep.Created, "updated": rep.Updated, "unchanged": rep.Unchanged,
				"estates_created": rep.EstatesCreated, "error_rows": rep.ErrorRows}})
	})
	slices.SortStableFunc(rep.Errors, func(a, b talent.ImportError) int { return a.Row - b.Row })
	if errors.Is(err, ErrUnitImportRefused) {
		return rep.refused(), err
	}
	if err != nil {
		return UnitImportResult{}, err
	}
	return rep.UnitImportResult, nil
}

// readUnitRows parses every data row, reporting bad ones and rows that repeat a unit of the file.
func readUnitRows(rd *tabular.Reader, cols map[string]int, rep *unitReport) ([]importedUnit, error) {
	type unitKey struct{ estate, building, number string }
	seen := map[unitKey]bool{}
	var rows []importedUnit
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var rowErr *tabular.RowError
		if errors.As(err, &rowErr) {
			rep.add(row.Line, "", "", talent.FileProblem(err))
			continue
		}
		if err == nil && isUnitTemplateExample(row.Cells) {
			continue
		}
		if err != nil {
			if errors.Is(err, tabular.ErrInvalidFile) {
				rep.add(row.Line, "", "", talent.FileProblem(err))
				return rows, nil
			}
			return nil, err
		}
		u, problems := parseUnitRow(cols, rd.Header(), row.Cells, row.Line)
		for _, p := range problems {
			rep.add(row.Line, p.column, p.value, p.err)
		}
		if len(problems) > 0 {
			continue
		}
		k := unitKey{u.estate, u.in.Building, u.in.Number}
		if seen[k] {
			rep.add(row.Line, rd.Header()[cols["number"]], u.in.Number, errDuplicateRow)
			continue
		}
		seen[k] = true
		rows = append(rows, u)
	}
}

// mergeUnits writes the good rows: new estates, new units, changed units.
func mergeUnits(ctx context.Context, tx *sqlx.Tx, rows []importedUnit, rep *unitReport) error {
	estates := map[string]int64{}
	for _, u := range rows {
		id, ok := estates[u.estate]
		if !ok {
			var created bool
			var err error
			if id, created, err = estateByName(ctx, tx, EstateInput{Name: u.estate, Address: u.address}); err != nil {
				return err
			}
			if created {
				rep.EstatesCreated++
			}
			estates[u.estate] = id
		}
		u.in.EstateID = id
		in, err := u.in.normalise()
		if err != nil {
			return err // parseUnitRow checked every rule normalise does
		}
		before, err := unitByNumber(ctx, tx, id, in.Building, in.Number)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := insertUnit(ctx, tx, in); err != nil {
				return err
			}
			rep.Created++
			continue
		case err != nil:
			return err
		}
		if before.sameAs(in) {
			rep.Unchanged++
			continue
		}
		if before.Kind != in.Kind {
			held, err := unitHeld(ctx, tx, before.ID)
			if err != nil {
				return err
			}
			if held {
				rep.add(u.line, "", string(in.Kind), errImportHeld)
				continue
			}
		}
		if err := updateUnit(ctx, tx, before.ID, in); err != nil {
			return err
		}
		rep.Updated++
	}
	return nil
}

// sameAs reports whether the unit already is as in describes it.
func (u Unit) sameAs(in UnitInput) bool {
	return u.EstateID == in.EstateID && u.Building == in.Building && u.Number == in.Number && u.Floor == in.Floor &&
		u.Rooms == in.Rooms && u.AreaM2 == in.AreaM2 && u.Kind == in.Kind && u.MonthlyRentFen == in.MonthlyRentFen
}
