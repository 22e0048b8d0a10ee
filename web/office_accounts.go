package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"talentd/internal/accounts"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/talent"
)

// accountForm is what the new-account form holds (shown again after a refusal; never the password).
type accountForm struct {
	Username, DisplayName, Role, EnterpriseID string
}

type accountsData struct {
	officeBase
	Accounts    []auth.Account
	Enterprises []talent.Enterprise
	EntNames    map[int64]string
	Roles       []string
	Cursor      string
	Next        string
	Form        accountForm
}

// EntName is the name of the enterprise id (nil: none).
func (d accountsData) EntName(id *int64) string {
	if id == nil {
		return ""
	}
	return d.EntNames[*id]
}

// accountsPageSize is how many accounts a page lists; enterpriseChoices bounds the HR enterprise list.
const (
	accountsPageSize  = 50
	enterpriseChoices = 500
)

func (s *Site) officeAccounts(w http.ResponseWriter, r *http.Request) {
	s.renderAccounts(w, r, http.StatusOK, accountsData{})
}

func (s *Site) renderAccounts(w http.ResponseWriter, r *http.Request, status int, d accountsData) {
	ctx := r.Context()
	d.Cursor = r.URL.Query().Get("cursor")
	list, err := s.o.Accounts.ListAccounts(ctx, accounts.Filter{}, page.Query{Cursor: d.Cursor, Limit: accountsPageSize})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	ents, err := s.o.Talent.ListEnterprises(ctx, talent.EnterpriseFilter{}, page.Query{Limit: enterpriseChoices})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Accounts, d.Next, d.Enterprises, d.EntNames = list.Items, list.NextCursor, ents.Items, map[int64]string{}
	for _, e := range ents.Items {
		d.EntNames[e.ID] = e.Name
	}
	d.Roles = auth.RoleVocab.Codes()
	d.officeBase = s.officeBase(r, d.officeNote)
	s.render(w, r, status, "office_accounts", "账号与密钥", d)
}

// formEnterprise reads an optional enterprise id from the form.
func formEnterprise(r *http.Request) (*int64, error) {
	v := strings.TrimSpace(r.PostForm.Get("enterprise_id"))
	if v == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return nil, accounts.ErrUnknownEnterpise
	}
	return &id, nil
}

// officeAccountCreate creates an account with its role (and enterprise, for HR).
func (s *Site) officeAccountCreate(w http.ResponseWriter, r *http.Request) {
	d := accountsData{}
	show := func(status int, n officeNote) {
		d.officeNote = n
		s.renderAccounts(w, r, status, d)
	}
	if !s.posted(w, r, show) {
		return
	}
	d.Form = accountForm{Username: r.PostForm.Get("username"), DisplayName: r.PostForm.Get("display_name"),
		Role: r.PostForm.Get("role"), EnterpriseID: r.PostForm.Get("enterprise_id")}
	ent, err := formEnterprise(r)
	var a auth.Account
	if err == nil {
		a, err = s.o.Accounts.CreateAccount(r.Context(), accounts.NewAccount{Username: d.Form.Username,
			DisplayName: d.Form.DisplayName, Password: r.PostForm.Get("password"), Role: auth.Role(d.Form.Role), EnterpriseID: ent})
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	s.renderAccounts(w, r, http.StatusCreated, accountsData{officeBase: officeBase{officeNote: done(
		"已创建账号："+a.Username+"（"+auth.RoleVocab.Label(string(a.Role), "zh")+"）",
		"Account created: "+a.Username+" ("+auth.RoleVocab.Label(string(a.Role), "en")+")")}})
}

// officeAccountAct disables or enables an account, resets its password or clears its login lock.
func (s *Site) officeAccountAct(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderAccounts(w, r, status, accountsData{officeBase: officeBase{officeNote: n}})
	}
	ctx := r.Context()
	id, err := pathID(r, "id", accounts.ErrAccountNotFound)
	if err == nil {
		err = officeForm(w, r)
	}
	var a auth.Account
	if err == nil {
		a, err = s.o.Accounts.GetAccount(ctx, id)
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	var zh, en string
	switch r.PathValue("action") {
	case "disable", "enable":
		version, verr := formInt(r, "version", "body.version", 0, 1<<30)
		if verr != nil || version == nil {
			s.refuse(w, r, errFormUnreadable, show)
			return
		}
		active := r.PathValue("action") == "enable"
		_, err = s.o.Accounts.UpdateAccount(ctx, id, *version, accounts.AccountUpdate{DisplayName: a.DisplayName, Role: a.Role,
			EnterpriseID: a.EnterpriseID, Active: active})
		zh, en = "已停用账号：", "Disabled: "
		if active {
			zh, en = "已启用账号：", "Enabled: "
		}
	case "password":
		err = s.o.Accounts.SetPassword(ctx, id, r.PostForm.Get("password"))
		zh, en = "已重置密码：", "Password reset: "
	case "unlock":
		err = s.o.Accounts.UnlockAccount(ctx, id)
		zh, en = "已解除登录锁定：", "Unlocked: "
	default:
		s.renderError(w, r, errNoSuchAction)
		return
	}
	if err != nil {
		s.refuse(w, r, err, func(status int, n officeNote) {
			show(status, n.at("account-"+strconv.FormatInt(id, 10), "body.password"))
		})
		return
	}
	show(http.StatusOK, done(zh+a.Username, en+a.Username))
}

// accountData is one account with its API keys; NewKey is a key just issued, shown this once.
type accountData struct {
	officeBase
	Account auth.Account
	Keys    []auth.APIKey
	NewKey  string
}

func (s *Site) officeAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, accountData{})
}

