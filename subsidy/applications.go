package subsidy

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/vocab"
)

// SubsidyApplicationStatus is where an enterprise's application stands: submitted (waiting for the
// office), approved (its payout is scheduled), rejected, or returned (the enterprise corrects and
// submits it again).
type SubsidyApplicationStatus string

// Subsidy application statuses.
const (
	ApplicationSubmitted SubsidyApplicationStatus = "submitted"
	ApplicationApproved  SubsidyApplicationStatus = "approved"
	ApplicationRejected  SubsidyApplicationStatus = "rejected"
	ApplicationReturned  SubsidyApplicationStatus = "returned"
)

// ApplicationStatusVocab lists the statuses of an application.
var ApplicationStatusVocab = vocab.NewList("subsidy_application_status",
	vocab.T("submitted", "已提交待审核", "Submitted"),
	vocab.T("approved", "已批准", "Approved"),
	vocab.T("rejected", "未予批准", "Rejected"),
	vocab.T("returned", "已退回待补正", "Returned for correction"),
)

// Schema describes a SubsidyApplicationStatus.
func (SubsidyApplicationStatus) Schema(huma.Registry) *huma.Schema {
	return ApplicationStatusVocab.Schema()
}

// LineAdjustment is the working line of the office's adjustment of the calculated amount.
const LineAdjustment = "adjustment"

