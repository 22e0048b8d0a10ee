package iso20022

import (
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// Errors Check returns, each Invalid: a report that fails any of them is refused whole, since it
// is about another file or contradicts itself.
var (
	ErrReportOtherMessage = errs.New(errs.Invalid, "status_report_other_message",
		"该回执对应的不是这批付款文件，请核对后再导入", "the status report is about another payment file")
	ErrReportCountMismatch = errs.New(errs.Invalid, "status_report_count_mismatch",
		"回执中的付款笔数与付款文件不一致，请向银行核实", "the status report's count of lines disagrees with the payment file")
	ErrReportSumMismatch = errs.New(errs.Invalid, "status_report_sum_mismatch",
		"回执中的合计金额与付款文件不一致，请向银行核实", "the status report's control sum disagrees with the payment file")
	ErrReportUnknownLine = errs.New(errs.Invalid, "status_report_unknown_line",
		"回执中有付款文件里没有的付款编号，请向银行核实", "the status report names a line the payment file does not have")
	ErrReportDuplicateLine = errs.New(errs.Invalid, "status_report_duplicate_line",
		"回执中同一付款编号出现了两次，请向银行核实", "the status report names one line twice")
	ErrReportAmountMismatch = errs.New(errs.Invalid, "status_report_amount_mismatch",
		"回执中某笔付款的金额与付款文件不一致，请向银行核实", "the status report states another amount for a line")
)

// Check compares the report with the run it claims to report on and refuses it when it names
// another message (or a message that is not a pain.001) or another payment block, when a count
// or control sum it states disagrees with the run, when it names an end-to-end id the run does
// not have or names one twice, or when it states another amount for a line. Each error matches
// one of the ErrReport… sentinels and says which value disagreed.
func (rep StatusReport) Check(run Run) error {
	if rep.OriginalMessageID != run.MessageID || !strings.HasPrefix(rep.OriginalMessageKind, "pain.001.") {
		return errs.Newf(errs.Invalid, ErrReportOtherMessage.Code,
			"该回执对应的是 %s 文件 %s，不是这批付款文件 %s，请核对后再导入",
			"the status report is about %s message %s, not payment file %s",
			quoted(rep.OriginalMessageKind), quoted(rep.OriginalMessageID), run.MessageID)
	}
	if err := checkTotals(rep.OriginalCount, rep.OriginalControlSum, run); err != nil {
		return err
	}
	for _, p := range rep.Payments {
		if p.OriginalPaymentInfoID != run.paymentInfoID() {
			return errs.Newf(errs.Invalid, ErrReportOtherMessage.Code,
				"该回执中的付款批次 %s 不属于这批付款文件（批次 %s），请核对后再导入",
				"the status report names payment block %s, not the file's block %s",
				quoted(p.OriginalPaymentInfoID), run.paymentInfoID())
		}
		if err := checkTotals(p.OriginalCount, p.OriginalControlSum, run); err != nil {
			return err
		}
	}
	lines := make(map[string]money.Fen, len(run.Lines))
	for _, l := range run.Lines {
		lines[l.EndToEndID] = l.Amount
	}
	seen := make(map[string]bool, len(rep.Lines))
	for _, l := range rep.Lines {
		amount, known := lines[l.EndToEndID]
		switch {
		case !known:
			return errs.Newf(errs.Invalid, ErrReportUnknownLine.Code,
				"回执中的付款编号 %s 不在这批付款文件中，请向银行核实",
				"the status report names line %s, which the payment file does not have", quoted(l.EndToEndID))
		case seen[l.EndToEndID]:
			return errs.Newf(errs.Invalid, ErrReportDuplicateLine.Code,
				"回执中付款编号 %s 出现了不止一次，请向银行核实",
				"the status report names line %s more than once", quoted(l.EndToEndID))
		case l.Amount != nil && *l.Amount != amount:
			return errs.Newf(errs.Invalid, ErrReportAmountMismatch.Code,
				"回执中付款 %s 的金额为 %s 元，付款文件中为 %s 元，请向银行核实",
				"the status report states %[2]s yuan for line %[1]s, the payment file %[3]s yuan",
				quoted(l.EndToEndID), l.Amount.Yuan(), amount.Yuan())
		}
		seen[l.EndToEndID] = true
	}
	return nil
}

// checkTotals refuses a stated count or control sum that differs from the run's.
func checkTotals(count *int, sum *money.Fen, run Run) error {
	if count != nil && *count != len(run.Lines) {
		return errs.Newf(errs.Invalid, ErrReportCountMismatch.Code,
			"回执中的付款笔数为 %d 笔，付款文件中为 %d 笔，请向银行核实",
			"the status report counts %d lines, the payment file has %d", *count, len(run.Lines))
	}
	if sum != nil && *sum != run.ControlSum() {
		return errs.Newf(errs.Invalid, ErrReportSumMismatch.Code,
			"回执中的合计金额为 %s 元，付款文件中为 %s 元，请向银行核实",
			"the status report's control sum is %s yuan, the payment file's %s yuan", sum.Yuan(), run.ControlSum().Yuan())
	}
	return nil
}

// StatusOf returns the status the report gives the line with the end-to-end id: the line's own
// status when the report lists it with one, else the status of the payment block it belongs to,
// else the group status. A line the report says nothing about is Pending with no code. Banks
// often list only the rejected lines and state the rest by the group or block status.
func (rep StatusReport) StatusOf(endToEndID string) Status {
	block := -1
	for _, l := range rep.Lines {
		if l.EndToEndID == endToEndID {
			if l.Status.Code != "" {
				return l.Status
			}
			block = l.payment
			break
		}
	}
	if block < 0 && len(rep.Payments) == 1 {
		block = 0
	}
	if block >= 0 && block < len(rep.Payments) && rep.Payments[block].Status.Code != "" {
		return rep.Payments[block].Status
	}
	if rep.Group.Code != "" {
		return rep.Group
	}
	return Status{Outcome: Pending}
}
