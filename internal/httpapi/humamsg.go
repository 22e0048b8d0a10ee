package httpapi

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"
)

// humaText is one of the texts huma writes into a problem's field details, with the code and the
// Chinese a clerk reads in its place. The matcher is built from huma's own format, so that a text
// huma changes is still recognised, and a test fails when huma adds a text this table lacks.
type humaText struct {
	// name is the variable of huma's validation package the format comes from; "" for a text
	// huma spells out where it raises it.
	name   string
	format string
	code   string
	// zh follows the field's label and "："; {1}, {2} stand for huma's arguments in order.
	zh string
	re *regexp.Regexp
}

// humaTexts are huma v2's validation messages (validation/messages.go) and the parameter-parsing
// texts of huma.go, in the order they are tried: the longest fixed text first, so that a general
// format ("expected string to be %s") never takes a specific one's message.
var humaTexts = compileTexts([]humaText{
	{name: "MsgUnexpectedProperty", format: validation.MsgUnexpectedProperty, code: "unexpected_property", zh: "不是可以提交的字段，请删去"},
	{name: "MsgExpectedRFC3339DateTime", format: validation.MsgExpectedRFC3339DateTime, code: "format", zh: "应为日期和时间，如 2024-05-01T09:30:00+08:00"},
	{name: "MsgExpectedRFC1123DateTime", format: validation.MsgExpectedRFC1123DateTime, code: "format", zh: "应为 RFC 1123 格式的日期和时间，如 Wed, 01 May 2024 01:30:00 GMT"},
	{name: "MsgExpectedRFC3339Date", format: validation.MsgExpectedRFC3339Date, code: "format", zh: "应为日期，格式为“年-月-日”，如 2024-05-01"},
	{name: "MsgExpectedRFC3339Time", format: validation.MsgExpectedRFC3339Time, code: "format", zh: "应为时间，如 09:30:00+08:00"},
	{name: "MsgExpectedRFC5322Email", format: validation.MsgExpectedRFC5322Email, code: "format", zh: "不是有效的电子邮箱地址"},
	{name: "MsgExpectedRFC5890Hostname", format: validation.MsgExpectedRFC5890Hostname, code: "format", zh: "不是有效的主机名"},
	{name: "MsgExpectedRFC2673IPv4", format: validation.MsgExpectedRFC2673IPv4, code: "format", zh: "不是有效的 IPv4 地址"},
	{name: "MsgExpectedRFC2373IPv6", format: validation.MsgExpectedRFC2373IPv6, code: "format", zh: "不是有效的 IPv6 地址"},
	{name: "MsgExpectedRFCIPAddr", format: validation.MsgExpectedRFCIPAddr, code: "format", zh: "不是有效的 IP 地址"},
	{name: "MsgExpectedRFC3986URI", format: validation.MsgExpectedRFC3986URI, code: "format", zh: "不是有效的网址（URI）"},
	{name: "MsgExpectedRFC4122UUID", format: validation.MsgExpectedRFC4122UUID, code: "format", zh: "不是有效的 UUID"},
	{name: "MsgExpectedRFC6570URITemplate", format: validation.MsgExpectedRFC6570URITemplate, code: "format", zh: "不是有效的 URI 模板"},
	{name: "MsgExpectedRFC6901JSONPointer", format: validation.MsgExpectedRFC6901JSONPointer, code: "format", zh: "不是有效的 JSON 指针"},
	{name: "MsgExpectedRFC6901RelativeJSONPointer", format: validation.MsgExpectedRFC6901RelativeJSONPointer, code: "format", zh: "不是有效的相对 JSON 指针"},
	{name: "MsgExpectedRegexp", format: validation.MsgExpectedRegexp, code: "format", zh: "不是有效的正则表达式"},
	{name: "MsgExpectedMatchAtLeastOneSchema", format: validation.MsgExpectedMatchAtLeastOneSchema, code: "schema", zh: "不符合任何一种允许的格式"},
	{name: "MsgExpectedMatchExactlyOneSchema", format: validation.MsgExpectedMatchExactlyOneSchema, code: "schema", zh: "应当恰好符合一种允许的格式"},
	{name: "MsgExpectedNotMatchSchema", format: validation.MsgExpectedNotMatchSchema, code: "schema", zh: "不应符合这种格式"},
	{name: "MsgExpectedPropertyNameInObject", format: validation.MsgExpectedPropertyNameInObject, code: "schema", zh: "缺少应有的字段名"},
	{name: "MsgExpectedBoolean", format: validation.MsgExpectedBoolean, code: "type", zh: "应为 true（是）或 false（否）"},
	{name: "MsgExpectedDuration", format: validation.MsgExpectedDuration, code: "format", zh: "应为时长，如 1h30m"},
	{name: "MsgExpectedNumber", format: validation.MsgExpectedNumber, code: "type", zh: "应为数字"},
	{name: "MsgExpectedInteger", format: validation.MsgExpectedInteger, code: "type", zh: "应为整数"},
	{name: "MsgExpectedString", format: validation.MsgExpectedString, code: "type", zh: "应为文字"},
	{name: "MsgExpectedBase64String", format: validation.MsgExpectedBase64String, code: "format", zh: "应为 Base64 编码的内容"},
	{name: "MsgExpectedArray", format: validation.MsgExpectedArray, code: "type", zh: "应为列表"},
	{name: "MsgExpectedObject", format: validation.MsgExpectedObject, code: "type", zh: "应为对象（由字段组成）"},
	{name: "MsgExpectedArrayItemsUnique", format: validation.MsgExpectedArrayItemsUnique, code: "unique_items", zh: "各项不能重复"},
	{name: "MsgExpectedOneOf", format: validation.MsgExpectedOneOf, code: "enum", zh: "应为以下之一：{1}"},
	{name: "MsgExpectedMinimumNumber", format: validation.MsgExpectedMinimumNumber, code: "minimum", zh: "不能小于 {1}"},
	{name: "MsgExpectedExclusiveMinimumNumber", format: validation.MsgExpectedExclusiveMinimumNumber, code: "minimum", zh: "应大于 {1}"},
	{name: "MsgExpectedMaximumNumber", format: validation.MsgExpectedMaximumNumber, code: "maximum", zh: "不能大于 {1}"},
	{name: "MsgExpectedExclusiveMaximumNumber", format: validation.MsgExpectedExclusiveMaximumNumber, code: "maximum", zh: "应小于 {1}"},
	{name: "MsgExpectedNumberBeMultipleOf", format: validation.MsgExpectedNumberBeMultipleOf, code: "multiple_of", zh: "应为 {1} 的整数倍"},
	{name: "MsgExpectedMinLength", format: validation.MsgExpectedMinLength, code: "min_length", zh: "不能少于 {1} 个字符"},
	{name: "MsgExpectedMaxLength", format: validation.MsgExpectedMaxLength, code: "max_length", zh: "不能超过 {1} 个字符"},
	{name: "MsgExpectedBePattern", format: validation.MsgExpectedBePattern, code: "pattern", zh: "格式不正确，应为 {1}"},
	{name: "MsgExpectedMatchPattern", format: validation.MsgExpectedMatchPattern, code: "pattern", zh: "格式不正确（应符合规则 {1}）"},
	{name: "MsgExpectedMinItems", format: validation.MsgExpectedMinItems, code: "min_items", zh: "至少应有 {1} 项"},
	{name: "MsgExpectedMaxItems", format: validation.MsgExpectedMaxItems, code: "max_items", zh: "最多只能有 {1} 项"},
	{name: "MsgExpectedMinProperties", format: validation.MsgExpectedMinProperties, code: "min_properties", zh: "至少应有 {1} 个字段"},
	{name: "MsgExpectedMaxProperties", format: validation.MsgExpectedMaxProperties, code: "max_properties", zh: "最多只能有 {1} 个字段"},
	{name: "MsgExpectedRequiredProperty", format: validation.MsgExpectedRequiredProperty, code: "required", zh: "必须填写"},
	{name: "MsgExpectedDependentRequiredProperty", format: validation.MsgExpectedDependentRequiredProperty, code: "dependent_required", zh: "填写了“{2}”时必须填写"},

	// Parameters: huma.go parses them with these texts.
	{format: "unknown query parameter", code: "unexpected_parameter", zh: "不是可以使用的参数，请删去"},
	{format: "required %s parameter is missing", code: "required", zh: "必须填写"},
	{format: "expected at most one value, but received multiple values", code: "multiple_values", zh: "只能有一个值"},
	{format: "invalid integer", code: "type", zh: "应为整数"},
	{format: "invalid float", code: "type", zh: "应为数字"},
	{format: "invalid floating value", code: "type", zh: "应为数字"},
	{format: "invalid boolean", code: "type", zh: "应为 true（是）或 false（否）"},
	{format: "invalid date/time for format %s", code: "format", zh: "应为日期和时间（格式 {1}）"},
	{format: "invalid url.URL value", code: "format", zh: "不是有效的网址"},
	{format: "invalid value: %s", code: "invalid", zh: "取值无效"},
	{format: "unknown content type", code: "unsupported_media_type", zh: "不支持这种内容类型，请以 JSON 提交"},
	// talentd's own refusal of a NUL in a JSON body (see jsonWithoutNUL): the argument is the field.
	{format: nulInBody, code: "nul_character", zh: "不能包含空字符（U+0000）"},
	// encoding/json's, when a value huma let through does not fit the Go field (an integer past
	// int64): the second argument is the field's path, after the body type's name.
	{format: "json: cannot unmarshal %s into Go struct field %s of type %s", code: "type", zh: "类型不符合要求"},
	{format: "json: cannot unmarshal %s into Go value of type %s", code: "type", zh: "类型不符合要求"},
})

