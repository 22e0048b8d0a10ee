package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/internal/reqctx"
	"talentd/internal/vocab"
)

// hrRoles work the HR portal: an enterprise's HR, confined to its own enterprise by the services.
var hrRoles = []auth.Role{auth.RoleEnterpriseHR}

func (s *Site) hrPages() map[string]http.Handler {
	in := func(h http.HandlerFunc) http.Handler { return s.signedIn(hrRoles, h) }
	return map[string]http.Handler{
		"GET /hr":                      in(s.hrTalents),
		"POST /hr/submit":              in(s.hrSubmit),
		"GET /hr/talents/new":          in(s.hrNewTalent),
		"POST /hr/talents/new":         in(s.hrSaveTalent),
		"GET /hr/talents/{id}":         in(s.hrTalent),
		"POST /hr/talents/{id}":        in(s.hrSaveTalent),
		"POST /hr/talents/{id}/submit": in(s.hrSubmitTalent),
		"POST /hr/talents/{id}/photo":  in(s.hrPhoto),
		"GET /hr/import":               in(s.hrImportPage),
		"POST /hr/import":              in(s.hrImport),
		"GET /hr/import/{file}":        in(s.hrTemplate),
		"GET /hr/export/{file}":        in(s.hrExport),
		"GET /hr/cards":                in(s.hrCards),
		"GET /hr/requests":             in(s.hrRequests),
		"POST /hr/requests":            in(s.hrFileRequest),
		"GET /hr/housing":              in(s.hrHousing),
		"GET /hr/subsidies":            in(s.hrSubsidies),
		"POST /hr/subsidies":           in(s.hrApplySubsidy),
		"POST /hr/nominations":         in(s.hrNominate),
		"GET /hr/subsidies/{id}":       in(s.hrSubsidy),
		"POST /hr/subsidies/{id}":      in(s.hrCorrectSubsidy),
	}
}

// hrTab is one page of the portal's sub-navigation.
type hrTab struct {
	path, zh, en string
}

// hrTabs are the portal's pages, in the order the sub-navigation lists them.
var hrTabs = []hrTab{
	{"/hr", "人才名单", "Talents"},
	{"/hr/talents/new", "新增登记", "New record"},
	{"/hr/import", "导入导出", "Import and export"},
	{"/hr/cards", "人才绿卡", "Green cards"},
	{"/hr/requests", "代办事项", "Agent requests"},
	{"/hr/housing", "住房申请", "Housing"},
	{"/hr/subsidies", "奖励补贴", "Awards and subsidies"},
}

// hrPage is what every page of the portal shows besides its own: the sub-navigation, what the
// last action did or why it was refused, and a listing's filters and next page.
type hrPage struct {
	Tabs                 []navLink
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
	// Errors are a refused form's field messages by location; OtherErrors those of locations the
	// form has no input for, shown at the top.
	Errors      hrFieldErrors
	OtherErrors []string
	// Filters are a listing's filter inputs, sent to FilterAction; Next the link to its next page.
	Filters      []hrField
	FilterAction string
	Next         string
}

// filter adds to the page's filters a select of list's codes, named name in the query, and
// returns the code the request chose ("" for any, or for what is no code of list).
func (p *hrPage) filter(r *http.Request, list *vocab.List, name, zh, en, anyZh, anyEn string) string {
	chosen := r.URL.Query().Get(name)
	if !list.Has(chosen) {
		chosen = ""
	}
	p.Filters = append(p.Filters, newHRFieldMaker(r, nil).choice(name, "", zh, en, hrVocabOptions(list, chosen, anyZh, anyEn)))
	return chosen
}

func newHRPage(current string) hrPage {
	p := hrPage{Errors: hrFieldErrors{}, FilterAction: current}
	for _, t := range hrTabs {
		p.Tabs = append(p.Tabs, navLink{Path: t.path, Zh: t.zh, En: t.en, Current: t.path == current})
	}
	return p
}

// done says what an action did.
func (p *hrPage) done(zh, en string) { p.DoneZh, p.DoneEn = zh, en }

// hrSavedMessages say what the action that redirected to a page (?saved=…) did.
var hrSavedMessages = map[string][2]string{
	"1":          {"已保存", "Saved"},
	"submitted":  {"已提交审核", "Submitted for review"},
	"photo":      {"照片已上传", "Photo uploaded"},
	"calculated": {"申请已提交，补贴金额已按项目规则计算", "Submitted; the amount was calculated by the programme's rules"},
}

// hrSavedPage is newHRPage saying what the action that redirected here did, as the request's
// ?saved= names it.
func hrSavedPage(current string, r *http.Request) hrPage {
	p := newHRPage(current)
	if m, ok := hrSavedMessages[r.URL.Query().Get("saved")]; ok {
		p.done(m[0], m[1])
	}
	return p
}

// refused says why an action was refused, and returns the status to answer with (httpapi's for
// the error); false for an error that is not a refusal, which renderError shows.
func (p *hrPage) refused(err error) (int, bool) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return 0, false
	}
	p.ProblemZh, p.ProblemEn = e.Zh, e.Message
	return httpapi.StatusOf(e), true
}

// hrFieldErrors maps a refusal's field locations ("body.id_number") to their messages in the
// reader's language, for a form to show each next to its input.
type hrFieldErrors map[string]string

func hrFieldErrorsOf(err error, lang string) hrFieldErrors {
	out := hrFieldErrors{}
	var e *errs.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if _, seen := out[f.Location]; !seen {
				out[f.Location] = f.In(lang)
			}
		}
	}
	return out
}

