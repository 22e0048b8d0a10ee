package httpapi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
)

// TestHumaTexts_CoverHumaValidation reads huma's validation/messages.go from the module in use and
// fails when it declares a message this package does not translate — a huma upgrade that adds
// one must add its Chinese here, not leave clerks reading English.
func TestHumaTexts_CoverHumaValidation(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/danielgtaylor/huma/v2/validation").Output()
	if err != nil {
		t.Fatalf("locate huma's validation package: %v", err)
	}
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(strings.TrimSpace(string(out)), "messages.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{}
	for _, text := range humaTexts {
		if text.name != "" {
			ours[text.name] = true
		}
	}
	declared := 0
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.VAR {
			continue
		}
		for _, spec := range gen.Specs {
			for _, name := range spec.(*ast.ValueSpec).Names {
				declared++
				if !ours[name.Name] {
					t.Errorf("huma's validation.%s has no Chinese translation in humaTexts", name.Name)
				}
				delete(ours, name.Name)
			}
		}
	}
	if declared < 40 {
		t.Errorf("found only %d messages in huma's messages.go", declared)
	}
	for name := range ours {
		t.Errorf("humaTexts translates validation.%s, which huma no longer declares", name)
	}
}

var verbPattern = regexp.MustCompile(`%[-+# 0-9.]*[vsdqfg]`)

// TestTranslateDetail_EveryText formats each text as huma would and checks that it is recognised:
// its own code, and Chinese rather than the fallback that quotes the English.
func TestTranslateDetail_EveryText(t *testing.T) {
	for _, text := range humaTexts {
		var args []any
		for _, verb := range verbPattern.FindAllString(text.format, -1) {
			if strings.HasSuffix(verb, "d") {
				args = append(args, 7)
			} else {
				args = append(args, "body.school")
			}
		}
		msg := fmt.Sprintf(text.format, args...)
		got := translateDetail(422, &huma.ErrorDetail{Location: "body.school", Message: msg}, fieldResolver{})
		if got.code != text.code || strings.Contains(got.zh, "填写有误") || strings.Contains(got.zh, msg) {
			t.Errorf("%q: got %+v, want code %s and Chinese", msg, got, text.code)
		}
	}
}

// The list an enumerated test field takes its labels from.
var testDegrees = vocab.NewList("test_degree", vocab.T("phd", "博士（测试）", "PhD"), vocab.T("ba", "本科（测试）", "BA"))

