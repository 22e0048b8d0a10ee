package subsidy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/idempotency"
	"talentd/internal/money"
)

// actor adds an account with the role and returns a context acting as it, so that the payout's
// preparer and approver are real, distinct accounts.
func (f *fixture) actor(t testing.TB, username string, role auth.Role) context.Context {
	t.Helper()
	var id int64
	if err := f.db.Get(&id, `INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ($1, $1, $2, 'x') RETURNING id`, username, role); err != nil {
		t.Fatal(err)
	}
	return auth.WithPrincipal(context.Background(), auth.Principal{AccountID: id, Username: username, Role: role})
}

// request names an idempotent request of the actor in ctx under key, as the API would.
func request(t testing.TB, ctx context.Context, operation, key string, id int64, body any) idempotency.Request {
	t.Helper()
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := idempotency.Fingerprint("POST", fmt.Sprintf("/v1/subsidy/payouts/%d/%s", id, operation), body)
	if err != nil {
		t.Fatal(err)
	}
	return idempotency.Request{Key: idempotency.Key{Account: p.AccountID, Operation: operation, Key: key}, Fingerprint: fp}
}

// testAccount is a bank account number the tests record.
const testAccount = "6222020200112341234"

// pendingPayout nominates a new talent for the programme and awards them, prepared by ctx, and
// returns the payout of its one instalment.
func pendingPayout(t *testing.T, f *fixture, ctx context.Context, programmeID int64, amount money.Fen) Payout {
	t.Helper()
	a, err := f.svc.Award(ctx, programmeID, AwardInput{TalentID: nominee(t, f, programmeID), AmountFen: amount,
		Instalments: []InstalmentInput{{DueOn: civilDate(2026, 6, 30), AmountFen: amount}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Payout(ctx, a.Instalments[0].PayoutID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// withAccount records the test bank account on a payout as the office.
func withAccount(t *testing.T, f *fixture, id int64) Payout {
	t.Helper()
	p, err := f.svc.SetBankAccount(office, id, 0, BankAccountInput{AccountName: "张伟", AccountNumber: testAccount, BankCode: "102653000012"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantCode fails unless err is an *errs.Error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestService_PayoutLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	preparer := f.actor(t, "office-a", auth.RoleTalentOffice)
	fin := f.actor(t, "finance-a", auth.RoleFinance)
	prog := f.programme(t, "ledger", 2026, 10_000_000)
	p := pendingPayout(t, f, preparer, prog.ID, 1_000_000)
	if p.Status != PayoutPending || p.HasBankAccount || p.Beneficiary.Kind != BeneficiaryTalent || p.Programme.Code != "ledger" {
		t.Fatalf("new payout: %+v", p)
	}

	_, err := f.svc.Approve(fin, p.ID, request(t, fin, "approve", "a-1", p.ID, nil))
	wantCode(t, err, "bank_account_missing")

	p = withAccount(t, f, p.ID)
	if p.BankAccountMasked != "6222***********1234" || !p.HasBankAccount || p.BankAccountName != "张伟" {
		t.Fatalf("masked account: %+v", p)
	}
	var stored []byte
	if err := f.db.Get(&stored, `SELECT bank_account_cipher FROM subsidy_payouts WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(testAccount)) {
		t.Error("the account number is stored in clear")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE entity_type = 'subsidy_payout' AND (after::text LIKE '%'||$1||'%' OR before::text LIKE '%'||$1||'%')`, testAccount); n != 0 {
		t.Errorf("the audit log holds the whole account number %d times", n)
	}

	if _, err := f.svc.Approve(preparer, p.ID, request(t, preparer, "approve", "a-2", p.ID, nil)); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("the office approved: %v", err)
	}
	p, err = f.svc.Approve(fin, p.ID, request(t, fin, "approve", "a-1", p.ID, nil))
	if err != nil || p.Status != PayoutApproved || p.ApprovedByID == nil {
		t.Fatalf("approve: %v %+v", err, p)
	}
	if _, err := f.svc.SetBankAccount(office, p.ID, 0, BankAccountInput{AccountName: "李四", AccountNumber: "62220000", BankCode: "102"}); err == nil {
		t.Error("the account of an approved payout changed")
	}

	// Fail, retry, pay: the programme's paid total rises once, by the amount.
	p, err = f.svc.Fail(fin, p.ID, PayoutReasonInput{Reason: "户名不符"}, request(t, fin, "fail", "f-1", p.ID, PayoutReasonInput{Reason: "户名不符"}))
	if err != nil || p.Status != PayoutFailed || p.FailureReason != "户名不符" || p.Attempts != 1 {
		t.Fatalf("fail: %v %+v", err, p)
	}
	checkCommitted(t, f, prog.ID)
	_, err = f.svc.MarkPaid(fin, p.ID, MarkPaidInput{BankReference: "X"}, request(t, fin, "mark-paid", "m-0", p.ID, MarkPaidInput{BankReference: "X"}))
	wantCode(t, err, "payout_wrong_status")
	if p, err = f.svc.Retry(fin, p.ID, request(t, fin, "retry", "r-1", p.ID, nil)); err != nil || p.Status != PayoutApproved {
		t.Fatalf("retry: %v %+v", err, p)
	}
	paid := MarkPaidInput{BankReference: "CQ20260630000123"}
	p, err = f.svc.MarkPaid(fin, p.ID, paid, request(t, fin, "mark-paid", "m-1", p.ID, paid))
	if err != nil || p.Status != PayoutPaid || p.PaidAt == nil || p.Attempts != 2 {
		t.Fatalf("mark paid: %v %+v", err, p)
	}
	if got := checkCommitted(t, f, prog.ID); got.PaidFen != 1_000_000 || got.CommittedFen != 1_000_000 {
		t.Errorf("programme after payment: %+v", got)
	}

	t.Run("IdempotentReplay", func(t *testing.T) {
		audits := f.count(t, `SELECT count(*) FROM audit_log WHERE entity_type = 'subsidy_payout'`)
		again, err := f.svc.MarkPaid(fin, p.ID, paid, request(t, fin, "mark-paid", "m-1", p.ID, paid))
		if err != nil || again.Version != p.Version || again.Status != PayoutPaid {
			t.Fatalf("replay: %v %+v", err, again)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE entity_type = 'subsidy_payout'`); n != audits {
			t.Errorf("the replay wrote %d audit records", n-audits)
		}
		if got := checkCommitted(t, f, prog.ID); got.PaidFen != 1_000_000 {
			t.Errorf("paid twice: %+v", got)
		}
		other := MarkPaidInput{BankReference: "OTHER"}
		_, err = f.svc.MarkPaid(fin, p.ID, other, request(t, fin, "mark-paid", "m-1", p.ID, other))
		if !errors.Is(err, idempotency.ErrKeyReused) {
			t.Errorf("same key, other body: %v", err)
		}
	})

	t.Run("Cancel", func(t *testing.T) {
		q := pendingPayout(t, f, preparer, prog.ID, 500_000)
		if _, err := f.svc.Cancel(fin, q.ID, PayoutReasonInput{Reason: "x"}, request(t, fin, "cancel", "c-0", q.ID, nil)); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("finance cancelled: %v", err)
		}
		reason := PayoutReasonInput{Reason: "重复评定"}
		q, err := f.svc.Cancel(preparer, q.ID, reason, request(t, preparer, "cancel", "c-1", q.ID, reason))
		if err != nil || q.Status != PayoutCancelled || q.CancelReason != "重复评定" {
			t.Fatalf("cancel: %v %+v", err, q)
		}
		if got := checkCommitted(t, f, prog.ID); got.CommittedFen != 1_000_000 {
			t.Errorf("cancel did not release the budget: %+v", got)
		}
		_, err = f.svc.Cancel(preparer, p.ID, reason, request(t, preparer, "cancel", "c-2", p.ID, reason))
		wantCode(t, err, "payout_wrong_status")
	})
}

func TestService_PayoutFourEyes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.actor(t, "admin-a", auth.RoleAdmin)
	prog := f.programme(t, "four_eyes", 2026, 1_000_000)
	p := pendingPayout(t, f, admin, prog.ID, 100_000)
	withAccount(t, f, p.ID)
	_, err := f.svc.Approve(admin, p.ID, request(t, admin, "approve", "k", p.ID, nil))
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != "four_eyes" || e.Kind != errs.Forbidden || !strings.Contains(e.Zh, "双人复核") {
		t.Fatalf("the preparer approved: %v", err)
	}
	if got, _ := f.svc.Payout(admin, p.ID); got.Status != PayoutPending {
		t.Errorf("status after refusal: %s", got.Status)
	}
	// The database backs the rule when the service is bypassed.
	if _, err := f.db.Exec(`UPDATE subsidy_payouts SET approved_by_id = prepared_by_id, status = 'approved' WHERE id = $1`, p.ID); err == nil {
		t.Error("the database let the preparer approve")
	}
	other := f.actor(t, "admin-b", auth.RoleAdmin)
	if _, err := f.svc.Approve(other, p.ID, request(t, other, "approve", "k", p.ID, nil)); err != nil {
		t.Errorf("another admin approves: %v", err)
	}
}

// TestService_PayoutParallelMarkPaid sends one payout's mark-paid from many goroutines at once,
// each with its own key: exactly one succeeds, and the programme counts the amount paid once.
func TestService_PayoutParallelMarkPaid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fin := f.actor(t, "finance-a", auth.RoleFinance)
	prog := f.programme(t, "parallel", 2026, 1_000_000)
	p := pendingPayout(t, f, office, prog.ID, 300_000)
	withAccount(t, f, p.ID)
	if _, err := f.svc.Approve(fin, p.ID, request(t, fin, "approve", "a", p.ID, nil)); err != nil {
		t.Fatal(err)
	}
	const tries = 12
	results := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := MarkPaidInput{BankReference: fmt.Sprintf("REF-%d", i)}
			_, results[i] = f.svc.MarkPaid(fin, p.ID, in, request(t, fin, "mark-paid", fmt.Sprintf("k-%d", i), p.ID, in))
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range results {
		var e *errs.Error
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &e) || e.Code != "payout_wrong_status":
			t.Errorf("mark-paid %d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d mark-paid requests succeeded, want exactly 1", ok, tries)
	}
	if got := checkCommitted(t, f, prog.ID); got.PaidFen != 300_000 {
		t.Errorf("paid total %d, want 300000", got.PaidFen)
	}
}

// TestService_PayoutReencrypt re-seals the bank accounts after a key rotation while most payouts
// have none: the empty ones are left alone, and the account opens under the new key.
func TestService_PayoutReencrypt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	prog := f.programme(t, "rotation", 2026, 1_000_000)
	p := pendingPayout(t, f, office, prog.ID, 100)
	pendingPayout(t, f, office, prog.ID, 200)
	withAccount(t, f, p.ID)
	rotated, err := fieldcrypt.NewRing(bytes.Repeat([]byte{3}, 32), [][]byte{bytes.Repeat([]byte{1}, 32)}, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(f.db, rotated, f.reg, Options{})
	sys := auth.WithPrincipal(context.Background(), auth.System)
	if n, err := svc.Reencrypt(sys); err != nil || n != 1 {
		t.Fatalf("reencrypt: %d %v", n, err)
	}
	if n, err := svc.Reencrypt(sys); err != nil || n != 0 {
		t.Fatalf("second reencrypt: %d %v", n, err)
	}
	var sealed []byte
	if err := f.db.Get(&sealed, `SELECT bank_account_cipher FROM subsidy_payouts WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if plain, err := rotated.Open(sealed, bankAccountPurpose); err != nil || plain != testAccount || !rotated.IsCurrent(sealed) {
		t.Errorf("after rotation: %q %v", plain, err)
	}
}

func TestMaskAccount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"6222020200001234": "6222********1234", "12345678": "****5678",
		"123456789": "1234*6789"} {
		if got := maskAccount(in); got != want {
			t.Errorf("maskAccount(%s) = %s, want %s", in, got, want)
		}
	}
}

// count runs a counting query, failing the test on error.
func (f *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestService_CancelFailedPayout: a payout the bank refused may be cancelled by the office with a
// reason, which frees its budget as cancelling a pending one does; one that still waits in a run the
// bank has not settled is not, since the bank may yet pay it.
func TestService_CancelFailedPayout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := newRunDesk(t, f)
	fin, clerk := d.ctx, f.actor(t, "office-a", auth.RoleTalentOffice)
	prog := f.programme(t, "cancel_failed", 2026, 10_000_000)
	keep := pendingPayout(t, f, office, prog.ID, 250_000)
	p, err := f.svc.Payout(office, d.approvedPayout(t, prog.ID, 1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	failed := PayoutReasonInput{Reason: "收款账户已销户"}
	if _, err := f.svc.Fail(fin, p.ID, failed, request(t, fin, "fail", "f", p.ID, failed)); err != nil {
		t.Fatal(err)
	}
	if got := checkCommitted(t, f, prog.ID); got.CommittedFen != 1_250_000 {
		t.Fatalf("committed before the cancellation: %+v", got)
	}
	if _, err := f.svc.Cancel(clerk, p.ID, PayoutReasonInput{Reason: "  "}, request(t, clerk, "cancel", "c-0", p.ID, nil)); !isInvalid(err) {
		t.Errorf("cancel without a reason: %v", err)
	}
	reason := PayoutReasonInput{Reason: "企业已注销，不再发放"}
	got, err := f.svc.Cancel(clerk, p.ID, reason, request(t, clerk, "cancel", "c-1", p.ID, reason))
	if err != nil || got.Status != PayoutCancelled || got.CancelReason != reason.Reason || got.FailureReason != failed.Reason {
		t.Fatalf("cancel a failed payout: %v %+v", err, got)
	}
	if prog := checkCommitted(t, f, prog.ID); prog.CommittedFen != keep.AmountFen || prog.PaidFen != 0 {
		t.Errorf("the cancellation did not free the budget: %+v", prog)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'subsidy_payout.cancel' AND entity_id = $1
		AND before->>'status' = 'failed'`, payoutEntity(p.ID)); n != 1 {
		t.Errorf("%d audit records of the cancellation", n)
	}

	t.Run("WaitingInARun", func(t *testing.T) {
		id := d.approvedPayout(t, prog.ID, 300_000)
		if _, err := d.create(RunInput{PayoutIDs: []int64{id}, ControlCount: 1, ControlSumFen: 300_000}); err != nil {
			t.Fatal(err)
		}
		// Refused by hand while its line still waits for the bank's report.
		if _, err := f.svc.Fail(fin, id, failed, request(t, fin, "fail", "f-run", id, failed)); err != nil {
			t.Fatal(err)
		}
		before := checkCommitted(t, f, prog.ID)
		_, err := f.svc.Cancel(clerk, id, reason, request(t, clerk, "cancel", "c-run", id, reason))
		wantCode(t, err, "payout_awaits_bank")
		if after := checkCommitted(t, f, prog.ID); after.CommittedFen != before.CommittedFen {
			t.Errorf("the refused cancellation moved the budget: %+v -> %+v", before, after)
		}
	})
}