// except lists the messages of the locations not among shown (the form has no input for them),
// in a stable order.
func (fe hrFieldErrors) except(shown ...string) []string {
	var out []string
	for _, loc := range slices.Sorted(maps.Keys(fe)) {
		if !slices.Contains(shown, loc) {
			out = append(out, fe[loc])
		}
	}
	return out
}

// hrField is one input or select of a form as the page shows it (template hr-field): its label
// and hint in the reader's language, its value as typed and the refusal of its location.
type hrField struct {
	Lang                           string
	Name, Label, Hint, Placeholder string
	Value, Type, Error             string
	MaxLen                         int
	Mono                           bool
	Options                        []hrOption
}

// hrFieldMaker makes a form's fields in the reader's language, each with the message of its
// location among errs.
type hrFieldMaker struct {
	lang string
	errs hrFieldErrors
}

func newHRFieldMaker(r *http.Request, errs hrFieldErrors) hrFieldMaker {
	return hrFieldMaker{lang: reqctx.Lang(r.Context()), errs: errs}
}

// input is a text input named name, whose refusals come at location loc.
func (m hrFieldMaker) input(name, loc, zh, en, value string, maxLen int) hrField {
	return hrField{Lang: m.lang, Name: name, Label: hrPick(m.lang, zh, en), Value: value, MaxLen: maxLen, Error: m.errs[loc]}
}

// choice is a select named name with opts, whose refusals come at location loc.
func (m hrFieldMaker) choice(name, loc, zh, en string, opts []hrOption) hrField {
	return hrField{Lang: m.lang, Name: name, Label: hrPick(m.lang, zh, en), Options: opts, Error: m.errs[loc]}
}

// hrPick is zh, or en for a reader of English.
func hrPick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// hrOption is one choice of a select.
type hrOption struct {
	Value, Zh, En string
	Selected      bool
}

// hrVocabOptions are a vocabulary's terms as a select's options, the one chosen selected; blankZh
// and blankEn, when given, head the list with an empty choice.
func hrVocabOptions(list *vocab.List, chosen, blankZh, blankEn string) []hrOption {
	var out []hrOption
	if blankZh != "" {
		out = append(out, hrOption{Zh: blankZh, En: blankEn, Selected: chosen == ""})
	}
	for _, t := range list.Terms() {
		out = append(out, hrOption{Value: t.Code, Zh: t.Zh, En: t.En, Selected: t.Code == chosen})
	}
	return out
}

// hrListQuery is a listing's place: the cursor of the page and its size.
func hrListQuery(r *http.Request) page.Query {
	return page.Query{Cursor: r.URL.Query().Get("cursor"), Limit: hrPageSize}
}

// hrPageSize is how many rows a listing of the portal shows at once.
const hrPageSize = 20

// hrNextPage is the link to the page after the one shown: the request's query with the cursor
// replaced; "" on the last page.
func hrNextPage(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", cursor)
	return r.URL.Path + "?" + q.Encode()
}

// hrFormReader turns a form's text into the figures a service takes, collecting as field errors
// (under the locations the service uses) the text that is no such figure.
type hrFormReader struct {
	bad []errs.FieldError
}

// year reads a year written as digits; "" is 0.
func (fr *hrFormReader) year(text, loc string) int {
	if text == "" {
		return 0
	}
	y, err := strconv.Atoi(text)
	if err != nil {
		fr.bad = append(fr.bad, errs.Field(loc, "invalid_year", "年份请填写四位数字，如 2015",
			"write the year as four digits, e.g. 2015", text))
	}
	return y
}

// amount reads an amount of yuan as clerks write it (350000, 35万); "" is 0. zh and en name the
// figure in the message.
func (fr *hrFormReader) amount(text, loc, zh, en string) money.Fen {
	if text == "" {
		return 0
	}
	fen, err := money.Parse(text)
	var e *errs.Error
	if err != nil && errors.As(err, &e) {
		fr.bad = append(fr.bad, errs.Field(loc, e.Code, zh+"："+e.Zh, en+": "+e.Message, text))
	}
	return fen
}

// date reads a date written year-month-day; "" is the zero date.
func (fr *hrFormReader) date(text, loc string) civil.Date {
	if text == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(text)
	if err != nil {
		fr.bad = append(fr.bad, errs.Field(loc, "invalid_date", "日期请按“年-月-日”填写，如 2024-03-01",
			"write the date as year-month-day, e.g. 2024-03-01", text))
	}
	return d
}

// err is the field errors collected, or nil.
func (fr *hrFormReader) err() error {
	if len(fr.bad) == 0 {
		return nil
	}
	return errs.Fields(fr.bad...)
}

// hrReadPostForm reads a posted form of at most limit bytes; errFormUnreadable when it cannot.
func hrReadPostForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return errFormUnreadable
	}
	return nil
}

// hrTalentLink is where the portal shows a talent record.
func hrTalentLink(id int64) string { return "/hr/talents/" + url.PathEscape(strconv.FormatInt(id, 10)) }

// hrVocabLabel is the label of code in the vocabulary named list, in lang; the code itself when the
// list or the code is unknown. code is a string or a named string type, or a pointer to one (nil
// is no label).
func hrVocabLabel(list string, code any, lang string) string {
	v := reflect.ValueOf(code)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.String {
		return ""
	}
	l, ok := vocab.Lookup(list)
	if !ok || !l.Has(v.String()) {
		return v.String()
	}
	return l.Label(v.String(), lang)
}
