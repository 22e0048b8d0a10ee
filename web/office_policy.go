package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/talent"
)

// policyData is the grading policy editor: the versions, the one in force, and the draft being
// edited with the text the office typed.
type policyData struct {
	officeBase
	Versions  []talent.Policy
	Current   *talent.Policy
	Draft     *talent.Policy
	Title     string
	RulesJSON string
}

func (s *Site) policyPage(w http.ResponseWriter, r *http.Request) {
	var id int64
	if v := r.URL.Query().Get("id"); v != "" {
		id, _ = strconv.ParseInt(v, 10, 64)
	}
	s.renderPolicy(w, r, http.StatusOK, policyData{}, id)
}

// renderPolicy shows the versions and the draft id (0: the newest draft, if any), in d's editor
// when d carries what the office typed.
func (s *Site) renderPolicy(w http.ResponseWriter, r *http.Request, status int, d policyData, id int64) {
	versions, err := s.o.Talent.ListPolicies(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Versions = versions
	for i := range versions {
		p := &versions[i]
		if p.Status == talent.PolicyPublished && d.Current == nil {
			d.Current = p
		}
		if (id == 0 && p.Status == talent.PolicyDraft && d.Draft == nil) || p.ID == id {
			d.Draft = p
		}
	}
	if d.Draft != nil && d.RulesJSON == "" {
		d.Title, d.RulesJSON = d.Draft.Title, rulesText(d.Draft.Rules)
	}
	d.officeBase = s.officeBase(r, d.officeNote)
	s.render(w, r, status, "office_policy", "人才分类认定标准", d)
}

// rulesText is the rules as the editor shows them: indented JSON.
func rulesText(rules talent.RuleList) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode([]talent.Rule(rules)); err != nil {
		return "[]"
	}
	return b.String()
}

// errRulesJSON refuses rules that are not a JSON array of rules.
func errRulesJSON(cause error) error {
	return errs.Fields(errs.Field("body.rules", "rules_json_invalid", "规则须为 JSON 格式的规则数组："+cause.Error(),
		"the rules must be a JSON array of rules: "+cause.Error(), nil))
}

// policyInput reads the editor's title and rules.
func policyInput(r *http.Request) (talent.PolicyInput, error) {
	in := talent.PolicyInput{Title: r.PostForm.Get("title")}
	dec := json.NewDecoder(bytes.NewReader([]byte(r.PostForm.Get("rules"))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.Rules); err != nil {
		return in, errRulesJSON(err)
	}
	if dec.More() {
		return in, errRulesJSON(errors.New("text after the array"))
	}
	return in, nil
}

// policyDraft starts the next version as a draft with the rules of the version in force.
func (s *Site) policyDraft(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderPolicy(w, r, status, policyData{officeBase: officeBase{officeNote: n}}, 0)
	}
	if !s.posted(w, r, show) {
		return
	}
	in := talent.PolicyInput{Title: r.PostForm.Get("title")}
	if cur, err := s.o.Talent.CurrentPolicy(r.Context()); err == nil {
		in.Rules = cur.Rules
		if in.Title == "" {
			in.Title = cur.Title
		}
	} else if !errors.Is(err, talent.ErrNoPolicy) {
		s.renderError(w, r, err)
		return
	}
	pol, err := s.o.Talent.DraftPolicy(r.Context(), in)
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	v := strconv.Itoa(pol.Version)
	s.renderPolicy(w, r, http.StatusOK, policyData{officeBase: officeBase{officeNote: done("已起草第"+v+"版", "Version "+v+" drafted")}}, pol.ID)
}

// policySave replaces the draft's title and rules with the editor's; a refusal keeps the text.
func (s *Site) policySave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", talent.ErrPolicyNotFound)
	if err == nil {
		err = officeForm(w, r)
	}
	d := policyData{Title: r.PostForm.Get("title"), RulesJSON: r.PostForm.Get("rules")}
	show := func(status int, n officeNote) {
		d.officeNote = n
		s.renderPolicy(w, r, status, d, id)
	}
	var in talent.PolicyInput
	if err == nil {
		in, err = policyInput(r)
	}
	if err == nil {
		var pol *talent.Policy
		if pol, err = s.o.Talent.UpdatePolicy(r.Context(), id, in); err == nil {
			v := strconv.Itoa(pol.Version)
			s.renderPolicy(w, r, http.StatusOK, policyData{officeBase: officeBase{officeNote: done("第"+v+"版草稿已保存", "Draft version "+v+" saved")}}, id)
			return
		}
	}
	s.refuse(w, r, err, show)
}

