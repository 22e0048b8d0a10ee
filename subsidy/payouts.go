package subsidy

import (
	"fmt"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/vocab"
)

// bankAccountPurpose is the associated data a payout's bank account number is sealed with, so
// that a sealed number cannot be passed off as another kind of sealed value.
const bankAccountPurpose = "subsidy.bank_account"

// BeneficiaryKind says whom a payout pays: a talent (an award's instalment) or an enterprise (an
// approved application).
type BeneficiaryKind string

// The kinds of beneficiary.
const (
	BeneficiaryTalent     BeneficiaryKind = "talent"
	BeneficiaryEnterprise BeneficiaryKind = "enterprise"
)

// BeneficiaryKindVocab lists the kinds of beneficiary.
var BeneficiaryKindVocab = vocab.NewList("subsidy_beneficiary_kind",
	vocab.T("talent", "人才", "Talent"),
	vocab.T("enterprise", "企业", "Enterprise"),
)

// Schema describes a BeneficiaryKind.
func (BeneficiaryKind) Schema(huma.Registry) *huma.Schema { return BeneficiaryKindVocab.Schema() }

// PayoutBeneficiary is who receives a payout.
type PayoutBeneficiary struct {
	Kind BeneficiaryKind `db:"kind" json:"kind"`
	ID   int64           `db:"id" json:"id"`
	Name string          `db:"name" json:"name"`
}

// PayoutProgramme names the programme a payout is paid from.
type PayoutProgramme struct {
	ID   int64  `db:"id" json:"id"`
	Code string `db:"code" json:"code"`
	Name string `db:"name" json:"name"`
}

