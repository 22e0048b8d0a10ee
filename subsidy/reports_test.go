package subsidy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
)

// ledgerWorld is a ledger of two enterprises X and Y: an award programme of 2025 and the
// enterprise-subsidy programme of 2026, with payouts to talent of X, of Y and of no enterprise
// and to both enterprises, in every status but held.
type ledgerWorld struct {
	*applicationWorld
	awards  Programme
	finance context.Context
	payouts map[string]int64 // by name: x-paid, x-approved, y-failed, none-cancelled, x-pending, ent-x-paid, ent-y-pending
}

func newLedgerWorld(t *testing.T) *ledgerWorld {
	t.Helper()
	w := &ledgerWorld{applicationWorld: newApplicationWorld(t, 1_000_000_000), payouts: map[string]int64{}}
	w.awards = w.fixture.programme(t, "ledger_awards", 2025, 100_000_000)
	w.finance = w.actor(t, "finance-ledger", auth.RoleFinance)
	x, y := w.applicant.ID, w.other.ID
	awardTo := func(name string, enterprise *int64, programmeID int64, amount money.Fen) int64 {
		a := award(t, w.fixture, programmeID, w.talentOf(t, enterprise), amount)
		w.payouts[name] = a.Instalments[0].PayoutID
		return a.Instalments[0].PayoutID
	}
	approve := func(id int64) {
		withAccount(t, w.fixture, id)
		if _, err := w.svc.Approve(w.finance, id, request(t, w.finance, "approve", fmt.Sprint("a-", id), id, nil)); err != nil {
			t.Fatal(err)
		}
	}
	pay := func(id int64) {
		approve(id)
		in := MarkPaidInput{BankReference: fmt.Sprint("CQ", id)}
		if _, err := w.svc.MarkPaid(w.finance, id, in, request(t, w.finance, "mark-paid", fmt.Sprint("p-", id), id, in)); err != nil {
			t.Fatal(err)
		}
	}
	pay(awardTo("x-paid", &x, w.awards.ID, 1_000_001))
	approve(awardTo("x-approved", &x, w.awards.ID, 234_567))
	failed := awardTo("y-failed", &y, w.awards.ID, 500_050)
	approve(failed)
	reason := PayoutReasonInput{Reason: "户名不符"}
	if _, err := w.svc.Fail(w.finance, failed, reason, request(t, w.finance, "fail", "f", failed, reason)); err != nil {
		t.Fatal(err)
	}
	cancelled := awardTo("none-cancelled", nil, w.awards.ID, 300_003)
	clerk := w.actor(t, "office-ledger", auth.RoleTalentOffice)
	if _, err := w.svc.Cancel(clerk, cancelled, reason, request(t, clerk, "cancel", "c", cancelled, reason)); err != nil {
		t.Fatal(err)
	}
	awardTo("x-pending", &x, w.awards.ID, 77_777)

	// The applicant's subsidy is approved and paid; Y's is approved and pending.
	forX := w.submit(t)
	forY, err := w.svc.SubmitApplication(w.hrOther, w.declaration())
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]SubsidyApplication{"ent-x-paid": forX, "ent-y-pending": forY} {
		got, err := w.svc.ApproveApplication(office, a.ID, a.Version, SubsidyApproveInput{})
		if err != nil {
			t.Fatal(err)
		}
		w.payouts[name] = *got.PayoutID
	}
	pay(w.payouts["ent-x-paid"])
	return w
}

// ledgerSums counts and sums the ledger's payouts that match where (SQL over subsidy_payouts p
// joined to its programme g), the reference a report must agree with.
func (w *ledgerWorld) ledgerSums(t *testing.T, where string, args ...any) PayoutReportTotal {
	t.Helper()
	var got struct {
		Count int   `db:"count"`
		Sum   int64 `db:"sum"`
	}
	if err := w.db.Get(&got, `SELECT count(*) AS count, coalesce(sum(p.amount_fen), 0) AS sum
		FROM subsidy_payouts p JOIN subsidy_programmes g ON g.id = p.programme_id WHERE `+where, args...); err != nil {
		t.Fatal(err)
	}
	return PayoutReportTotal{Count: got.Count, AmountFen: money.Fen(got.Sum)}
}