// compileTexts builds each text's matcher and orders the texts longest fixed part first.
func compileTexts(texts []humaText) []humaText {
	verb := regexp.MustCompile(`%[-+# 0-9.]*[vsdqfg]`)
	fixedLen := make(map[string]int, len(texts))
	for i := range texts {
		t := &texts[i]
		literals := verb.Split(t.format, -1)
		var pattern strings.Builder
		for j, lit := range literals {
			if j > 0 {
				pattern.WriteString("(.*?)")
			}
			pattern.WriteString(regexp.QuoteMeta(lit))
		}
		t.re = regexp.MustCompile("^" + pattern.String() + "$")
		fixedLen[t.format] = len(strings.Join(literals, ""))
	}
	sort.SliceStable(texts, func(i, j int) bool { return fixedLen[texts[i].format] > fixedLen[texts[j].format] })
	return texts
}

// translation is a huma detail as a clerk reads it.
type translation struct {
	code, location, zh string
}

// translateDetail gives one of huma's field details its code and Chinese, naming the field by its
// label. Some of huma's details sit on the object rather than the field (a missing property):
// those move to the field's own location, where a form can show them.
func translateDetail(status int, d *huma.ErrorDetail, fields fieldResolver) translation {
	loc := d.Location
	for _, t := range humaTexts {
		m := t.re.FindStringSubmatch(d.Message)
		if m == nil {
			continue
		}
		args := m[1:]
		switch t.code {
		case "required", "dependent_required":
			if t.name != "" { // a property: huma names it in the text and locates the object
				loc = joinLocation(loc, args[0])
			}
			if len(args) > 1 {
				other, _ := fields.label(joinLocation(d.Location, args[1]))
				args = []string{args[0], other}
			}
		case "enum":
			args = []string{enumLabels(loc, args[0], fields)}
		case "minimum", "maximum", "multiple_of":
			args = []string{plainNumber(args[0])}
		case "nul_character":
			loc = args[0]
		case "type":
			if len(args) == 3 { // encoding/json's: locate the field and tell a number out of range
				loc = jsonFieldLocation(args[1])
				if strings.HasPrefix(args[0], "number") {
					zh, _ := fields.label(loc)
					return translation{code: "out_of_range", location: loc, zh: zh + "：数值超出允许的范围"}
				}
			}
		}
		zh, _ := fields.label(loc)
		return translation{code: t.code, location: loc, zh: zh + "：" + fill(t.zh, args)}
	}
	if loc == "body" && status == http.StatusBadRequest {
		return translation{code: "malformed_json", location: loc, zh: "提交的内容不是有效的 JSON，请检查格式"}
	}
	if loc == "" || loc == "body" {
		// A value the decoder refused after validation (a date before year 1, say), which its
		// error does not locate: the English keeps the decoder's words.
		return translation{code: "unreadable_value", location: loc, zh: "提交的内容中有无法读取的值，请检查各项的格式和取值范围"}
	}
	zh, _ := fields.label(loc)
	return translation{code: "invalid", location: loc, zh: zh + "：填写有误（" + d.Message + "）"}
}

