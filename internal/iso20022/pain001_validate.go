package iso20022

import (
	"regexp"
	"strconv"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// ErrInvalidRun is matched (errors.Is) by every error Validate and WritePain001 return for a run
// that cannot be written; its Fields say what is wrong with each part.
var ErrInvalidRun = errs.New(errs.Invalid, "payment_run_invalid",
	"付款文件内容有误，请按各项提示修改后重新生成", "the payment run cannot be written as a credit transfer file; see each field")

var (
	// ibanPattern is the schema's IBAN2007Identifier.
	ibanPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$`)
	// bicPattern is the schema's BICFIDec2014Identifier.
	bicPattern = regexp.MustCompile(`^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	// cnapsPattern is a CNAPS bank code (联行号): twelve digits.
	cnapsPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// accountNumberPattern is the domestic account numbers Chinese banks issue: letters and digits.
	accountNumberPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,34}$`)
)

// Validate reports every reason the run cannot be written: identifiers and texts beyond the
// schema's lengths or character sets, a missing or malformed account or bank code, a line whose
// amount is not positive, no lines at all, an end-to-end or instruction id used twice, and a
// total beyond money.Max. The error matches ErrInvalidRun and lists the fields.
func (r Run) Validate() error {
	var out []errs.FieldError
	out = checkID(out, "message_id", r.MessageID, max35Text)
	if r.PaymentInfoID != "" {
		out = checkID(out, "payment_info_id", r.PaymentInfoID, max35Text)
	}
	if r.CreatedAt.IsZero() {
		out = append(out, errs.Field("created_at", "required", "不能为空", "is required", nil))
	}
	if r.ExecutionDate.IsZero() {
		out = append(out, errs.Field("execution_date", "required", "不能为空", "is required", nil))
	}
	out = checkText(out, "debtor.name", r.Debtor.Name, max140Text, true)
	out = checkAccount(out, "debtor.account", r.Debtor.Account)
	out = checkAgent(out, "debtor.agent", r.Debtor.Agent)
	if len(r.Lines) == 0 {
		out = append(out, errs.Field("lines", "required", "付款文件至少要有一笔付款", "a run needs at least one line", nil))
	}
	endToEnd := make(map[string]int, len(r.Lines))
	instruction := make(map[string]int, len(r.Lines))
	var sum money.Fen
	for i, l := range r.Lines {
		at := "lines[" + strconv.Itoa(i) + "]."
		out = checkID(out, at+"end_to_end_id", l.EndToEndID, max35Text)
		out = checkUnique(out, endToEnd, at+"end_to_end_id", l.EndToEndID, i)
		if l.InstructionID != "" {
			out = checkID(out, at+"instruction_id", l.InstructionID, max35Text)
			out = checkUnique(out, instruction, at+"instruction_id", l.InstructionID, i)
		}
		switch {
		case l.Amount <= 0:
			out = append(out, errs.Field(at+"amount", "not_positive", "付款金额必须大于零", "must be more than zero", int64(l.Amount)))
		case l.Amount > money.Max:
			out = append(out, errs.Field(at+"amount", "too_large", "付款金额超出允许范围", "is too large", int64(l.Amount)))
		case sum <= money.Max:
			// Stop adding once past the limit, so that the sum itself cannot overflow.
			sum += l.Amount
		}
		out = checkText(out, at+"creditor_name", l.CreditorName, max140Text, true)
		out = checkAccount(out, at+"creditor_account", l.CreditorAccount)
		out = checkAgent(out, at+"creditor_agent", l.CreditorAgent)
		out = checkText(out, at+"remittance", l.Remittance, max140Text, false)
	}
	if sum > money.Max {
		out = append(out, errs.Field("lines", "total_too_large", "付款总额超出允许范围（不超过 10 万亿元）",
			"the total of the lines is too large (at most 10 trillion yuan)", nil))
	}
	if len(out) > 0 {
		return errs.FieldsWith(ErrInvalidRun.Code, ErrInvalidRun.Zh, ErrInvalidRun.Message, out...)
	}
	return nil
}

// checkUnique appends a field error when id was already seen at another index of seen.
func checkUnique(out []errs.FieldError, seen map[string]int, location, id string, i int) []errs.FieldError {
	if id == "" {
		return out
	}
	if first, dup := seen[id]; dup {
		n := strconv.Itoa(first + 1)
		return append(out, errs.Field(location, "duplicate",
			"与第 "+n+" 笔付款的编号重复", "repeats the id of line "+n, id))
	}
	seen[id] = i
	return out
}

// checkAccount appends a field error unless a holds exactly one well-formed identification.
func checkAccount(out []errs.FieldError, location string, a Account) []errs.FieldError {
	switch {
	case a.IBAN == "" && a.Number == "":
		return append(out, errs.Field(location, "required", "请填写银行账号", "an account number is required", nil))
	case a.IBAN != "" && a.Number != "":
		return append(out, errs.Field(location, "ambiguous", "IBAN 与本地账号只能填写一个",
			"give either an IBAN or a local account number, not both", nil))
	case a.IBAN != "" && !ibanPattern.MatchString(a.IBAN):
		return append(out, errs.Field(location+".iban", "invalid_format", "IBAN 格式不正确",
			"is not an IBAN", a.IBAN))
	case a.Number != "" && !accountNumberPattern.MatchString(a.Number):
		return append(out, errs.Field(location+".number", "invalid_format",
			"银行账号只能由字母和数字组成，不超过 34 位，不要包含空格或横线",
			"must be at most 34 letters or digits, without spaces or dashes", a.Number))
	}
	return out
}

// checkAgent appends a field error unless a names its bank by a well-formed BIC or CNAPS code.
func checkAgent(out []errs.FieldError, location string, a Agent) []errs.FieldError {
	if a.BIC == "" && a.CNAPS == "" {
		return append(out, errs.Field(location, "required", "请填写开户行联行号或 BIC",
			"the bank's CNAPS code or BIC is required", nil))
	}
	if a.BIC != "" && !bicPattern.MatchString(a.BIC) {
		out = append(out, errs.Field(location+".bic", "invalid_format", "BIC 格式不正确（8 或 11 位大写字母和数字）",
			"is not a BIC (8 or 11 capital letters and digits)", a.BIC))
	}
	if a.CNAPS != "" && !cnapsPattern.MatchString(a.CNAPS) {
		out = append(out, errs.Field(location+".cnaps", "invalid_format", "联行号应为 12 位数字",
			"a CNAPS bank code is 12 digits", a.CNAPS))
	}
	return out
}
