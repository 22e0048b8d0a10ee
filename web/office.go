package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/reqctx"
	"talentd/internal/vocab"
	"talentd/talent"
)

// officeRoles work the talent office's desk; adminRoles alone reach its accounts page.
var (
	officeRoles = []auth.Role{auth.RoleTalentOffice, auth.RoleAdmin}
	adminRoles  = []auth.Role{auth.RoleAdmin}
)

// officeSection is one page of the office desk's sub-navigation.
type officeSection struct {
	path, zh, en string
	roles        []auth.Role
}

// officeSections are the desk's pages in the order its sub-navigation lists them; the print queue
// and the agent-request board are other desks' pages the office works from too.
var officeSections = []officeSection{
	{"/office", "审核队列", "Review queue", officeRoles},
	{"/office/policy", "认定标准", "Grading policy", officeRoles},
	{"/office/cards", "人才绿卡", "Green cards", officeRoles},
	{"/print", "制卡打印", "Card printing", officeRoles},
	{"/office/catalogue", "服务目录", "Service catalogue", officeRoles},
	{"/commissioner", "代办事项", "Agent requests", officeRoles},
	{"/office/accounts", "账号与密钥", "Accounts and API keys", adminRoles},
	{"/office/audit", "审计日志", "Audit log", officeRoles},
}

func (s *Site) officePages() map[string]http.Handler {
	in := func(h http.HandlerFunc) http.Handler { return s.signedIn(officeRoles, h) }
	admin := func(h http.HandlerFunc) http.Handler { return s.signedIn(adminRoles, h) }
	return map[string]http.Handler{
		"GET /office":                           in(s.reviewQueue),
		"GET /office/review":                    in(s.reviewQueue),
		"POST /office/review/{action}":          in(s.reviewBulk),
		"POST /office/review/{id}/approve":      in(s.reviewApproveOne),
		"GET /office/talents/{id}":              in(s.officeRecord),
		"POST /office/talents/{id}/{action}":    in(s.officeRecordMove),
		"GET /office/policy":                    in(s.policyPage),
		"POST /office/policy/draft":             in(s.policyDraft),
		"POST /office/policy/{id}":              in(s.policySave),
		"POST /office/policy/{id}/publish":      in(s.policyPublish),
		"GET /office/policy/{id}/impact":        in(s.policyImpact),
		"GET /office/cards":                     in(s.officeCards),
		"POST /office/cards/{serial}/status":    in(s.officeCardStatus),
		"POST /office/talents/{id}/reissue":     in(s.officeCardReissue),
		"GET /office/catalogue":                 in(s.officeCatalogue),
		"POST /office/catalogue/{code}":         in(s.officeCatalogueSave),
		"GET /office/audit":                     in(s.officeAudit),
		"GET /office/accounts":                  admin(s.officeAccounts),
		"POST /office/accounts":                 admin(s.officeAccountCreate),
		"GET /office/accounts/{id}":             admin(s.officeAccount),
		"POST /office/accounts/{id}/{action}":   admin(s.officeAccountAct),
		"POST /office/accounts/{id}/keys":       admin(s.officeKeyCreate),
		"POST /office/accounts/{id}/keys/{key}": admin(s.officeKeyRevoke),
	}
}

// officeBase is what every office page shows above its own content: the sub-navigation and what
// became of the last action.
type officeBase struct {
	Lang string
	Sub  []navLink
	officeNote
}

// officeNote says what the last action did, or why it was refused, with each refused field's
// message by its location ("body.username") for the page to show beside that input.
type officeNote struct {
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
	Fields               map[string]*errs.FieldError
	FieldList            []errs.FieldError
}

// Field is the message of the input at location, or nil.
func (n officeNote) Field(location string) *errs.FieldError { return n.Fields[location] }

// FieldsUnder lists the messages of the inputs whose location starts with prefix (a policy's
// rules, "body.rules").
func (n officeNote) FieldsUnder(prefix string) []errs.FieldError {
	var out []errs.FieldError
	for _, f := range n.FieldList {
		if strings.HasPrefix(f.Location, prefix) {
			out = append(out, f)
		}
	}
	return out
}

// at files the message of location under key too, for a page with one such input per row (the
// password box of each account): the row's key says which box the message belongs beside.
func (n officeNote) at(key, location string) officeNote {
	if f := n.Fields[location]; f != nil {
		n.Fields[key] = f
	}
	return n
}

func done(zh, en string) officeNote { return officeNote{DoneZh: zh, DoneEn: en} }

// refusal turns a refused action into the note the page shows and the status it answers with;
// ok is false for a failure that is no refusal (the page cannot be shown).
func refusal(err error) (officeNote, int, bool) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return officeNote{}, 0, false
	}
	n := officeNote{ProblemZh: e.Zh, ProblemEn: e.Message, Fields: map[string]*errs.FieldError{}, FieldList: e.Fields}
	for i := range e.Fields {
		if _, seen := n.Fields[e.Fields[i].Location]; !seen {
			n.Fields[e.Fields[i].Location] = &e.Fields[i]
		}
	}
	return n, httpapi.StatusOf(e), true
}

