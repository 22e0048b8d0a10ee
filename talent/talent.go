// Package talent is the talent registry: the enterprises that employ talent and whose HR
// departments register them, the talent records themselves, their A–D grading and review.
//
// Scope rule: an enterprise_hr caller sees and changes only its own enterprise; anything else is
// reported as not found, so HR cannot even learn that another enterprise's id exists.
package talent

import (
	"time"

	"talentd/internal/errs"
)

// Enterprise is an employer in the district.
type Enterprise struct {
	ID            int64     `db:"id" json:"id"`
	Name          string    `db:"name" json:"name"`
	USCC          string    `db:"uscc" json:"uscc"`
	Address       string    `db:"address" json:"address"`
	Industry      string    `db:"industry" json:"industry"`
	KeyEnterprise bool      `db:"key_enterprise" json:"key_enterprise"`
	LocalSupplier bool      `db:"local_supplier" json:"local_supplier"`
	ContactName   string    `db:"contact_name" json:"contact_name"`
	ContactPhone  string    `db:"contact_phone" json:"contact_phone"`
	Version       int       `db:"version" json:"-"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
}

// EnterpriseInput is what creating or replacing an enterprise takes. The wire shape is checked
// by the API layer; the domain rules (credit-code checksum, phone format) by the validate tags.
type EnterpriseInput struct {
	Name          string `json:"name" validate:"required,max=200"`
	USCC          string `json:"uscc" validate:"uscc"`
	Address       string `json:"address" validate:"max=300"`
	Industry      string `json:"industry" validate:"max=100"`
	KeyEnterprise bool   `json:"key_enterprise"`
	LocalSupplier bool   `json:"local_supplier"`
	ContactName   string `json:"contact_name" validate:"max=50"`
	ContactPhone  string `json:"contact_phone" validate:"omitempty,cn_phone"`
}

// EnterpriseFilter narrows an enterprise listing; zero values do not filter.
type EnterpriseFilter struct {
	// Query matches a substring of the name, or the whole credit code.
	Query         string
	Industry      string
	KeyEnterprise *bool
	LocalSupplier *bool
	AfterID       int64
	Limit         int
}

// Errors of the enterprise operations.
var (
	ErrEnterpriseNotFound = errs.New(errs.NotFound, "enterprise_not_found", "找不到该企业", "enterprise not found")
	ErrUSCCTaken          = errs.New(errs.Conflict, "enterprise_uscc_taken", "该统一社会信用代码的企业已经登记过了",
		"an enterprise with this unified social credit code is registered already")
)
