package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"talentd/greencard"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/talent"
)

// cardRow is a registered talent with its card (none yet, when Card is nil).
type cardRow struct {
	TalentID   int64
	Name       string
	Card       *greencard.Card
	Status     string // the card's status as a window sees it (expired once past its date)
	Registered bool
}

type cardsData struct {
	officeBase
	Q    string
	Rows []cardRow
	// Recent says the rows are the latest registrations, not a search's matches.
	Recent bool
}

// cardListSize bounds the talents the cards page lists.
const cardListSize = 20

func (s *Site) officeCards(w http.ResponseWriter, r *http.Request) {
	q, err := formText(r, "q", "query.q", 50)
	if err != nil {
		s.refuse(w, r, err, func(status int, n officeNote) {
			s.render(w, r, status, "office_cards", "人才绿卡", cardsData{officeBase: s.officeBase(r, n)})
		})
		return
	}
	s.renderCards(w, r, http.StatusOK, officeNote{}, q)
}

// renderCards finds cards by serial, or by the holder's name (or whole identity number); without a
// query it lists the talents registered last.
func (s *Site) renderCards(w http.ResponseWriter, r *http.Request, status int, n officeNote, q string) {
	ctx := r.Context()
	d := cardsData{officeBase: s.officeBase(r, n), Q: strings.TrimSpace(q)}
	today := civil.DistrictToday()
	row := func(t talent.Talent) (cardRow, error) {
		out := cardRow{TalentID: t.ID, Name: t.Name, Registered: t.Status == talent.StatusRegistered}
		c, err := s.o.Cards.CardOfTalent(ctx, t.ID)
		if errors.Is(err, greencard.ErrNoCard) {
			return out, nil
		}
		out.Card, out.Status = &c, c.EffectiveStatus(today)
		return out, err
	}
	if d.Q != "" {
		if c, err := s.o.Cards.CardBySerial(ctx, strings.ToUpper(d.Q)); err == nil {
			t, err := s.o.Talent.GetTalent(ctx, c.TalentID)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			d.Rows = append(d.Rows, cardRow{TalentID: t.ID, Name: t.Name, Card: &c, Status: c.EffectiveStatus(today),
				Registered: t.Status == talent.StatusRegistered})
			s.render(w, r, status, "office_cards", "人才绿卡", d)
			return
		} else if !errors.Is(err, greencard.ErrCardNotFound) {
			s.renderError(w, r, err)
			return
		}
	}
	f := talent.TalentFilter{Query: d.Q}
	if d.Q == "" {
		f, d.Recent = talent.TalentFilter{Status: string(talent.StatusRegistered), Sort: "-registered_at"}, true
	}
	res, err := s.o.Talent.SearchTalents(ctx, f, "", cardListSize, false)
	if err != nil {
		s.refuse(w, r, err, func(status int, n officeNote) {
			s.render(w, r, status, "office_cards", "人才绿卡", cardsData{officeBase: s.officeBase(r, n), Q: d.Q})
		})
		return
	}
	for _, t := range res.Items {
		cr, err := row(t)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Rows = append(d.Rows, cr)
	}
	s.render(w, r, status, "office_cards", "人才绿卡", d)
}

