package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/reqctx"
	"talentd/subsidy"
	"talentd/talent"
)

// hrPurchaseRows is how many supplier purchases the application form offers.
const hrPurchaseRows = 5

// hrSubsidyForm is an application as the form holds it, text as typed.
type hrSubsidyForm struct {
	ProgrammeID, PlatformLevel, RDSpending string
	Purchases                              [hrPurchaseRows]hrPurchase
}

type hrPurchase struct{ USCC, Amount string }

// hrSubsidiesData is the awards and subsidies page: the enterprise's nominations for the open
// award programmes, its subsidy applications, and the form of a new application.
type hrSubsidiesData struct {
	hrPage
	Nominations  []hrNomination
	Applications []hrApplicationRow
	// AwardProgrammes are the open award programmes and Nominees the enterprise's registered
	// talent, for the nomination form.
	AwardProgrammes []subsidy.Programme
	Nominees        []talent.Talent
	// Open: an enterprise-subsidy programme is open, so the form is shown.
	Open   bool
	Form   hrSubsidyForm
	Fields []hrField
}

type hrNomination struct {
	subsidy.Nomination
	Programme string
}

type hrApplicationRow struct {
	subsidy.SubsidyApplication
	Programme string
}

// hrSubsidyData is one application: its figures, the amount calculated with its working, the
// office's decision and, while it may still be corrected, the form.
type hrSubsidyData struct {
	hrPage
	App         subsidy.SubsidyApplication
	Programme   string
	Correctable bool
	Working     []hrWorkingLine
	Form        hrSubsidyForm
	// typed: Form holds what was posted (a refused correction), not the application as stored.
	typed  bool
	Fields []hrField
}

// hrSubsidyFields are the application form's figures (the purchases are rows of their own); the
// programme is chosen among programmes when they are given, else it stays as it is.
func hrSubsidyFields(r *http.Request, errs hrFieldErrors, f hrSubsidyForm, programmes []hrOption) []hrField {
	m := newHRFieldMaker(r, errs)
	level := f.PlatformLevel
	if level == "" {
		level = "none"
	}
	rd := m.input("rd_spending", "body.rd_spending_fen", "年度研发投入（元）", "R&D spending of the year (yuan)", f.RDSpending, 24)
	rd.Placeholder = hrPick(m.lang, "如 1200000 或 120万", "e.g. 1200000")
	out := []hrField{
		m.choice("platform_level", "body.platform_level", "研发平台级别", "R&D platform level", hrVocabOptions(subsidy.PlatformLevelVocab, level, "", "")),
		rd,
	}
	if programmes != nil {
		out = append([]hrField{m.choice("programme_id", "body.programme_id", "资助项目 *", "Programme *", programmes)}, out...)
	}
	return out
}

// hrWorkingLine is a line of the working with its rate as a percentage.
type hrWorkingLine struct {
	subsidy.WorkingLine
	Rate string
}

// hrOpenProgrammes are the programmes HR sees (the open ones), by id.
func (s *Site) hrOpenProgrammes(r *http.Request) (map[int64]subsidy.Programme, []subsidy.Programme, error) {
	byID := map[int64]subsidy.Programme{}
	var all []subsidy.Programme
	q := page.Query{Limit: page.MaxLimit}
	for {
		list, err := s.o.Subsidy.Programmes(r.Context(), subsidy.ProgrammeFilter{}, q)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range list.Items {
			byID[p.ID] = p
			all = append(all, p)
		}
		if list.NextCursor == "" {
			return byID, all, nil
		}
		q.Cursor = list.NextCursor
	}
}

func (s *Site) hrSubsidies(w http.ResponseWriter, r *http.Request) {
	s.hrRenderSubsidies(w, r, http.StatusOK, hrSubsidiesData{hrPage: newHRPage("/hr/subsidies")})
}

