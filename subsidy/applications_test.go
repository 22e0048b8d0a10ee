package subsidy

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// applicationWorld is an enterprise-subsidy programme with an applying enterprise, a local
// supplier, a supplier that is not local, and the applicant's and another enterprise's HR.
type applicationWorld struct {
	*fixture
	programme            Programme
	applicant, other     talent.Enterprise
	local, nonLocal      talent.Enterprise
	hrApplicant, hrOther context.Context
}

func newApplicationWorld(t testing.TB, budget money.Fen) *applicationWorld {
	t.Helper()
	w := &applicationWorld{fixture: newFixture(t)}
	inputs := talent.DemoEnterpriseInputs()
	made := make([]talent.Enterprise, 4)
	for i := range made {
		in := inputs[i]
		in.LocalSupplier = i == 2
		e, err := w.reg.CreateEnterprise(office, in)
		if err != nil {
			t.Fatal(err)
		}
		made[i] = e
	}
	w.applicant, w.other, w.local, w.nonLocal = made[0], made[1], made[2], made[3]
	hr := func(id int64) context.Context {
		return auth.WithPrincipal(context.Background(), auth.Principal{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: id})
	}
	w.hrApplicant, w.hrOther = hr(w.applicant.ID), hr(w.other.ID)
	p, err := w.svc.CreateProgramme(office, ProgrammeInput{Kind: KindEnterpriseSubsidy, Code: "rd_and_supply", Name: "研发与本地配套",
		Year: 2026, BudgetFen: budget, Rules: Rules{
			"rd_platform":   map[string]any{"levels": map[string]any{"national": 50_000_000, "municipal": 20_000_000, "district": 5_000_000}},
			"rd_investment": map[string]any{"rate_bp": 500, "cap_fen": 100_000_000},
			"local_supply":  map[string]any{"rate_bp": 300},
		}})
	if err != nil {
		t.Fatal(err)
	}
	w.programme = p
	return w
}

// declaration is a municipal platform, 10 000 yuan of R&D and a purchase from each supplier.
func (w *applicationWorld) declaration() SubsidyApplicationInput {
	return SubsidyApplicationInput{ProgrammeID: w.programme.ID, PlatformLevel: "municipal", RDSpendingFen: 1_000_000,
		Purchases: []SupplierPurchase{{SupplierUSCC: w.local.USCC, AmountFen: 2_000_000},
			{SupplierUSCC: w.nonLocal.USCC, AmountFen: 9_000_000}},
		Attachments: []SubsidyAttachmentInput{{FileName: "研发费用专项审计报告.pdf", SHA256: "AB" + repeatHex(62)}}}
}

// submit files the declaration as the applicant's HR.
func (w *applicationWorld) submit(t *testing.T) SubsidyApplication {
	t.Helper()
	a, err := w.svc.SubmitApplication(w.hrApplicant, w.declaration())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func repeatHex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdef"[i%16]
	}
	return string(b)
}

