package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/idempotency"
	"talentd/internal/page"
	"talentd/subsidy"
)

// financePayout is one row of the payout ledger as the finance desk shows it.
type financePayout struct {
	subsidy.Payout
	StatusZh, StatusEn string
	// Mine: the signed-in account prepared it, so the four-eyes rule keeps it from approving it.
	Mine bool
	// ResultZh/En is what the last approval did to it (approved, or why not).
	ResultZh, ResultEn string
	Refused            bool
}

// Pending, Approved, Failed and Cancellable tell the template which steps the payout's status
// allows; the service still checks each.
func (p financePayout) Pending() bool  { return p.Status == subsidy.PayoutPending }
func (p financePayout) Approved() bool { return p.Status == subsidy.PayoutApproved }
func (p financePayout) Failed() bool   { return p.Status == subsidy.PayoutFailed }
func (p financePayout) Cancellable() bool {
	return p.Status == subsidy.PayoutPending || p.Status == subsidy.PayoutHeld
}

type financeOption struct {
	Value, Zh, En string
	Selected      bool
}

type financePayoutsData struct {
	financePage
	Payouts    []financePayout
	Programmes []financeOption
	Statuses   []financeOption
	Programme  string
	Status     string
	Next       string
	// Selected is the payout whose steps are open (?payout=).
	Selected *financePayout
	// Key is the idempotency key of the page's forms.
	Key string
	// FourEyesZh/En is the four-eyes rule's refusal, shown beside a disabled approve button.
	FourEyesZh, FourEyesEn string
	// CanCancel: the signed-in role may cancel payouts (the office's step; admin here).
	CanCancel bool
}

// payoutFilterOf reads the payout filter from the query or the posted form.
func payoutFilterOf(r *http.Request) (subsidy.PayoutFilter, string, string) {
	prog, status := strings.TrimSpace(r.FormValue("programme_id")), strings.TrimSpace(r.FormValue("status"))
	f := subsidy.PayoutFilter{}
	if id, err := strconv.ParseInt(prog, 10, 64); err == nil && id > 0 {
		f.ProgrammeID = id
	} else {
		prog = ""
	}
	if subsidy.PayoutStatusVocab.Has(status) {
		f.Status = subsidy.PayoutStatus(status)
	} else {
		status = ""
	}
	return f, prog, status
}

func (s *Site) financePayouts(w http.ResponseWriter, r *http.Request) {
	s.renderPayouts(w, r, http.StatusOK, newFinancePage("/finance/payouts"), nil)
}

// renderPayouts shows the ledger under the request's filter; results are what an approval just
// did, by payout.
func (s *Site) renderPayouts(w http.ResponseWriter, r *http.Request, status int, fp financePage, results map[int64]financePayout) {
	ctx := r.Context()
	p, _ := auth.FromContext(ctx)
	f, prog, st := payoutFilterOf(r)
	d := financePayoutsData{financePage: fp, Programme: prog, Status: st, Key: formKey(),
		FourEyesZh: subsidy.ErrFourEyes.Zh, FourEyesEn: subsidy.ErrFourEyes.Message,
		CanCancel: p.Role == auth.RoleAdmin || p.Role == auth.RoleTalentOffice}
	row := func(py subsidy.Payout) financePayout {
		fp := financePayout{Payout: py, StatusZh: subsidy.PayoutStatusVocab.Label(string(py.Status), "zh"),
			StatusEn: subsidy.PayoutStatusVocab.Label(string(py.Status), "en"),
			Mine:     py.PreparedByID != nil && *py.PreparedByID == p.AccountID}
		if res, ok := results[py.ID]; ok {
			fp.ResultZh, fp.ResultEn, fp.Refused = res.ResultZh, res.ResultEn, res.Refused
		}
		return fp
	}
	progs, err := s.o.Subsidy.Programmes(ctx, subsidy.ProgrammeFilter{}, page.Query{Limit: page.MaxLimit})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, pr := range progs.Items {
		v := strconv.FormatInt(pr.ID, 10)
		d.Programmes = append(d.Programmes, financeOption{Value: v, Zh: pr.Name + "（" + strconv.Itoa(pr.Year) + "）",
			En: pr.Name + " (" + strconv.Itoa(pr.Year) + ")", Selected: v == prog})
	}
	for _, code := range subsidy.PayoutStatusVocab.Codes() {
		d.Statuses = append(d.Statuses, financeOption{Value: code, Zh: subsidy.PayoutStatusVocab.Label(code, "zh"),
			En: subsidy.PayoutStatusVocab.Label(code, "en"), Selected: code == st})
	}
	list, err := s.o.Subsidy.Payouts(ctx, f, listQuery(r, 100))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, py := range list.Items {
		d.Payouts = append(d.Payouts, row(py))
	}
	d.Next = nextLink("/finance/payouts", list.NextCursor, url.Values{"programme_id": {prog}, "status": {st}})
	if raw := r.FormValue("payout"); raw != "" {
		id, _ := strconv.ParseInt(raw, 10, 64)
		py, err := s.o.Subsidy.Payout(ctx, id)
		if err != nil {
			if id <= 0 {
				err = subsidy.ErrPayoutNotFound
			}
			if status = d.refuse(err); status == 0 {
				s.renderError(w, r, err)
				return
			}
		} else {
			sel := row(py)
			d.Selected = &sel
		}
	}
	s.render(w, r, status, "finance", "付款审批", d)
}

