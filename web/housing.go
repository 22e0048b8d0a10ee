package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"talentd/housing"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

// housingRoles run the housing desk: the housing office, and the administrator.
var housingRoles = []auth.Role{auth.RoleHousingOffice, auth.RoleAdmin}

func (s *Site) housingPages() map[string]http.Handler {
	in := func(h http.HandlerFunc) http.Handler { return s.signedIn(housingRoles, h) }
	return map[string]http.Handler{
		"GET /housing":                        in(s.housingOverview),
		"GET /housing/estates":                in(s.housingEstates),
		"POST /housing/estates":               in(s.housingEstateCreate),
		"POST /housing/units/{id}/status":     in(s.housingUnitStatus),
		"POST /housing/units/import":          in(s.housingUnitImport),
		"GET /housing/applications":           in(s.housingApplications),
		"GET /housing/rounds":                 in(s.housingRounds),
		"POST /housing/rounds":                in(s.housingRoundOpen),
		"GET /housing/rounds/{id}":            in(s.housingRound),
		"POST /housing/rounds/{id}/commit":    in(s.housingRoundCommit),
		"GET /housing/offers":                 in(s.housingOffers),
		"POST /housing/offers/{id}/accept":    in(s.housingOfferAccept),
		"POST /housing/offers/{id}/decline":   in(s.housingOfferDecline),
		"GET /housing/leases":                 in(s.housingLeases),
		"POST /housing/leases/{id}/move-out":  in(s.housingLeaseMoveOut),
		"POST /housing/leases/{id}/terminate": in(s.housingLeaseTerminate),
		"GET /ranking/{id}":                   http.HandlerFunc(s.housingPublicRanking),
	}
}

// housingTabs are the housing desk's own pages.
var housingTabs = []navLink{
	{Path: "/housing", Zh: "概况", En: "Overview"},
	{Path: "/housing/estates", Zh: "小区与房源", En: "Estates and units"},
	{Path: "/housing/applications", Zh: "轮候申请", En: "Waiting list"},
	{Path: "/housing/rounds", Zh: "配租批次", En: "Rounds"},
	{Path: "/housing/offers", Zh: "配租通知", En: "Offers"},
	{Path: "/housing/leases", Zh: "租赁合同", En: "Leases"},
}

// housingVocabs are the housing vocabularies the desk's templates label codes with (housingLabel).
var housingVocabs = map[string]*vocab.List{
	"kind":        housing.KindVocab,
	"unit":        housing.UnitStatusVocab,
	"application": housing.ApplicationStatusVocab,
	"round":       housing.RoundStatusVocab,
	"offer":       housing.OfferStatusVocab,
	"decline":     housing.DeclineReasonVocab,
	"lease":       housing.LeaseStatusVocab,
}

// housingLabel is the label of code in the housing vocabulary named list, in lang.
func housingLabel(list string, code any, lang string) string {
	l, ok := housingVocabs[list]
	if !ok {
		return fmt.Sprint(code)
	}
	return l.Label(fmt.Sprint(code), lang)
}

// fieldMsg is a refusal shown next to the input it concerns.
type fieldMsg struct{ Zh, En string }

// housingView is what every housing page shows around its own content: the desk's tabs, the
// outcome of the last action, and the refusals by input (keyed by the service's location, such
// as "body.title").
type housingView struct {
	Tabs                 []navLink
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
	Fields               map[string]*fieldMsg
	NextURL              string // the next page of the list, when there is one
}

func newHousingView(current string) housingView {
	v := housingView{Fields: map[string]*fieldMsg{}}
	for _, t := range housingTabs {
		t.Current = t.Path == current
		v.Tabs = append(v.Tabs, t)
	}
	return v
}

func (v *housingView) done(zh, en string) { v.DoneZh, v.DoneEn = zh, en }

