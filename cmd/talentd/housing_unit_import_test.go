package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// unitImportReport is the body of a unit import's answer.
type unitImportReport struct {
	Created, Updated, Unchanged int
	EstatesCreated              int `json:"estates_created"`
	ErrorRows                   int `json:"error_rows"`
	Encoding                    string
	Errors                      []struct {
		Row                 int
		Column, Value, Code string
		Message             string
	}
}

// importUnits sends a CSV file as the raw body of a unit import.
func (e *testEnv) importUnits(t *testing.T, csv []byte, query string, headers ...string) (int, unitImportReport) {
	t.Helper()
	r := e.call("POST", "/v1/housing/units/import"+query, "housing", csv, append([]string{"Content-Type", "text/csv"}, headers...)...)
	var rep unitImportReport
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatalf("import answer %d: %s", r.Status, r.Body)
	}
	return r.Status, rep
}

const unitCSVHeader = "小区,小区地址,楼栋,房号,楼层,户型,面积(平方米),类型,月租金(元)\n"

func TestHousingUnitImport(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	good := unitCSVHeader +
		"璧泉人才公寓,双星大道 8 号,3栋,1502,15,2室1厅,68.5,人才公寓,\"1,200\"\n" +
		"璧泉人才公寓,,3栋,1503,15,单间,35,talent_apartment,800.50\n" +
		"璧山公租房一区,,A栋,201,2,两室一厅,55.25㎡,公租房,600\n"

	t.Run("all or nothing", func(t *testing.T) {
		bad := good + "璧山公租房一区,,A栋,202,二楼,12室,-3,宿舍,abc\n" + "璧泉人才公寓,,3栋,1502,15,2,68.5,人才公寓,1200\n"
		status, rep := e.importUnits(t, []byte(bad), "", "Accept-Language", "zh-CN")
		if status != http.StatusUnprocessableEntity || rep.ErrorRows != 2 || rep.Created != 0 {
			t.Fatalf("bad file: %d %+v", status, rep)
		}
		codes := map[string]bool{}
		for _, er := range rep.Errors {
			codes[er.Column+":"+er.Code] = true
			if er.Row == 5 && !strings.ContainsAny(er.Message, "楼层户型面积类型月租金") {
				t.Errorf("message not in Chinese: %+v", er)
			}
		}
		for _, want := range []string{"楼层:bad_floor", "户型:bad_rooms", "面积(平方米):bad_area", "类型:unknown_value",
			"月租金(元):bad_amount", "房号:duplicate_row"} {
			if !codes[want] {
				t.Errorf("no %s in %+v", want, rep.Errors)
			}
		}
		if n := e.count(`SELECT count(*) FROM housing_units`) + e.count(`SELECT count(*) FROM housing_estates`); n != 0 {
			t.Fatalf("a refused import wrote %d rows", n)
		}
	})

	t.Run("GBK, then the same file again, then a change", func(t *testing.T) {
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(good))
		if err != nil {
			t.Fatal(err)
		}
		status, rep := e.importUnits(t, gbk, "")
		if status != http.StatusOK || rep.Created != 3 || rep.EstatesCreated != 2 || rep.ErrorRows != 0 {
			t.Fatalf("first import: %d %+v", status, rep)
		}
		var rent int64
		if err := e.db.Get(&rent, `SELECT monthly_rent_fen FROM housing_units WHERE number = '1503'`); err != nil || rent != 80050 {
			t.Fatalf("rent of 1503: %d %v", rent, err)
		}
		if n := e.count(`SELECT count(*) FROM housing_units WHERE number = '201' AND rooms = 2 AND area_m2 = 55.25
			AND kind = 'public_rental'`); n != 1 {
			t.Fatal("unit 201 not as the file says")
		}
		if status, rep = e.importUnits(t, []byte(good), ""); status != http.StatusOK || rep.Unchanged != 3 {
			t.Fatalf("same file again: %d %+v", status, rep)
		}
		var id int64
		if err := e.db.Get(&id, `SELECT id FROM housing_units WHERE number = '1502'`); err != nil {
			t.Fatal(err)
		}
		e.holdUnit(t, id)
		changed := strings.Replace(strings.Replace(good, "68.5,人才公寓", "68.5,公租房", 1), "800.50", "900", 1)
		status, rep = e.importUnits(t, []byte(changed), "")
		if status != http.StatusUnprocessableEntity || rep.Errors[0].Code != "unit_held" || rep.Errors[0].Row != 2 {
			t.Fatalf("kind of a held unit: %d %+v", status, rep)
		}
		status, rep = e.importUnits(t, []byte(changed), "?partial=true")
		if status != http.StatusOK || rep.Updated != 1 || rep.Unchanged != 1 || rep.ErrorRows != 1 {
			t.Fatalf("partial: %d %+v", status, rep)
		}
		if n := e.count(`SELECT count(*) FROM housing_units WHERE number = '1502' AND kind = 'talent_apartment'`); n != 1 {
			t.Error("the held unit changed kind")
		}
	})

	t.Run("template", func(t *testing.T) {
		r := e.call("GET", "/v1/housing/units/import-template?format=csv", "housing", nil)
		mustStatus(t, r, http.StatusOK, "csv template")
		status, rep := e.importUnits(t, r.Body, "")
		if status != http.StatusOK || rep.Created+rep.Updated+rep.ErrorRows != 0 {
			t.Fatalf("the template as it is imports nothing: %d %+v", status, rep)
		}
		mustStatus(t, e.call("GET", "/v1/housing/units/import-template", "housing", nil), http.StatusOK, "xlsx template")
		mustStatus(t, e.call("GET", "/v1/housing/units/import-template", "hr-x", nil), http.StatusForbidden, "HR")
	})
}