// Payout is one entry of the payout ledger. The beneficiary's bank account number is never
// shown whole: BankAccountMasked keeps its first and last four digits.
type Payout struct {
	ID                int64             `db:"id" json:"id"`
	Programme         PayoutProgramme   `db:"programme" json:"programme"`
	Beneficiary       PayoutBeneficiary `db:"beneficiary" json:"beneficiary"`
	EnterpriseID      *int64            `db:"enterprise_id" json:"enterprise_id,omitempty" doc:"The enterprise whose HR sees the payout"`
	InstalmentID      *int64            `db:"instalment_id" json:"instalment_id,omitempty"`
	ApplicationID     *int64            `db:"application_id" json:"application_id,omitempty"`
	AmountFen         money.Fen         `db:"amount_fen" json:"amount_fen"`
	DueOn             civil.Date        `db:"due_on" json:"due_on"`
	Status            PayoutStatus      `db:"status" json:"status"`
	HasBankAccount    bool              `db:"has_bank_account" json:"has_bank_account"`
	BankAccountMasked string            `db:"bank_account_masked" json:"bank_account_masked" example:"6222********1234"`
	BankAccountName   string            `db:"account_holder" json:"bank_account_name"`
	BankCode          string            `db:"bank_name" json:"bank_code"`
	PreparedByID      *int64            `db:"prepared_by_id" json:"prepared_by_id,omitempty"`
	ApprovedByID      *int64            `db:"approved_by_id" json:"approved_by_id,omitempty"`
	ApprovedAt        *time.Time        `db:"approved_at" json:"approved_at,omitempty"`
	PaidAt            *time.Time        `db:"paid_at" json:"paid_at,omitempty"`
	BankReference     *string           `db:"bank_reference" json:"bank_reference,omitempty"`
	FailureReason     string            `db:"failure_reason" json:"failure_reason,omitempty"`
	HoldReason        string            `db:"hold_reason" json:"hold_reason,omitempty"`
	CancelReason      string            `db:"cancel_reason" json:"cancel_reason,omitempty"`
	Attempts          int               `db:"attempts" json:"attempts" doc:"How many times the bank was told to pay it (paid or failed)"`
	Version           int               `db:"version" json:"version"`
	CreatedAt         time.Time         `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time         `db:"updated_at" json:"updated_at"`
}

// PayoutFilter narrows the payout list; zero values do not filter.
type PayoutFilter struct {
	ProgrammeID int64
	Status      PayoutStatus
}

// BankAccountInput is the beneficiary's bank account a payout is paid to.
type BankAccountInput struct {
	AccountName   string `json:"account_name" minLength:"1" maxLength:"100" doc:"The account holder's name as the bank has it" example:"张伟"`
	AccountNumber string `json:"account_number" minLength:"8" maxLength:"32" pattern:"^[0-9]+$" doc:"The account number, digits only; it is stored encrypted and shown masked" example:"6222020200112341234"`
	BankCode      string `json:"bank_code" minLength:"3" maxLength:"20" pattern:"^[0-9A-Za-z]+$" doc:"The bank's code (CNAPS 12-digit code or BIC)" example:"102653000012"`
}

// normalise trims the holder's name and refuses one that is only blanks.
func (in BankAccountInput) normalise() (BankAccountInput, error) {
	in.AccountName = strings.TrimSpace(in.AccountName)
	if in.AccountName == "" {
		return in, errs.Fields(errs.Field("body.account_name", "required", "请填写开户名", "the account holder's name is required", ""))
	}
	return in, nil
}

// MarkPaidInput is the bank's reference of an executed transfer.
type MarkPaidInput struct {
	BankReference string `json:"bank_reference" minLength:"1" maxLength:"100" pattern:"^[!-~]+$" doc:"The bank's reference of the transfer" example:"CQ20260630000123"`
}

// PayoutReasonInput says why a payout failed or was cancelled.
type PayoutReasonInput struct {
	Reason string `json:"reason" minLength:"1" maxLength:"500" example:"收款账户户名与账号不符"`
}

// normalise trims the reason and refuses one that is only blanks.
func (in PayoutReasonInput) normalise() (PayoutReasonInput, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return in, errs.Fields(errs.Field("body.reason", "required", "请填写原因", "a reason is required", ""))
	}
	return in, nil
}

// maskAccount keeps the first and last four digits of an account number and stars the rest, so
// that a clerk can match it against the beneficiary's papers without reading the whole number.
func maskAccount(number string) string {
	if len(number) <= 8 {
		return strings.Repeat("*", len(number)-4) + number[len(number)-4:]
	}
	return number[:4] + strings.Repeat("*", len(number)-8) + number[len(number)-4:]
}

// Payout ledger errors.
var (
	ErrPayoutNotFound = errs.New(errs.NotFound, "payout_not_found", "找不到该笔资金发放记录", "payout not found")
	ErrFourEyes       = errs.New(errs.Forbidden, "four_eyes",
		"这笔发放由您本人经办，按照“双人复核”规定，须由另一位工作人员审批",
		"you prepared this payout; under the four-eyes rule another person must approve it")
	ErrNoBankAccount = errs.New(errs.Conflict, "bank_account_missing",
		"这笔发放还没有登记收款银行账户，请人才办先登记账户后再审批",
		"the payout has no bank account yet; the office must record one before it is approved")
	ErrPayoutAwaitsBank = errs.New(errs.Conflict, "payout_awaits_bank",
		"这笔发放仍在银行尚未回复结果的付款批次中，银行仍可能付款；请导入银行回单、结清该批次后再取消",
		"the payout waits in a run the bank has not settled and may still be paid; import the bank's report for that run before cancelling it")
)

// payoutWrongStatus refuses a step the payout's current status does not allow, naming that status.
func payoutWrongStatus(current PayoutStatus, step string, stepEn string) error {
	return errs.New(errs.Conflict, "payout_wrong_status",
		fmt.Sprintf("这笔发放当前状态为“%s”，不能%s", PayoutStatusVocab.Label(string(current), "zh"), step),
		fmt.Sprintf("the payout is %s and cannot be %s", current, stepEn))
}