// TestTranslateDetail_HumaValidation runs huma's validator on values that break each kind of
// rule and checks the Chinese a clerk reads and the code a program sees.
func TestTranslateDetail_HumaValidation(t *testing.T) {
	minimum, maximum, step := 1.0, 1e11, 5.0
	minLen, maxLen, minItems, maxItems := 2, 4, 1, 2
	str := func(s huma.Schema) *huma.Schema { s.Type = huma.TypeString; return &s }
	tests := []struct {
		name     string
		schema   *huma.Schema
		value    any
		code, zh string
		location string
	}{
		{"EnumFromList", testDegrees.Schema(), "x", "enum", "学历：应为以下之一：博士（测试）、本科（测试）", "body.education"},
		{"EnumCodes", str(huma.Schema{Enum: []any{"csv", "xlsx"}}), "x", "enum", "学历：应为以下之一：csv、xlsx", "body.education"},
		{"MinLength", str(huma.Schema{MinLength: &minLen}), "张", "min_length", "学历：不能少于 2 个字符", "body.education"},
		{"MaxLength", str(huma.Schema{MaxLength: &maxLen}), "张三李四王", "max_length", "学历：不能超过 4 个字符", "body.education"},
		{"Pattern", str(huma.Schema{Pattern: "^[a-z]+$"}), "ABC", "pattern", "学历：格式不正确（应符合规则 ^[a-z]+$）", "body.education"},
		{"Minimum", &huma.Schema{Type: huma.TypeInteger, Minimum: &minimum}, 0.0, "minimum", "学历：不能小于 1", "body.education"},
		{"Maximum", &huma.Schema{Type: huma.TypeInteger, Maximum: &maximum}, 2e11, "maximum", "学历：不能大于 100000000000", "body.education"},
		{"ExclusiveMinimum", &huma.Schema{Type: huma.TypeNumber, ExclusiveMinimum: &minimum}, 1.0, "minimum", "学历：应大于 1", "body.education"},
		{"MultipleOf", &huma.Schema{Type: huma.TypeInteger, MultipleOf: &step}, 7.0, "multiple_of", "学历：应为 5 的整数倍", "body.education"},
		{"DateTime", str(huma.Schema{Format: "date-time"}), "2024-05-01", "format", "学历：应为日期和时间，如 2024-05-01T09:30:00+08:00", "body.education"},
		{"Date", str(huma.Schema{Format: "date"}), "2024-02-30", "format", "学历：应为日期，格式为“年-月-日”，如 2024-05-01", "body.education"},
		{"Email", str(huma.Schema{Format: "email"}), "not-an-address", "format", "学历：不是有效的电子邮箱地址", "body.education"},
		{"Integer", &huma.Schema{Type: huma.TypeInteger}, 1.5, "type", "学历：应为整数", "body.education"},
		{"String", &huma.Schema{Type: huma.TypeString}, 3.0, "type", "学历：应为文字", "body.education"},
		{"Boolean", &huma.Schema{Type: huma.TypeBoolean}, "yes", "type", "学历：应为 true（是）或 false（否）", "body.education"},
		{"Array", &huma.Schema{Type: huma.TypeArray, Items: &huma.Schema{Type: huma.TypeString}}, "x", "type", "学历：应为列表", "body.education"},
		{"MinItems", &huma.Schema{Type: huma.TypeArray, MinItems: &minItems, Items: &huma.Schema{Type: huma.TypeString}}, []any{}, "min_items", "学历：至少应有 1 项", "body.education"},
		{"MaxItems", &huma.Schema{Type: huma.TypeArray, MaxItems: &maxItems, Items: &huma.Schema{Type: huma.TypeString}}, []any{"a", "b", "c"}, "max_items", "学历：最多只能有 2 项", "body.education"},
		{"UniqueItems", &huma.Schema{Type: huma.TypeArray, UniqueItems: true, Items: &huma.Schema{Type: huma.TypeString}}, []any{"a", "a"}, "unique_items", "学历：各项不能重复", "body.education"},
		{"EnumItem", &huma.Schema{Type: huma.TypeArray, Items: testDegrees.Schema()}, []any{"ba", "x"}, "enum", "学历第2项：应为以下之一：博士（测试）、本科（测试）", "body.education[1]"},
		{"Object", &huma.Schema{Type: huma.TypeObject, Properties: map[string]*huma.Schema{"school": {Type: huma.TypeString}}}, "x", "type", "学历：应为对象（由字段组成）", "body.education"},
		{"Required", &huma.Schema{Type: huma.TypeObject, Required: []string{"school"},
			Properties: map[string]*huma.Schema{"school": {Type: huma.TypeString}}}, map[string]any{}, "required", "毕业院校：必须填写", "body.education.school"},
		{"DependentRequired", &huma.Schema{Type: huma.TypeObject, DependentRequired: map[string][]string{"school": {"major"}},
			Properties: map[string]*huma.Schema{"school": {Type: huma.TypeString}, "major": {Type: huma.TypeString}}},
			map[string]any{"school": "x"}, "dependent_required", "专业：填写了“毕业院校”时必须填写", "body.education.major"},
		{"UnexpectedProperty", &huma.Schema{Type: huma.TypeObject, AdditionalProperties: false,
			Properties: map[string]*huma.Schema{"school": {Type: huma.TypeString}}}, map[string]any{"hobby": "x"}, "unexpected_property", "hobby：不是可以提交的字段，请删去", "body.education.hobby"},
	}
	reg := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.schema.PrecomputeMessages()
			for _, p := range tt.schema.Properties {
				p.PrecomputeMessages()
			}
			if tt.schema.Items != nil {
				tt.schema.Items.PrecomputeMessages()
			}
			pb := huma.NewPathBuffer([]byte{}, 0)
			pb.Push("body")
			pb.Push("education")
			res := &huma.ValidateResult{}
			huma.Validate(reg, tt.schema, pb, huma.ModeWriteToServer, tt.value, res)
			if len(res.Errors) != 1 {
				t.Fatalf("huma found %d errors: %v", len(res.Errors), res.Errors)
			}
			d := res.Errors[0].(*huma.ErrorDetail)
			got := translateDetail(422, d, fieldResolver{})
			if got.code != tt.code || got.zh != tt.zh || got.location != tt.location {
				t.Errorf("%q at %s: got %+v, want %s %q at %s", d.Message, d.Location, got, tt.code, tt.zh, tt.location)
			}
		})
	}
}

func TestTranslateSummary(t *testing.T) {
	for _, tt := range []struct {
		status   int
		msg      string
		code, zh string
	}{
		{422, "validation failed", "invalid_fields", "填写的内容有误，请按各项提示修改"},
		{400, "validation failed", "invalid_request", "提交的内容无法读取，请按提示检查格式"},
		{400, "request body is required", "body_required", "请求缺少内容，请填写后再提交"},
		{413, "request body is too large limit=65536 bytes", "payload_too_large", "提交的内容过大，最多 65536 字节"},
		{404, "", "not_found", "未找到"},
		{409, "something new", "conflict", "冲突（something new）"},
	} {
		code, zh, en := translateSummary(tt.status, tt.msg)
		if code != tt.code || zh != tt.zh || (tt.msg != "" && en != tt.msg) {
			t.Errorf("%d %q: got %s %q %q", tt.status, tt.msg, code, zh, en)
		}
	}
}

// TestTranslateDetail_DecoderErrors covers what encoding/json says of a value huma let through.
func TestTranslateDetail_DecoderErrors(t *testing.T) {
	for _, tt := range []struct {
		msg                string
		code, location, zh string
	}{
		{"json: cannot unmarshal number 9223372036854775808 into Go struct field talentBody.enterprise_id of type int64",
			"out_of_range", "body.enterprise_id", "所属企业：数值超出允许的范围"},
		{"json: cannot unmarshal string into Go struct field .honours.year of type int", "type", "body.honours.year", "年份：类型不符合要求"},
		{`not a date from year 0001 on: "0000-01-01"`, "unreadable_value", "body", "提交的内容中有无法读取的值，请检查各项的格式和取值范围"},
	} {
		got := translateDetail(422, &huma.ErrorDetail{Location: "body", Message: tt.msg}, fieldResolver{})
		if got.code != tt.code || got.location != tt.location || got.zh != tt.zh {
			t.Errorf("%q: got %+v", tt.msg, got)
		}
	}
}
