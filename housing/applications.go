package housing

import (
	"strconv"
	"time"

	"github.com/lib/pq"

	"talentd/internal/errs"
	"talentd/internal/vocab"
	"talentd/talent"
)

// Person is someone housing names on an application or a lease: the name and the identity number
// in its masked form only (the whole number stays sealed).
type Person struct {
	Name     string `db:"name" json:"name"`
	IDNumber string `db:"id_number" json:"id_number" doc:"Masked (500227********123X)"`
}

// Application asks for a talent apartment (for a registered talent with a live card) or a public
// rental unit (for an enterprise's worker). Only a pending or offered application is live; a
// person has at most one live application per kind, across enterprises.
type Application struct {
	ID             int64             `db:"id" json:"id"`
	Kind           Kind              `db:"kind" json:"kind"`
	TalentID       *int64            `db:"talent_id" json:"talent_id,omitempty"`
	EnterpriseID   *int64            `db:"enterprise_id" json:"enterprise_id,omitempty"`
	EnterpriseName *string           `db:"enterprise_name" json:"enterprise_name,omitempty"`
	Applicant      Person            `db:"applicant" json:"applicant"`
	Grade          *talent.Grade     `db:"grade" json:"grade,omitempty" doc:"The talent's class when the application was filed (talent apartments)"`
	HouseholdSize  int               `db:"household_size" json:"household_size"`
	PreferredRooms pq.Int64Array     `db:"preferred_rooms" json:"preferred_rooms" nullable:"false"`
	CurrentHousing string            `db:"current_housing" json:"current_housing"`
	Notes          string            `db:"notes" json:"notes"`
	Status         ApplicationStatus `db:"status" json:"status"`
	StatusReason   string            `db:"status_reason" json:"status_reason,omitempty"`
	Refusals       int               `db:"refusals" json:"refusals" doc:"Suitable offers refused so far"`
	AppliedAt      time.Time         `db:"applied_at" json:"applied_at"`
	Version        int               `db:"version" json:"version"`
	// IDNumberHash is the registry's blind index of the applicant's number (for leases and the
	// one-live-application rule); never sent.
	IDNumberHash []byte `db:"id_number_hash" json:"-"`
}

// Live reports whether the application still waits for a home (pending or offered).
func (a Application) Live() bool {
	return a.Status == ApplicationPending || a.Status == ApplicationOffered
}

// ApplicantInput names a public-rental applicant: the name and the whole identity number.
type ApplicantInput struct {
	Name     string
	IDNumber string
}

// ApplicationInput is an application to file. A talent apartment names TalentID (the applicant
// comes from the registry); public rental names Applicant and the enterprise (HR: its own, the
// default).
type ApplicationInput struct {
	Kind           Kind
	TalentID       *int64
	Applicant      *ApplicantInput
	EnterpriseID   *int64
	HouseholdSize  int
	PreferredRooms []int
	CurrentHousing string
	Notes          string
}

// ApplicationFilter narrows a listing of applications; zero values do not filter.
type ApplicationFilter struct {
	Kind         Kind
	Status       ApplicationStatus
	EnterpriseID int64
	TalentID     int64
}

// Errors of the application operations.
var (
	ErrNoLiveCard = errs.New(errs.Conflict, "no_live_card", "该人才没有有效的人才绿卡（已过期、暂停或注销），暂不能申请人才公寓",
		"the talent holds no live green card (expired, suspended or revoked), so cannot apply for a talent apartment")
	ErrTalentNotRegistered = errs.New(errs.Conflict, "talent_not_registered", "只有已入库的人才才能申请人才公寓",
		"only a registered talent may apply for a talent apartment")
	ErrGradeNotEligible = errs.New(errs.Conflict, "grade_not_eligible", "该人才的类别目前不在人才公寓的申请范围内",
		"the talent's class is not eligible for talent apartments under the settings in force")
	ErrAlreadyHoused = errs.New(errs.Conflict, "already_housed", "此人已有一份同类住房的在租合同，不能再申请",
		"this person holds an active lease of this kind of housing already")
	ErrApplicationClosed = errs.New(errs.Conflict, "application_closed", "该申请已结束（已入住、已撤回或已失效等），不能再改动",
		"the application is no longer pending or offered")
	errTalentIDRequired = errs.Fields(errs.Field("body.talent_id", "required", "申请人才公寓请选择已入库的人才",
		"a talent apartment application names the talent", nil))
	errTalentIDForbidden = errs.Fields(errs.Field("body.talent_id", "not_allowed", "公租房申请不填写人才，请填写申请人的姓名和身份证号",
		"a public-rental application names the applicant, not a talent", nil))
	errApplicantRequired = errs.Fields(errs.Field("body.applicant", "required", "申请公租房请填写申请人的姓名和身份证号",
		"a public-rental application names the applicant", nil))
	errApplicantForbidden = errs.Fields(errs.Field("body.applicant", "not_allowed", "人才公寓的申请人取自人才库，请不要另填申请人",
		"a talent apartment's applicant comes from the registry", nil))
	errApplicantName = errs.Fields(errs.Field("body.applicant.name", "required", "请填写申请人的姓名（1到50个字）",
		"the applicant's name is 1 to 50 characters", nil))
	errEnterpriseRequired = errs.Fields(errs.Field("body.enterprise_id", "required", "申请公租房请选择申请人所在的企业",
		"a public-rental application names the enterprise", nil))
	errEnterpriseNotOwn = errs.Fields(errs.Field("body.enterprise_id", "enterprise_not_own",
		"只能为本企业的职工申请：所在企业请留空或填写本企业", "must be empty or your own enterprise", nil))
	errWithdrawReason = errs.Fields(errs.Field("body.reason", "required", "请说明撤回申请的原因", "say why the application is withdrawn", nil))
)

// errPreferredRooms refuses a preferred room count outside 0–10 or given twice.
func errPreferredRooms(i, rooms int) error {
	return errs.Fields(errs.Field("body.preferred_rooms["+strconv.Itoa(i)+"]", "invalid_rooms",
		"希望的居室数请填 0（单间）到 10 之间的整数，每个只填一次", "each preferred room count is 0 (studio) to 10, given once", rooms))
}

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"kind":            {Zh: "住房类型", En: "Kind of housing"},
		"applicant":       {Zh: "申请人", En: "Applicant"},
		"household_size":  {Zh: "家庭人数", En: "Household size"},
		"preferred_rooms": {Zh: "希望的居室数", En: "Preferred rooms"},
		"current_housing": {Zh: "现住房情况", En: "Current housing"},
	})
}
