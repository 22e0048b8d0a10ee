package subsidy

import (
	"bytes"
	"context"
	"maps"
	"slices"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/iso20022"
	"talentd/internal/money"
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
		if err := s.settle(ctx, tx, r, rep, &res); err != nil {
			return err
		}
		res.Run, err = getRun(ctx, tx, id, false)
		return err
	})
	return res, err
}

// settle checks the bank's status report against run r (locked by the caller) and applies it: the
// lines it settles, their payouts paid or failed, the programmes' paid totals raised, the run
// finished once every line is settled, and the import audited; res counts what it did.
func (s *Service) settle(ctx context.Context, tx *sqlx.Tx, r PayoutRun, rep iso20022.StatusReport, res *ReportResult) error {
	run, err := s.isoRun(r, nil, false)
	if err != nil {
		return err
	}
	if err := rep.Check(run); err != nil {
		return err
	}
	// The payouts before their programmes, the order in which a payout's own steps lock them.
	payouts, err := runPayouts(ctx, tx, r.ID, true)
	if err != nil {
		return err
	}
	if err := lockRunProgrammes(ctx, tx, r, payouts); err != nil {
		return err
	}
	var set settlement
	for _, l := range r.Lines {
		set.add(rep, l, payouts[l.PayoutID], res)
	}
	if err := set.apply(ctx, tx, r.ID); err != nil {
		return err
	}
	if err := finishRunIfSettled(ctx, tx, r.ID); err != nil {
		return err
	}
	return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout_run.import_report", EntityType: "subsidy_payout_run",
		EntityID: runEntity(r.ID), After: map[string]any{"report_message_id": rep.MessageID, "paid": res.Paid,
			"rejected": res.Rejected, "pending": res.Pending, "unchanged": res.Unchanged}})
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

// settlement is what a report does to a run, line by line, applied set-based: a report settles
// up to maxRunLines lines, and a round trip per line would dominate its import.
type settlement struct {
	paidLines, paidPayouts []int64
	references             []string
	paidFen                map[int64]money.Fen // by programme
	rejectedLines          []int64
	rejectedPayouts        []int64
	reasons                []string
}

// add takes the report's outcome for one line of the run, counting it in res. A line an earlier
// report settled is unchanged; a payout that is no longer approved (settled by hand meanwhile)
// keeps its line pending.
func (s *settlement) add(rep iso20022.StatusReport, l RunLine, py runPayout, res *ReportResult) {
	if l.Status != RunLinePending {
		res.Unchanged++
		return
	}
	st := rep.StatusOf(l.EndToEndID)
	switch {
	case st.Outcome == iso20022.Pending || st.Outcome == "" || py.Status != PayoutApproved:
		res.Pending++
	case st.Outcome == iso20022.Paid:
		if s.paidFen == nil {
			s.paidFen = map[int64]money.Fen{}
		}
		s.paidLines, s.paidPayouts = append(s.paidLines, l.ID), append(s.paidPayouts, py.ID)
		s.references = append(s.references, rep.MessageID+"/"+l.EndToEndID)
		s.paidFen[py.ProgrammeID] += l.AmountFen
		res.Paid++
	default:
		reason := st.Reason
		if reason == "" {
			reason = st.Code
		}
		s.rejectedLines, s.rejectedPayouts = append(s.rejectedLines, l.ID), append(s.rejectedPayouts, py.ID)
		s.reasons = append(s.reasons, reason)
		res.Rejected++
	}
}

// apply writes the settlement of run id: the lines settled, the paid payouts paid and their
// programmes' paid totals raised, the rejected ones failed, each payout audited.
func (s *settlement) apply(ctx context.Context, tx *sqlx.Tx, runID int64) error {
	if err := settleRunLines(ctx, tx, s.paidLines, RunLinePaid, make([]string, len(s.paidLines))); err != nil {
		return err
	}
	if err := settleRunLines(ctx, tx, s.rejectedLines, RunLineRejected, s.reasons); err != nil {
		return err
	}
	if err := payRunPayouts(ctx, tx, runID, s.paidPayouts, s.references); err != nil {
		return err
	}
	if err := failRunPayouts(ctx, tx, runID, s.rejectedPayouts, s.reasons); err != nil {
		return err
	}
	programmes := slices.Sorted(maps.Keys(s.paidFen))
	for _, id := range programmes {
		if err := addCommitted(ctx, tx, id, 0, int64(s.paidFen[id])); err != nil {
			return err
		}
	}
	return nil
}
