package housing

import "talentd/internal/errs"

// Decline reasons the rules act on: a changed household ends the application; an offer nobody
// answered in time expires as no_response.
const (
	DeclineHouseholdChanged DeclineReason = "household_changed"
	DeclineNoResponse       DeclineReason = "no_response"
)

// OfferFilter narrows a listing of offers; zero values do not filter.
type OfferFilter struct {
	RoundID       int64
	ApplicationID int64
	Status        OfferStatus
}

// OfferDecision is an answered offer and, when a refusal freed its unit and the round's list had
// someone waiting who fits it, the offer the unit went to next.
type OfferDecision struct {
	Offer
	NextOffer *Offer `json:"next_offer,omitempty" doc:"The freed unit offered to the next applicant on the round's list"`
	LeaseID   *int64 `json:"lease_id,omitempty" doc:"The lease an acceptance created"`
}

// AcceptInput is what accepting an offer may add: the names of the household's residents, and the
// offer's version the answer was made on (0: any).
type AcceptInput struct {
	ResidentNames []string
	IfVersion     int
}

// DeclineInput says why an offer is refused, on which version of it (0: any).
type DeclineInput struct {
	Reason    DeclineReason
	Text      string
	IfVersion int
}

// Errors of offers.
var (
	ErrOfferNotLive = errs.New(errs.Conflict, "offer_not_live", "该配租通知已答复、已过期或已撤回，不能再操作",
		"the offer was answered, has expired or was withdrawn")
	ErrOfferExpired = errs.New(errs.Conflict, "offer_expired", "该配租通知已过答复期限，不能再接受",
		"the offer's time to answer has passed")
	ErrApplicationOffered = errs.New(errs.Conflict, "application_offered", "该申请已有一份待确认的配租通知",
		"the application holds a live offer already")
	errTooManyResidents = errs.Fields(errs.Field("body.resident_names", "too_many_residents",
		"入住人员人数不能超过申请的家庭人数", "more resident names than the household's size", nil))
	errDeclineReasonRequired = errs.Fields(errs.Field("body.reason", "unknown_reason",
		"请选择放弃原因：面积太小、距离太远、租金太高、家庭情况变化、未答复或其他", "choose a reason from the list", nil))
)
