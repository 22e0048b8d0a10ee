package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"talentd/housing"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

type housingRoundsData struct {
	housingView
	Rounds []housing.Round
	Kinds  []vocab.Term
	// Available are the units a new round may take; Chosen those the form had ticked.
	Available   []housing.Unit
	MoreUnits   bool
	Kind, Title string
	Chosen      map[int64]bool
}

func (s *Site) housingRounds(w http.ResponseWriter, r *http.Request) {
	s.renderRounds(w, r, http.StatusOK, housingRoundsData{housingView: newHousingView("/housing/rounds")})
}

func (s *Site) renderRounds(w http.ResponseWriter, r *http.Request, status int, d housingRoundsData) {
	ctx := r.Context()
	list, err := s.o.Housing.ListRounds(ctx, "", "", page.Query{Limit: housingListSize, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Rounds, d.NextURL = list.Items, nextPage(r, list.NextCursor)
	units, err := s.o.Housing.Units(ctx, housing.UnitFilter{Status: string(housing.UnitAvailable), Rooms: -1}, page.Query{Limit: housingUnitsShown})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Available, d.MoreUnits, d.Kinds = units.Items, units.NextCursor != "", housing.KindVocab.Terms()
	s.render(w, r, status, "housing_rounds", "配租批次", d)
}

// housingRoundOpen opens a round over the ticked units (checkboxes named id) and shows its page,
// where the seed's hash is published.
func (s *Site) housingRoundOpen(w http.ResponseWriter, r *http.Request) {
	d := housingRoundsData{housingView: newHousingView("/housing/rounds"), Chosen: map[int64]bool{}}
	refuse := func(err error) {
		s.showRefusal(w, r, &d.housingView, err, func(status int) {
			// A unit's own refusal (body.unit_ids[i]) is shown above the list of units.
			for loc, m := range d.Fields {
				if strings.HasPrefix(loc, "body.unit_ids[") {
					d.Fields["body.unit_ids"] = m
				}
			}
			s.renderRounds(w, r, status, d)
		})
	}
	if err := housingForm(w, r); err != nil {
		refuse(err)
		return
	}
	d.Kind, d.Title = r.PostForm.Get("kind"), r.PostForm.Get("title")
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			refuse(errFormUnreadable)
			return
		}
		ids = append(ids, id)
		d.Chosen[id] = true
	}
	round, err := s.o.Housing.OpenRound(r.Context(), housing.RoundInput{Kind: housing.Kind(d.Kind), Title: d.Title, UnitIDs: ids})
	if err != nil {
		refuse(err)
		return
	}
	http.Redirect(w, r, "/housing/rounds/"+strconv.FormatInt(round.ID, 10), http.StatusSeeOther)
}

// rankedRow is one applicant of a round's ranking with the reasons for their place and unit.
type rankedRow struct {
	housing.RankingEntry
	WhyZh, WhyEn   string
	UnitZh, UnitEn string
}

type housingRoundData struct {
	housingView
	Round housing.Round
	// Preview is set when the office asked for the ranking of an open round.
	Preview bool
	Ranking []rankedRow
	Offers  []housingOfferRow
}

// housingRound is a round's page: the seed's hash, the preview of an open round's ranking
// (?preview=1) with each applicant's why, the commit, and once committed the published ranking
// and the offers made.
func (s *Site) housingRound(w http.ResponseWriter, r *http.Request) {
	d := housingRoundData{housingView: newHousingView("/housing/rounds"), Preview: r.URL.Query().Get("preview") == "1"}
	s.renderRound(w, r, http.StatusOK, d)
}

