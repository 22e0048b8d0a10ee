package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/talent"
)

// queueSize is how many records a page of the review queue shows.
const queueSize = 50

// Facts are the attributes a grade is decided from, as the office reads them beside a record.
type Facts struct {
	Age    int
	Salary string // yuan, grouped
}

func factsOf(t talent.Talent) Facts {
	return Facts{Age: t.BirthDate.YearsUntil(civil.DistrictToday()), Salary: money.Fen(t.AnnualSalaryFen).Yuan()}
}

// ruleText is one rule of the policy in force as the office reads it: its code and what it says.
type ruleText struct {
	Code, Grade, Zh, En string
}

// rulesIn maps the rule codes of the policy in force to their text; without a policy, none.
func (s *Site) rulesIn(ctx context.Context) (map[string]ruleText, error) {
	pol, err := s.o.Talent.CurrentPolicy(ctx)
	if errors.Is(err, talent.ErrNoPolicy) {
		return map[string]ruleText{}, nil
	} else if err != nil {
		return nil, err
	}
	out := map[string]ruleText{}
	for _, r := range pol.Rules {
		en := r.DescriptionEN
		if en == "" {
			en = r.DescriptionZH
		}
		out[r.Code] = ruleText{Code: r.Code, Grade: string(r.Grade), Zh: r.DescriptionZH, En: en}
	}
	return out, nil
}

func textsOf(rules map[string]ruleText, codes []string) []ruleText {
	out := make([]ruleText, 0, len(codes))
	for _, c := range codes {
		if rt, ok := rules[c]; ok {
			out = append(out, rt)
		} else {
			out = append(out, ruleText{Code: c})
		}
	}
	return out
}

// queueRow is one submitted record in the queue, with what the policy in force suggests and why.
type queueRow struct {
	talent.Talent
	Facts
	EnterpriseName string
	Suggested      *talent.Assessment
	Rules          []ruleText
}

type queueData struct {
	officeBase
	Rows    []queueRow
	Total   int
	Cursor  string
	Next    string
	Bulk    *talent.BulkResult
	Comment string
}

func (s *Site) reviewQueue(w http.ResponseWriter, r *http.Request) {
	s.renderQueue(w, r, http.StatusOK, queueData{})
}

