package subsidy

import (
	"time"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/iso20022"
	"talentd/internal/money"
	"talentd/internal/vocab"
)

// RunStatus is where a payout run stands: created, exported (its pain.001 file was downloaded)
// or settled (the bank's reports settled every line).
type RunStatus string

// Payout run statuses.
const (
	RunCreated  RunStatus = "created"
	RunExported RunStatus = "exported"
	RunSettled  RunStatus = "settled"
)

// RunLineStatus is where one line of a run stands: pending until a bank report pays or rejects it.
type RunLineStatus string

// Run line statuses.
const (
	RunLinePending  RunLineStatus = "pending"
	RunLinePaid     RunLineStatus = "paid"
	RunLineRejected RunLineStatus = "rejected"
)

// DemoPayer is the paying party of the demo district: the district finance bureau's subsidy
// account at its bank. A real deployment configures its own (Options.Payer); the bank checks it
// against the contract under which it accepts the bureau's files.
var DemoPayer = iso20022.Party{
	Name:    "重庆市璧山区财政局",
	Account: iso20022.Account{Number: "3100021809024900001"},
	Agent:   iso20022.Agent{CNAPS: "102653000218"},
}

// The payout run enumerations; Vocabularies may list them beside the other subsidy lists.
var (
	RunStatusVocab = vocab.NewList("subsidy_payout_run_status",
		vocab.T("created", "已生成", "Created"),
		vocab.T("exported", "已导出付款文件", "Exported"),
		vocab.T("settled", "已结清", "Settled"),
	)
	RunLineStatusVocab = vocab.NewList("subsidy_payout_run_line_status",
		vocab.T("pending", "待银行处理", "Pending"),
		vocab.T("paid", "已付款", "Paid"),
		vocab.T("rejected", "银行退回", "Rejected"),
	)
)

// runRoles create, read, export and settle payout runs.
var runRoles = []auth.Role{auth.RoleAdmin, auth.RoleFinance}

// maxRunLines bounds one run, so that a run stays one file the bank accepts.
const maxRunLines = 10000

// PayoutRun is a batch of approved payouts sent to the bank as one credit-transfer file, with
// the control totals its author declared and its lines.
type PayoutRun struct {
	ID            int64      `db:"id" json:"id"`
	MessageID     string     `db:"message_id" json:"message_id"`
	Status        RunStatus  `db:"status" json:"status"`
	ControlCount  int        `db:"control_count" json:"control_count"`
	ControlSumFen money.Fen  `db:"control_sum_fen" json:"control_sum_fen"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	ExportedAt    *time.Time `db:"exported_at" json:"exported_at,omitempty"`
	SettledAt     *time.Time `db:"settled_at" json:"settled_at,omitempty"`
	Version       int        `db:"version" json:"version"`
	Lines         []RunLine  `db:"-" json:"lines,omitempty"`
}

// RunLine is one payout of a run, under the end-to-end id the bank reports it by.
type RunLine struct {
	ID         int64         `db:"id" json:"-"`
	RunID      int64         `db:"run_id" json:"-"`
	PayoutID   int64         `db:"payout_id" json:"payout_id"`
	EndToEndID string        `db:"end_to_end_id" json:"end_to_end_id"`
	AmountFen  money.Fen     `db:"amount_fen" json:"amount_fen"`
	Status     RunLineStatus `db:"status" json:"status"`
	ReasonCode string        `db:"reason_code" json:"reason_code,omitempty"`
	SettledAt  *time.Time    `db:"settled_at" json:"settled_at,omitempty"`
}

// RunInput asks for a run of approved payouts; the declared totals must equal the payouts'.
type RunInput struct {
	PayoutIDs     []int64   `json:"payout_ids" minItems:"1" maxItems:"10000" doc:"The approved payouts to pay, each in no other pending run"`
	ControlCount  int       `json:"control_count" minimum:"1" doc:"The number of payouts, as counted by the author"`
	ControlSumFen money.Fen `json:"control_sum_fen" minimum:"1" doc:"The total of the payouts in fen, as added up by the author"`
}

// ReportResult is what importing a bank status report did: how many lines it paid, rejected and
// left pending now, and the run afterwards.
type ReportResult struct {
	ReportMessageID string    `json:"report_message_id"`
	Paid            int       `json:"paid"`
	Rejected        int       `json:"rejected"`
	Pending         int       `json:"pending"`
	Unchanged       int       `json:"unchanged" doc:"Lines settled by an earlier report, which this one does not change"`
	Run             PayoutRun `json:"run"`
}

// Errors of payout runs.
var (
	ErrRunNotFound          = errs.New(errs.NotFound, "payout_run_not_found", "找不到该付款批次", "payout run not found")
	ErrRunPayoutNotFound    = errs.New(errs.NotFound, "run_payout_not_found", "找不到要列入批次的付款", "a payout of the run is not found")
	ErrRunPayoutNotApproved = errs.New(errs.Conflict, "payout_not_approved",
		"只有已审批的付款才能列入付款批次", "only approved payouts can go into a run")
	ErrRunPayoutInRun = errs.New(errs.Conflict, "payout_in_pending_run",
		"该笔付款已在另一个尚未结清的付款批次中", "the payout waits in another run already")
	ErrRunPayoutNoAccount = errs.New(errs.Conflict, "payout_no_bank_account",
		"该笔付款尚未登记收款银行账户", "the payout has no bank account")
	ErrRunControlTotals = errs.New(errs.Invalid, "run_control_totals",
		"申报的笔数或合计金额与所选付款不一致，请核对", "the declared control totals disagree with the payouts")
	// ErrPayerNotConfigured refuses to write a credit-transfer file while the paying account is not
	// configured: a file with a placeholder debtor must never reach the bank.
	ErrPayerNotConfigured = errs.New(errs.Conflict, "payer_not_configured",
		"尚未配置付款单位（户名、付款账号和开户行联行号），无法生成付款文件，请联系系统管理员配置后再导出",
		"the paying account (name, account number and CNAPS code) is not configured, so no credit-transfer file can be made; ask an administrator to configure it")
)