// officeSub is the sub-navigation for the role, the current page marked.
func officeSub(r *http.Request) []navLink {
	p, _ := auth.FromContext(r.Context())
	current := r.URL.Path
	if current == "/office/review" {
		current = "/office"
	}
	var out []navLink
	for _, sec := range officeSections {
		if slices.Contains(sec.roles, p.Role) {
			here := current == sec.path || (sec.path != "/office" && strings.HasPrefix(current, sec.path+"/"))
			out = append(out, navLink{Path: sec.path, Zh: sec.zh, En: sec.en, Current: here})
		}
	}
	return out
}

// refuse shows a refused action through show (the page again, with the note and the status), and
// any other failure as the error page.
func (s *Site) refuse(w http.ResponseWriter, r *http.Request, err error, show func(status int, n officeNote)) {
	n, status, ok := refusal(err)
	if !ok {
		s.renderError(w, r, err)
		return
	}
	show(status, n)
}

func (s *Site) officeBase(r *http.Request, n officeNote) officeBase {
	return officeBase{Lang: reqctx.Lang(r.Context()), Sub: officeSub(r), officeNote: n}
}

// maxOfficeForm bounds an office form: a grading policy's rules as JSON are the largest.
const maxOfficeForm = 256 << 10

// officeForm reads the posted form, bounded; a form it cannot read is refused.
func officeForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxOfficeForm)
	if err := r.ParseForm(); err != nil {
		return errFormUnreadable
	}
	return nil
}

// posted reads the posted form; a form it cannot read is refused through show, and false returned.
func (s *Site) posted(w http.ResponseWriter, r *http.Request, show func(status int, n officeNote)) bool {
	if err := officeForm(w, r); err != nil {
		s.refuse(w, r, err, show)
		return false
	}
	return true
}

// Refusals of the office's pages themselves.
var (
	errNoSuchAction  = errs.New(errs.NotFound, "page_action_unknown", "没有这个操作", "no such action")
	errNothingTicked = errs.New(errs.Invalid, "nothing_ticked", "请先勾选要处理的记录", "tick the records to act on first")
)

// errOutOfRange refuses a form's number that is not a whole number from min to max, as the API's
// schema would.
func errOutOfRange(location, value string, min, max int) error {
	lo, hi := strconv.Itoa(min), strconv.Itoa(max)
	return errs.Fields(errs.Field(location, "out_of_range", "请填写 "+lo+" 到 "+hi+" 之间的整数",
		"must be a whole number from "+lo+" to "+hi, value))
}

// formInt reads a whole number from min to max from the form; empty reads as nil.
func formInt(r *http.Request, name, location string, min, max int) (*int, error) {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return nil, errOutOfRange(location, v, min, max)
	}
	return &n, nil
}

// talentSteps names the steps of a record's review history (talent_events.action); built, not
// registered: the pages' own labels, not an enumeration of the API.
var talentSteps = func() *vocab.List {
	l, err := vocab.Build("talent_step", vocab.T("create", "登记", "Created"), vocab.T("submit", "提交审核", "Submitted"),
		vocab.T("approve", "审核通过", "Approved"), vocab.T("return", "退回修改", "Returned"),
		vocab.T("reject", "不予通过", "Rejected"), vocab.T("leave", "标记离开", "Left"),
		vocab.T("re-register", "重新登记", "Re-registered"), vocab.T("override_grade", "调整类别", "Class overridden"),
		vocab.T("regrade", "按新标准重新认定", "Re-graded"))
	if err != nil {
		panic(err)
	}
	return l
}()

// formText reads a text of at most max characters from the form (or, for a "query." location,
// the query string), as the API's schema bounds the same field.
func formText(r *http.Request, name, location string, max int) (string, error) {
	v := r.PostForm.Get(name)
	if strings.HasPrefix(location, "query.") {
		v = r.URL.Query().Get(name)
	}
	if utf8.RuneCountInString(v) > max {
		n := strconv.Itoa(max)
		return "", errs.Fields(errs.Field(location, "too_long", "最多 "+n+" 个字", "at most "+n+" characters", nil))
	}
	return v, nil
}

// officeLists are the vocabularies the office pages label codes with, by name.
var officeLists = map[string]*vocab.List{
	"grade": talent.GradeVocab, "status": talent.StatusVocab, "education": talent.EducationVocab,
	"title": talent.TitleVocab, "skill": talent.SkillLevelVocab, "honour": talent.HonourVocab,
	"policy": talent.PolicyStatusVocab, "card": greencard.CardStatusVocab, "role": auth.RoleVocab,
	"step": talentSteps,
}

// officeLabel is the label of code in the named vocabulary, in lang; an empty code is "—".
func officeLabel(list, code, lang string) string {
	if code == "" {
		return "—"
	}
	return officeLists[list].Label(code, lang)
}

// officeTime is a moment as the district's clocks read it, to the minute; officeDate its day.
// Both take a time or a pointer to one (nil: "").
func officeTime(v any) string { return inDistrict(v, "2006-01-02 15:04") }

func officeDate(v any) string { return inDistrict(v, "2006-01-02") }

func inDistrict(v any, layout string) string {
	switch t := v.(type) {
	case time.Time:
		return t.In(civil.District).Format(layout)
	case *time.Time:
		if t != nil {
			return t.In(civil.District).Format(layout)
		}
	}
	return ""
}
