package talent

import (
	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
)

// The registry's enumerations, each stated once: the API schema, validation, the import's labels,
// the template's drop-down lists and GET /v1/vocabularies read them from here, and a test holds the
// database's CHECK constraints to them.
var (
	GradeVocab = vocab.NewList("grade",
		vocab.T("A", "A类", "Class A", "a类人才", "a类"),
		vocab.T("B", "B类", "Class B", "b类人才"),
		vocab.T("C", "C类", "Class C", "c类人才"),
		vocab.T("D", "D类", "Class D", "d类人才"),
	)
	StatusVocab = vocab.NewList("talent_status",
		vocab.T("draft", "草稿", "Draft"),
		vocab.T("submitted", "待审核", "Submitted"),
		vocab.T("returned", "已退回", "Returned"),
		vocab.T("registered", "已入库", "Registered"),
		vocab.T("rejected", "未通过", "Rejected"),
		vocab.T("left", "已离开", "Left"),
	)
	GenderVocab = vocab.NewList("gender",
		vocab.T("male", "男", "Male", "m"),
		vocab.T("female", "女", "Female", "f"),
	)
	EducationVocab = vocab.NewList("education",
		vocab.T("doctorate", "博士", "Doctorate", "博士研究生", "博士研究生学历"),
		vocab.T("master", "硕士", "Master's degree", "硕士研究生", "研究生", "硕士研究生学历"),
		vocab.T("bachelor", "本科", "Bachelor's degree", "大学本科", "学士"),
		vocab.T("associate", "大专", "Associate degree", "专科", "大学专科"),
		vocab.T("other", "其他", "Other", "高中", "中专"),
	)
	TitleVocab = vocab.NewList("title",
		vocab.T("senior_full", "正高级", "Senior (full)", "正高", "正高级职称"),
		vocab.T("senior_associate", "副高级", "Senior (associate)", "副高", "副高级职称"),
		vocab.T("intermediate", "中级", "Intermediate", "中级职称"),
		vocab.T("junior", "初级", "Junior", "初级职称"),
		vocab.T("none", "无", "None", ""),
	)
	SkillLevelVocab = vocab.NewList("skill_level",
		vocab.T("senior_technician", "高级技师", "Senior technician"),
		vocab.T("technician", "技师", "Technician"),
		vocab.T("senior_worker", "高级工", "Senior worker"),
		vocab.T("none", "无", "None", ""),
	)
	HonourVocab = vocab.NewList("honour",
		vocab.T("academician", "院士", "Academician", "两院院士", "中国科学院院士", "中国工程院院士"),
		vocab.T("national_award", "国家级顶尖奖项", "National top award", "国家最高科学技术奖", "国家级奖项"),
		vocab.T("national_programme", "国家级人才计划", "National talent programme", "国家级人才"),
		vocab.T("municipal_programme", "重庆英才计划", "Chongqing Talent programme", "重庆英才", "市级人才计划"),
		vocab.T("district_talent", "璧山英才", "Bishan Talent"),
		vocab.T("district_craftsman", "璧山工匠", "Bishan Craftsman"),
		vocab.T("other", "其他", "Other"),
	)
	PolicyStatusVocab = vocab.NewList("policy_status",
		vocab.T("draft", "草稿", "Draft"),
		vocab.T("published", "生效中", "In force"),
		vocab.T("retired", "已停用", "Retired"),
	)
)

// Vocabularies lists the registry's enumerations for GET /v1/vocabularies.
func Vocabularies() []*vocab.List {
	return []*vocab.List{GradeVocab, StatusVocab, GenderVocab, EducationVocab, TitleVocab, SkillLevelVocab, HonourVocab, PolicyStatusVocab}
}

// The registry's enumerated API fields are typed by the list they take their values from: each
// type's schema is its list's, so the OpenAPI document, the validation of requests and
// GET /v1/vocabularies cannot disagree.

// Schema is GradeVocab's.
func (Grade) Schema(huma.Registry) *huma.Schema { return GradeVocab.Schema() }

// Schema is StatusVocab's.
func (Status) Schema(huma.Registry) *huma.Schema { return StatusVocab.Schema() }

// Gender is a code of GenderVocab.
type Gender string

// Schema is GenderVocab's.
func (Gender) Schema(huma.Registry) *huma.Schema { return GenderVocab.Schema() }

// Education is a code of EducationVocab.
type Education string

// Schema is EducationVocab's.
func (Education) Schema(huma.Registry) *huma.Schema { return EducationVocab.Schema() }

// Title is a code of TitleVocab (professional title).
type Title string

// Schema is TitleVocab's.
func (Title) Schema(huma.Registry) *huma.Schema { return TitleVocab.Schema() }

// SkillLevel is a code of SkillLevelVocab.
type SkillLevel string

// Schema is SkillLevelVocab's.
func (SkillLevel) Schema(huma.Registry) *huma.Schema { return SkillLevelVocab.Schema() }

// HonourCode is a code of HonourVocab.
type HonourCode string

// Schema is HonourVocab's.
func (HonourCode) Schema(huma.Registry) *huma.Schema { return HonourVocab.Schema() }

// PolicyStatus is a code of PolicyStatusVocab.
type PolicyStatus string

// Schema is PolicyStatusVocab's.
func (PolicyStatus) Schema(huma.Registry) *huma.Schema { return PolicyStatusVocab.Schema() }
