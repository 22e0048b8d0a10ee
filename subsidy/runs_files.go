package subsidy

import (
	"context"
	"io"
	"regexp"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/iso20022"
	"talentd/internal/postgres"
	"talentd/internal/tabular"
)

var (
	// cnapsCode is a CNAPS bank code (联行号), twelve digits; bicCode a BIC.
	cnapsCode = regexp.MustCompile(`^[0-9]{12}$`)
	bicCode   = regexp.MustCompile(`^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
)

// creditorAgent names the payee's bank by the code the ledger keeps in bank_name: a CNAPS code or
// a BIC. Anything else leaves the agent empty, and the file's validation names the line.
func creditorAgent(bank string) iso20022.Agent {
	switch {
	case cnapsCode.MatchString(bank):
		return iso20022.Agent{CNAPS: bank}
	case bicCode.MatchString(bank):
		return iso20022.Agent{BIC: bank}
	}
	return iso20022.Agent{}
}

// isoRun is the run as the bank sees it. With open set, each line's creditor account is opened
// from its sealed form; without, the lines carry only what a status report is checked against.
func (s *Service) isoRun(r PayoutRun, payouts map[int64]runPayout, open bool) (iso20022.Run, error) {
	out := iso20022.Run{MessageID: r.MessageID, CreatedAt: r.CreatedAt, ExecutionDate: civil.InDistrict(r.CreatedAt),
		Debtor: districtDebtor, Lines: make([]iso20022.Line, len(r.Lines))}
	for i, l := range r.Lines {
		out.Lines[i] = iso20022.Line{EndToEndID: l.EndToEndID, Amount: l.AmountFen}
		if !open {
			continue
		}
		py := payouts[l.PayoutID]
		number, err := s.ring.Open(py.Cipher, bankAccountPurpose)
		if err != nil {
			return out, errs.Wrap(errs.Internal, "bank_account_unreadable", "无法读取收款银行账户，请联系系统管理员",
				"a payout's bank account cannot be opened", err)
		}
		out.Lines[i].CreditorName = py.Holder
		out.Lines[i].CreditorAccount = iso20022.Account{Number: number}
		out.Lines[i].CreditorAgent = creditorAgent(py.BankName)
		out.Lines[i].Remittance = py.ProgrammeName
	}
	return out, nil
}

// WriteRunFile writes a run's pain.001.001.09 credit-transfer file to w (finance, admin) and
// records, audited, the first export of the run. Nothing is written when the file cannot be made.
func (s *Service) WriteRunFile(ctx context.Context, id int64, w io.Writer) error {
	if _, err := auth.Require(ctx, runRoles...); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := getRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		payouts, err := runPayouts(ctx, tx, id)
		if err != nil {
			return err
		}
		run, err := s.isoRun(r, payouts, true)
		if err != nil {
			return err
		}
		// Validated before anything is recorded or written.
		if err := run.Validate(); err != nil {
			return err
		}
		first, err := markRunExported(ctx, tx, id)
		if err != nil {
			return err
		}
		if first {
			if err := audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout_run.export", EntityType: "subsidy_payout_run",
				EntityID: runEntity(id), Before: map[string]any{"status": r.Status},
				After: map[string]any{"status": RunExported, "message_id": r.MessageID}}); err != nil {
				return err
			}
		}
		return iso20022.WritePain001(w, run)
	})
}

// runCSVHeader is the header row of a run's CSV export.
var runCSVHeader = []string{"批次报文号", "付款编号", "付款单号", "收款人", "收款账号", "开户行", "金额(元)", "资助项目", "状态", "退回原因"}

// WriteRunCSV writes a run's lines as CSV (UTF-8 with BOM, Chinese headers) for the clerks'
// records (finance, admin). Accounts are masked: the bank gets the full numbers only in the pain.001 file.
func (s *Service) WriteRunCSV(ctx context.Context, id int64, w io.Writer) error {
	if _, err := auth.Require(ctx, runRoles...); err != nil {
		return err
	}
	r, err := getRun(ctx, s.db, id, false)
	if err != nil {
		return err
	}
	payouts, err := runPayouts(ctx, s.db, id)
	if err != nil {
		return err
	}
	cw := tabular.NewCSVWriter(w, tabular.UTF8BOM)
	if err := cw.Write(runCSVHeader); err != nil {
		return err
	}
	for _, l := range r.Lines {
		py := payouts[l.PayoutID]
		if err := cw.Write([]string{r.MessageID, l.EndToEndID, strconv.FormatInt(l.PayoutID, 10), py.Holder, py.Masked,
			py.BankName, l.AmountFen.String(), py.ProgrammeName, RunLineStatusVocab.Label(string(l.Status), "zh"), l.ReasonCode}); err != nil {
			return err
		}
	}
	return cw.Flush()
}