// policyPublish puts the draft in force and re-grades the registry under it.
func (s *Site) policyPublish(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderPolicy(w, r, status, policyData{officeBase: officeBase{officeNote: n}}, 0)
	}
	id, err := pathID(r, "id", talent.ErrPolicyNotFound)
	if err == nil {
		var pub talent.Publication
		if pub, err = s.o.Talent.PublishPolicy(r.Context(), id); err == nil {
			v, n := strconv.Itoa(pub.Policy.Version), strconv.Itoa(pub.Impact.Changed)
			show(http.StatusOK, done("第"+v+"版已发布生效，"+n+" 人类别变化", "Version "+v+" is in force; "+n+" changed class"))
			return
		}
	}
	s.refuse(w, r, err, show)
}

// impactKeys are the rows and columns of the impact matrix: the classes, then "none" (not
// eligible under the draft).
var impactKeys = []string{"A", "B", "C", "D", "none"}

type impactCell struct {
	From, To string
	N        int
	Selected bool
}

type impactRow struct {
	From  string
	Cells []impactCell
}

// impactRecord is one registered talent behind a cell of the matrix.
type impactRecord struct {
	ID    int64
	Name  string
	Rules []string
}

// impactData is a draft's dry run: the from-class × to-class matrix and the records of one cell.
type impactData struct {
	officeBase
	Policy   *talent.Policy
	Impact   talent.Impact
	Keys     []string
	Rows     []impactRow
	Selected *impactCell
	Records  []impactRecord
	More     bool
}

// impactListSize bounds the records listed for one cell.
const impactListSize = 500

func (s *Site) policyImpact(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r, "id", talent.ErrPolicyNotFound)
	var pol *talent.Policy
	if err == nil {
		pol, err = s.o.Talent.GetPolicy(ctx, id)
	}
	var imp talent.Impact
	if err == nil {
		imp, err = s.o.Talent.PolicyImpact(ctx, id)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := impactData{officeBase: s.officeBase(r, officeNote{}), Policy: pol, Impact: imp, Keys: impactKeys}
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	for _, f := range impactKeys {
		row := impactRow{From: f}
		for _, t := range impactKeys {
			c := impactCell{From: f, To: t, N: imp.Matrix[f][t], Selected: f == from && t == to}
			if c.Selected {
				d.Selected = &c
			}
			row.Cells = append(row.Cells, c)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Selected != nil && from != "none" {
		if d.Records, d.More, err = s.impactRecords(ctx, pol, talent.Grade(from), to); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "office_impact", "试算影响", d)
}

// impactRecords lists the registered talents of class from that the draft pol would put in class
// to ("none": not eligible), as PolicyImpact counts them: talents whose class the office set by
// hand keep it and are left out.
func (s *Site) impactRecords(ctx context.Context, pol *talent.Policy, from talent.Grade, to string) ([]impactRecord, bool, error) {
	today := civil.DistrictToday()
	var out []impactRecord
	cursor := ""
	for {
		res, err := s.o.Talent.SearchTalents(ctx, talent.TalentFilter{Status: string(talent.StatusRegistered), Grade: string(from)},
			cursor, page.MaxLimit, false)
		if err != nil {
			return nil, false, err
		}
		for _, t := range res.Items {
			if t.GradeOverridden {
				continue
			}
			a := pol.Assess(attributesOf(t), today)
			if key := string(a.Grade); key == to || (key == "" && to == "none") {
				if len(out) == impactListSize {
					return out, true, nil
				}
				out = append(out, impactRecord{ID: t.ID, Name: t.Name, Rules: a.Rules})
			}
		}
		if cursor = res.NextCursor; cursor == "" {
			return out, false, nil
		}
	}
}

// attributesOf are the facts of t that a policy grades.
func attributesOf(t talent.Talent) talent.Attributes {
	honours := make([]string, len(t.Honours))
	for i, h := range t.Honours {
		honours[i] = h.Code
	}
	return talent.Attributes{Education: t.Education, Title: t.Title, SkillLevel: t.SkillLevel, Honours: honours,
		AnnualSalaryFen: t.AnnualSalaryFen, BirthDate: t.BirthDate}
}
