package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/idempotency"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/subsidy"
)

// financeRoles work the finance desk: finance and admin. The office reads programmes and
// applications through its own desk; the services decide what each role may do here.
var financeRoles = []auth.Role{auth.RoleFinance, auth.RoleAdmin}

func (s *Site) financePages() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /finance":                        s.signedIn(financeRoles, s.financeProgrammes),
		"GET /finance/applications":           s.signedIn(financeRoles, s.financeApplications),
		"GET /finance/payouts":                s.signedIn(financeRoles, s.financePayouts),
		"POST /finance/payouts/approve":       s.signedIn(financeRoles, s.financeApprove),
		"POST /finance/payouts/{id}/{action}": s.signedIn(financeRoles, s.financePayoutStep),
		"GET /finance/runs":                   s.signedIn(financeRoles, s.financeRuns),
		"POST /finance/runs":                  s.signedIn(financeRoles, s.financeCreateRun),
		"GET /finance/runs/{id}":              s.signedIn(financeRoles, s.financeRun),
		"POST /finance/runs/{id}/pain002":     s.signedIn(financeRoles, s.financeImportReport),
		"GET /finance/reports":                s.signedIn(financeRoles, s.financeReports),
	}
}

// financeNav is the finance desk's own tabs.
type financeTab struct {
	Path, Zh, En string
	Current      bool
}

var financeTabs = []financeTab{
	{"/finance", "资助项目与预算", "Programmes and budgets", false},
	{"/finance/applications", "补贴申请", "Applications", false},
	{"/finance/payouts", "付款审批", "Payouts", false},
	{"/finance/runs", "付款批次", "Payout runs", false},
	{"/finance/reports", "报表与导出", "Reports and exports", false},
}

// financePage is what every finance page shows around its own data: the desk's tabs, what was
// done and what was refused.
type financePage struct {
	// View is which of the desk's pages this is: the path of its tab, or "run" for one run.
	View                 string
	Tabs                 []financeTab
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
	// Fields maps a refused input's location ("body.reason") to its message.
	Fields map[string]*fieldMessage
}

type fieldMessage struct{ Zh, En string }

func newFinancePage(current string) financePage {
	tabs := make([]financeTab, len(financeTabs))
	for i, t := range financeTabs {
		t.Current = t.Path == current
		tabs[i] = t
	}
	return financePage{View: current, Tabs: tabs}
}

// refuse records a service's refusal on the page: its message, and each field's next to its
// input. It returns the status to answer with, or 0 when err is not a refusal.
func (f *financePage) refuse(err error) int {
	var e *errs.Error
	if !errors.As(err, &e) {
		return 0
	}
	f.ProblemZh, f.ProblemEn = e.Zh, e.Message
	for _, fe := range e.Fields {
		if f.Fields == nil {
			f.Fields = map[string]*fieldMessage{}
		}
		f.Fields[fe.Location] = &fieldMessage{Zh: fe.Zh, En: fe.Message}
	}
	return httpapi.StatusOf(e)
}

// formKey is a fresh idempotency key for one rendered money-moving form: submitting the same
// form twice replays the first answer instead of moving the money again.
func formKey() string { return "web-" + rand.Text() }

// pageRequest names a page form's money-moving request for the service, as the API's
// idempotency.Header does for an API call: the key the form carried, under the page's operation.
func pageRequest(r *http.Request, operation, key string, body any) (idempotency.Request, error) {
	p, err := auth.MustPrincipal(r.Context())
	if err != nil {
		return idempotency.Request{}, err
	}
	if !idempotency.ValidKey(key) {
		return idempotency.Request{}, idempotency.ErrInvalidKey
	}
	fp, err := idempotency.Fingerprint(r.Method, r.URL.Path, body)
	if err != nil {
		return idempotency.Request{}, err
	}
	return idempotency.Request{Key: idempotency.Key{Account: p.AccountID, Operation: "page-" + operation, Key: key},
		Fingerprint: fp}, nil
}

// maxFinanceForm bounds a finance form: a list of ids, a reason, control totals.
const maxFinanceForm = 256 << 10

func parseFinanceForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFinanceForm)
	if err := r.ParseForm(); err != nil {
		return errFormUnreadable
	}
	return nil
}

// listQuery is a list page's page.Query: the cursor of the link that led here.
func listQuery(r *http.Request, limit int) page.Query {
	c := r.URL.Query().Get("cursor")
	if len(c) > 64 {
		c = ""
	}
	return page.Query{Cursor: c, Limit: limit}
}

