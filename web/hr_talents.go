package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/talent"
)

// hrTalentsData is the enterprise's talent list: one page of records and, after a submission,
// what became of each record submitted.
type hrTalentsData struct {
	hrPage
	Items   []hrTalentRow
	Total   int
	Paged   bool         // the page shown is not the first
	Query   template.URL // the filter as a query string, for the forms and links that keep it
	Results []hrBulkRow
}

// hrTalentRow is a record as the list shows it.
type hrTalentRow struct {
	ID                    int64
	Name, IDNumber        string
	Status                string
	Grade                 string // the grade decided, or the one the policy suggests (Suggested)
	Suggested             bool
	Education             string
	ReviewComment         string
	Submittable, HasPhoto bool
}

// hrBulkRow is what a submission did with one record.
type hrBulkRow struct {
	talent.BulkItem
	Name string
}

func (s *Site) hrTalents(w http.ResponseWriter, r *http.Request) {
	s.hrRenderTalents(w, r, http.StatusOK, hrTalentsData{hrPage: newHRPage("/hr")})
}

// hrRenderTalents shows the page of the list that the request's query names (status, grade, q,
// cursor), with d's messages and results.
func (s *Site) hrRenderTalents(w http.ResponseWriter, r *http.Request, status int, d hrTalentsData) {
	f := talent.TalentFilter{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	f.Status = d.filter(r, talent.StatusVocab, "status", "状态", "Status", "全部状态", "Any status")
	f.Grade = d.filter(r, talent.GradeVocab, "grade", "类别", "Class", "全部类别", "Any class")
	d.Filters = append(d.Filters, newHRFieldMaker(r, nil).input("q", "", "姓名", "Name", f.Query, 50))
	d.Query = hrFilterQuery(f)
	d.Paged = r.URL.Query().Get("cursor") != ""
	list, err := s.o.Talent.ListTalents(r.Context(), f, r.URL.Query().Get("cursor"), hrPageSize)
	if err != nil {
		var ok bool
		if status, ok = d.refused(err); !ok {
			s.renderError(w, r, err)
			return
		}
	}
	p, _ := auth.FromContext(r.Context())
	for _, t := range list.Items {
		row := hrTalentRow{ID: t.ID, Name: t.Name, IDNumber: s.o.Talent.IDNumberFor(p, t), Status: string(t.Status),
			Education: t.Education, ReviewComment: t.ReviewComment, HasPhoto: list.WithPhoto[t.ID],
			Submittable: t.Status == talent.StatusDraft || t.Status == talent.StatusReturned}
		if t.Grade != nil {
			row.Grade = string(*t.Grade)
		} else if a, ok := list.Suggested[t.ID]; ok && a.Eligible {
			row.Grade, row.Suggested = string(a.Grade), true
		}
		d.Items = append(d.Items, row)
	}
	d.Total, d.Next = list.Total, hrNextPage(r, list.NextCursor)
	s.render(w, r, status, "hr", "企业人事", d)
}

// hrTalentFilter is the list's filter the request's query names (status, grade, q); values that
// are no codes are left out.
func hrTalentFilter(r *http.Request) talent.TalentFilter {
	q := r.URL.Query()
	f := talent.TalentFilter{Query: strings.TrimSpace(q.Get("q"))}
	if v := q.Get("status"); talent.StatusVocab.Has(v) {
		f.Status = v
	}
	if v := q.Get("grade"); talent.GradeVocab.Has(v) {
		f.Grade = v
	}
	return f
}

// hrFilterQuery is the filter as a query string, empty for none; encoded here, it goes into links
// as it is.
func hrFilterQuery(f talent.TalentFilter) template.URL {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "grade": f.Grade, "q": f.Query} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return template.URL(q.Encode())
}

// hrMaxSubmitForm bounds the list's submission: the ids of a page of records, and then some.
const hrMaxSubmitForm = 32 << 10

// errHRNothingTicked refuses a submission of the list with no record ticked.
var errHRNothingTicked = errs.New(errs.Invalid, "nothing_selected", "请先勾选要提交审核的记录", "tick the records to submit first")

// hrSubmit submits the records ticked in the list (checkboxes named id) for review, each as a
// single submission would be; the list shows what became of each.
func (s *Site) hrSubmit(w http.ResponseWriter, r *http.Request) {
	d := hrTalentsData{hrPage: newHRPage("/hr")}
	if err := hrReadPostForm(w, r, hrMaxSubmitForm); err != nil {
		status, _ := d.refused(err)
		s.hrRenderTalents(w, r, status, d)
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	var res talent.BulkResult
	err := error(errHRNothingTicked)
	if len(ids) > 0 {
		res, err = s.o.Talent.BulkSubmit(r.Context(), ids, false)
	}
	if err != nil {
		status, ok := d.refused(err)
		if !ok {
			s.renderError(w, r, err)
			return
		}
		s.hrRenderTalents(w, r, status, d)
		return
	}
	for _, it := range res.Results {
		row := hrBulkRow{BulkItem: it}
		if t, err := s.o.Talent.GetTalent(r.Context(), it.ID); err == nil {
			row.Name = t.Name
		}
		d.Results = append(d.Results, row)
	}
	d.done("已提交审核 "+strconv.Itoa(res.Succeeded)+" 条，未能提交 "+strconv.Itoa(res.Failed)+" 条",
		strconv.Itoa(res.Succeeded)+" submitted for review, "+strconv.Itoa(res.Failed)+" not submitted")
	s.hrRenderTalents(w, r, http.StatusOK, d)
}
