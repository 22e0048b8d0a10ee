package subsidy

import (
	"bytes"
	"context"
	"slices"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/iso20022"
	"talentd/internal/postgres"
)

// MaxReportBytes is the largest bank status report accepted.
const MaxReportBytes = iso20022.DefaultReportLimit

// ImportReport settles a run from the bank's pain.002 status report (finance, admin), in one
// transaction. A report about another file, naming a line the run does not have, or whose totals
// or amounts disagree with the run, is refused whole and changes nothing. Otherwise each pending
// line takes the report's outcome: paid (the payout paid with the reference "<report message
// id>/<end-to-end id>", the programme's paid total raised under its row lock), rejected (the
// payout failed with the bank's reason code) or pending (unchanged). Lines an earlier report
// settled are left alone, so importing the same report twice changes nothing the second time.
func (s *Service) ImportReport(ctx context.Context, id int64, body []byte) (ReportResult, error) {
	if _, err := auth.Require(ctx, runRoles...); err != nil {
		return ReportResult{}, err
	}
	rep, err := iso20022.ReadPain002(bytes.NewReader(body), MaxReportBytes)
	if err != nil {
		return ReportResult{}, err
	}
	res := ReportResult{ReportMessageID: rep.MessageID}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := getRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		run, err := s.isoRun(r, nil, false)
		if err != nil {
			return err
		}
		if err := rep.Check(run); err != nil {
			return err
		}
		payouts, err := runPayouts(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := lockRunProgrammes(ctx, tx, r, payouts); err != nil {
			return err
		}
		for _, l := range r.Lines {
			if err := s.settleLine(ctx, tx, rep, l, payouts[l.PayoutID], &res); err != nil {
				return err
			}
		}
		if err := finishRunIfSettled(ctx, tx, id); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout_run.import_report", EntityType: "subsidy_payout_run",
			EntityID: runEntity(id), After: map[string]any{"report_message_id": rep.MessageID, "paid": res.Paid,
				"rejected": res.Rejected, "pending": res.Pending, "unchanged": res.Unchanged}}); err != nil {
			return err
		}
		res.Run, err = getRun(ctx, tx, id, false)
		return err
	})
	return res, err
}

// lockRunProgrammes locks, in id order, the programmes whose paid totals the report may raise.
func lockRunProgrammes(ctx context.Context, tx *sqlx.Tx, r PayoutRun, payouts map[int64]runPayout) error {
	var ids []int64
	for _, l := range r.Lines {
		if l.Status == RunLinePending {
			ids = append(ids, payouts[l.PayoutID].ProgrammeID)
		}
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if _, err := getProgramme(ctx, tx, id, false, true); err != nil {
			return err
		}
	}
	return nil
}

// settleLine applies the report's outcome to one line of the run and its payout, counting it in res.
// A payout that is no longer approved (settled by hand meanwhile) keeps its line pending.
func (s *Service) settleLine(ctx context.Context, tx *sqlx.Tx, rep iso20022.StatusReport, l RunLine, py runPayout, res *ReportResult) error {
	if l.Status != RunLinePending {
		res.Unchanged++
		return nil
	}
	st := rep.StatusOf(l.EndToEndID)
	if st.Outcome == iso20022.Pending || st.Outcome == "" || py.Status != PayoutApproved {
		res.Pending++
		return nil
	}
	entity := strconv.FormatInt(py.ID, 10)
	if st.Outcome == iso20022.Paid {
		reference := rep.MessageID + "/" + l.EndToEndID
		if err := settleRunLine(ctx, tx, l.ID, RunLinePaid, ""); err != nil {
			return err
		}
		if err := payRunPayout(ctx, tx, py.ID, reference); err != nil {
			return err
		}
		if err := addCommitted(ctx, tx, py.ProgrammeID, 0, int64(l.AmountFen)); err != nil {
			return err
		}
		res.Paid++
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout.paid", EntityType: "subsidy_payout", EntityID: entity,
			Before: map[string]any{"status": py.Status}, After: map[string]any{"status": PayoutPaid,
				"bank_reference": reference, "run_id": l.RunID, "amount_fen": l.AmountFen}})
	}
	reason := st.Reason
	if reason == "" {
		reason = st.Code
	}
	if err := settleRunLine(ctx, tx, l.ID, RunLineRejected, reason); err != nil {
		return err
	}
	if err := failRunPayout(ctx, tx, py.ID, reason); err != nil {
		return err
	}
	res.Rejected++
	return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout.fail", EntityType: "subsidy_payout", EntityID: entity,
		Before: map[string]any{"status": py.Status}, After: map[string]any{"status": PayoutFailed,
			"reason_code": reason, "run_id": l.RunID}})
}
