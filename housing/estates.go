package housing

import (
	"context"
	"strings"

	"talentd/internal/auth"
	"talentd/internal/errs"
)

// normaliser is an input that trims itself and checks the rules its wire tags cannot state.
type normaliser[T any] interface{ normalise() (T, error) }

// housingInput admits an inventory change of the housing office, its input normalised.
func housingInput[T normaliser[T]](ctx context.Context, in T) (T, error) {
	if _, err := auth.Require(ctx, housingRoles...); err != nil {
		return in, err
	}
	return in.normalise()
}

// EstateInput is what the housing office states about an estate (小区).
type EstateInput struct {
	Name    string `json:"name" minLength:"1" maxLength:"100" example:"璧泉人才公寓"`
	Address string `json:"address,omitempty" maxLength:"200" example:"璧山区璧泉街道双星大道 8 号"`
}

// normalise trims the input and checks the rules the wire tags cannot state.
func (in EstateInput) normalise() (EstateInput, error) {
	in.Name, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	if in.Name == "" {
		return in, errs.Fields(errs.Field("body.name", "required", "请填写小区名称", "the estate's name is required", nil))
	}
	return in, nil
}