func (s *Site) renderRound(w http.ResponseWriter, r *http.Request, status int, d housingRoundData) {
	ctx := r.Context()
	round, err := s.o.Housing.GetRound(ctx, pathNumber(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Round = round
	var ranking housing.Ranking
	switch {
	case round.Status == housing.RoundOpen && d.Preview:
		ranking, err = s.o.Housing.PreviewRound(ctx, round.ID)
	case round.Status == housing.RoundCommitted:
		ranking, err = s.o.Housing.RoundRanking(ctx, round.ID)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	units := s.unitNames(r, ranking.Entries)
	for _, e := range ranking.Entries {
		row := rankedRow{RankingEntry: e}
		row.WhyZh, row.WhyEn = rankingWhy(ranking.Kind, e)
		if e.UnitID != nil {
			row.UnitZh, row.UnitEn = units[*e.UnitID], units[*e.UnitID]
		} else if e.ReasonText != "" {
			row.UnitZh, row.UnitEn = e.ReasonText, e.ReasonText // in the reader's language already
		} else {
			row.UnitZh, row.UnitEn = "未配到房源", "No unit"
		}
		d.Ranking = append(d.Ranking, row)
	}
	if round.Status == housing.RoundCommitted {
		if d.Offers, err = s.offerRows(r, housing.OfferFilter{RoundID: round.ID}, page.Query{Limit: housingUnitsShown}); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "housing_round", round.Title, d)
}

// housingRoundCommit ranks the round for good, makes its offers and reveals the seed.
func (s *Site) housingRoundCommit(w http.ResponseWriter, r *http.Request) {
	d := housingRoundData{housingView: newHousingView("/housing/rounds")}
	round, err := s.o.Housing.CommitRound(r.Context(), pathNumber(r))
	if err != nil {
		s.showRefusal(w, r, &d.housingView, err, func(status int) { s.renderRound(w, r, status, d) })
		return
	}
	d.done(fmt.Sprintf("批次已确定，发出配租通知 %d 份，随机种子已公开", round.OfferCount),
		fmt.Sprintf("The round is committed: %d offers made, the seed is published", round.OfferCount))
	s.renderRound(w, r, http.StatusOK, d)
}

// housingShownUnitNames bounds the units a ranking names (one read each); beyond, units show by id.
const housingShownUnitNames = 200

// unitNames names the units of a ranking's entries: estate, building and number.
func (s *Site) unitNames(r *http.Request, entries []housing.RankingEntry) map[int64]string {
	out := map[int64]string{}
	for _, e := range entries {
		if e.UnitID == nil {
			continue
		}
		id := *e.UnitID
		out[id] = "#" + strconv.FormatInt(id, 10)
		if len(out) > housingShownUnitNames {
			continue
		}
		if u, err := s.o.Housing.Unit(r.Context(), id); err == nil {
			out[id] = unitName(u)
		}
	}
	return out
}

func unitName(u housing.Unit) string {
	return u.EstateName + " " + u.Building + "-" + u.Number
}

// rankingWhy says, in Chinese and in English, what placed an applicant where they are: the
// inputs of the order (class or priority, then the application date, then the lot) and what held
// them back.
func rankingWhy(kind housing.Kind, e housing.RankingEntry) (zh, en string) {
	var z, n []string
	if e.Late {
		z = append(z, fmt.Sprintf("已拒绝 %d 次，达到上限，排在其他人之后", e.Refusals))
		n = append(n, fmt.Sprintf("refused %d times, the limit: ranked after everyone else", e.Refusals))
	}
	if kind == housing.KindTalentApartment {
		z = append(z, "人才类别 "+e.Grade)
		n = append(n, "talent class "+e.Grade)
	} else {
		pz, pn := []string{fmt.Sprintf("家庭 %d 人", e.HouseholdSize)}, []string{fmt.Sprintf("household of %d", e.HouseholdSize)}
		if e.KeyEnterprise {
			pz, pn = append(pz, "重点企业职工"), append(pn, "works at a key enterprise")
		}
		if e.NoHousing {
			pz, pn = append(pz, "无自有住房"), append(pn, "no housing of their own")
		}
		z = append(z, fmt.Sprintf("优先分 %d（%s）", e.Priority, strings.Join(pz, "、")))
		n = append(n, fmt.Sprintf("priority %d (%s)", e.Priority, strings.Join(pn, ", ")))
	}
	z = append(z, "申请日 "+e.AppliedOn.String(), "同等条件按抽签")
	n = append(n, "applied on "+e.AppliedOn.String(), "ties drawn by lot")
	if e.Refusals > 0 && !e.Late {
		z = append(z, fmt.Sprintf("曾拒绝 %d 次", e.Refusals))
		n = append(n, fmt.Sprintf("refused %d times before", e.Refusals))
	}
	return strings.Join(z, "；"), strings.Join(n, "; ")
}

type housingPublicRankingData struct {
	Ranking housing.Ranking
	Rows    []rankedRow
}

// housingPublicRanking is a round's public list (公示), open to anyone: masked names, every
// input of the order, the seed's hash and, once committed, the seed itself.
func (s *Site) housingPublicRanking(w http.ResponseWriter, r *http.Request) {
	ranking, err := s.o.Housing.RoundRanking(r.Context(), pathNumber(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := housingPublicRankingData{Ranking: ranking}
	for _, e := range ranking.Entries {
		row := rankedRow{RankingEntry: e}
		row.WhyZh, row.WhyEn = rankingWhy(ranking.Kind, e)
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "housing_ranking", "配租公示", d)
}