func TestService_SubmitApplication_StoresTheWorking(t *testing.T) {
	t.Parallel()
	w := newApplicationWorld(t, 1_000_000_000)
	a := w.submit(t)
	// 200 000 yuan for the municipal platform, 5 % of 10 000 yuan, 3 % of the 20 000 yuan bought
	// locally; the 90 000 yuan bought from the supplier that is not local does not count.
	want := []struct {
		code   string
		amount money.Fen
	}{{LineRDPlatform, 20_000_000}, {LineRDInvestment, 50_000}, {LineNonLocalSupplier, 0}, {LineLocalSupply, 60_000}}
	if a.Status != ApplicationSubmitted || a.EnterpriseID != w.applicant.ID || a.CalculatedFen != 20_110_000 ||
		a.AmountFen != 20_110_000 || len(a.Working) != len(want) {
		t.Fatalf("application: %+v", a)
	}
	for i, l := range want {
		if a.Working[i].Code != l.code || a.Working[i].AmountFen != l.amount {
			t.Errorf("line %d: %+v, want %s %d", i+1, a.Working[i], l.code, l.amount)
		}
	}
	excluded := a.Working[2]
	if excluded.BasisFen != 9_000_000 || excluded.Note == "" || excluded.NoteEn == "" {
		t.Errorf("excluded purchase: %+v", excluded)
	}
	if a.Working[3].BasisFen != 2_000_000 || a.Working[3].RateBP != 300 {
		t.Errorf("local supply: %+v", a.Working[3])
	}
	if len(a.Attachments) != 1 || a.Attachments[0].SHA256 != "ab"+repeatHex(62) {
		t.Errorf("attachments: %+v", a.Attachments)
	}
	read, err := w.svc.Application(office, a.ID)
	if err != nil || len(read.Working) != 4 || read.Working[2].Note != excluded.Note || read.Declared.Purchases[1].SupplierUSCC != w.nonLocal.USCC {
		t.Errorf("read back: %+v %v", read, err)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'subsidy_application.submit'`); n != 1 {
		t.Errorf("%d audit entries", n)
	}
}

func (w *applicationWorld) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := w.db.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestService_Applications_HRScope(t *testing.T) {
	t.Parallel()
	w := newApplicationWorld(t, 1_000_000_000)
	a := w.submit(t)
	if _, err := w.svc.Application(w.hrOther, a.ID); !errors.Is(err, ErrApplicationNotFound) {
		t.Errorf("another enterprise's HR reads: %v", err)
	}
	if p, err := w.svc.Applications(w.hrOther, page.Query{Limit: 10}); err != nil || len(p.Items) != 0 {
		t.Errorf("another enterprise's HR lists: %+v %v", p, err)
	}
	if p, err := w.svc.Applications(w.hrApplicant, page.Query{Limit: 10}); err != nil || len(p.Items) != 1 {
		t.Errorf("own HR lists: %+v %v", p, err)
	}
	in := w.declaration()
	in.EnterpriseID = w.other.ID
	if _, err := w.svc.SubmitApplication(w.hrApplicant, in); !errors.Is(err, ErrEnterpriseNotFound) {
		t.Errorf("HR applies for another enterprise: %v", err)
	}
	if _, err := w.svc.ReturnApplication(w.hrApplicant, a.ID, 0, SubsidyDecisionInput{Reason: "自己退回"}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("HR decides: %v", err)
	}
	// The office names the enterprise; without one nothing is filed.
	if _, err := w.svc.SubmitApplication(office, w.declaration()); !isInvalid(err) {
		t.Errorf("office without an enterprise: %v", err)
	}
}

func isInvalid(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.Invalid
}

func TestService_ApproveApplication_ReservesAndSchedulesOnePayout(t *testing.T) {
	t.Parallel()
	w := newApplicationWorld(t, 1_000_000_000)
	a := w.submit(t)
	if _, err := w.svc.ApproveApplication(office, a.ID, 0, SubsidyApproveInput{AdjustedAmountFen: fen(15_000_000)}); !isInvalid(err) {
		t.Errorf("adjusted without a reason: %v", err)
	}
	got, err := w.svc.ApproveApplication(office, a.ID, a.Version, SubsidyApproveInput{AdjustedAmountFen: fen(15_000_000), Reason: "平台认定文件不全"})
	if err != nil {
		t.Fatal(err)
	}
	last := got.Working[len(got.Working)-1]
	if got.Status != ApplicationApproved || got.AmountFen != 15_000_000 || got.CalculatedFen != 20_110_000 ||
		last.Code != LineAdjustment || last.AmountFen != -5_110_000 || got.PayoutID == nil {
		t.Fatalf("approved: %+v", got)
	}
	var sum money.Fen
	for _, l := range got.Working {
		sum += l.AmountFen
	}
	if sum != got.AmountFen {
		t.Errorf("the lines add up to %d, the amount is %d", sum, got.AmountFen)
	}
	if _, err := w.svc.ApproveApplication(office, a.ID, 0, SubsidyApproveInput{}); !errors.Is(err, ErrApplicationNotPending) {
		t.Errorf("approved twice: %v", err)
	}
	prog, err := w.svc.Programme(office, w.programme.ID)
	if err != nil || prog.CommittedFen != 15_000_000 {
		t.Errorf("committed: %+v %v", prog, err)
	}
	if n := w.count(t, `SELECT count(*) FROM subsidy_payouts WHERE application_id = $1 AND status = 'pending'
		AND beneficiary_kind = 'enterprise' AND enterprise_id = $2 AND amount_fen = 15000000`, a.ID, w.applicant.ID); n != 1 {
		t.Errorf("%d payouts", n)
	}
}

func TestService_ApproveApplication_ParallelApprovalsKeepWithinTheBudget(t *testing.T) {
	t.Parallel()
	// Each application is calculated at 201 100 yuan; the budget holds three of them.
	w := newApplicationWorld(t, 3*20_110_000+1)
	const n = 6
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = w.submit(t).ID
	}
	errsOf := make([]error, n)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { _, errsOf[i] = w.svc.ApproveApplication(office, id, 0, SubsidyApproveInput{}) })
	}
	wg.Wait()
	approved := 0
	for _, err := range errsOf {
		switch {
		case err == nil:
			approved++
		case !errors.Is(err, ErrBudgetExceeded):
			t.Errorf("approval: %v", err)
		}
	}
	prog, err := w.svc.Programme(office, w.programme.ID)
	if err != nil || approved != 3 || prog.CommittedFen != 3*20_110_000 {
		t.Errorf("%d approved, committed %+v %v", approved, prog, err)
	}
	if got := w.count(t, `SELECT count(*) FROM subsidy_payouts WHERE programme_id = $1`, w.programme.ID); got != 3 {
		t.Errorf("%d payouts", got)
	}
}

func TestService_ReturnedApplication_IsCorrectedAndResubmitted(t *testing.T) {
	t.Parallel()
	w := newApplicationWorld(t, 1_000_000_000)
	a := w.submit(t)
	if _, err := w.svc.ReturnApplication(office, a.ID, 0, SubsidyDecisionInput{Reason: " "}); !isInvalid(err) {
		t.Errorf("return without a reason: %v", err)
	}
	r, err := w.svc.ReturnApplication(office, a.ID, 0, SubsidyDecisionInput{Reason: "请补充研发费用审计报告"})
	if err != nil || r.Status != ApplicationReturned || r.DecisionReason != "请补充研发费用审计报告" {
		t.Fatalf("returned: %+v %v", r, err)
	}
	if _, err := w.svc.ApproveApplication(office, a.ID, 0, SubsidyApproveInput{}); !errors.Is(err, ErrApplicationNotPending) {
		t.Errorf("approve a returned application: %v", err)
	}
	in := w.declaration()
	in.PlatformLevel = "district"
	c, err := w.svc.CorrectApplication(w.hrApplicant, a.ID, r.Version, in)
	if err != nil || c.Status != ApplicationSubmitted || c.AmountFen != 5_000_000+50_000+60_000 || len(c.Working) != 4 ||
		c.DecisionReason != "" {
		t.Fatalf("corrected: %+v %v", c, err)
	}
	if _, err := w.svc.CorrectApplication(w.hrOther, a.ID, 0, in); !errors.Is(err, ErrApplicationNotFound) {
		t.Errorf("another enterprise's HR corrects: %v", err)
	}
	if _, err := w.svc.RejectApplication(office, a.ID, 0, SubsidyDecisionInput{Reason: "不符合申报条件"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CorrectApplication(w.hrApplicant, a.ID, 0, in); !errors.Is(err, ErrApplicationNotEditable) {
		t.Errorf("correct a rejected application: %v", err)
	}
}

// TestApplicationVocabularies_MatchTheSchema holds the application statuses and the working lines'
// codes to the CHECK constraints of their columns.
func TestApplicationVocabularies_MatchTheSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	got, want := pgtest.CheckedValues(t, db, "subsidy_applications", "status"), slices.Clone(ApplicationStatusVocab.Codes())
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("subsidy_applications.status allows %v, the list has %v", got, want)
	}
	got = pgtest.CheckedValues(t, db, "subsidy_application_lines", "rule")
	want = []string{LineAdjustment, LineLocalSupply, LineNonLocalSupplier, LineOverallCap, LineRDInvestment, LineRDPlatform}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("subsidy_application_lines.rule allows %v, the calculation writes %v", got, want)
	}
}

// TestService_DecideApplication_ClosedProgramme: once its programme is closed, an application is
// neither approved (nothing is reserved or scheduled) nor returned for a correction the closed
// programme would refuse; it may still be rejected. Reopened, it is approved.
func TestService_DecideApplication_ClosedProgramme(t *testing.T) {
	t.Parallel()
	w := newApplicationWorld(t, 1_000_000_000)
	a, rejected := w.submit(t), w.submit(t)
	closed, err := w.svc.SetProgrammeStatus(office, w.programme.ID, 0, ProgrammeClosed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.ApproveApplication(office, a.ID, 0, SubsidyApproveInput{})
	var e *errs.Error
	if !errors.Is(err, ErrProgrammeClosed) || !errors.As(err, &e) || e.Kind != errs.Conflict || e.Zh == "" || e.Message == "" {
		t.Fatalf("approve under a closed programme: %v", err)
	}
	if _, err := w.svc.ReturnApplication(office, a.ID, 0, SubsidyDecisionInput{Reason: "请补充材料"}); !errors.Is(err, ErrProgrammeClosed) {
		t.Errorf("return under a closed programme: %v", err)
	}
	got, err := w.svc.Application(office, a.ID)
	if err != nil || got.Status != ApplicationSubmitted || got.PayoutID != nil || got.Version != a.Version {
		t.Errorf("the refused decisions changed the application: %+v %v", got, err)
	}
	prog, err := w.svc.Programme(office, w.programme.ID)
	if err != nil || prog.CommittedFen != 0 || prog.Version != closed.Version {
		t.Errorf("the refused approval moved the programme: %+v %v", prog, err)
	}
	if n := w.count(t, `SELECT count(*) FROM subsidy_payouts WHERE programme_id = $1`, w.programme.ID); n != 0 {
		t.Errorf("%d payouts under the closed programme", n)
	}
	if r, err := w.svc.RejectApplication(office, rejected.ID, 0, SubsidyDecisionInput{Reason: "项目已结束"}); err != nil || r.Status != ApplicationRejected {
		t.Errorf("reject under a closed programme: %+v %v", r, err)
	}
	if _, err := w.svc.SetProgrammeStatus(office, w.programme.ID, 0, ProgrammeOpen); err != nil {
		t.Fatal(err)
	}
	if got, err := w.svc.ApproveApplication(office, a.ID, 0, SubsidyApproveInput{}); err != nil || got.Status != ApplicationApproved {
		t.Errorf("approve once reopened: %+v %v", got, err)
	}
}
