package housing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// demoApplicant is a public-rental application of the finished round, as it was ranked.
type demoApplicant struct {
	id        int64
	person    demoPerson
	employer  demoEnterprise
	size      int
	housing   string
	appliedAt time.Time
}

// demoCurrentHousing is what public-rental applicants say of where they live now ("" for nothing of
// their own).
var demoCurrentHousing = []string{"", "租住城中村民房", "与父母同住", "企业集体宿舍", ""}

// finishedRound is a public-rental round committed two months ago: its seed revealed, its
// ranking published, its offers accepted (the tenants live there now), declined or expired.
func (d *demoRun) finishedRound(ctx context.Context) error {
	n := demoRoundAccepted + demoRoundDeclined + demoRoundExpired
	committed := d.daysAgo(60)
	seed := d.newSeed()
	settings, err := json.Marshal(d.st)
	if err != nil {
		return err
	}
	var roundID int64
	if err := d.tx.GetContext(ctx, &roundID, `INSERT INTO housing_rounds (kind, title, status, seed_sha256, seed_cipher, seed,
		settings, created_at, committed_at) VALUES ('public_rental', $1, 'committed', $2, $3, $4, $5, $6, $7) RETURNING id`,
		d.demoTitle(1, KindPublicRental), seed.sha256, seed.cipher, seed.seed, string(settings),
		committed.AddDate(0, 0, -15), committed); err != nil {
		return postgres.Translate(err, "demo round")
	}
	applicants := make([]demoApplicant, n)
	for i := range applicants {
		a := demoApplicant{person: d.worker(), employer: d.employers[d.rng.IntN(len(d.employers))], size: 1 + d.rng.IntN(4),
			housing: demoCurrentHousing[d.rng.IntN(len(demoCurrentHousing))], appliedAt: d.daysAgo(200 + d.rng.IntN(300))}
		if err := d.tx.GetContext(ctx, &a.id, `INSERT INTO housing_applications (kind, enterprise_id, applicant_name,
			id_number_cipher, id_number_hash, id_number_masked, household_size, current_housing, status, refusals, applied_at,
			updated_at) VALUES ('public_rental', $1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) RETURNING id`,
			a.employer.ID, a.person.name, a.person.sealed.Cipher, a.person.sealed.Hash, a.person.sealed.Masked, a.size,
			a.housing, a.appliedAt); err != nil {
			return postgres.Translate(err, "demo round application")
		}
		applicants[i] = a
	}
	// The published order, by the rules every round follows (ranking.go), so that anyone can
	// recompute it from the revealed seed.
	ranked := make([]rankedApplication, n)
	byID := make(map[int64]demoApplicant, n)
	for i, a := range applicants {
		byID[a.id] = a
		noHousing := a.housing == ""
		ranked[i] = rankedApplication{ID: a.id, HouseholdSize: int32(a.size), KeyEnterprise: a.employer.Key,
			NoCurrentHousing: noHousing, AppliedOn: int32(civil.InDistrict(a.appliedAt).Time().Unix() / 86400),
			Priority: int32(priorityScore(d.st.PublicRentalPriority, a.employer.Key, a.size, noHousing))}
	}
	rankApplications(seed.seed, KindPublicRental, d.st, ranked)
	units, err := d.roundUnits(ctx, ranked)
	if err != nil {
		return err
	}
	proposals := matchUnits(d.st, ranked, units)
	outcomes := make([]OfferStatus, 0, n)
	for status, k := range map[OfferStatus]int{OfferAccepted: demoRoundAccepted, OfferDeclined: demoRoundDeclined, OfferExpired: demoRoundExpired} {
		for range k {
			outcomes = append(outcomes, status)
		}
	}
	slices.Sort(outcomes) // map order is random; the demo is not
	d.rng.Shuffle(len(outcomes), func(i, j int) { outcomes[i], outcomes[j] = outcomes[j], outcomes[i] })
	unitIDs := make([]int64, len(units))
	for i, u := range units {
		unitIDs[i] = u.ID
	}
	if err := d.exec(ctx, "demo round units", `INSERT INTO housing_round_units (round_id, unit_id) SELECT $1, unnest($2::bigint[])`,
		roundID, pq.Array(unitIDs)); err != nil {
		return err
	}
	reasons := []DeclineReason{"too_far", "rent", "too_small", "household_changed", "other"}
	expires := civil.Of(civil.InDistrict(committed).Time().AddDate(0, 0, d.st.OfferDays))
	for rank, r := range ranked {
		a, unit := byID[r.ID], proposals[rank].UnitID
		if unit == 0 {
			return fmt.Errorf("demo round: rank %d got no unit (%s)", rank+1, proposals[rank].Reason)
		}
		if err := d.exec(ctx, "demo round entry", `INSERT INTO housing_round_entries (round_id, application_id, rank, priority,
			refusals, applied_at, household_size, lottery, key_enterprise, no_current_housing)
			VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9)`,
			roundID, a.id, rank+1, r.Priority, a.appliedAt, a.size, r.Ticket[:], r.KeyEnterprise, r.NoCurrentHousing); err != nil {
			return err
		}
		status := outcomes[rank]
		decided := committed.AddDate(0, 0, 1+d.rng.IntN(d.st.OfferDays-1))
		var reason *DeclineReason
		text, appStatus := "", ApplicationHoused
		switch status {
		case OfferDeclined:
			r := reasons[rank%len(reasons)]
			reason, appStatus = &r, ApplicationDeclined
			if r == "other" {
				text = "已在单位附近购房"
			}
		case OfferExpired:
			r := DeclineReason("no_response")
			reason, appStatus, decided = &r, ApplicationExpired, d.clock.At(civil.Of(expires.Time().AddDate(0, 0, 1)), 0)
		}
		var offerID int64
		if err := d.tx.GetContext(ctx, &offerID, `INSERT INTO housing_offers (round_id, application_id, unit_id, status,
			offered_at, expires_on, decided_at, decline_reason, decline_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			RETURNING id`, roundID, a.id, unit, status, committed, expires, decided, reason, text); err != nil {
			return postgres.Translate(err, "demo offer")
		}
		refusals := 0
		if status != OfferAccepted {
			refusals = 1
		}
		if err := d.exec(ctx, "demo round application", `UPDATE housing_applications SET status = $2, refusals = $3,
			updated_at = $4 WHERE id = $1`, a.id, appStatus, refusals, decided); err != nil {
			return err
		}
		if status == OfferAccepted {
			appID, ent := a.id, a.employer.ID
			d.leases = append(d.leases, demoLease{kind: KindPublicRental, unitID: unit, offerID: &offerID,
				applicationID: &appID, enterpriseID: &ent, tenant: a.person.name, hash: a.person.sealed.Hash,
				masked: a.person.sealed.Masked, start: civil.Of(decided.AddDate(0, 0, 7)), rent: d.unitRent[unit],
				residents: a.size})
		}
	}
	return nil
}

