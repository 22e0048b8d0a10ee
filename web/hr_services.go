package web

import (
	"errors"
	"net/http"

	"talentd/greencard"
	"talentd/housing"
	"talentd/internal/civil"
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

// hrRequestsData is the agent requests filed for the enterprise's talent.
type hrRequestsData struct {
	hrPage
	Items []hrRequestRow
}

type hrRequestRow struct {
	boardRequest
	TalentName string
}

// hrRequests lists the agent requests of the enterprise's talent, newest first, by status.
func (s *Site) hrRequests(w http.ResponseWriter, r *http.Request) {
	d := hrRequestsData{hrPage: newHRPage("/hr/requests")}
	status := d.filter(r, greencard.RequestStatusVocab, "status", "状态", "Status", "全部状态", "Any status")
	list, err := s.o.Cards.ListRequests(r.Context(), greencard.RequestFilter{Status: status}, hrListQuery(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	names := map[string]greencard.ServiceItem{}
	if items, err := s.o.Cards.Catalogue(r.Context()); err == nil {
		for _, it := range items {
			names[it.Code] = it
		}
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
	s.render(w, r, http.StatusOK, "hr_requests", "代办事项", d)
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