// renderQueue shows the submitted records, longest waiting first, one page after the cursor.
func (s *Site) renderQueue(w http.ResponseWriter, r *http.Request, status int, d queueData) {
	d.Cursor = r.URL.Query().Get("cursor")
	list, err := s.o.Talent.ListTalents(r.Context(), talent.TalentFilter{Status: string(talent.StatusSubmitted), Sort: "submitted_at"},
		d.Cursor, queueSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rules, err := s.rulesIn(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, t := range list.Items {
		row := queueRow{Talent: t, Facts: factsOf(t)}
		if t.EnterpriseID != nil {
			row.EnterpriseName = list.EnterpriseNames[*t.EnterpriseID]
		}
		if a, ok := list.Suggested[t.ID]; ok {
			row.Suggested, row.Rules = &a, textsOf(rules, a.Rules)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Total, d.Next = list.Total, list.NextCursor
	d.officeBase = s.officeBase(r, d.officeNote)
	s.render(w, r, status, "office", "人才审核", d)
}

// reviewBulk approves or returns the ticked records, each on its own (one refused record does not
// hold back the others), and shows what became of each.
func (s *Site) reviewBulk(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderQueue(w, r, status, queueData{officeBase: officeBase{officeNote: n}})
	}
	if !s.posted(w, r, show) {
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.refuse(w, r, errFormUnreadable, show)
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		s.refuse(w, r, errNothingTicked, show)
		return
	}
	comment, err := formText(r, "comment", "body.comment", 500)
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	var res talent.BulkResult
	switch r.PathValue("action") {
	case "approve":
		res, err = s.o.Talent.BulkApprove(r.Context(), ids, false)
	case "return":
		res, err = s.o.Talent.BulkReturn(r.Context(), ids, comment, false)
	default:
		s.renderError(w, r, errNoSuchAction)
		return
	}
	if err != nil {
		s.refuse(w, r, err, func(status int, n officeNote) {
			s.renderQueue(w, r, status, queueData{officeBase: officeBase{officeNote: n}, Comment: comment})
		})
		return
	}
	zh, en := "批量审核通过", "Approved"
	if r.PathValue("action") == "return" {
		zh, en = "批量退回修改", "Returned"
	}
	d := queueData{Bulk: &res, officeBase: officeBase{officeNote: done(
		zh+"："+strconv.Itoa(res.Succeeded)+" 条成功，"+strconv.Itoa(res.Failed)+" 条未能处理",
		en+": "+strconv.Itoa(res.Succeeded)+" done, "+strconv.Itoa(res.Failed)+" not")}}
	s.renderQueue(w, r, http.StatusOK, d)
}

// reviewApproveOne approves one record from its row of the queue.
func (s *Site) reviewApproveOne(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderQueue(w, r, status, queueData{officeBase: officeBase{officeNote: n}})
	}
	id, err := pathID(r, "id", talent.ErrTalentNotFound)
	if err == nil {
		var t talent.Talent
		if t, err = s.o.Talent.Approve(r.Context(), id); err == nil {
			show(http.StatusOK, done("已审核通过："+t.Name+"（"+gradeText(t.Grade, "zh")+"）",
				"Approved: "+t.Name+" ("+gradeText(t.Grade, "en")+")"))
			return
		}
	}
	s.refuse(w, r, err, show)
}

func gradeText(g *talent.Grade, lang string) string {
	if g == nil {
		return "—"
	}
	return talent.GradeVocab.Label(string(*g), lang)
}

// recordData is one record as the office reviews it: its attributes, what the policy in force
// says of it, its history and, once registered, its card.
type recordData struct {
	officeBase
	T talent.Talent
	// Grade is the record's class, "" before one is decided.
	Grade string
	Facts
	IDNumber       string
	EnterpriseName string
	Assessment     *talent.Assessment
	Rules          []ruleText
	History        talent.History
	Card           *greencard.Card
	CardStatus     string
	Grades         []string
}

func (s *Site) officeRecord(w http.ResponseWriter, r *http.Request) {
	s.renderRecord(w, r, http.StatusOK, officeNote{})
}

func (s *Site) renderRecord(w http.ResponseWriter, r *http.Request, status int, n officeNote) {
	ctx := r.Context()
	id, err := pathID(r, "id", talent.ErrTalentNotFound)
	var t talent.Talent
	if err == nil {
		t, err = s.o.Talent.GetTalent(ctx, id)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p, _ := auth.FromContext(ctx)
	d := recordData{officeBase: s.officeBase(r, n), T: t, Facts: factsOf(t), IDNumber: s.o.Talent.IDNumberFor(p, t),
		Grades: talent.GradeVocab.Codes()}
	if t.Grade != nil {
		d.Grade = string(*t.Grade)
	}
	if t.EnterpriseID != nil {
		if e, err := s.o.Talent.GetEnterprise(ctx, *t.EnterpriseID); err == nil {
			d.EnterpriseName = e.Name
		}
	}
	rules, err := s.rulesIn(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if a, err := s.o.Talent.Assess(ctx, t); err == nil {
		d.Assessment, d.Rules = &a, textsOf(rules, a.Rules)
	}
	if d.History, err = s.o.Talent.TalentHistory(ctx, t.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	if c, err := s.o.Cards.CardOfTalent(ctx, t.ID); err == nil {
		d.Card, d.CardStatus = &c, c.EffectiveStatus(civil.DistrictToday())
	} else if !errors.Is(err, greencard.ErrNoCard) {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, "office_record", t.Name, d)
}

// officeRecordMove takes one review step on a record: approve, return or reject with a note, or
// override a registered record's grade with a reason.
func (s *Site) officeRecordMove(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) { s.renderRecord(w, r, status, n) }
	if !s.posted(w, r, show) {
		return
	}
	id, err := pathID(r, "id", talent.ErrTalentNotFound)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	ctx := r.Context()
	reason, err := formText(r, "reason", "body.reason", 500)
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	var t talent.Talent
	var zh, en string
	switch r.PathValue("action") {
	case "approve":
		t, err = s.o.Talent.Approve(ctx, id)
		zh, en = "已审核通过，入库类别：", "Approved, class: "
	case "return":
		t, err = s.o.Talent.Return(ctx, id, reason)
		zh, en = "已退回修改", "Returned"
	case "reject":
		t, err = s.o.Talent.Reject(ctx, id, reason)
		zh, en = "已不予通过", "Rejected"
	case "override":
		t, err = s.o.Talent.OverrideGrade(ctx, id, talent.Grade(r.PostForm.Get("grade")), reason)
		zh, en = "已调整人才类别为：", "Class set to: "
	default:
		s.renderError(w, r, errNoSuchAction)
		return
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	if strings.HasSuffix(zh, "：") {
		zh, en = zh+gradeText(t.Grade, "zh"), en+gradeText(t.Grade, "en")
	}
	show(http.StatusOK, done(zh, en))
}
