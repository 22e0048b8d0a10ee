package subsidy

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/idempotency"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// financeRoles approve, settle and retry payouts.
var financeRoles = []auth.Role{auth.RoleAdmin, auth.RoleFinance}

// Payouts lists the payouts the caller sees, a page at a time: HR those to its enterprise and
// its own talent, the office, finance and admin all.
func (s *Service) Payouts(ctx context.Context, f PayoutFilter, q page.Query) (page.Of[Payout], error) {
	scope, err := payoutScope(ctx)
	if err != nil {
		return page.Of[Payout]{}, err
	}
	return page.Fetch(q, func(after int64, limit int) ([]Payout, error) {
		return listPayouts(ctx, s.db, f, scope.All(), scope.EnterpriseID(), after, limit)
	}, func(p Payout) int64 { return p.ID })
}

// Payout reads one payout the caller sees; another enterprise's is not found.
func (s *Service) Payout(ctx context.Context, id int64) (Payout, error) {
	scope, err := payoutScope(ctx)
	if err != nil {
		return Payout{}, err
	}
	return getPayout(ctx, s.db, id, scope.All(), scope.EnterpriseID(), false)
}

// payoutScope is the caller's reach over payouts; a role that reaches none is refused.
func payoutScope(ctx context.Context) (auth.Scope, error) {
	_, scope, err := beneficiaryReaches.Scope(ctx)
	if err == nil && scope.None() {
		err = auth.ErrForbidden
	}
	return scope, err
}

// SetBankAccount records the account a pending payout is paid to (the office, admin). The number
// is sealed with the ring and only its masked form is ever read back or audited.
func (s *Service) SetBankAccount(ctx context.Context, id int64, version int, in BankAccountInput) (Payout, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Payout{}, err
	}
	in, err := in.normalise()
	if err != nil {
		return Payout{}, err
	}
	masked := maskAccount(in.AccountNumber)
	var out Payout
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getPayout(ctx, tx, id, true, 0, true)
		if err != nil {
			return err
		}
		if err := etag.Check(version, before.Version); err != nil {
			return err
		}
		if before.Status != PayoutPending {
			return payoutWrongStatus(before.Status, "登记或更改收款账户", "given a bank account")
		}
		sealed := s.ring.Seal(in.AccountNumber, bankAccountPurpose)
		if err := setBankAccount(ctx, tx, id, sealed, masked, in.AccountName, in.BankCode); err != nil {
			return err
		}
		if out, err = getPayout(ctx, tx, id, true, 0, false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout.bank_account", EntityType: "subsidy_payout",
			EntityID: payoutEntity(id),
			Before:   map[string]any{"bank_account_masked": before.BankAccountMasked, "bank_code": before.BankCode},
			After:    map[string]any{"bank_account_masked": masked, "bank_code": in.BankCode}})
	})
	return out, err
}

// payoutStep is one money-moving step of a payout's life, run by payoutStepRunner.
type payoutStep struct {
	action string         // audit action suffix: "approve"
	roles  []auth.Role    // who may take it
	from   []PayoutStatus // the statuses it starts from
	zh, en string         // the step, for the wrong-status error: "审批", "approved"
	// settledOnly refuses a payout that waits in a run the bank has not settled: the bank may
	// still pay it, so its budget must not be freed.
	settledOnly bool
	// apply checks what else the step needs and returns the change, with the programme's committed
	// and paid totals moving by the amounts returned.
	apply func(p auth.Principal, cur Payout) (payoutChange, money.Fen, money.Fen, error)
}

// Approve approves a pending payout (finance, admin): never by whoever prepared it, and only once
// it has a bank account.
func (s *Service) Approve(ctx context.Context, id int64, req idempotency.Request) (Payout, error) {
	return s.runStep(ctx, id, req, payoutStep{action: "approve", roles: financeRoles, from: []PayoutStatus{PayoutPending},
		zh: "审批", en: "approved",
		apply: func(p auth.Principal, cur Payout) (payoutChange, money.Fen, money.Fen, error) {
			actor := p.ActorID()
			if actor != nil && cur.PreparedByID != nil && *actor == *cur.PreparedByID {
				return payoutChange{}, 0, 0, ErrFourEyes
			}
			if !cur.HasBankAccount {
				return payoutChange{}, 0, 0, ErrNoBankAccount
			}
			return payoutChange{Status: PayoutApproved, Approve: true, ApprovedByID: actor}, 0, 0, nil
		}})
}

// MarkPaid records that the bank executed an approved payout (finance, admin); the programme's
// paid total rises by its amount in the same transaction.
func (s *Service) MarkPaid(ctx context.Context, id int64, in MarkPaidInput, req idempotency.Request) (Payout, error) {
	return s.runStep(ctx, id, req, payoutStep{action: "mark_paid", roles: financeRoles, from: []PayoutStatus{PayoutApproved},
		zh: "登记为已支付", en: "marked paid",
		apply: func(_ auth.Principal, cur Payout) (payoutChange, money.Fen, money.Fen, error) {
			ref := in.BankReference
			return payoutChange{Status: PayoutPaid, Paid: true, BankReference: &ref, Attempt: true}, 0, cur.AmountFen, nil
		}})
}

