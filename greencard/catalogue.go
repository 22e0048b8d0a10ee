package greencard

import (
	"time"

	"github.com/lib/pq"
)

// ServiceItem is one of the catalogue's services.
type ServiceItem struct {
	Code         string         `db:"code" json:"code"`
	NameZH       string         `db:"name_zh" json:"name_zh"`
	NameEN       string         `db:"name_en" json:"name_en"`
	Content      string         `db:"content" json:"content"`
	Eligible     pq.StringArray `db:"eligible" json:"eligible" doc:"Card classes that may use it"`
	Steps        pq.StringArray `db:"steps" json:"steps" doc:"Process steps"`
	StandardDays int            `db:"standard_days" json:"standard_days" doc:"Days within which it is to be completed"`
	YearlyQuota  *int           `db:"yearly_quota" json:"yearly_quota" doc:"Uses per holder per year; null: unlimited"`
	SortOrder    int            `db:"sort_order" json:"sort_order"`
	Version      int            `db:"version" json:"-"`
	UpdatedAt    time.Time      `db:"updated_at" json:"updated_at"`
}

// ServiceItemInput is what editing a catalogue item takes.
type ServiceItemInput struct {
	NameZH       string
	NameEN       string
	Content      string
	Eligible     []string
	Steps        []string
	StandardDays int
	YearlyQuota  *int
	SortOrder    int
}
