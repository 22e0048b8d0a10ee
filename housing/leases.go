package housing

import (
	"time"

	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/vocab"
)

// Lease lets one unit to one household, made when an offer is accepted. An active lease holds its
// unit (housing_unit_holds); a person holds at most one active lease.
type Lease struct {
	ID             int64          `db:"id" json:"id"`
	Kind           Kind           `db:"kind" json:"kind"`
	UnitID         int64          `db:"unit_id" json:"unit_id"`
	OfferID        *int64         `db:"offer_id" json:"offer_id,omitempty"`
	ApplicationID  *int64         `db:"application_id" json:"application_id,omitempty"`
	TalentID       *int64         `db:"talent_id" json:"talent_id,omitempty"`
	EnterpriseID   *int64         `db:"enterprise_id" json:"enterprise_id,omitempty"`
	EnterpriseName *string        `db:"enterprise_name" json:"enterprise_name,omitempty"`
	Tenant         Person         `db:"tenant" json:"tenant"`
	StartOn        civil.Date     `db:"start_on" json:"start_on"`
	EndOn          civil.Date     `db:"end_on" json:"end_on"`
	MonthlyRentFen money.Fen      `db:"monthly_rent_fen" json:"monthly_rent_fen" doc:"After the class discount (talent apartments)"`
	Residents      int            `db:"residents" json:"residents"`
	ResidentNames  pq.StringArray `db:"resident_names" json:"resident_names" nullable:"false"`
	Status         LeaseStatus    `db:"status" json:"status"`
	MoveOutDue     bool           `db:"move_out_due" json:"move_out_due" doc:"The tenant must move out (a talent who left the registry)"`
	MoveOutOn      *civil.Date    `db:"move_out_on" json:"move_out_on,omitempty" doc:"The day the office set for the move-out"`
	EndedOn        *civil.Date    `db:"ended_on" json:"ended_on,omitempty"`
	EndReason      string         `db:"end_reason" json:"end_reason,omitempty"`
	Version        int            `db:"version" json:"version"`
	CreatedAt      time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at" json:"updated_at"`
}

// LeaseFilter narrows a listing of leases; zero values do not filter.
type LeaseFilter struct {
	Kind         Kind
	Status       LeaseStatus
	EnterpriseID int64
	// MoveOutDue lists only leases flagged for move-out.
	MoveOutDue bool
}

// Errors of the lease operations.
var (
	ErrLeaseEnded = errs.New(errs.Conflict, "lease_ended", "该租赁合同已终止，不能再改动", "the lease has ended")
	// errOfferLeased: the offer was turned into a lease already.
	errOfferLeased  = errs.New(errs.Conflict, "offer_leased", "该配租通知已签订租赁合同", "the offer has a lease already")
	errEndedOnEarly = errs.Fields(errs.Field("body.ended_on", "before_start", "退租日期不能早于合同开始日期",
		"the lease cannot end before it started", nil))
	errMoveOutEarly = errs.Fields(errs.Field("body.move_out_on", "before_start", "搬离日期不能早于合同开始日期",
		"the move-out cannot be before the lease started", nil))
	errEndReason = errs.Fields(errs.Field("body.reason", "required", "请说明终止合同的原因", "say why the lease ends", nil))
)

// addMonths is the same day months later, or the month's last day when it has no such day (a
// lease from 31 January for one month ends on the last day of February).
func addMonths(d civil.Date, months int) civil.Date {
	t := d.Time()
	first := civil.New(t.Year(), t.Month()+time.Month(months), 1).Time()
	last := first.AddDate(0, 1, -1).Day()
	return civil.New(first.Year(), first.Month(), min(t.Day(), last))
}

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"months":       {Zh: "续租月数", En: "Months"},
		"ended_on":     {Zh: "退租日期", En: "Ended on"},
		"move_out_on":  {Zh: "搬离日期", En: "Move-out date"},
		"move_out_due": {Zh: "须搬离", En: "Move-out due"},
	})
}