// nextLink is the link to the page after the one shown, keeping the list's filters; "" on the
// last page.
func nextLink(path, cursor string, filters url.Values) string {
	if cursor == "" {
		return ""
	}
	q := url.Values{"cursor": {cursor}}
	for k, v := range filters {
		if len(v) > 0 && v[0] != "" {
			q[k] = v
		}
	}
	return path + "?" + q.Encode()
}

// budgetBar is a programme's budget drawn as three bars: the budget, what is committed and what
// is paid, on one scale.
type budgetBar struct {
	subsidy.Programme
	KindZh, KindEn     string
	StatusZh, StatusEn string
	CommittedW, PaidW  int
	CommittedPct       string
	PaidPct            string
}

// budgetBarWidth is the budget bar's width in the SVG's units.
const budgetBarWidth = 400

func newBudgetBar(p subsidy.Programme) budgetBar {
	b := budgetBar{Programme: p,
		KindZh: subsidy.ProgrammeKindVocab.Label(string(p.Kind), "zh"), KindEn: subsidy.ProgrammeKindVocab.Label(string(p.Kind), "en"),
		StatusZh: subsidy.ProgrammeStatusVocab.Label(string(p.Status), "zh"), StatusEn: subsidy.ProgrammeStatusVocab.Label(string(p.Status), "en")}
	share := func(f money.Fen) (int, string) {
		if p.BudgetFen <= 0 {
			return 0, "0%"
		}
		r := float64(f) / float64(p.BudgetFen)
		return int(min(r, 1) * budgetBarWidth), strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
	}
	b.CommittedW, b.CommittedPct = share(p.CommittedFen)
	b.PaidW, b.PaidPct = share(p.PaidFen)
	return b
}

type financeProgrammesData struct {
	financePage
	Programmes []budgetBar
	BarWidth   int
	Next       string
	Budget     money.Fen
	Committed  money.Fen
	Paid       money.Fen
}

// financeProgrammes shows every programme's budget against what is committed and paid.
func (s *Site) financeProgrammes(w http.ResponseWriter, r *http.Request) {
	list, err := s.o.Subsidy.Programmes(r.Context(), subsidy.ProgrammeFilter{}, listQuery(r, 100))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := financeProgrammesData{financePage: newFinancePage("/finance"), BarWidth: budgetBarWidth,
		Next: nextLink("/finance", list.NextCursor, nil)}
	for _, p := range list.Items {
		d.Programmes = append(d.Programmes, newBudgetBar(p))
		d.Budget += p.BudgetFen
		d.Committed += p.CommittedFen
		d.Paid += p.PaidFen
	}
	s.render(w, r, http.StatusOK, "finance", "资助项目与预算", d)
}

type financeApplication struct {
	subsidy.SubsidyApplication
	StatusZh, StatusEn string
}

type financeApplicationsData struct {
	financePage
	Applications []financeApplication
	Next         string
	Selected     *financeApplication
}

func newFinanceApplication(a subsidy.SubsidyApplication) financeApplication {
	return financeApplication{SubsidyApplication: a,
		StatusZh: subsidy.ApplicationStatusVocab.Label(string(a.Status), "zh"),
		StatusEn: subsidy.ApplicationStatusVocab.Label(string(a.Status), "en")}
}

// financeApplications lists the enterprise subsidy applications and shows one with its
// calculation line by line (?id=). Decisions on applications are the office's.
func (s *Site) financeApplications(w http.ResponseWriter, r *http.Request) {
	d := financeApplicationsData{financePage: newFinancePage("/finance/applications")}
	status := http.StatusOK
	if raw := r.URL.Query().Get("id"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			err = subsidy.ErrApplicationNotFound
		} else {
			var a subsidy.SubsidyApplication
			if a, err = s.o.Subsidy.Application(r.Context(), id); err == nil {
				sel := newFinanceApplication(a)
				d.Selected = &sel
			}
		}
		if err != nil {
			if status = d.refuse(err); status == 0 {
				s.renderError(w, r, err)
				return
			}
		}
	}
	list, err := s.o.Subsidy.Applications(r.Context(), listQuery(r, 50))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, a := range list.Items {
		d.Applications = append(d.Applications, newFinanceApplication(a))
	}
	d.Next = nextLink("/finance/applications", list.NextCursor, nil)
	s.render(w, r, status, "finance", "补贴申请", d)
}
