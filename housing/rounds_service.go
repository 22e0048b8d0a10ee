package housing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
)

// OpenRound opens an allocation round over available units of one kind (housing office). A fresh
// 32-byte seed is drawn and sealed; only its SHA-256 is published until the round is committed.
func (s *Service) OpenRound(ctx context.Context, in RoundInput) (Round, error) {
	p, err := auth.Require(ctx, housingRoles...)
	if err != nil {
		return Round{}, err
	}
	in.Title = strings.TrimSpace(in.Title)
	if err := checkRoundInput(in); err != nil {
		return Round{}, err
	}
	seed := make([]byte, sha256.Size)
	if _, err := rand.Read(seed); err != nil {
		return Round{}, err
	}
	hash := sha256.Sum256(seed)
	sealed := s.ring.Seal(hex.EncodeToString(seed), seedPurpose)
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		bad, err := unitsNotAvailable(ctx, tx, in.Kind, in.UnitIDs)
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			return errUnitsNotAvailable(in.UnitIDs, bad)
		}
		if id, err = insertRound(ctx, tx, in, hash[:], sealed, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_round.open", EntityType: "housing_round", EntityID: auditID(id),
			After: map[string]any{"kind": in.Kind, "title": in.Title, "units": len(in.UnitIDs), "seed_sha256": hex.EncodeToString(hash[:])}})
	})
	if err != nil {
		return Round{}, err
	}
	return s.roundWithUnits(ctx, s.db, id)
}

