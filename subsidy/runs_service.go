package subsidy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/idempotency"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// runEntity is a run's id in the audit log.
func runEntity(id int64) string { return strconv.FormatInt(id, 10) }

// CreateRun puts approved payouts into a new run (finance, admin), under the request's
// idempotency key: a retry with the same key and request gets the first run again. Every payout
// must be approved, have a bank account and wait in no other run; the declared control count and
// sum must equal the payouts' (422 naming the one that disagrees).
func (s *Service) CreateRun(ctx context.Context, req idempotency.Request, in RunInput) (PayoutRun, error) {
	p, err := auth.Require(ctx, runRoles...)
	if err != nil {
		return PayoutRun{}, err
	}
	if err := checkRunIDs(in.PayoutIDs); err != nil {
		return PayoutRun{}, err
	}
	var out PayoutRun
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		stored, err := idempotency.Begin(ctx, tx, req.Key, req.Fingerprint)
		if err != nil {
			return err
		}
		if stored != nil {
			return stored.Decode(&out)
		}
		payouts, err := lockRunPayouts(ctx, tx, in.PayoutIDs)
		if err != nil {
			return err
		}
		if err := checkRunPayouts(in, payouts); err != nil {
			return err
		}
		if out, err = insertRun(ctx, tx, newMessageID(s.opts.Now()), in.ControlCount, in.ControlSumFen, p.ActorID()); err != nil {
			return err
		}
		if out.Lines, err = insertRunLines(ctx, tx, out.ID, payouts); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout_run.create", EntityType: "subsidy_payout_run",
			EntityID: runEntity(out.ID), After: out}); err != nil {
			return err
		}
		return idempotency.Finish(ctx, tx, req.Key, http.StatusCreated, out)
	})
	return out, err
}

// checkRunIDs refuses a payout named twice, or a run too large for one file.
func checkRunIDs(ids []int64) error {
	if len(ids) == 0 || len(ids) > maxRunLines {
		return errs.Fields(errs.Field("body.payout_ids", "count", "每个付款批次应包含 1 至 10000 笔付款",
			"a run holds 1 to 10000 payouts", len(ids)))
	}
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return errs.Fields(errs.Field("body.payout_ids["+strconv.Itoa(i)+"]", "duplicate",
				"同一笔付款不能在批次中出现两次", "names a payout twice", id))
		}
		seen[id] = true
	}
	return nil
}

// checkRunPayouts refuses a payout that is missing, not approved, without a bank account or in
// another pending run, and declared totals that disagree with the payouts'.
func checkRunPayouts(in RunInput, payouts []runPayout) error {
	found := make(map[int64]bool, len(payouts))
	var sum money.Fen
	for _, py := range payouts {
		found[py.ID] = true
		sum += py.AmountFen
		switch {
		case py.Status != PayoutApproved:
			return errs.Newf(errs.Conflict, ErrRunPayoutNotApproved.Code,
				"付款 %d 的状态不是“已审批”，不能列入付款批次", "payout %d is not approved", py.ID)
		case py.InPendingRun:
			return errs.Newf(errs.Conflict, ErrRunPayoutInRun.Code,
				"付款 %d 已在另一个尚未结清的付款批次中", "payout %d waits in another run already", py.ID)
		case len(py.Cipher) == 0:
			return errs.Newf(errs.Conflict, ErrRunPayoutNoAccount.Code,
				"付款 %d 尚未登记收款银行账户", "payout %d has no bank account", py.ID)
		}
	}
	for _, id := range in.PayoutIDs {
		if !found[id] {
			return errs.Newf(errs.NotFound, ErrRunPayoutNotFound.Code, "找不到付款 %d", "payout %d not found", id)
		}
	}
	var fields []errs.FieldError
	if in.ControlCount != len(payouts) {
		fields = append(fields, errs.Field("body.control_count", "control_count_mismatch",
			fmt.Sprintf("申报笔数为 %d 笔，所选付款实为 %d 笔", in.ControlCount, len(payouts)),
			fmt.Sprintf("declares %d payouts, the run has %d", in.ControlCount, len(payouts)), in.ControlCount))
	}
	if in.ControlSumFen != sum {
		fields = append(fields, errs.Field("body.control_sum_fen", "control_sum_mismatch",
			fmt.Sprintf("申报合计金额为 %s 元，所选付款合计 %s 元", in.ControlSumFen.Yuan(), sum.Yuan()),
			fmt.Sprintf("declares %s yuan, the payouts add up to %s yuan", in.ControlSumFen.Yuan(), sum.Yuan()), int64(in.ControlSumFen)))
	}
	if len(fields) > 0 {
		return errs.FieldsWith(ErrRunControlTotals.Code, ErrRunControlTotals.Zh, ErrRunControlTotals.Message, fields...)
	}
	return nil
}

// newMessageID names a run's file for the bank: the district date and a random part, within the
// 35 characters the file allows.
func newMessageID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "BSSUB-" + civil.InDistrict(now).Time().Format("20060102") + "-" + hex.EncodeToString(b[:])
}

// Run returns a payout run with its lines (finance, admin).
func (s *Service) Run(ctx context.Context, id int64) (PayoutRun, error) {
	if _, err := auth.Require(ctx, runRoles...); err != nil {
		return PayoutRun{}, err
	}
	return getRun(ctx, s.db, id, false)
}

// Runs lists the payout runs, newest last, a page at a time, optionally of one status; the lines
// are left out (read a run for them).
func (s *Service) Runs(ctx context.Context, status RunStatus, q page.Query) (page.Of[PayoutRun], error) {
	if _, err := auth.Require(ctx, runRoles...); err != nil {
		return page.Of[PayoutRun]{}, err
	}
	return page.Fetch(q, func(after int64, limit int) ([]PayoutRun, error) {
		return listRuns(ctx, s.db, status, after, limit)
	}, func(r PayoutRun) int64 { return r.ID })
}