// officeCardStatus suspends, resumes or revokes a card with the reason given.
func (s *Site) officeCardStatus(w http.ResponseWriter, r *http.Request) {
	serial := r.PathValue("serial")
	show := func(status int, n officeNote) {
		s.renderCards(w, r, status, n.at("status-"+serial, "body.reason"), serial)
	}
	if !s.posted(w, r, show) {
		return
	}
	reason, err := formText(r, "reason", "body.reason", 200)
	var c greencard.Card
	if err == nil {
		c, err = s.o.Cards.SetStatus(r.Context(), serial, r.PostForm.Get("to"), reason)
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	show(http.StatusOK, done("人才绿卡 "+c.Serial+" 已改为“"+greencard.CardStatusVocab.Label(c.Status, "zh")+"”",
		"Card "+c.Serial+" is now "+greencard.CardStatusVocab.Label(c.Status, "en")))
}

// officeCardReissue makes a new version of a talent's card (lost, damaged), or a first card.
func (s *Site) officeCardReissue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", talent.ErrTalentNotFound)
	show := func(status int, n officeNote) {
		s.renderCards(w, r, status, n.at("reissue-"+strconv.FormatInt(id, 10), "body.reason"), r.PostForm.Get("q"))
	}
	if err == nil {
		err = officeForm(w, r)
	}
	var reason string
	if err == nil {
		reason, err = formText(r, "reason", "body.reason", 200)
	}
	var c greencard.Card
	if err == nil {
		c, err = s.o.Cards.Reissue(r.Context(), id, reason)
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	v := strconv.Itoa(c.CurrentVersion)
	s.renderCards(w, r, http.StatusOK, done("人才绿卡 "+c.Serial+" 已补发第 "+v+" 版，请到制卡打印队列打印",
		"Card "+c.Serial+" reissued as version "+v+"; print it from the print queue"), c.Serial)
}

// catalogueItem is one service of the catalogue with the classes it is open to ticked.
type catalogueItem struct {
	greencard.ServiceItem
	Classes []classCheck
}

type classCheck struct {
	Code    string
	Checked bool
}

// catalogueData is the service catalogue, each item in its own form.
type catalogueData struct {
	officeBase
	Items []catalogueItem
	// Edited is the code of the item the note is about.
	Edited string
}

func (s *Site) officeCatalogue(w http.ResponseWriter, r *http.Request) {
	s.renderCatalogue(w, r, http.StatusOK, officeNote{}, "")
}

func (s *Site) renderCatalogue(w http.ResponseWriter, r *http.Request, status int, n officeNote, edited string) {
	items, err := s.o.Cards.Catalogue(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := catalogueData{officeBase: s.officeBase(r, n), Edited: edited}
	for _, it := range items {
		ci := catalogueItem{ServiceItem: it}
		for _, g := range talent.GradeVocab.Codes() {
			ci.Classes = append(ci.Classes, classCheck{Code: g, Checked: slices.Contains(it.Eligible, g)})
		}
		d.Items = append(d.Items, ci)
	}
	s.render(w, r, status, "office_catalogue", "服务目录", d)
}

// maxSteps bounds a service's process steps, as the API does.
const maxSteps = 20

var errTooManySteps = errs.Fields(errs.Field("body.steps", "too_many_steps", "办理流程最多 20 步", "at most 20 steps", nil))

// officeCatalogueSave replaces one item of the catalogue: names, content, steps, the classes that
// may use it, its days and its yearly quota (empty: unlimited).
func (s *Site) officeCatalogueSave(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	show := func(status int, n officeNote) { s.renderCatalogue(w, r, status, n, code) }
	if !s.posted(w, r, show) {
		return
	}
	in := greencard.ServiceItemInput{Eligible: r.PostForm["eligible"]}
	var err error
	for _, f := range []struct {
		to   *string
		name string
		max  int
	}{{&in.NameZH, "name_zh", 50}, {&in.NameEN, "name_en", 100}, {&in.Content, "content", 2000}} {
		if err == nil {
			*f.to, err = formText(r, f.name, "body."+f.name, f.max)
		}
	}
	in.NameEN, in.Content = strings.TrimSpace(in.NameEN), strings.TrimSpace(in.Content)
	for _, line := range strings.Split(r.PostForm.Get("steps"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Steps = append(in.Steps, line)
		}
	}
	if err == nil && len(in.Steps) > maxSteps {
		err = errTooManySteps
	}
	var days *int
	if err == nil {
		days, err = formInt(r, "standard_days", "body.standard_days", 1, 365)
	}
	if err == nil && days == nil {
		err = errOutOfRange("body.standard_days", "", 1, 365)
	}
	if err == nil {
		in.YearlyQuota, err = formInt(r, "yearly_quota", "body.yearly_quota", 1, 1000)
	}
	var order, version *int
	if err == nil {
		order, err = formInt(r, "sort_order", "body.sort_order", 0, 1000)
	}
	if err == nil {
		version, err = formInt(r, "version", "body.version", 0, 1<<30)
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	in.StandardDays = *days
	if order != nil {
		in.SortOrder = *order
	}
	ifVersion := 0
	if version != nil {
		ifVersion = *version
	}
	it, err := s.o.Cards.UpdateService(r.Context(), code, ifVersion, in)
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	show(http.StatusOK, done("已保存：“"+it.NameZH+"”", "Saved: "+it.NameEN))
}