// checkRowsAddUp fails unless the report's rows add up to its total and carry exactly the keys
// grouped by, each group once.
func checkRowsAddUp(t *testing.T, r PayoutReport) {
	t.Helper()
	var sum PayoutReportTotal
	seen := map[string]bool{}
	for _, row := range r.Rows {
		sum.Count += row.Count
		sum.AmountFen += row.AmountFen
		has := []bool{row.Programme != nil, row.Year != nil, row.Beneficiary != nil, row.Status != nil}
		for i, g := range []ReportGroup{GroupProgramme, GroupYear, GroupBeneficiary, GroupStatus} {
			if has[i] != slices.Contains(r.GroupBy, g) {
				t.Errorf("grouped by %v, the row has %s: %v", r.GroupBy, g, has[i])
			}
		}
		key := fmt.Sprintf("%v|%v|%v|%v", row.Programme, deref(row.Year), row.Beneficiary, row.Status)
		if row.Programme != nil {
			key = fmt.Sprintf("%d|%v|%v|%v", row.Programme.ID, deref(row.Year), row.Beneficiary, row.Status)
		}
		if seen[key] {
			t.Errorf("group %s twice", key)
		}
		seen[key] = true
		if row.Count <= 0 {
			t.Errorf("an empty group: %+v", row)
		}
	}
	if sum != r.Total {
		t.Errorf("grouped by %v the rows add up to %+v, the total is %+v", r.GroupBy, sum, r.Total)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestService_PayoutReport_ReconcilesWithTheLedger(t *testing.T) {
	t.Parallel()
	w := newLedgerWorld(t)
	x := w.applicant.ID
	filters := []struct {
		name   string
		filter LedgerFilter
		where  string
		args   []any
	}{
		{"All", LedgerFilter{}, "true", nil},
		{"Programme", LedgerFilter{ProgrammeID: w.awards.ID}, "p.programme_id = $1", []any{w.awards.ID}},
		{"Year", LedgerFilter{Year: 2026}, "g.year = 2026", nil},
		{"Status", LedgerFilter{Status: PayoutPaid}, "p.status = 'paid'", nil},
		{"Kind", LedgerFilter{BeneficiaryKind: BeneficiaryTalent}, "p.beneficiary_kind = 'talent'", nil},
		{"Enterprise", LedgerFilter{EnterpriseID: x}, "p.enterprise_id = $1", []any{x}},
		{"Several", LedgerFilter{Year: 2025, BeneficiaryKind: BeneficiaryTalent, Status: PayoutApproved},
			"g.year = 2025 AND p.beneficiary_kind = 'talent' AND p.status = 'approved'", nil},
		{"Nothing", LedgerFilter{Year: 2030}, "g.year = 2030", nil},
	}
	groupings := [][]string{nil, {"programme"}, {"year"}, {"beneficiary"}, {"status"}, {"status,programme"},
		{"programme,year", "beneficiary", "status"}}
	for _, c := range filters {
		want := w.ledgerSums(t, c.where, c.args...)
		for _, g := range groupings {
			r, err := w.svc.PayoutReport(office, g, c.filter)
			if err != nil {
				t.Fatalf("%s by %v: %v", c.name, g, err)
			}
			if r.Total != want {
				t.Errorf("%s by %v: total %+v, the ledger has %+v", c.name, g, r.Total, want)
			}
			checkRowsAddUp(t, r)
		}
	}
	if all := w.ledgerSums(t, "true"); all.Count != 7 {
		t.Fatalf("the world has %d payouts", all.Count)
	}

	t.Run("DefaultGroupsAndOrder", func(t *testing.T) {
		r, err := w.svc.PayoutReport(office, nil, LedgerFilter{})
		if err != nil || !slices.Equal(r.GroupBy, DefaultReportGroups) {
			t.Fatalf("%v %v", r.GroupBy, err)
		}
		r, err = w.svc.PayoutReport(office, []string{"status", "programme"}, LedgerFilter{})
		if err != nil || !slices.Equal(r.GroupBy, []ReportGroup{GroupStatus, GroupProgramme}) {
			t.Fatalf("%v %v", r.GroupBy, err)
		}
		codes := PayoutStatusVocab.Codes()
		for i := 1; i < len(r.Rows); i++ {
			a, b := r.Rows[i-1], r.Rows[i]
			if ia, ib := slices.Index(codes, string(a.Status.Code)), slices.Index(codes, string(b.Status.Code)); ia > ib ||
				ia == ib && a.Programme.ID >= b.Programme.ID {
				t.Errorf("rows out of order: %+v then %+v", a, b)
			}
		}
	})

	t.Run("ProgrammesPaidAndCommitted", func(t *testing.T) {
		r, err := w.svc.PayoutReport(office, []string{"programme", "status"}, LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		paid, committed := map[int64]money.Fen{}, map[int64]money.Fen{}
		for _, row := range r.Rows {
			if row.Status.Code == PayoutPaid {
				paid[row.Programme.ID] += row.AmountFen
			}
			if row.Status.Code != PayoutCancelled {
				committed[row.Programme.ID] += row.AmountFen
			}
			var col struct {
				Budget    int64 `db:"budget_fen"`
				Committed int64 `db:"committed_fen"`
				Paid      int64 `db:"paid_fen"`
			}
			if err := w.db.Get(&col, `SELECT budget_fen, committed_fen, paid_fen FROM subsidy_programmes WHERE id = $1`,
				row.Programme.ID); err != nil {
				t.Fatal(err)
			}
			p := row.Programme
			if p.BudgetFen == nil || int64(*p.BudgetFen) != col.Budget || int64(*p.CommittedFen) != col.Committed ||
				int64(*p.PaidFen) != col.Paid {
				t.Errorf("programme %d carries %v/%v/%v, its row has %+v", p.ID, p.BudgetFen, p.CommittedFen, p.PaidFen, col)
			}
		}
		for _, id := range []int64{w.awards.ID, w.programme.ID} {
			var col struct {
				Committed int64 `db:"committed_fen"`
				Paid      int64 `db:"paid_fen"`
			}
			if err := w.db.Get(&col, `SELECT committed_fen, paid_fen FROM subsidy_programmes WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if int64(paid[id]) != col.Paid || int64(committed[id]) != col.Committed || col.Paid == 0 {
				t.Errorf("programme %d: the report pays %d and commits %d, the programme says %+v", id, paid[id], committed[id], col)
			}
		}
	})

	t.Run("Labels", func(t *testing.T) {
		for lang, want := range map[string]string{"zh": "已支付", "en": "Paid"} {
			r, err := w.svc.PayoutReport(reqctx.WithLang(office, lang), []string{"status"}, LedgerFilter{Status: PayoutPaid})
			if err != nil || len(r.Rows) != 1 || r.Rows[0].Status.Label != want {
				t.Errorf("%s: %+v %v", lang, r.Rows, err)
			}
		}
	})

	t.Run("Beneficiaries", func(t *testing.T) {
		r, err := w.svc.PayoutReport(office, []string{"beneficiary"}, LedgerFilter{BeneficiaryKind: BeneficiaryEnterprise})
		if err != nil || len(r.Rows) != 2 {
			t.Fatalf("%+v %v", r.Rows, err)
		}
		for _, row := range r.Rows {
			if row.Beneficiary.Kind != BeneficiaryEnterprise || (row.Beneficiary.ID != x && row.Beneficiary.ID != w.other.ID) ||
				row.Beneficiary.Name == "" || row.Count != 1 {
				t.Errorf("row %+v", row)
			}
		}
	})
}

func TestService_PayoutReport_Scope(t *testing.T) {
	t.Parallel()
	w := newLedgerWorld(t)
	x, y := w.applicant.ID, w.other.ID
	for _, c := range []struct {
		hr         context.Context
		enterprise int64
	}{{w.hrApplicant, x}, {w.hrOther, y}} {
		r, err := w.svc.PayoutReport(c.hr, []string{"beneficiary", "programme"}, LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := w.ledgerSums(t, "p.enterprise_id = $1", c.enterprise); r.Total != want || want.Count == 0 {
			t.Errorf("HR of %d: total %+v, its payouts %+v", c.enterprise, r.Total, want)
		}
		checkRowsAddUp(t, r)
		var theirs []string
		if err := w.db.Select(&theirs, `SELECT beneficiary_kind || ':' || CASE WHEN beneficiary_kind = 'talent'
			THEN talent_id ELSE enterprise_id END FROM subsidy_payouts WHERE enterprise_id IS DISTINCT FROM $1`, c.enterprise); err != nil {
			t.Fatal(err)
		}
		for _, row := range r.Rows {
			if slices.Contains(theirs, fmt.Sprintf("%s:%d", row.Beneficiary.Kind, row.Beneficiary.ID)) {
				t.Errorf("HR of %d sees %+v", c.enterprise, row.Beneficiary)
			}
		}
		// Another enterprise's filter shows nothing.
		other := map[int64]int64{x: y, y: x}[c.enterprise]
		if r, err := w.svc.PayoutReport(c.hr, nil, LedgerFilter{EnterpriseID: other}); err != nil || r.Total.Count != 0 || len(r.Rows) != 0 {
			t.Errorf("HR of %d filters for %d: %+v %v", c.enterprise, other, r, err)
		}
	}

	// HR reads the budget of open programmes only, as it reads programmes.
	if _, err := w.svc.SetProgrammeStatus(office, w.awards.ID, 0, ProgrammeClosed); err != nil {
		t.Fatal(err)
	}
	for who, ctx := range map[string]context.Context{"hr": w.hrApplicant, "office": office, "finance": w.finance} {
		r, err := w.svc.PayoutReport(ctx, []string{"programme"}, LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range r.Rows {
			wantBudget := who != "hr" || row.Programme.ID != w.awards.ID
			if got := row.Programme.BudgetFen != nil && row.Programme.PaidFen != nil && row.Programme.CommittedFen != nil; got != wantBudget {
				t.Errorf("%s reads programme %d's budget: %v", who, row.Programme.ID, got)
			}
		}
	}

	for _, role := range []auth.Role{auth.RoleServiceWindow, auth.RoleCommissioner, auth.RoleHousingOffice} {
		ctx := auth.WithPrincipal(context.Background(), auth.Principal{Username: string(role), Role: role})
		if _, err := w.svc.PayoutReport(ctx, nil, LedgerFilter{}); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("%s reports: %v", role, err)
		}
		if _, err := w.svc.ExportPayouts(ctx, &bytes.Buffer{}, LedgerFilter{}, "csv", "gbk"); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("%s exports: %v", role, err)
		}
		if err := w.svc.CheckPayoutExport(ctx); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("%s may export: %v", role, err)
		}
	}
}

func TestService_PayoutReport_RefusesUnknownGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, g := range [][]string{{"enterprise"}, {"programme,"}, {"programme", "Status"}, {""}} {
		_, err := f.svc.PayoutReport(office, g, LedgerFilter{})
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "query.group_by" {
			t.Errorf("group_by %q: %v", g, err)
		}
	}
}

// TestService_ExportPayouts reads the export back, a few payouts a page: one row per payout the
// caller sees, each with the ledger's amount, then the 合计 row with their count and sum.
func TestService_ExportPayouts(t *testing.T) {
	t.Parallel()
	w := newLedgerWorld(t)
	for _, c := range []struct {
		name   string
		ctx    context.Context
		filter LedgerFilter
		where  string
		args   []any
	}{
		{"OfficeAll", office, LedgerFilter{}, "true", nil},
		{"FinanceAwards2025", w.finance, LedgerFilter{Year: 2025}, "g.year = 2025", nil},
		{"HRX", w.hrApplicant, LedgerFilter{}, "p.enterprise_id = $1", []any{w.applicant.ID}},
		{"HRYPaid", w.hrOther, LedgerFilter{Status: PayoutPaid}, "p.enterprise_id = $1 AND p.status = 'paid'", []any{w.other.ID}},
	} {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				n, err := w.svc.exportPayouts(c.ctx, &buf, c.filter, format, "gbk", 2)
				if err != nil {
					t.Fatal(err)
				}
				rows := readExport(t, buf.Bytes())
				want := w.ledgerSums(t, c.where, c.args...)
				if n != want.Count || len(rows) != want.Count+1 {
					t.Fatalf("%d payouts, %d rows; the ledger has %d", n, len(rows), want.Count)
				}
				var ids []int64
				if err := w.db.Select(&ids, `SELECT p.id FROM subsidy_payouts p JOIN subsidy_programmes g ON g.id = p.programme_id
					WHERE `+c.where+` ORDER BY p.id`, c.args...); err != nil {
					t.Fatal(err)
				}
				for i, id := range ids {
					row := rows[i]
					var amount int64
					if err := w.db.Get(&amount, `SELECT amount_fen FROM subsidy_payouts WHERE id = $1`, id); err != nil {
						t.Fatal(err)
					}
					if row[0] != strconv.FormatInt(id, 10) || row[7] != money.Fen(amount).String() || row[8] != strconv.FormatInt(amount, 10) {
						t.Errorf("row %d: %q, want payout %d of %d fen", i, row, id, amount)
					}
				}
				total := rows[len(rows)-1]
				if total[0] != "合计" || total[1] != fmt.Sprintf("%d 笔", want.Count) || total[7] != want.AmountFen.String() ||
					total[8] != strconv.FormatInt(int64(want.AmountFen), 10) {
					t.Errorf("total row %q, the ledger has %+v", total, want)
				}
			})
		}
	}

	t.Run("Cells", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := w.svc.ExportPayouts(office, &buf, LedgerFilter{Status: PayoutPaid, BeneficiaryKind: BeneficiaryTalent}, "csv", "utf-8"); err != nil {
			t.Fatal(err)
		}
		rows := readExport(t, buf.Bytes())
		p, err := w.svc.Payout(office, w.payouts["x-paid"])
		if err != nil {
			t.Fatal(err)
		}
		want := []string{strconv.FormatInt(p.ID, 10), "ledger_awards", "璧山英才", "2025", "人才", p.Beneficiary.Name,
			"6222***********1234", "10000.01", "1000001", "已支付", "2026-06-30"}
		if len(rows) != 2 || !slices.Equal(rows[0][:len(want)], want) || rows[0][11] == "" || rows[0][12] == "" ||
			rows[0][13] != "CQ"+strconv.FormatInt(p.ID, 10) {
			t.Errorf("rows %q, want %q…", rows, want)
		}
	})
}

// readExport reads an export back (CSV in either encoding, or XLSX), checks its header and
// returns its rows.
func readExport(t *testing.T, data []byte) [][]string {
	t.Helper()
	r, err := tabular.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !slices.Equal(r.Header(), payoutExportHeader) {
		t.Fatalf("header %q", r.Header())
	}
	var rows [][]string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row.Cells)
	}
}
