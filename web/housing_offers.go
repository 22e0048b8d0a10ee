package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"talentd/housing"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

// housingOfferRow is an offer with whom it went to and which unit.
type housingOfferRow struct {
	housing.Offer
	Applicant, Unit string
	Household       int
}

// offerRows lists the offers f picks, naming each one's applicant and unit.
func (s *Site) offerRows(r *http.Request, f housing.OfferFilter, q page.Query) ([]housingOfferRow, error) {
	list, err := s.o.Housing.ListOffers(r.Context(), f, q)
	if err != nil {
		return nil, err
	}
	rows := make([]housingOfferRow, 0, len(list.Items))
	for _, o := range list.Items {
		row := housingOfferRow{Offer: o, Applicant: "#" + strconv.FormatInt(o.ApplicationID, 10),
			Unit: "#" + strconv.FormatInt(o.UnitID, 10)}
		if a, err := s.o.Housing.GetApplication(r.Context(), o.ApplicationID); err == nil {
			row.Applicant, row.Household = a.Applicant.Name, a.HouseholdSize
		}
		if u, err := s.o.Housing.Unit(r.Context(), o.UnitID); err == nil {
			row.Unit = unitName(u)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

type housingOffersData struct {
	housingView
	Status   string
	Statuses []vocab.Term
	Reasons  []vocab.Term
	Offers   []housingOfferRow
	// Failed is the offer the refusal concerns, so that its messages show in its row.
	Failed int64
}

// housingOffersShown bounds the offers listed at once.
const housingOffersShown = 100

// housingOffers lists the offers (those awaiting an answer by default), each awaiting one with
// its accept and decline forms.
func (s *Site) housingOffers(w http.ResponseWriter, r *http.Request) {
	s.renderOffers(w, r, http.StatusOK, housingOffersData{housingView: newHousingView("/housing/offers")})
}

func (s *Site) renderOffers(w http.ResponseWriter, r *http.Request, status int, d housingOffersData) {
	q := r.URL.Query()
	d.Status = statusParam(q, housing.OfferStatusVocab, string(housing.OfferOffered))
	round, _ := strconv.ParseInt(q.Get("round"), 10, 64)
	var err error
	d.Offers, err = s.offerRows(r, housing.OfferFilter{Status: housing.OfferStatus(d.Status), RoundID: round},
		page.Query{Limit: housingOffersShown})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Statuses, d.Reasons = housing.OfferStatusVocab.Terms(), housing.DeclineReasonVocab.Terms()
	s.render(w, r, status, "housing_offers", "配租通知", d)
}

func (s *Site) offersRefused(w http.ResponseWriter, r *http.Request, d housingOffersData, err error) {
	s.showRefusal(w, r, &d.housingView, err, func(status int) { s.renderOffers(w, r, status, d) })
}

// housingOfferAccept accepts an offer for its applicant, with the residents' names (one a line);
// the lease is made.
func (s *Site) housingOfferAccept(w http.ResponseWriter, r *http.Request) {
	d := housingOffersData{housingView: newHousingView("/housing/offers"), Failed: pathNumber(r)}
	if err := housingForm(w, r); err != nil {
		s.offersRefused(w, r, d, err)
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	dec, err := s.o.Housing.AcceptOffer(r.Context(), d.Failed, housing.AcceptInput{
		ResidentNames: strings.Split(r.PostForm.Get("resident_names"), "\n"), IfVersion: version})
	if err != nil {
		s.offersRefused(w, r, d, err)
		return
	}
	d.Failed = 0
	lease := ""
	if dec.LeaseID != nil {
		lease = strconv.FormatInt(*dec.LeaseID, 10)
	}
	d.done("配租通知 "+strconv.FormatInt(dec.ID, 10)+" 已接受，已生成租赁合同 "+lease,
		"Offer "+strconv.FormatInt(dec.ID, 10)+" accepted: lease "+lease+" made")
	s.renderOffers(w, r, http.StatusOK, d)
}

// housingOfferDecline records the applicant's refusal with a reason from the vocabulary; the unit
// goes to the next on the round's list.
func (s *Site) housingOfferDecline(w http.ResponseWriter, r *http.Request) {
	d := housingOffersData{housingView: newHousingView("/housing/offers"), Failed: pathNumber(r)}
	if err := housingForm(w, r); err != nil {
		s.offersRefused(w, r, d, err)
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	dec, err := s.o.Housing.DeclineOffer(r.Context(), d.Failed, housing.DeclineInput{
		Reason: housing.DeclineReason(r.PostForm.Get("reason")), Text: r.PostForm.Get("text"), IfVersion: version})
	if err != nil {
		s.offersRefused(w, r, d, err)
		return
	}
	d.Failed = 0
	zh := fmt.Sprintf("配租通知 %d 已放弃（%s）", dec.ID, housing.DeclineReasonVocab.Label(string(*dec.DeclineReason), "zh"))
	en := fmt.Sprintf("Offer %d declined (%s)", dec.ID, housing.DeclineReasonVocab.Label(string(*dec.DeclineReason), "en"))
	if dec.NextOffer != nil {
		zh += fmt.Sprintf("，房源已转配给下一位（通知 %d）", dec.NextOffer.ID)
		en += fmt.Sprintf("; the unit went to the next applicant (offer %d)", dec.NextOffer.ID)
	}
	d.done(zh, en)
	s.renderOffers(w, r, http.StatusOK, d)
}

type housingLeasesData struct {
	housingView
	Status   string
	Statuses []vocab.Term
	Leases   []housingLeaseRow
	Failed   int64
}

type housingLeaseRow struct {
	housing.Lease
	Unit string
}

// housingLeases lists the leases (active by default), those due to move out first when asked
// (?due=1), each active one with its move-out and termination forms.
func (s *Site) housingLeases(w http.ResponseWriter, r *http.Request) {
	s.renderLeases(w, r, http.StatusOK, housingLeasesData{housingView: newHousingView("/housing/leases")})
}

func (s *Site) renderLeases(w http.ResponseWriter, r *http.Request, status int, d housingLeasesData) {
	q := r.URL.Query()
	d.Status = statusParam(q, housing.LeaseStatusVocab, string(housing.LeaseActive))
	list, err := s.o.Housing.ListLeases(r.Context(), housing.LeaseFilter{Status: housing.LeaseStatus(d.Status),
		MoveOutDue: q.Get("due") == "1"}, page.Query{Limit: housingListSize, Cursor: q.Get("cursor")})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, l := range list.Items {
		row := housingLeaseRow{Lease: l, Unit: "#" + strconv.FormatInt(l.UnitID, 10)}
		if u, err := s.o.Housing.Unit(r.Context(), l.UnitID); err == nil {
			row.Unit = unitName(u)
		}
		d.Leases = append(d.Leases, row)
	}
	d.NextURL, d.Statuses = nextPage(r, list.NextCursor), housing.LeaseStatusVocab.Terms()
	s.render(w, r, status, "housing_leases", "租赁合同", d)
}

// leaseChange runs one change of the lease the path names with the form's version, showing the
// leases page with its outcome.
func (s *Site) leaseChange(w http.ResponseWriter, r *http.Request, change func(id int64, version int) (housing.Lease, error),
	doneZh, doneEn string) {
	d := housingLeasesData{housingView: newHousingView("/housing/leases"), Failed: pathNumber(r)}
	err := housingForm(w, r)
	if err == nil {
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		_, err = change(d.Failed, version)
	}
	if err != nil {
		s.showRefusal(w, r, &d.housingView, err, func(status int) { s.renderLeases(w, r, status, d) })
		return
	}
	d.Failed = 0
	id := strconv.FormatInt(pathNumber(r), 10)
	d.done(fmt.Sprintf(doneZh, id), fmt.Sprintf(doneEn, id))
	s.renderLeases(w, r, http.StatusOK, d)
}

// housingFormDate reads the date field name; one that does not parse is refused next to the field.
func housingFormDate(r *http.Request, name string) (civil.Date, error) {
	d, err := civil.Parse(strings.TrimSpace(r.PostForm.Get(name)))
	if err != nil {
		return d, errs.Fields(errs.Field("body."+name, "bad_date", "请填写日期（年-月-日）", "enter a date (YYYY-MM-DD)", nil))
	}
	return d, nil
}

// housingLeaseMoveOut sets the day the tenant must move out.
func (s *Site) housingLeaseMoveOut(w http.ResponseWriter, r *http.Request) {
	s.leaseChange(w, r, func(id int64, version int) (housing.Lease, error) {
		on, err := housingFormDate(r, "move_out_on")
		if err != nil {
			return housing.Lease{}, err
		}
		return s.o.Housing.SetMoveOut(r.Context(), id, version, on)
	}, "租赁合同 %s 已定搬离日期", "Lease %s: move-out date set")
}

// housingLeaseTerminate ends a lease on a day, with a reason; the unit is free again.
func (s *Site) housingLeaseTerminate(w http.ResponseWriter, r *http.Request) {
	s.leaseChange(w, r, func(id int64, version int) (housing.Lease, error) {
		on, err := housingFormDate(r, "ended_on")
		if err != nil {
			return housing.Lease{}, err
		}
		return s.o.Housing.TerminateLease(r.Context(), id, version, on, r.PostForm.Get("reason"))
	}, "租赁合同 %s 已退租", "Lease %s ended")
}