// refused records a service's refusal in v; it reports false (and v is unchanged) for any other
// failure, which the caller shows as the unavailable page.
func (v *housingView) refused(err error) (int, bool) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return 0, false
	}
	v.ProblemZh, v.ProblemEn = e.Zh, e.Message
	for _, f := range e.Fields {
		v.Fields[f.Location] = &fieldMsg{Zh: f.Zh, En: f.Message}
	}
	return httpapi.StatusOf(e), true
}

// showRefusal shows a service's refusal of an action on the page show renders (with the status
// the refusal calls for); any other failure is the unavailable page.
func (s *Site) showRefusal(w http.ResponseWriter, r *http.Request, v *housingView, err error, show func(status int)) {
	status, ok := v.refused(err)
	if !ok {
		s.renderError(w, r, err)
		return
	}
	show(status)
}

// statusParam is the list's status filter from the query: fallback when the query has none, ""
// (all) when it names no status of list.
func statusParam(q url.Values, list *vocab.List, fallback string) string {
	if !q.Has("status") {
		return fallback
	}
	if st := q.Get("status"); list.Has(st) {
		return st
	}
	return ""
}

// nextPage is the URL of the list's next page: the request's query with cursor replaced.
func nextPage(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", cursor)
	return r.URL.Path + "?" + q.Encode()
}

// maxHousingForm bounds a housing form without a file: a few short fields and some ids.
const maxHousingForm = 256 << 10

// housingForm reads a posted form; false when it could not be read (the refusal is in v).
func housingForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxHousingForm)
	if err := r.ParseForm(); err != nil {
		return errFormUnreadable
	}
	return nil
}

// housingKindStats is one kind's figures and the head of its waiting list.
type housingKindStats struct {
	housing.KindStats
	Waiting   []housing.Application
	More      bool
	Occupancy string // the occupancy rate as a percentage
}

type housingOverviewData struct {
	housingView
	Kinds                        []housingKindStats
	ResidentsHoused, Enterprises int
}

// housingWaitingShown is how many applicants of each kind the overview lists.
const housingWaitingShown = 10

func (s *Site) housingOverview(w http.ResponseWriter, r *http.Request) {
	d := housingOverviewData{housingView: newHousingView("/housing")}
	st, err := s.o.Housing.HousingStatistics(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.ResidentsHoused, d.Enterprises = st.ResidentsHoused, st.EnterprisesServed
	for _, k := range st.Kinds {
		list, err := s.o.Housing.ListApplications(r.Context(), housing.ApplicationFilter{Kind: k.Kind,
			Status: housing.ApplicationPending}, page.Query{Limit: housingWaitingShown})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		_, rate := percent(k.OccupancyRate)
		d.Kinds = append(d.Kinds, housingKindStats{KindStats: k, Waiting: list.Items, More: list.NextCursor != "", Occupancy: rate})
	}
	s.render(w, r, http.StatusOK, "housing", "住房保障", d)
}

type housingApplicationsData struct {
	housingView
	Kind, Status string
	Kinds        []vocab.Term
	Statuses     []vocab.Term
	Applications []housing.Application
}

// housingListSize is the page size of the desk's lists.
const housingListSize = 50

// housingApplications is the waiting list, filtered by kind and status (pending by default).
func (s *Site) housingApplications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := housingApplicationsData{housingView: newHousingView("/housing/applications"), Kind: q.Get("kind"),
		Status: statusParam(q, housing.ApplicationStatusVocab, string(housing.ApplicationPending)),
		Kinds:  housing.KindVocab.Terms(), Statuses: housing.ApplicationStatusVocab.Terms()}
	if !housing.KindVocab.Has(d.Kind) {
		d.Kind = ""
	}
	list, err := s.o.Housing.ListApplications(r.Context(), housing.ApplicationFilter{Kind: housing.Kind(d.Kind),
		Status: housing.ApplicationStatus(d.Status)}, page.Query{Limit: housingListSize, Cursor: q.Get("cursor")})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Applications, d.NextURL = list.Items, nextPage(r, list.NextCursor)
	s.render(w, r, http.StatusOK, "housing_applications", "轮候申请", d)
}
