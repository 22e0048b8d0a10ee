package subsidy

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

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
	// payerAccount is the paying account's number as a Chinese bank issues it: digits only.
	payerAccount = regexp.MustCompile(`^[0-9]{1,34}$`)
)

// CheckPayer reports what is wrong with a paying party (Options.Payer), naming each field: the
// name is required, at most 140 characters, without surrounding blanks or control characters;
// the account is a domestic number of 1 to 34 digits; the bank is named by its 12-digit CNAPS code.
func CheckPayer(p iso20022.Party) error {
	var fields []errs.FieldError
	name := []rune(p.Name)
	switch {
	case strings.TrimSpace(p.Name) == "":
		fields = append(fields, errs.Field("payer.name", "required", "请填写付款单位户名", "the payer's name is required", p.Name))
	case len(name) > 140 || strings.TrimSpace(p.Name) != p.Name || strings.ContainsFunc(p.Name, unicode.IsControl):
		fields = append(fields, errs.Field("payer.name", "invalid_format", "付款单位户名不超过 140 个字符，首尾不能有空格，不能含控制字符",
			"the payer's name is at most 140 characters, without surrounding blanks or control characters", p.Name))
	}
	if p.Account.IBAN != "" || !payerAccount.MatchString(p.Account.Number) {
		fields = append(fields, errs.Field("payer.account", "invalid_format", "付款账号应为 1 至 34 位数字",
			"the payer's account number is 1 to 34 digits", p.Account.Number))
	}
	if p.Agent.BIC != "" || !cnapsCode.MatchString(p.Agent.CNAPS) {
		fields = append(fields, errs.Field("payer.cnaps", "invalid_format", "付款账户开户行联行号应为 12 位数字",
			"the CNAPS code of the payer's bank is 12 digits", p.Agent.CNAPS))
	}
	if len(fields) == 0 {
		return nil
	}
	out := *ErrPayerNotConfigured
	out.Fields = fields
	return &out
}

// payer is the configured paying party, or payer_not_configured (with what is wrong) when it is
// missing or malformed.
func (s *Service) payer() (iso20022.Party, error) {
	if err := CheckPayer(s.opts.Payer); err != nil {
		return iso20022.Party{}, err
	}
	return s.opts.Payer, nil
}

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

// isoRun is the run as the bank sees it. With open set, the configured payer is the debtor and each
// line's creditor account is opened from its sealed form; without, the run carries only what a
// status report is checked against.
func (s *Service) isoRun(r PayoutRun, payouts map[int64]runPayout, open bool) (iso20022.Run, error) {
	out := iso20022.Run{MessageID: r.MessageID, CreatedAt: r.CreatedAt, ExecutionDate: civil.InDistrict(r.CreatedAt),
		Lines: make([]iso20022.Line, len(r.Lines))}
	if open {
		payer, err := s.payer()
		if err != nil {
			return out, err
		}
		out.Debtor = payer
	}
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
		payouts, err := runPayouts(ctx, tx, id, false)
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
	payouts, err := runPayouts(ctx, s.db, id, false)
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
