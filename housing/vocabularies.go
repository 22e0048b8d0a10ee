package housing

import (
	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
)

// The housing enumerations, each stated once (see internal/vocab).
var (
	KindVocab = vocab.NewList("housing_kind",
		vocab.T("talent_apartment", "人才公寓", "Talent apartment"),
		vocab.T("public_rental", "公租房", "Public rental housing"),
	)
	UnitStatusVocab = vocab.NewList("unit_status",
		vocab.T("available", "可分配", "Available"),
		vocab.T("offered", "已发出配租通知", "Offered"),
		vocab.T("occupied", "已入住", "Occupied"),
		vocab.T("maintenance", "维修中", "Under maintenance"),
	)
	ApplicationStatusVocab = vocab.NewList("housing_application_status",
		vocab.T("pending", "轮候中", "Waiting"),
		vocab.T("offered", "已配租待确认", "Offered"),
		vocab.T("housed", "已入住", "Housed"),
		vocab.T("declined", "已放弃", "Declined"),
		vocab.T("expired", "已失效", "Expired"),
		vocab.T("withdrawn", "已撤回", "Withdrawn"),
		vocab.T("ineligible", "不再符合条件", "No longer eligible"),
	)
	RoundStatusVocab = vocab.NewList("round_status",
		vocab.T("open", "待配租", "Open"),
		vocab.T("committed", "已配租", "Committed"),
		vocab.T("cancelled", "已取消", "Cancelled"),
	)
	OfferStatusVocab = vocab.NewList("offer_status",
		vocab.T("offered", "待确认", "Awaiting answer"),
		vocab.T("accepted", "已接受", "Accepted"),
		vocab.T("declined", "已拒绝", "Declined"),
		vocab.T("expired", "已过期", "Expired"),
		vocab.T("withdrawn", "已撤回", "Withdrawn"),
	)
	DeclineReasonVocab = vocab.NewList("decline_reason",
		vocab.T("too_small", "面积太小", "Too small"),
		vocab.T("too_far", "距离太远", "Too far"),
		vocab.T("rent", "租金太高", "Rent too high"),
		vocab.T("household_changed", "家庭情况变化", "Household changed"),
		vocab.T("no_response", "未答复", "No response"),
		vocab.T("other", "其他", "Other"),
	)
	LeaseStatusVocab = vocab.NewList("lease_status",
		vocab.T("active", "在租", "Active"),
		vocab.T("ended", "已退租", "Ended"),
	)
)

// Vocabularies lists the housing enumerations for GET /v1/vocabularies.
func Vocabularies() []*vocab.List {
	return []*vocab.List{KindVocab, UnitStatusVocab, ApplicationStatusVocab, RoundStatusVocab, OfferStatusVocab,
		DeclineReasonVocab, LeaseStatusVocab}
}

// Schema methods hand each list to huma, so the API's enums are the lists.

// Schema describes a Kind.
func (Kind) Schema(huma.Registry) *huma.Schema { return KindVocab.Schema() }

// Schema describes a UnitStatus.
func (UnitStatus) Schema(huma.Registry) *huma.Schema { return UnitStatusVocab.Schema() }

// Schema describes an ApplicationStatus.
func (ApplicationStatus) Schema(huma.Registry) *huma.Schema { return ApplicationStatusVocab.Schema() }

// Schema describes a RoundStatus.
func (RoundStatus) Schema(huma.Registry) *huma.Schema { return RoundStatusVocab.Schema() }

// Schema describes an OfferStatus.
func (OfferStatus) Schema(huma.Registry) *huma.Schema { return OfferStatusVocab.Schema() }

// Schema describes a DeclineReason.
func (DeclineReason) Schema(huma.Registry) *huma.Schema { return DeclineReasonVocab.Schema() }

// Schema describes a LeaseStatus.
func (LeaseStatus) Schema(huma.Registry) *huma.Schema { return LeaseStatusVocab.Schema() }
