package httpapi

import (
	"net/http"
	"strconv"
)

// Problem is talentd's RFC 9457 problem detail: the status, a stable code for programs, title,
// detail and field messages in the reader's language (Chinese unless Accept-Language prefers
// English; the response's Content-Language says which), and the request id a user can quote to
// support. It carries both languages until it is written, so a Problem made without a request
// (huma.NewError) is still rendered in the language of the request it answers.
type Problem struct {
	Type      string          `json:"type,omitempty" format:"uri" default:"about:blank" doc:"A URI reference that identifies the problem type" example:"about:blank"`
	Title     string          `json:"title,omitempty" doc:"A short summary of the problem, in the reader's language" example:"请求有误"`
	Status    int             `json:"status,omitempty" doc:"The HTTP status code" example:"422"`
	Code      string          `json:"code" doc:"Stable code of the problem for programs to branch on, the same in every language" example:"invalid_fields"`
	Detail    string          `json:"detail,omitempty" doc:"What went wrong and what to do, in the reader's language" example:"填写的内容有误，请按各项提示修改"`
	Instance  string          `json:"instance,omitempty" format:"uri" doc:"A URI reference that identifies this occurrence of the problem"`
	RequestID string          `json:"request_id,omitempty" doc:"Quote this id when reporting the problem"`
	Errors    []*ProblemField `json:"errors,omitempty" doc:"What is wrong with each field of the request"`

	// lang is the language Title, Detail and the fields' messages are in now.
	lang               string
	titleZh, titleEn   string
	detailZh, detailEn string
	// retryAfter, when positive, is sent as Retry-After by huma for a Problem a handler returns
	// itself (see GetHeaders); errors mapped with a context set the header directly.
	retryAfter int
}

// ProblemField says what is wrong with one field of the request.
type ProblemField struct {
	Code     string `json:"code" doc:"Stable code of the field's problem, e.g. required, enum, max_length" example:"enum"`
	Message  string `json:"message" doc:"The problem, naming the field, in the reader's language" example:"学历：应为以下之一：博士、硕士、本科、大专、其他"`
	Location string `json:"location,omitempty" doc:"Where the field is: body.education, query.grade, path.id" example:"body.education"`
	Value    any    `json:"value,omitempty" doc:"The value sent, when it is a single harmless value"`

	zh, en string
}

// newProblemOf starts a problem of status with a code and the detail in both languages; the
// title is the status's own.
func newProblemOf(status int, code, detailZh, detailEn, requestID string) *Problem {
	if code == "" {
		code = statusCode(status)
	}
	return &Problem{Status: status, Code: code, RequestID: requestID, lang: "en",
		titleZh: statusTitleZh(status), titleEn: http.StatusText(status),
		detailZh: detailZh, detailEn: detailEn, Title: http.StatusText(status), Detail: detailEn}
}

// addField appends a field problem with its message in both languages.
func (p *Problem) addField(code, location, zh, en string, value any) {
	if code == "" {
		code = "invalid"
	}
	if zh == "" {
		zh = en
	}
	p.Errors = append(p.Errors, &ProblemField{Code: code, Location: location, Value: echoable(location, value),
		Message: pickText(p.lang, zh, en), zh: zh, en: en})
}

// in returns p with its texts in lang ("zh" or "en"): p itself when they are already, otherwise
// a copy, since a Problem a handler returns may be shared between requests.
func (p *Problem) in(lang string) *Problem {
	if p.lang == lang {
		return p
	}
	c := *p
	c.Errors = make([]*ProblemField, len(p.Errors))
	for i, f := range p.Errors {
		fc := *f
		c.Errors[i] = &fc
	}
	c.setLang(lang)
	return &c
}

// setLang puts p's texts in lang, in place.
func (p *Problem) setLang(lang string) {
	p.lang = lang
	p.Title, p.Detail = pickText(lang, p.titleZh, p.titleEn), pickText(lang, p.detailZh, p.detailEn)
	for _, f := range p.Errors {
		f.Message = pickText(lang, f.zh, f.en)
	}
}

// pickText chooses the Chinese or the English text; a missing Chinese falls back to the English.
func pickText(lang, zh, en string) string {
	if lang == "en" || zh == "" {
		return en
	}
	return zh
}

// Error renders the problem for logs.
func (p *Problem) Error() string {
	if p.detailEn != "" {
		return p.detailEn
	}
	return p.Detail
}

// GetStatus gives huma the problem's HTTP status.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json (or +cbor) for a problem.
func (p *Problem) ContentType(ct string) string {
	switch ct {
	case "application/json":
		return "application/problem+json"
	case "application/cbor":
		return "application/problem+cbor"
	}
	return ct
}

// GetHeaders gives huma the Retry-After of a Problem that a handler returned as it is.
func (p *Problem) GetHeaders() http.Header {
	if p.retryAfter <= 0 {
		return nil
	}
	return http.Header{"Retry-After": []string{strconv.Itoa(p.retryAfter)}}
}

// statusTexts give each status the code of a problem that has none of its own (huma's errors,
// unmatched routes, domain errors made before errors carried codes) and its Chinese title; the
// English title is net/http's.
var statusTexts = map[int]struct{ code, zh string }{
	http.StatusBadRequest:            {"invalid_request", "请求有误"},
	http.StatusUnauthorized:          {"unauthenticated", "请先登录"},
	http.StatusForbidden:             {"forbidden", "无权操作"},
	http.StatusNotFound:              {"not_found", "未找到"},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "不支持该请求方法"},
	http.StatusNotAcceptable:         {"not_acceptable", "无法提供所需格式"},
	http.StatusRequestTimeout:        {"request_timeout", "请求超时"},
	http.StatusConflict:              {"conflict", "冲突"},
	http.StatusGone:                  {"gone", "已不存在"},
	http.StatusPreconditionFailed:    {"precondition_failed", "数据已被他人修改"},
	http.StatusRequestEntityTooLarge: {"payload_too_large", "提交的内容过大"},
	http.StatusUnsupportedMediaType:  {"unsupported_media_type", "不支持的内容类型"},
	http.StatusUnprocessableEntity:   {"invalid_fields", "填写内容有误"},
	http.StatusPreconditionRequired:  {"precondition_required", "缺少版本标记"},
	http.StatusTooManyRequests:       {"too_many_requests", "操作过于频繁"},
	http.StatusInternalServerError:   {"internal", "系统内部错误"},
	http.StatusNotImplemented:        {"not_implemented", "功能尚未提供"},
	http.StatusServiceUnavailable:    {"unavailable", "服务暂时不可用"},
	http.StatusGatewayTimeout:        {"timeout", "处理超时"},
}

// statusCode is the code of a problem that has none but its status.
func statusCode(status int) string {
	if t, ok := statusTexts[status]; ok {
		return t.code
	}
	return "http_" + strconv.Itoa(status)
}

// statusTitleZh is the Chinese title of status.
func statusTitleZh(status int) string {
	if t, ok := statusTexts[status]; ok {
		return t.zh
	}
	return "请求未能完成"
}