// SubsidyApplication is an enterprise's application under an enterprise-subsidy programme: the figures
// it declared, the amount the programme's rules give with the working, line by line, and the
// office's decision. AmountFen is the amount granted: the calculated amount, or the office's
// adjustment of it (then the working ends with an adjustment line, so the lines add up to it).
type SubsidyApplication struct {
	ID             int64                    `db:"id" json:"id"`
	ProgrammeID    int64                    `db:"programme_id" json:"programme_id"`
	EnterpriseID   int64                    `db:"enterprise_id" json:"enterprise_id"`
	EnterpriseName string                   `db:"enterprise_name" json:"enterprise_name"`
	Declared       SubsidyDeclaration       `db:"declared" json:"declared"`
	CalculatedFen  money.Fen                `db:"calculated_fen" json:"calculated_fen" doc:"The amount the programme's rules give, in fen"`
	AmountFen      money.Fen                `db:"amount_fen" json:"amount_fen" doc:"The amount granted, in fen: the calculated amount unless the office adjusted it"`
	AdjustReason   string                   `db:"adjust_reason" json:"adjust_reason,omitempty"`
	Status         SubsidyApplicationStatus `db:"status" json:"status"`
	DecisionReason string                   `db:"decision_reason" json:"decision_reason,omitempty"`
	DecidedAt      *time.Time               `db:"decided_at" json:"decided_at,omitempty"`
	PayoutID       *int64                   `db:"payout_id" json:"payout_id,omitempty" doc:"The payout of an approved application"`
	Working        []WorkingLine            `db:"-" json:"working" nullable:"false" doc:"The calculation, line by line"`
	Attachments    []SubsidyAttachment      `db:"-" json:"attachments" nullable:"false"`
	Version        int                      `db:"version" json:"version"`
	CreatedAt      time.Time                `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time                `db:"updated_at" json:"updated_at"`
}

// SubsidyAttachment is the metadata of a file that supports an application; the file itself stays in the
// office's document system.
type SubsidyAttachment struct {
	ID            int64  `db:"id" json:"id"`
	ApplicationID int64  `db:"application_id" json:"-"`
	FileName      string `db:"file_name" json:"file_name"`
	SHA256        string `db:"sha256" json:"sha256"`
	SizeBytes     *int64 `db:"size_bytes" json:"size_bytes,omitempty"`
}

// SubsidyApplicationInput is what an enterprise declares in an application, on submission and on
// correction.
type SubsidyApplicationInput struct {
	ProgrammeID   int64                    `json:"programme_id" minimum:"1" doc:"An open enterprise-subsidy programme"`
	EnterpriseID  int64                    `json:"enterprise_id,omitempty" minimum:"0" doc:"The applying enterprise; HR applies for its own and may leave it out, the office must name it"`
	PlatformLevel PlatformLevel            `json:"platform_level,omitempty" doc:"Level of the enterprise's R&D platform, if it has one"`
	RDSpendingFen money.Fen                `json:"rd_spending_fen" minimum:"0" doc:"R&D spending of the year, in fen"`
	Purchases     []SupplierPurchase       `json:"purchases,omitempty" maxItems:"1000" doc:"Purchases from supplier enterprises"`
	Attachments   []SubsidyAttachmentInput `json:"attachments,omitempty" maxItems:"50" doc:"Supporting files' metadata"`
}

// SubsidyAttachmentInput names a supporting file by its name and SHA-256 digest.
type SubsidyAttachmentInput struct {
	FileName  string `json:"file_name" minLength:"1" maxLength:"255"`
	SHA256    string `json:"sha256" minLength:"64" maxLength:"64" pattern:"^[0-9a-fA-F]{64}$" doc:"SHA-256 of the file, 64 hexadecimal digits"`
	SizeBytes *int64 `json:"size_bytes,omitempty" minimum:"0"`
}

// SubsidyApproveInput is the office's approval: the calculated amount, or an adjusted one with its reason.
type SubsidyApproveInput struct {
	AdjustedAmountFen *money.Fen `json:"adjusted_amount_fen,omitempty" minimum:"1" doc:"The amount granted instead of the calculated one, in fen; a reason is then required"`
	Reason            string     `json:"reason,omitempty" maxLength:"1000" doc:"Why the amount was adjusted"`
}

// SubsidyDecisionInput is the reason of a rejection or a return.
type SubsidyDecisionInput struct {
	Reason string `json:"reason" minLength:"1" maxLength:"1000"`
}

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"SubsidyApplicationInput.programme_id":    {Zh: "资助项目", En: "Programme"},
		"SubsidyApplicationInput.enterprise_id":   {Zh: "申请企业", En: "Applying enterprise"},
		"SupplierPurchase.amount_fen":             {Zh: "采购金额（分）", En: "Purchase amount (fen)"},
		"SubsidyApplicationInput.attachments":     {Zh: "证明材料", En: "Attachments"},
		"SubsidyAttachmentInput.file_name":        {Zh: "文件名", En: "File name"},
		"SubsidyAttachmentInput.sha256":           {Zh: "文件摘要（SHA-256）", En: "File digest (SHA-256)"},
		"SubsidyAttachmentInput.size_bytes":       {Zh: "文件大小（字节）", En: "File size (bytes)"},
		"SubsidyApproveInput.adjusted_amount_fen": {Zh: "调整后金额（分）", En: "Adjusted amount (fen)"},
		"SubsidyApproveInput.reason":              {Zh: "调整理由", En: "Reason for the adjustment"},
		"SubsidyDecisionInput.reason":             {Zh: "理由", En: "Reason"},
	})
}

// Errors of applications.
var (
	ErrApplicationNotFound = errs.New(errs.NotFound, "application_not_found", "找不到该补贴申请", "application not found")
	ErrNotSubsidyProgramme = errs.New(errs.Conflict, "not_subsidy_programme", "该项目不是企业补贴项目，不能提交企业补贴申请",
		"the programme is not an enterprise-subsidy programme")
	ErrApplicationNotPending = errs.New(errs.Conflict, "application_not_pending", "该申请已处理（已批准、未予批准或已退回），不能再作此决定",
		"the application is not waiting for a decision")
	ErrApplicationNotEditable = errs.New(errs.Conflict, "application_not_editable", "只有待审核或已退回的申请可以修改",
		"only a submitted or returned application can be corrected")
	ErrAlreadyApproved = errs.New(errs.Conflict, "application_already_approved", "该申请已批准并已生成支付记录，不能重复批准",
		"the application has been approved already")
	ErrNothingToPay = errs.New(errs.Conflict, "nothing_to_pay", "按项目规则计算的补贴金额为 0，不能批准；如确需补贴，请填写调整后金额和理由",
		"the calculated amount is 0: approve it with an adjusted amount and a reason, or reject it")
	ErrEnterpriseRequired = errs.Fields(errs.Field("body.enterprise_id", "required", "请选择申请企业",
		"the applying enterprise is required", nil))
	ErrAdjustReasonRequired = errs.Fields(errs.Field("body.reason", "required", "调整补贴金额时请填写调整理由",
		"a reason is required when the amount is adjusted", nil))
	ErrEnterpriseNotFound = errs.New(errs.NotFound, "enterprise_not_found", "找不到该企业", "enterprise not found")
)

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// normalise trims the input, lower-cases the digests and checks the figures and attachments.
func (in SubsidyApplicationInput) normalise() (SubsidyApplicationInput, error) {
	var fields []errs.FieldError
	if err := in.declaration().Validate("body"); err != nil {
		if e, ok := err.(*errs.Error); ok {
			fields = append(fields, e.Fields...)
		} else {
			return in, err
		}
	}
	seen := map[string]bool{}
	for i := range in.Attachments {
		a := &in.Attachments[i]
		a.FileName, a.SHA256 = strings.TrimSpace(a.FileName), strings.ToLower(strings.TrimSpace(a.SHA256))
		at := fmt.Sprintf("body.attachments[%d]", i)
		if a.FileName == "" || len([]rune(a.FileName)) > 255 {
			fields = append(fields, errs.Field(at+".file_name", "required", "请填写文件名（不超过 255 个字符）",
				"the file name is required (at most 255 characters)", nil))
		}
		switch {
		case !sha256Pattern.MatchString(a.SHA256):
			fields = append(fields, errs.Field(at+".sha256", "invalid_sha256", "文件摘要应为 64 位十六进制数字（SHA-256）",
				"the digest is 64 hexadecimal digits (SHA-256)", nil))
		case seen[a.SHA256]:
			fields = append(fields, errs.Field(at+".sha256", "duplicate_attachment", "同一文件不能重复上传",
				"the same file is listed twice", a.SHA256))
		}
		seen[a.SHA256] = true
	}
	if len(fields) > 0 {
		return in, errs.Fields(fields...)
	}
	return in, nil
}

// declaration is the figures of the input as the calculation reads them.
func (in SubsidyApplicationInput) declaration() SubsidyDeclaration {
	return SubsidyDeclaration{PlatformLevel: in.PlatformLevel, RDSpendingFen: in.RDSpendingFen, Purchases: in.Purchases}
}

// check refuses an adjustment without a reason or beyond what the calculation allows.
func (in SubsidyApproveInput) check() (SubsidyApproveInput, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if in.AdjustedAmountFen == nil {
		return in, nil
	}
	if a := *in.AdjustedAmountFen; a <= 0 || a > MaxCalcFen {
		return in, errs.Fields(errs.Field("body.adjusted_amount_fen", "invalid", "调整后金额应大于 0 且不超过 1,000 亿元（单位：分）",
			"the adjusted amount is more than 0 and at most 100 billion yuan, in fen", int64(a)))
	}
	if in.Reason == "" {
		return in, ErrAdjustReasonRequired
	}
	return in, nil
}

// adjustmentLine is the working line of the office's change from the calculated amount to the
// granted one.
func adjustmentLine(calculated, granted money.Fen, reason string) WorkingLine {
	return WorkingLine{Code: LineAdjustment, LabelZh: "人才办核定调整", LabelEn: "Office's adjustment", BasisFen: calculated,
		AmountFen: granted - calculated,
		Note:      fmt.Sprintf("计算金额 %s 元，核定为 %s 元，理由：%s", calculated.Yuan(), granted.Yuan(), reason),
		NoteEn:    fmt.Sprintf("calculated %s yuan, granted %s yuan; reason: %s", calculated.Yuan(), granted.Yuan(), reason)}
}

// Value stores a declaration as a JSON object, as text (lib/pq sends bytes in binary form).
func (d SubsidyDeclaration) Value() (driver.Value, error) {
	raw, err := json.Marshal(d)
	return string(raw), err
}

// Scan reads a declaration from its jsonb column.
func (d *SubsidyDeclaration) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, d)
	case string:
		return json.Unmarshal([]byte(v), d)
	}
	return fmt.Errorf("subsidy: cannot scan %T into a declaration", src)
}

// decisionReason trims a rejection's or return's reason, which is required.
func decisionReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", errs.Fields(errs.Field("body.reason", "required", "请填写理由", "a reason is required", nil))
	}
	return reason, nil
}
