package subsidy

import (
	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
)

// The subsidy enumerations, each stated once (see internal/vocab).
var (
	ProgrammeKindVocab = vocab.NewList("subsidy_programme_kind",
		vocab.T("award", "人才奖励", "Talent award"),
		vocab.T("enterprise_subsidy", "企业补贴", "Enterprise subsidy"),
	)
	ProgrammeStatusVocab = vocab.NewList("subsidy_programme_status",
		vocab.T("open", "受理中", "Open"),
		vocab.T("closed", "已关闭", "Closed"),
	)
	NominationStatusVocab = vocab.NewList("subsidy_nomination_status",
		vocab.T("nominated", "已提名", "Nominated"),
		vocab.T("awarded", "已获奖", "Awarded"),
		vocab.T("withdrawn", "已撤回", "Withdrawn"),
	)
	PayoutStatusVocab = vocab.NewList("subsidy_payout_status",
		vocab.T("pending", "待审批", "Pending"),
		vocab.T("approved", "已审批待支付", "Approved"),
		vocab.T("paid", "已支付", "Paid"),
		vocab.T("failed", "支付失败", "Failed"),
		vocab.T("cancelled", "已取消", "Cancelled"),
		vocab.T("held", "暂停待定", "Held"),
	)
	// ReportGroupVocab lists what the payout report groups by.
	ReportGroupVocab = vocab.NewList("subsidy_report_group",
		vocab.T("programme", "资助项目", "Programme"),
		vocab.T("year", "年度", "Year"),
		vocab.T("beneficiary", "受益人", "Beneficiary"),
		vocab.T("status", "状态", "Status"),
	)
)

// Vocabularies lists the subsidy enumerations for GET /v1/vocabularies.
func Vocabularies() []*vocab.List {
	return []*vocab.List{ProgrammeKindVocab, ProgrammeStatusVocab, NominationStatusVocab, PayoutStatusVocab, PlatformLevelVocab, BeneficiaryKindVocab, RunStatusVocab, RunLineStatusVocab, ApplicationStatusVocab, ReportGroupVocab}
}

// Schema methods hand each list to huma, so the API's enums are the lists.

// Schema describes a ProgrammeKind.
func (ProgrammeKind) Schema(huma.Registry) *huma.Schema { return ProgrammeKindVocab.Schema() }

// Schema describes a ProgrammeStatus.
func (ProgrammeStatus) Schema(huma.Registry) *huma.Schema { return ProgrammeStatusVocab.Schema() }

// Schema describes a NominationStatus.
func (NominationStatus) Schema(huma.Registry) *huma.Schema { return NominationStatusVocab.Schema() }

// Schema describes a ReportGroup.
func (ReportGroup) Schema(huma.Registry) *huma.Schema { return ReportGroupVocab.Schema() }

// Schema describes a PayoutStatus.
func (PayoutStatus) Schema(huma.Registry) *huma.Schema { return PayoutStatusVocab.Schema() }