// Fail records that the bank refused an approved payout (finance, admin), with the reason.
func (s *Service) Fail(ctx context.Context, id int64, in PayoutReasonInput, req idempotency.Request) (Payout, error) {
	in, err := in.normalise()
	if err != nil {
		return Payout{}, err
	}
	return s.runStep(ctx, id, req, payoutStep{action: "fail", roles: financeRoles, from: []PayoutStatus{PayoutApproved},
		zh: "登记为支付失败", en: "marked failed",
		apply: func(_ auth.Principal, _ Payout) (payoutChange, money.Fen, money.Fen, error) {
			return payoutChange{Status: PayoutFailed, FailureReason: in.Reason, Attempt: true}, 0, 0, nil
		}})
}

// Retry puts a failed payout back to approved (finance, admin), to be sent to the bank again.
func (s *Service) Retry(ctx context.Context, id int64, req idempotency.Request) (Payout, error) {
	return s.runStep(ctx, id, req, payoutStep{action: "retry", roles: financeRoles, from: []PayoutStatus{PayoutFailed},
		zh: "重新发起支付", en: "retried",
		apply: func(_ auth.Principal, _ Payout) (payoutChange, money.Fen, money.Fen, error) {
			return payoutChange{Status: PayoutApproved}, 0, 0, nil
		}})
}

// Cancel cancels a pending, held or failed payout (the office, admin), with the reason; its amount
// goes back to the programme's budget in the same transaction. A payout still waiting in a run the
// bank has not settled is refused (payout_awaits_bank), since the bank may yet pay it.
func (s *Service) Cancel(ctx context.Context, id int64, in PayoutReasonInput, req idempotency.Request) (Payout, error) {
	in, err := in.normalise()
	if err != nil {
		return Payout{}, err
	}
	return s.runStep(ctx, id, req, payoutStep{action: "cancel", roles: officeRoles,
		from: []PayoutStatus{PayoutPending, PayoutHeld, PayoutFailed}, settledOnly: true, zh: "取消", en: "cancelled",
		apply: func(_ auth.Principal, cur Payout) (payoutChange, money.Fen, money.Fen, error) {
			return payoutChange{Status: PayoutCancelled, FailureReason: cur.FailureReason, CancelReason: in.Reason},
				-cur.AmountFen, 0, nil
		}})
}

// runStep takes a step under its idempotency key, in one transaction: a retry of a request
// replays the first answer and changes nothing. The payout's row is locked, so that two steps of
// one payout queue; a step that moves the programme's totals then locks the programme's row too
// (the lock every change of those totals takes), so that the totals move with the payout.
func (s *Service) runStep(ctx context.Context, id int64, req idempotency.Request, step payoutStep) (Payout, error) {
	p, err := auth.Require(ctx, step.roles...)
	if err != nil {
		return Payout{}, err
	}
	var out Payout
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		stored, err := idempotency.Begin(ctx, tx, req.Key, req.Fingerprint)
		if err != nil {
			return err
		}
		if stored != nil {
			return stored.Decode(&out)
		}
		cur, err := getPayout(ctx, tx, id, true, 0, true)
		if err != nil {
			return err
		}
		if !slices.Contains(step.from, cur.Status) {
			return payoutWrongStatus(cur.Status, step.zh, step.en)
		}
		if step.settledOnly {
			if waits, err := payoutInPendingRun(ctx, tx, id); err != nil {
				return err
			} else if waits {
				return ErrPayoutAwaitsBank
			}
		}
		change, committed, paid, err := step.apply(p, cur)
		if err != nil {
			return err
		}
		// Only a step that moves the programme's totals takes its lock: approving, failing and
		// retrying do not, so that they do not queue behind every other payout of the programme.
		moves := committed != 0 || paid != 0
		if moves {
			if _, err := getProgramme(ctx, tx, cur.Programme.ID, false, true); err != nil {
				return err
			}
		}
		if err := changePayout(ctx, tx, id, change); err != nil {
			return err
		}
		if moves {
			if err := addCommitted(ctx, tx, cur.Programme.ID, int64(committed), int64(paid)); err != nil {
				return err
			}
		}
		if out, err = getPayout(ctx, tx, id, true, 0, false); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout." + step.action, EntityType: "subsidy_payout",
			EntityID: payoutEntity(id), Before: map[string]any{"status": cur.Status},
			After: map[string]any{"status": out.Status, "amount_fen": out.AmountFen, "bank_reference": out.BankReference,
				"failure_reason": out.FailureReason, "cancel_reason": out.CancelReason}}); err != nil {
			return err
		}
		return idempotency.Finish(ctx, tx, req.Key, http.StatusOK, out)
	})
	return out, err
}

// payoutEntity is a payout's id as the audit log names it.
func payoutEntity(id int64) string { return strconv.FormatInt(id, 10) }