// financeApprove approves the pending payouts ticked in the list, each on its own: one refused
// (the four-eyes rule, no bank account) does not hold up the others.
func (s *Site) financeApprove(w http.ResponseWriter, r *http.Request) {
	fp := newFinancePage("/finance/payouts")
	if err := parseFinanceForm(w, r); err != nil {
		fp.refuse(err)
		s.renderPayouts(w, r, http.StatusBadRequest, fp, nil)
		return
	}
	key := r.PostForm.Get("key")
	results := map[int64]financePayout{}
	status, approved, refused := http.StatusOK, 0, 0
	for _, raw := range r.PostForm["id"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		res := financePayout{}
		req, err := pageRequest(r, "approve-subsidy-payout", key+"."+raw, nil)
		if err == nil {
			_, err = s.o.Subsidy.Approve(r.Context(), id, req)
		}
		if err != nil {
			var one financePage
			st := one.refuse(err)
			if st == 0 {
				s.renderError(w, r, err)
				return
			}
			status, refused = st, refused+1
			res = financePayout{ResultZh: one.ProblemZh, ResultEn: one.ProblemEn, Refused: true}
		} else {
			approved++
			res = financePayout{ResultZh: "已审批", ResultEn: "Approved"}
		}
		results[id] = res
	}
	if approved+refused == 0 {
		fp.ProblemZh, fp.ProblemEn = "请先勾选要审批的付款", "Tick the payouts to approve first"
		s.renderPayouts(w, r, http.StatusUnprocessableEntity, fp, nil)
		return
	}
	if approved > 0 {
		status = http.StatusOK
		fp.DoneZh = "已审批 " + strconv.Itoa(approved) + " 笔付款"
		fp.DoneEn = "Approved " + strconv.Itoa(approved) + " payout(s)"
	}
	if refused > 0 {
		fp.ProblemZh = strconv.Itoa(refused) + " 笔付款未能审批，原因见各行"
		fp.ProblemEn = strconv.Itoa(refused) + " payout(s) could not be approved; see each row"
	}
	s.renderPayouts(w, r, status, fp, results)
}

// payoutSteps are the steps the payout panel's forms take, by the {action} of their path.
var payoutSteps = map[string]struct{ zh, en string }{
	"approve":   {"已审批", "approved"},
	"mark-paid": {"已登记为已支付", "marked paid"},
	"fail":      {"已登记为支付失败", "marked failed"},
	"retry":     {"已重新发起支付", "retried"},
	"cancel":    {"已取消", "cancelled"},
}

// financePayoutStep takes one step on one payout with what its form carries.
func (s *Site) financePayoutStep(w http.ResponseWriter, r *http.Request) {
	fp := newFinancePage("/finance/payouts")
	step, known := payoutSteps[r.PathValue("action")]
	id, err := pathID(r, "id", subsidy.ErrPayoutNotFound)
	if err == nil && !known {
		err = subsidy.ErrPayoutNotFound
	}
	if err == nil {
		err = parseFinanceForm(w, r)
	}
	if err == nil {
		err = s.payoutStep(r, id, r.PathValue("action"))
	}
	if err != nil {
		status := fp.refuse(err)
		if status == 0 {
			s.renderError(w, r, err)
			return
		}
		s.renderPayouts(w, r, status, fp, nil)
		return
	}
	idText := strconv.FormatInt(id, 10)
	fp.DoneZh, fp.DoneEn = "付款 "+idText+" "+step.zh, "Payout "+idText+" "+step.en
	s.renderPayouts(w, r, http.StatusOK, fp, nil)
}

// payoutStep calls the service's step with the form's inputs, under the form's key.
func (s *Site) payoutStep(r *http.Request, id int64, action string) error {
	ctx, key := r.Context(), r.PostForm.Get("key")
	request := func(body any) (idempotency.Request, error) {
		return pageRequest(r, action+"-subsidy-payout", key, body)
	}
	var err error
	var req idempotency.Request
	switch action {
	case "approve":
		if req, err = request(nil); err == nil {
			_, err = s.o.Subsidy.Approve(ctx, id, req)
		}
	case "retry":
		if req, err = request(nil); err == nil {
			_, err = s.o.Subsidy.Retry(ctx, id, req)
		}
	case "mark-paid":
		in := subsidy.MarkPaidInput{BankReference: strings.TrimSpace(r.PostForm.Get("bank_reference"))}
		if !validBankReference(in.BankReference) {
			return errBankReference
		}
		if req, err = request(in); err == nil {
			_, err = s.o.Subsidy.MarkPaid(ctx, id, in, req)
		}
	case "fail", "cancel":
		in := subsidy.PayoutReasonInput{Reason: r.PostForm.Get("reason")}
		if req, err = request(in); err == nil {
			if action == "fail" {
				_, err = s.o.Subsidy.Fail(ctx, id, in, req)
			} else {
				_, err = s.o.Subsidy.Cancel(ctx, id, in, req)
			}
		}
	}
	return err
}

// errBankReference refuses a bank reference the API's schema would refuse: 1–100 printable ASCII
// characters.
var errBankReference = errs.Fields(errs.Field("body.bank_reference", "invalid", "请填写银行交易流水号（1 至 100 个英文字母、数字或符号）",
	"the bank reference is 1 to 100 printable ASCII characters", nil))

func validBankReference(ref string) bool {
	return len(ref) <= 100 && idempotency.ValidKey(ref)
}