// roundUnits takes, for each ranked applicant in order, a free public-rental unit of the fewest
// rooms that fit its household (any fitting one when none of those is left): the units the
// round's matching then gives them.
func (d *demoRun) roundUnits(ctx context.Context, ranked []rankedApplication) ([]roundUnit, error) {
	ids := make([]int64, 0, len(ranked))
	for _, a := range ranked {
		free := d.free[KindPublicRental]
		pick := -1
		for r := 0; r <= maxRooms && pick < 0; r++ {
			if !d.st.Fits(r, int(a.HouseholdSize)) {
				continue
			}
			for i, id := range free {
				if d.unitRooms[id] == r {
					pick = i
					break
				}
			}
		}
		if pick < 0 {
			return nil, fmt.Errorf("demo round: no free unit fits a household of %d", a.HouseholdSize)
		}
		ids = append(ids, free[pick])
		d.free[KindPublicRental] = append(free[:pick], free[pick+1:]...)
	}
	var units []roundUnit
	err := d.tx.SelectContext(ctx, &units, `SELECT id, rooms, CAST(round(area_m2 * 100) AS bigint) AS areacenti
		FROM housing_units WHERE id = ANY($1)`, pq.Array(ids))
	return units, postgres.Translate(err, "demo round units")
}

// waitingList files the pending applications: registered talents for talent apartments, and
// enterprises' workers for public rental.
func (d *demoRun) waitingList(ctx context.Context) error {
	var (
		kind, name, masked, housing, rooms, applied []string
		talentID, enterprise                        []*int64
		grade                                       []*string
		cipher, hash                                [][]byte
		size                                        []int64
	)
	add := func(k Kind, t *int64, e *int64, g *string, who demoPerson, days int) {
		s := 1 + d.rng.IntN(4)
		pref := []int{}
		if d.rng.IntN(2) == 0 {
			for r := 0; r <= 10; r++ {
				if d.st.Fits(r, s) {
					pref = append(pref, r)
				}
			}
		}
		kind, name, masked = append(kind, string(k)), append(name, who.name), append(masked, who.sealed.Masked)
		housing = append(housing, demoCurrentHousing[d.rng.IntN(len(demoCurrentHousing))])
		raw, _ := json.Marshal(pref)
		rooms = append(rooms, "{"+string(raw[1:len(raw)-1])+"}")
		applied = append(applied, demoInstant(d.daysAgo(3+d.rng.IntN(days))))
		talentID, enterprise, grade = append(talentID, t), append(enterprise, e), append(grade, g)
		cipher, hash, size = append(cipher, who.sealed.Cipher), append(hash, who.sealed.Hash), append(size, int64(s))
	}
	for _, t := range d.talentsWaiting {
		g := string(t.Grade)
		add(KindTalentApartment, &t.ID, t.EnterpriseID, &g, demoPerson{name: t.Name, sealed: sealedOf(t)}, 300)
	}
	for range demoPublicWaiting {
		e := d.employers[d.rng.IntN(len(d.employers))].ID
		add(KindPublicRental, nil, &e, nil, d.worker(), 700)
	}
	return d.exec(ctx, "demo waiting list", `INSERT INTO housing_applications (kind, talent_id, enterprise_id, applicant_name,
		id_number_cipher, id_number_hash, id_number_masked, grade, household_size, preferred_rooms, current_housing,
		applied_at, updated_at)
		SELECT k, t, e, n, c, h, m, g, s, CAST(p AS integer[]), ch, a::timestamptz, a::timestamptz
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bytea[], $6::bytea[], $7::text[], $8::text[],
		            $9::int[], $10::text[], $11::text[], $12::text[]) AS w(k, t, e, n, c, h, m, g, s, p, ch, a)`,
		pq.Array(kind), pq.Array(talentID), pq.Array(enterprise), pq.Array(name), pq.ByteaArray(cipher), pq.ByteaArray(hash),
		pq.Array(masked), pq.Array(grade), pq.Array(size), pq.Array(rooms), pq.Array(housing), pq.Array(applied))
}

// openRound is a talent-apartment round opened two days ago over some available units: its seed's
// hash published, the seed sealed until the round is committed.
func (d *demoRun) openRound(ctx context.Context) error {
	seed := d.newSeed()
	var roundID int64
	if err := d.tx.GetContext(ctx, &roundID, `INSERT INTO housing_rounds (kind, title, seed_sha256, seed_cipher, created_at)
		VALUES ('talent_apartment', $1, $2, $3, $4) RETURNING id`,
		d.demoTitle(2, KindTalentApartment), seed.sha256, seed.cipher, d.daysAgo(2)); err != nil {
		return postgres.Translate(err, "demo open round")
	}
	return d.exec(ctx, "demo open round units", `INSERT INTO housing_round_units (round_id, unit_id) SELECT $1, unnest($2::bigint[])`,
		roundID, pq.Array(d.take(KindTalentApartment, demoOpenRoundUnits)))
}