func (s *Site) hrRenderSubsidies(w http.ResponseWriter, r *http.Request, status int, d hrSubsidiesData) {
	byID, all, err := s.hrOpenProgrammes(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	programmes := []hrOption{}
	for _, p := range all {
		switch p.Kind {
		case subsidy.KindEnterpriseSubsidy:
			programmes = append(programmes, hrOption{Value: strconv.FormatInt(p.ID, 10), Zh: p.Name, En: p.Name,
				Selected: d.Form.ProgrammeID == strconv.FormatInt(p.ID, 10)})
		case subsidy.KindAward:
			d.AwardProgrammes = append(d.AwardProgrammes, p)
			noms, err := s.o.Subsidy.Nominations(r.Context(), p.ID, page.Query{Limit: page.MaxLimit})
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			for _, n := range noms.Items {
				d.Nominations = append(d.Nominations, hrNomination{Nomination: n, Programme: p.Name})
			}
		}
	}
	if len(d.AwardProgrammes) > 0 {
		nominees, err := s.o.Talent.ListTalents(r.Context(), talent.TalentFilter{Status: string(talent.StatusRegistered)}, "", hrPageSize)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Nominees = nominees.Items
	}
	apps, err := s.o.Subsidy.Applications(r.Context(), hrListQuery(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, a := range apps.Items {
		d.Applications = append(d.Applications, hrApplicationRow{SubsidyApplication: a, Programme: hrProgrammeName(byID, a.ProgrammeID)})
	}
	d.Next = hrNextPage(r, apps.NextCursor)
	d.Open = len(programmes) > 0
	d.Fields = hrSubsidyFields(r, d.Errors, d.Form, programmes)
	s.render(w, r, status, "hr_subsidies", "奖励补贴", d)
}

// hrPercent writes a rate in basis points as a percentage: 500 → "5%", 125 → "1.25%".
func hrPercent(bp int64) string {
	if bp == 0 {
		return ""
	}
	whole, frac := bp/100, bp%100
	if frac == 0 {
		return strconv.FormatInt(whole, 10) + "%"
	}
	return strings.TrimRight(fmt.Sprintf("%d.%02d", whole, frac), "0") + "%"
}

func hrProgrammeName(byID map[int64]subsidy.Programme, id int64) string {
	if p, ok := byID[id]; ok {
		return p.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// hrMaxSubsidyForm bounds the application form: a few figures and the purchase rows.
const hrMaxSubsidyForm = 16 << 10

// hrReadSubsidyForm reads the posted application into the service's input; amounts in yuan that do
// not parse are refused here under the locations the service uses. rows maps the index of a
// purchase in the input to its row of the form.
func hrReadSubsidyForm(r *http.Request) (hrSubsidyForm, subsidy.SubsidyApplicationInput, []int, error) {
	v := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	f := hrSubsidyForm{ProgrammeID: v("programme_id"), PlatformLevel: v("platform_level"), RDSpending: v("rd_spending")}
	in := subsidy.SubsidyApplicationInput{PlatformLevel: subsidy.PlatformLevel(f.PlatformLevel)}
	var fr hrFormReader
	if id, err := strconv.ParseInt(f.ProgrammeID, 10, 64); err == nil && id > 0 {
		in.ProgrammeID = id
	} else {
		fr.bad = append(fr.bad, errs.Field("body.programme_id", "required", "请选择资助项目", "choose the programme", f.ProgrammeID))
	}
	in.RDSpendingFen = fr.amount(f.RDSpending, "body.rd_spending_fen", "研发投入", "R&D spending")
	var rows []int
	for i := range hrPurchaseRows {
		n := strconv.Itoa(i)
		p := hrPurchase{USCC: strings.ToUpper(v("supplier_uscc_" + n)), Amount: v("purchase_amount_" + n)}
		f.Purchases[i] = p
		if p.USCC == "" && p.Amount == "" {
			continue
		}
		at := fmt.Sprintf("body.purchases[%d].amount_fen", len(rows))
		in.Purchases = append(in.Purchases, subsidy.SupplierPurchase{SupplierUSCC: p.USCC,
			AmountFen: fr.amount(p.Amount, at, "采购金额", "purchase amount")})
		rows = append(rows, i)
	}
	return f, in, rows, fr.err()
}

// refuseSubsidy records the refusal of an application form: a purchase's messages under its row
// of the form ("purchases.2.supplier_uscc"), the figures' under their inputs, the rest at the top.
// rows maps the index of a purchase in the input to its row of the form. It returns the status to
// answer with, false for an error that is no refusal.
func (p *hrPage) refuseSubsidy(r *http.Request, err error, rows []int) (int, bool) {
	status, ok := p.refused(err)
	if !ok {
		return 0, false
	}
	p.Errors = hrFieldErrors{}
	for loc, msg := range hrFieldErrorsOf(err, reqctx.Lang(r.Context())) {
		var k int
		var field string
		if n, _ := fmt.Sscanf(strings.Replace(loc, "].", "] ", 1), "body.purchases[%d] %s", &k, &field); n == 2 && k < len(rows) {
			loc = fmt.Sprintf("purchases.%d.%s", rows[k], field)
		}
		p.Errors[loc] = msg
	}
	shown := []string{"body.programme_id", "body.platform_level", "body.rd_spending_fen"}
	for i := range hrPurchaseRows {
		shown = append(shown, fmt.Sprintf("purchases.%d.supplier_uscc", i), fmt.Sprintf("purchases.%d.amount_fen", i))
	}
	p.OtherErrors = p.Errors.except(shown...)
	return status, true
}

// hrApplySubsidy submits an application; the page of the application then shows the amount
// calculated and its working.
func (s *Site) hrApplySubsidy(w http.ResponseWriter, r *http.Request) {
	d := hrSubsidiesData{hrPage: newHRPage("/hr/subsidies")}
	var rows []int
	err := hrReadPostForm(w, r, hrMaxSubsidyForm)
	if err == nil {
		var in subsidy.SubsidyApplicationInput
		d.Form, in, rows, err = hrReadSubsidyForm(r)
		if err == nil {
			var a subsidy.SubsidyApplication
			if a, err = s.o.Subsidy.SubmitApplication(r.Context(), in); err == nil {
				http.Redirect(w, r, hrSubsidyLink(a.ID)+"?saved=calculated", http.StatusSeeOther)
				return
			}
		}
	}
	status, ok := d.refuseSubsidy(r, err, rows)
	if !ok {
		s.renderError(w, r, err)
		return
	}
	s.hrRenderSubsidies(w, r, status, d)
}

// hrSubsidyLink is where the portal shows an application.
func hrSubsidyLink(id int64) string { return "/hr/subsidies/" + strconv.FormatInt(id, 10) }

func (s *Site) hrSubsidy(w http.ResponseWriter, r *http.Request) {
	s.hrShowSubsidy(w, r, http.StatusOK, hrSubsidyData{hrPage: hrSavedPage("/hr/subsidies", r)})
}

// hrShowSubsidy shows the application of the path with d's messages; a form of d already filled in
// (a refused correction) is kept as typed.
func (s *Site) hrShowSubsidy(w http.ResponseWriter, r *http.Request, status int, d hrSubsidyData) {
	a, err := s.o.Subsidy.Application(r.Context(), pathNumber(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	byID, _, err := s.hrOpenProgrammes(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.App, d.Programme = a, hrProgrammeName(byID, a.ProgrammeID)
	d.Correctable = a.Status == subsidy.ApplicationSubmitted || a.Status == subsidy.ApplicationReturned
	if !d.typed {
		d.Form = hrSubsidyForm{ProgrammeID: strconv.FormatInt(a.ProgrammeID, 10), PlatformLevel: string(a.Declared.PlatformLevel),
			RDSpending: a.Declared.RDSpendingFen.String()}
		for i, p := range a.Declared.Purchases {
			if i < hrPurchaseRows {
				d.Form.Purchases[i] = hrPurchase{USCC: p.SupplierUSCC, Amount: p.AmountFen.String()}
			}
		}
	}
	d.Fields = hrSubsidyFields(r, d.Errors, d.Form, nil)
	for _, l := range a.Working {
		d.Working = append(d.Working, hrWorkingLine{WorkingLine: l, Rate: hrPercent(l.RateBP)})
	}
	s.render(w, r, status, "hr_subsidy", "补贴申请", d)
}

// hrCorrectSubsidy corrects a submitted or returned application and submits it again,
// recalculated. The programme stays; attachments recorded earlier are kept.
func (s *Site) hrCorrectSubsidy(w http.ResponseWriter, r *http.Request) {
	d := hrSubsidyData{hrPage: newHRPage("/hr/subsidies")}
	var rows []int
	err := hrReadPostForm(w, r, hrMaxSubsidyForm)
	if err == nil {
		var in subsidy.SubsidyApplicationInput
		d.Form, in, rows, err = hrReadSubsidyForm(r)
		d.typed = true
		if err == nil {
			err = s.hrCorrect(r, in)
		}
		if err == nil {
			http.Redirect(w, r, hrSubsidyLink(pathNumber(r))+"?saved=calculated", http.StatusSeeOther)
			return
		}
	}
	status, ok := d.refuseSubsidy(r, err, rows)
	if !ok {
		s.renderError(w, r, err)
		return
	}
	s.hrShowSubsidy(w, r, status, d)
}

// hrCorrect corrects the application of the path with in, keeping its attachments.
func (s *Site) hrCorrect(r *http.Request, in subsidy.SubsidyApplicationInput) error {
	before, err := s.o.Subsidy.Application(r.Context(), pathNumber(r))
	if err != nil {
		return err
	}
	for _, at := range before.Attachments {
		in.Attachments = append(in.Attachments, subsidy.SubsidyAttachmentInput{FileName: at.FileName,
			SHA256: at.SHA256, SizeBytes: at.SizeBytes})
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	_, err = s.o.Subsidy.CorrectApplication(r.Context(), pathNumber(r), version, in)
	return err
}

// maxNominationForm bounds the nomination form: two ids and a reason.
const maxNominationForm = 16 << 10

// hrNominate puts one of the enterprise's registered talent forward for an open award programme,
// through the award service (which keeps HR to its own talent).
func (s *Site) hrNominate(w http.ResponseWriter, r *http.Request) {
	d := hrSubsidiesData{hrPage: newHRPage("/hr/subsidies")}
	if err := hrReadPostForm(w, r, maxNominationForm); err != nil {
		status, _ := d.refused(err)
		s.hrRenderSubsidies(w, r, status, d)
		return
	}
	programme, _ := strconv.ParseInt(r.PostForm.Get("programme_id"), 10, 64)
	talentID, _ := strconv.ParseInt(r.PostForm.Get("talent_id"), 10, 64)
	n, err := s.o.Subsidy.Nominate(r.Context(), programme, subsidy.NominationInput{TalentID: talentID, Reason: r.PostForm.Get("reason")})
	status := http.StatusOK
	if err != nil {
		var ok bool
		if status, ok = d.refused(err); !ok {
			s.renderError(w, r, err)
			return
		}
		d.Errors = hrFieldErrorsOf(err, reqctx.Lang(r.Context()))
	} else {
		d.done("已提名："+n.TalentName, "Nominated: "+n.TalentName)
	}
	s.hrRenderSubsidies(w, r, status, d)
}
