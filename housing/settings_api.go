package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"eligible_grades":        {Zh: "可申请人才公寓的人才类别", En: "Eligible classes"},
		"rent_discount_percent":  {Zh: "各类人才租金优惠比例", En: "Rent discount per class"},
		"rooms_for_household":    {Zh: "家庭人数与户型对照", En: "Rooms for household size"},
		"public_rental_priority": {Zh: "公租房轮候优先分值", En: "Public rental priorities"},
		"offer_days":             {Zh: "配租通知有效天数", En: "Days an offer stands"},
		"refusal_limit":          {Zh: "可拒绝配租次数", En: "Refusals before moving to the end"},
		"lease_months":           {Zh: "租期（月）", En: "Lease length (months)"},
		"max_household":          {Zh: "家庭人数上限", En: "Household size up to"},
		"min_rooms":              {Zh: "最少室数", En: "Fewest rooms"},
		"max_rooms":              {Zh: "最多室数", En: "Most rooms"},
		"per_extra_member":       {Zh: "每增加一名家庭成员加分", En: "Points per extra member"},
		"no_current_housing":     {Zh: "无自有住房加分", En: "Points for no current housing"},
	})
}

type saveSettingsInput struct {
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    Settings
}

func registerSettings(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-settings", Method: http.MethodGet, Path: "/v1/housing/settings", Tags: tags,
		Summary:     "The housing rules in force",
		Description: "Eligible classes, rent discount per class, rooms for household size, public-rental priorities, offer days, refusal limit and lease length.",
	}, settingsReaders...), func(ctx context.Context, _ *struct{}) (*answer.Tagged[Settings], error) {
		v, err := s.HousingSettings(ctx)
		return answer.WithETag(v.Settings, v.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-housing-settings", Method: http.MethodPut, Path: "/v1/housing/settings", Tags: tags,
		Summary: "Change the housing rules",
		Description: "Saves a new version (audited); rounds committed before keep the rules they were ranked under. " +
			"Every class A–D needs its discount (0–100); the rooms table goes by household size, ascending, up to 20 people. " +
			"Send the ETag as read in If-Match: a stale version is refused with 412.",
		Errors: []int{http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *saveSettingsInput) (*answer.Tagged[Settings], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		v, err := s.SaveSettings(ctx, version, in.Body)
		return answer.WithETag(v.Settings, v.Version, err)
	})
}
