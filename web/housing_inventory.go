package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"talentd/housing"
	"talentd/internal/page"
	"talentd/talent"
)

type housingEstatesData struct {
	housingView
	Estates []housing.Estate
	// Estate is the estate whose units are shown; nil when there is none.
	Estate    *housing.Estate
	Units     []housing.Unit
	MoreUnits bool
	// Name and Address are the new-estate form's values shown again after a refusal.
	Name, Address string
	Import        *housing.UnitImportResult
	// Failed is the unit a refused status change concerns, so that its messages show in its row.
	Failed int64
}

// housingUnitsShown bounds the units listed at once.
const housingUnitsShown = 500

// housingEstates lists the estates and the units of the chosen one (?estate=, else the first).
func (s *Site) housingEstates(w http.ResponseWriter, r *http.Request) {
	s.renderEstates(w, r, http.StatusOK, housingEstatesData{housingView: newHousingView("/housing/estates")})
}

func (s *Site) renderEstates(w http.ResponseWriter, r *http.Request, status int, d housingEstatesData) {
	ctx := r.Context()
	q := r.URL.Query()
	list, err := s.o.Housing.Estates(ctx, page.Query{Limit: housingListSize, Cursor: q.Get("cursor")})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Estates, d.NextURL = list.Items, nextPage(r, list.NextCursor)
	want, _ := strconv.ParseInt(q.Get("estate"), 10, 64)
	if d.Estate != nil {
		want = d.Estate.ID
	}
	d.Estate = nil
	for i := range d.Estates {
		if d.Estates[i].ID == want || (want == 0 && i == 0) {
			d.Estate = &d.Estates[i]
		}
	}
	if d.Estate == nil && want != 0 {
		if e, err := s.o.Housing.Estate(ctx, want); err == nil {
			d.Estate = &e
		}
	}
	if d.Estate != nil {
		units, err := s.o.Housing.Units(ctx, housing.UnitFilter{EstateID: d.Estate.ID, Rooms: -1}, page.Query{Limit: housingUnitsShown})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Units, d.MoreUnits = units.Items, units.NextCursor != ""
	}
	s.render(w, r, status, "housing_estates", "小区与房源", d)
}

func (s *Site) estatesRefused(w http.ResponseWriter, r *http.Request, d housingEstatesData, err error) {
	s.showRefusal(w, r, &d.housingView, err, func(status int) { s.renderEstates(w, r, status, d) })
}

// housingEstateCreate adds an estate from the form's name and address.
func (s *Site) housingEstateCreate(w http.ResponseWriter, r *http.Request) {
	d := housingEstatesData{housingView: newHousingView("/housing/estates")}
	if err := housingForm(w, r); err != nil {
		s.estatesRefused(w, r, d, err)
		return
	}
	d.Name, d.Address = r.PostForm.Get("name"), r.PostForm.Get("address")
	e, err := s.o.Housing.CreateEstate(r.Context(), housing.EstateInput{Name: d.Name, Address: d.Address})
	if err != nil {
		s.estatesRefused(w, r, d, err)
		return
	}
	d.Name, d.Address, d.Estate = "", "", &e
	d.done("已添加小区："+e.Name, "Estate added: "+e.Name)
	s.renderEstates(w, r, http.StatusOK, d)
}

// housingUnitStatus takes a unit into or out of maintenance, with the form's reason.
func (s *Site) housingUnitStatus(w http.ResponseWriter, r *http.Request) {
	d := housingEstatesData{housingView: newHousingView("/housing/estates")}
	if err := housingForm(w, r); err != nil {
		s.estatesRefused(w, r, d, err)
		return
	}
	id := pathNumber(r)
	d.Failed = id
	if u, err := s.o.Housing.Unit(r.Context(), id); err == nil {
		d.Estate = &housing.Estate{ID: u.EstateID}
	}
	u, err := s.o.Housing.SetUnitStatus(r.Context(), id, housing.UnitStatusChange(r.PostForm.Get("status")), r.PostForm.Get("reason"))
	if err != nil {
		s.estatesRefused(w, r, d, err)
		return
	}
	d.Failed = 0
	d.done("房源 "+u.Building+"-"+u.Number+" 已设为"+housing.UnitStatusVocab.Label(string(u.Status), "zh"),
		"Unit "+u.Building+"-"+u.Number+" is now "+housing.UnitStatusVocab.Label(string(u.Status), "en"))
	s.renderEstates(w, r, http.StatusOK, d)
}

// housingUnitImport imports the uploaded CSV or XLSX file of units; the report, with its rows'
// problems as a table, is shown on the estates page.
func (s *Site) housingUnitImport(w http.ResponseWriter, r *http.Request) {
	d := housingEstatesData{housingView: newHousingView("/housing/estates")}
	r.Body = http.MaxBytesReader(w, r.Body, talent.MaxImportBytes+64<<10)
	f, _, err := r.FormFile("file")
	if err != nil {
		d.Fields["file"] = &fieldMsg{Zh: "请选择要导入的房源文件（CSV 或 Excel）", En: "Choose the unit file to import (CSV or Excel)"}
		s.estatesRefused(w, r, d, errFormUnreadable)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		s.estatesRefused(w, r, d, errFormUnreadable)
		return
	}
	res, err := s.o.Housing.ImportUnits(r.Context(), data, r.PostFormValue("partial") == "1")
	status := http.StatusOK
	switch {
	case errors.Is(err, housing.ErrUnitImportRefused):
		status, _ = d.refused(err)
	case err != nil:
		s.estatesRefused(w, r, d, err)
		return
	default:
		d.done(fmt.Sprintf("导入完成：新增 %d 套，更新 %d 套，未变 %d 套，新增小区 %d 个", res.Created, res.Updated, res.Unchanged, res.EstatesCreated),
			fmt.Sprintf("Imported: %d new, %d updated, %d unchanged, %d new estates", res.Created, res.Updated, res.Unchanged, res.EstatesCreated))
	}
	d.Import = &res
	s.renderEstates(w, r, status, d)
}
