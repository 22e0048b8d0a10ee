package talent

import (
	"strings"

	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// fieldLabel is the Chinese name of the field at a location such as "body.honours[2].code", from
// the one table of field labels.
func fieldLabel(location string) string {
	zh, _ := vocab.FieldLabel(vocab.FieldName(location))
	return zh
}

// vocabField returns the error of a value that is not a code of list, naming the field in
// Chinese and the values it may take by their labels; nil when the value is one of them.
func vocabField(location string, list *vocab.List, value string) *errs.FieldError {
	if list.Has(value) {
		return nil
	}
	f := errs.Field(location, list.Name()+"_unknown",
		fieldLabel(location)+"须为以下之一："+strings.Join(list.Labels(), "、"),
		"must be one of: "+strings.Join(list.Codes(), ", "), value)
	return &f
}

// errReasonRequired refuses a step that needs a reason without one; field is the body member
// the reason travels in.
func errReasonRequired(field string) error {
	return errs.Fields(errs.Field("body."+field, "reason_required", "请填写"+fieldLabel(field), "required", nil))
}