// jsonFieldLocation turns encoding/json's field path ("talentBody.honours.year", the body type's
// name first, empty for an unnamed type) into a location ("body.honours.year").
func jsonFieldLocation(path string) string {
	_, field, _ := strings.Cut(path, ".")
	return "body." + field
}

// joinLocation is the location of field name inside the object at parent.
func joinLocation(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// fill puts args in place of {1}, {2}, … in zh.
func fill(zh string, args []string) string {
	for i, a := range args {
		zh = strings.ReplaceAll(zh, "{"+strconv.Itoa(i+1)+"}", a)
	}
	return zh
}

// enumLabels turns huma's list of allowed codes ("doctorate, master") into the field's Chinese
// labels ("博士、硕士"), or the codes themselves when the field has no vocabulary list.
func enumLabels(location, codes string, fields fieldResolver) string {
	list := strings.Split(codes, ", ")
	if l := fields.list(location, list); l != nil {
		for i, c := range list {
			list[i] = l.Label(c, "zh")
		}
	}
	return strings.Join(list, "、")
}

// plainNumber writes huma's bound (a float64 printed with %v: "1e+11") as digits.
func plainNumber(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// humaSummaries are the texts huma gives a problem as a whole, with their codes and Chinese.
var humaSummaries = compileTexts([]humaText{
	{format: "request body is required", code: "body_required", zh: "请求缺少内容，请填写后再提交"},
	{format: "request body is too large limit=%d bytes", code: "payload_too_large", zh: "提交的内容过大，最多 {1} 字节"},
	{format: "request body read timeout", code: "request_timeout", zh: "读取提交的内容超时，请重试"},
	{format: "unable to marshal response", code: "not_acceptable", zh: "无法按所要求的格式返回结果，请接受 JSON（Accept: application/json）"},
	{format: "cannot read request body", code: "unreadable_body", zh: "无法读取提交的内容，请重试"},
})

// translateSummary gives huma's message for a problem as a whole its code and Chinese. huma says
// "validation failed" for every refused input; what it means depends on the status.
func translateSummary(status int, msg string) (code, zh, en string) {
	if msg == "validation failed" {
		switch status {
		case http.StatusUnprocessableEntity:
			return "invalid_fields", "填写的内容有误，请按各项提示修改", msg
		case http.StatusBadRequest:
			return "invalid_request", "提交的内容无法读取，请按提示检查格式", msg
		case http.StatusUnsupportedMediaType:
			return "unsupported_media_type", "不支持这种内容类型，请以 JSON 提交", msg
		}
	}
	for _, t := range humaSummaries {
		if m := t.re.FindStringSubmatch(msg); m != nil {
			return t.code, fill(t.zh, m[1:]), msg
		}
	}
	if msg == "" {
		return statusCode(status), statusTitleZh(status), http.StatusText(status)
	}
	return statusCode(status), statusTitleZh(status) + "（" + msg + "）", msg
}
