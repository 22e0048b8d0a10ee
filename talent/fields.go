package talent

import (
	"strings"

	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// fieldLabels name a record's fields in Chinese, as the clerks' forms do, so that a refusal says
// which box to correct.
var fieldLabels = map[string]string{
	"name": "姓名", "gender": "性别", "birth_date": "出生日期", "id_number": "身份证号", "mobile": "手机号",
	"email": "电子邮箱", "enterprise_id": "所在企业", "position": "职务", "education": "学历", "school": "毕业院校",
	"major": "专业", "graduation_year": "毕业年份", "title": "职称", "skill_level": "技能等级",
	"honours": "人才计划/荣誉", "annual_salary_fen": "年薪", "field": "所属领域", "arrived_on": "来璧时间",
	"notes": "备注", "reason": "原因", "comment": "审核意见", "grade": "人才类别",
}

// fieldLabel is the Chinese name of the field at a location such as "body.honours[2].code".
func fieldLabel(location string) string {
	name := location[strings.LastIndex(location, ".")+1:]
	if i := strings.IndexByte(location, '['); i >= 0 {
		name = location[strings.LastIndex(location[:i], ".")+1 : i]
	}
	if l, ok := fieldLabels[name]; ok {
		return l
	}
	return name
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
