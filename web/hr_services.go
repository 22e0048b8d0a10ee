package web

import (
	"errors"
	"fmt"
	"net/http"

	"talentd/greencard"
	"talentd/housing"
	"talentd/internal/civil"
	"talentd/internal/reqctx"
	"talentd/talent"
)

// hrCardsData is the enterprise's registered talent with their cards, a page at a time.
type hrCardsData struct {
	hrPage
	Items []hrCardRow
	Total int
}

type hrCardRow struct {
	TalentID  int64
	Name      string
	Grade     string
	Card      *greencard.Card
	Status    string // the card's status as a window sees it (expired once past its date)
	ExpiresOn string
}

// hrCards lists the registered talent of the enterprise and each one's card.
func (s *Site) hrCards(w http.ResponseWriter, r *http.Request) {
	d := hrCardsData{hrPage: newHRPage("/hr/cards")}
	list, err := s.o.Talent.ListTalents(r.Context(), talent.TalentFilter{Status: string(talent.StatusRegistered)},
		r.URL.Query().Get("cursor"), hrPageSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	today := civil.DistrictToday()
	for _, t := range list.Items {
		row := hrCardRow{TalentID: t.ID, Name: t.Name}
		if t.Grade != nil {
			row.Grade = string(*t.Grade)
		}
		c, err := s.o.Cards.CardOfTalent(r.Context(), t.ID)
		switch {
		case err == nil:
			row.Card, row.Status, row.ExpiresOn = &c, c.EffectiveStatus(today), c.ExpiresOn.String()
		case !errors.Is(err, greencard.ErrNoCard):
			s.renderError(w, r, err)
			return
		}
		d.Items = append(d.Items, row)
	}
	d.Total, d.Next = list.Total, hrNextPage(r, list.NextCursor)
	s.render(w, r, http.StatusOK, "hr_cards", "人才绿卡", d)
}

// hrRequestsData is the agent requests filed for the enterprise's talent, and the form that files
// one for a holder of a live card.
type hrRequestsData struct {
	hrPage
	Items    []hrRequestRow
	Holders  []hrCardRow // registered talent with a live card, on the form's first page
	Services []greencard.ServiceItem
}

type hrRequestRow struct {
	boardRequest
	TalentName string
}

// hrRequests lists the agent requests of the enterprise's talent, newest first, by status.
func (s *Site) hrRequests(w http.ResponseWriter, r *http.Request) {
	s.renderHRRequests(w, r, http.StatusOK, hrRequestsData{hrPage: newHRPage("/hr/requests")})
}

// maxHRRequestForm bounds the filing form: a serial, a service code and a description.
const maxHRRequestForm = 16 << 10

// hrFileRequest files an agent request for a holder of the enterprise, through the request service
// (which keeps HR to its own talent and gives the request to the least busy commissioner).
func (s *Site) hrFileRequest(w http.ResponseWriter, r *http.Request) {
	d := hrRequestsData{hrPage: newHRPage("/hr/requests")}
	status := http.StatusOK
	if err := hrReadPostForm(w, r, maxHRRequestForm); err != nil {
		status, _ = d.refused(err)
		s.renderHRRequests(w, r, status, d)
		return
	}
	req, err := s.o.Cards.FileRequestForCard(r.Context(), greencard.RequestInput{CardSerial: r.PostForm.Get("card_serial"),
		Service: r.PostForm.Get("service"), Description: r.PostForm.Get("description")})
	if err != nil {
		var ok bool
		if status, ok = d.refused(err); !ok {
			s.renderError(w, r, err)
			return
		}
		d.Errors = hrFieldErrorsOf(err, reqctx.Lang(r.Context()))
	} else {
		d.done(fmt.Sprintf("已提交代办事项 %d，已分派给人才服务专员", req.ID), fmt.Sprintf("Request %d filed and assigned to a commissioner", req.ID))
	}
	s.renderHRRequests(w, r, status, d)
}

func (s *Site) renderHRRequests(w http.ResponseWriter, r *http.Request, status int, d hrRequestsData) {
	wanted := d.filter(r, greencard.RequestStatusVocab, "status", "状态", "Status", "全部状态", "Any status")
	list, err := s.o.Cards.ListRequests(r.Context(), greencard.RequestFilter{Status: wanted}, hrListQuery(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	names := map[string]greencard.ServiceItem{}
	if items, err := s.o.Cards.Catalogue(r.Context()); err == nil {
		d.Services = items
		for _, it := range items {
			names[it.Code] = it
		}
	}
	if d.Holders, err = s.hrLiveCards(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	holders := map[int64]string{}
	for _, req := range list.Items {
		if _, ok := holders[req.TalentID]; !ok {
			if t, err := s.o.Talent.GetTalent(r.Context(), req.TalentID); err == nil {
				holders[req.TalentID] = t.Name
			}
		}
		d.Items = append(d.Items, hrRequestRow{TalentName: holders[req.TalentID], boardRequest: boardRequest{Request: req,
			ServiceZh: names[req.ServiceCode].NameZH, ServiceEn: names[req.ServiceCode].NameEN}})
	}
	d.Next = hrNextPage(r, list.NextCursor)
	s.render(w, r, status, "hr_requests", "代办事项", d)
}

// hrLiveCards are the first page of the enterprise's registered talent whose card is live, for a
// form that names a holder.
func (s *Site) hrLiveCards(r *http.Request) ([]hrCardRow, error) {
	list, err := s.o.Talent.ListTalents(r.Context(), talent.TalentFilter{Status: string(talent.StatusRegistered)}, "", hrPageSize)
	if err != nil {
		return nil, err
	}
	today := civil.DistrictToday()
	var out []hrCardRow
	for _, t := range list.Items {
		c, err := s.o.Cards.CardOfTalent(r.Context(), t.ID)
		if errors.Is(err, greencard.ErrNoCard) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st := c.EffectiveStatus(today); st == greencard.CardActive {
			out = append(out, hrCardRow{TalentID: t.ID, Name: t.Name, Card: &c, Status: st})
		}
	}
	return out, nil
}

// hrHousingData is the enterprise's housing applications.
type hrHousingData struct {
	hrPage
	Items []housing.Application
}

// hrHousing lists the enterprise's housing applications, oldest first, by kind and status.
func (s *Site) hrHousing(w http.ResponseWriter, r *http.Request) {
	d := hrHousingData{hrPage: newHRPage("/hr/housing")}
	kind := d.filter(r, housing.KindVocab, "kind", "类型", "Kind", "全部类型", "Any kind")
	status := d.filter(r, housing.ApplicationStatusVocab, "status", "状态", "Status", "全部状态", "Any status")
	list, err := s.o.Housing.ListApplications(r.Context(), housing.ApplicationFilter{Kind: housing.Kind(kind),
		Status: housing.ApplicationStatus(status)}, hrListQuery(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Items, d.Next = list.Items, hrNextPage(r, list.NextCursor)
	s.render(w, r, http.StatusOK, "hr_housing", "住房申请", d)
}