// checkRoundInput refuses a round without a kind, title or units before anything is read.
func checkRoundInput(in RoundInput) error {
	var fields []errs.FieldError
	if !KindVocab.Has(string(in.Kind)) {
		fields = append(fields, errs.Field("body.kind", "unknown_kind", "请选择住房类型：人才公寓或公租房",
			"choose talent_apartment or public_rental", string(in.Kind)))
	}
	if in.Title == "" {
		fields = append(fields, errs.Field("body.title", "required", "请填写批次名称", "a title is required", nil))
	}
	if len(in.UnitIDs) == 0 || len(in.UnitIDs) > maxRoundUnits {
		fields = append(fields, errs.Field("body.unit_ids", "unit_count", "每个批次应包含 1 至 20000 套房源",
			"a round has 1 to 20000 units", len(in.UnitIDs)))
	}
	seen := make(map[int64]bool, len(in.UnitIDs))
	for i, id := range in.UnitIDs {
		if seen[id] {
			fields = append(fields, errs.Field("body.unit_ids["+strconv.Itoa(i)+"]", "duplicate_unit",
				"同一套房源只能列入一次", "a unit is listed twice", id))
			break
		}
		seen[id] = true
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// errUnitsNotAvailable names (up to ten of) the listed units that cannot go into the round.
func errUnitsNotAvailable(ids, bad []int64) error {
	isBad := make(map[int64]bool, len(bad))
	for _, id := range bad {
		isBad[id] = true
	}
	var fields []errs.FieldError
	for i, id := range ids {
		if isBad[id] && len(fields) < 10 {
			fields = append(fields, errs.Field("body.unit_ids["+strconv.Itoa(i)+"]", "unit_not_available",
				"该房源不存在、不属于本批次的住房类型，或当前不可分配", "no available unit of the round's kind has this id", id))
		}
	}
	return errs.Fields(fields...)
}

// roundWithUnits reads a round with its unit ids.
func (s *Service) roundWithUnits(ctx context.Context, q sqlx.QueryerContext, id int64) (Round, error) {
	r, err := getRound(ctx, q, id, false)
	if err != nil {
		return Round{}, err
	}
	out := r.round()
	out.UnitIDs, err = roundUnitIDs(ctx, q, id)
	return out, err
}

// GetRound returns a round with its units; the seed is there once the round is committed.
func (s *Service) GetRound(ctx context.Context, id int64) (Round, error) {
	if _, err := auth.Require(ctx, inventoryReaders...); err != nil {
		return Round{}, err
	}
	return s.roundWithUnits(ctx, s.db, id)
}

// ListRounds lists rounds, newest first.
func (s *Service) ListRounds(ctx context.Context, kind Kind, status RoundStatus, q page.Query) (page.Of[Round], error) {
	if _, err := auth.Require(ctx, inventoryReaders...); err != nil {
		return page.Of[Round]{}, err
	}
	return listPage(q, func(after int64, limit int) ([]Round, error) {
		return listRounds(ctx, s.db, kind, status, after, limit)
	}, func(r Round) int64 { return r.ID })
}

// rankedRound is a round ranked and matched: the applicants in order and, at the same index, the
// unit proposed to each or why none.
type rankedRound struct {
	seed      []byte
	settings  Settings
	ranked    []rankedApplication
	proposals []proposal
}

// rank ranks an open round's applicants and matches them to its available units under the
// settings in force. lock holds the units and the applications until the transaction ends.
func (s *Service) rank(ctx context.Context, q sqlx.QueryerContext, r roundRow, lock bool) (rankedRound, error) {
	plain, err := s.ring.Open(r.SeedCipher, seedPurpose)
	if err != nil {
		return rankedRound{}, errRoundSeed.With(err)
	}
	seed, err := hex.DecodeString(plain)
	if err != nil || len(seed) != sha256.Size {
		return rankedRound{}, errRoundSeed.With(err)
	}
	st, err := settingsInForce(ctx, q)
	if err != nil {
		return rankedRound{}, err
	}
	// Units before applications, as everywhere (see answering in offers_service.go).
	units, err := availableRoundUnits(ctx, q, r.ID, r.Kind, lock)
	if err != nil {
		return rankedRound{}, err
	}
	apps, err := rankingApplications(ctx, q, r.Kind, st, lock)
	if err != nil {
		return rankedRound{}, err
	}
	rankApplications(seed, r.Kind, st, apps)
	return rankedRound{seed: seed, settings: st, ranked: apps, proposals: matchUnits(st, apps, units)}, nil
}

// PreviewRound ranks an open round's applicants and proposes units without storing anything
// (housing office): the full list, with each applicant's place, inputs and unit or reason.
func (s *Service) PreviewRound(ctx context.Context, id int64) (Ranking, error) {
	if _, err := auth.Require(ctx, housingRoles...); err != nil {
		return Ranking{}, err
	}
	r, err := getRound(ctx, s.db, id, false)
	if err != nil {
		return Ranking{}, err
	}
	if r.Status != RoundOpen {
		return Ranking{}, ErrRoundNotOpen
	}
	rr, err := s.rank(ctx, s.db, r, false)
	if err != nil {
		return Ranking{}, err
	}
	ids := make([]int64, len(rr.ranked))
	for i := range rr.ranked {
		ids[i] = rr.ranked[i].ID
	}
	names, err := applicantNames(ctx, s.db, ids)
	if err != nil {
		return Ranking{}, err
	}
	lang := reqctx.Lang(ctx)
	out := Ranking{RoundID: r.ID, Kind: r.Kind, Status: r.Status, SeedSHA256: hex.EncodeToString(r.SeedSHA256),
		Settings: &rr.settings, Entries: make([]RankingEntry, len(rr.ranked))}
	for i := range rr.ranked {
		a := &rr.ranked[i]
		e := RankingEntry{Rank: i + 1, ApplicationID: a.ID, Name: names[a.ID], Grade: a.Grade, Priority: int(a.Priority),
			Refusals: int(a.Refusals), Late: a.Late, AppliedOn: civil.Of(epochDay(a.AppliedOn)),
			KeyEnterprise: a.KeyEnterprise, NoHousing: a.NoCurrentHousing,
			HouseholdSize: int(a.HouseholdSize), PreferredRooms: preferredRooms(a.Preferred)}
		if p := rr.proposals[i]; p.UnitID != 0 {
			e.UnitID = &p.UnitID
		} else {
			e.Reason, e.ReasonText = p.Reason, noUnitReasons.Label(p.Reason, lang)
		}
		out.Entries[i] = e
	}
	return out, nil
}

// CommitRound ranks the round, makes the offers and reveals the seed, in one transaction (housing
// office). Units another round offered meanwhile are skipped, not fought over: the round, the
// units and then the applications are locked in that order, so a second commit over the same
// units waits and then sees them offered. Committing a committed round changes nothing and
// returns it as it is.
func (s *Service) CommitRound(ctx context.Context, id int64) (Round, error) {
	p, err := auth.Require(ctx, housingRoles...)
	if err != nil {
		return Round{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := getRound(ctx, tx, id, true)
		if err != nil {
			return err
		}
		switch r.Status {
		case RoundCommitted:
			return nil
		case RoundCancelled:
			return ErrRoundNotOpen
		}
		if err := lockAllocation(ctx, tx, r.Kind); err != nil {
			return err
		}
		rr, err := s.rank(ctx, tx, r, true)
		if err != nil {
			return err
		}
		if err := insertRoundEntries(ctx, tx, id, rr.ranked); err != nil {
			return err
		}
		var apps, units []int64
		for i, p := range rr.proposals {
			if p.UnitID != 0 {
				apps, units = append(apps, rr.ranked[i].ID), append(units, p.UnitID)
			}
		}
		if _, err := makeOffers(ctx, tx, id, apps, units, s.offerExpiry(rr.settings)); err != nil {
			return err
		}
		settings, err := json.Marshal(rr.settings)
		if err != nil {
			return err
		}
		if err := revealRound(ctx, tx, id, rr.seed, settings, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_round.commit", EntityType: "housing_round", EntityID: auditID(id),
			Before: map[string]any{"status": r.Status},
			After: map[string]any{"status": RoundCommitted, "seed": hex.EncodeToString(rr.seed), "ranked": len(rr.ranked),
				"offers": len(apps)}})
	})
	if err != nil {
		return Round{}, err
	}
	return s.roundWithUnits(ctx, s.db, id)
}

// RoundRanking is a round's public list (no sign-in needed): masked names and every ranking input,
// the seed's hash and, once the round is committed, the seed and the settings it was ranked under,
// so that anyone can recompute the order. An open round has no entries yet.
func (s *Service) RoundRanking(ctx context.Context, id int64) (Ranking, error) {
	r, err := getRound(ctx, s.db, id, false)
	if err != nil {
		return Ranking{}, err
	}
	round := r.round()
	out := Ranking{RoundID: r.ID, Kind: r.Kind, Status: r.Status, SeedSHA256: round.SeedSHA256, Seed: round.Seed,
		Entries: []RankingEntry{}}
	if round.Settings == nil {
		return out, nil
	}
	out.Settings = round.Settings
	rows, err := publishedEntries(ctx, s.db, id)
	if err != nil {
		return Ranking{}, err
	}
	limit := out.Settings.RefusalLimit
	for _, row := range rows {
		e := RankingEntry{Rank: row.Rank, ApplicationID: row.ApplicationID, Name: maskApplicantName(row.Name),
			Priority: row.Priority, KeyEnterprise: row.KeyEnterprise, NoHousing: row.NoHousing, Refusals: row.Refusals, Late: limit > 0 && row.Refusals >= limit, AppliedOn: row.AppliedOn,
			HouseholdSize: row.HouseholdSize, PreferredRooms: []int64(row.PreferredRooms), Ticket: hex.EncodeToString(row.Lottery),
			UnitID: row.UnitID}
		if row.Grade != nil {
			e.Grade = *row.Grade
		}
		if e.PreferredRooms == nil {
			e.PreferredRooms = []int64{}
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// offerExpiry is the last day to answer an offer made today.
func (s *Service) offerExpiry(st Settings) civil.Date {
	t := s.todayInDistrict().Time()
	return civil.New(t.Year(), t.Month(), t.Day()+st.OfferDays)
}

// todayInDistrict is the district's date on the service's clock.
func (s *Service) todayInDistrict() civil.Date { return civil.InDistrict(s.opts.Now()) }

// auditID formats an id for the audit log.
func auditID(id int64) string { return strconv.FormatInt(id, 10) }