func (s *Site) renderAccount(w http.ResponseWriter, r *http.Request, status int, d accountData) {
	id, err := pathID(r, "id", accounts.ErrAccountNotFound)
	if err == nil {
		d.Account, err = s.o.Accounts.GetAccount(r.Context(), id)
	}
	if err == nil {
		d.Keys, err = s.o.Accounts.ListAPIKeys(r.Context(), id)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.officeBase = s.officeBase(r, d.officeNote)
	s.render(w, r, status, "office_account", d.Account.Username, d)
}

// officeKeyCreate issues an API key for the account, expiring at the end of the date given (none:
// never); the key is shown once.
func (s *Site) officeKeyCreate(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderAccount(w, r, status, accountData{officeBase: officeBase{officeNote: n}})
	}
	id, err := pathID(r, "id", accounts.ErrAccountNotFound)
	if err == nil {
		err = officeForm(w, r)
	}
	var expires *time.Time
	if err == nil {
		expires, err = formDayEnd(r, "expires_on", "body.expires_at")
	}
	var key auth.APIKey
	var token string
	if err == nil {
		key, token, err = s.o.Accounts.CreateAPIKey(r.Context(), id, r.PostForm.Get("name"), expires)
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	s.renderAccount(w, r, http.StatusCreated, accountData{NewKey: token, officeBase: officeBase{officeNote: done(
		"已签发接口密钥“"+key.Name+"”，请立即复制保存：离开本页后不再显示",
		"API key "+key.Name+" issued; copy it now: it is not shown again")}})
}

// officeKeyRevoke revokes one of the account's API keys.
func (s *Site) officeKeyRevoke(w http.ResponseWriter, r *http.Request) {
	show := func(status int, n officeNote) {
		s.renderAccount(w, r, status, accountData{officeBase: officeBase{officeNote: n}})
	}
	id, err := pathID(r, "id", accounts.ErrAccountNotFound)
	var key int64
	if err == nil {
		key, err = pathID(r, "key", accounts.ErrAPIKeyNotFound)
	}
	if err == nil {
		err = s.o.Accounts.RevokeAPIKey(r.Context(), id, key)
	}
	if err != nil {
		s.refuse(w, r, err, show)
		return
	}
	show(http.StatusOK, done("已吊销接口密钥 #"+strconv.FormatInt(key, 10), "API key #"+strconv.FormatInt(key, 10)+" revoked"))
}

// errNotADate refuses a date that is not YYYY-MM-DD.
func errNotADate(location, value string) error {
	return errs.Fields(errs.Field(location, "not_a_date", "日期格式应为 年-月-日，如 2026-01-31", "a date as YYYY-MM-DD", value))
}

// formDate reads a district date from the form (or the query); empty reads as the zero date.
func formDate(v, location string) (civil.Date, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return civil.Date{}, nil
	}
	d, err := civil.Parse(v)
	if err != nil {
		return civil.Date{}, errNotADate(location, v)
	}
	return d, nil
}

// dayStart is the first instant of the district day d.
func dayStart(d civil.Date) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, civil.District)
}

// formDayEnd reads a date and returns the end of that district day, or nil when empty.
func formDayEnd(r *http.Request, name, location string) (*time.Time, error) {
	d, err := formDate(r.PostForm.Get(name), location)
	if err != nil || d.IsZero() {
		return nil, err
	}
	end := dayStart(d).AddDate(0, 0, 1)
	return &end, nil
}
