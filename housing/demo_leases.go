package housing

import (
	"context"
	"time"

	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/postgres"
	"talentd/talent"
)

// demoLease is a live lease of the demo, to be written once every lease is known.
type demoLease struct {
	kind          Kind
	unitID        int64
	offerID       *int64
	applicationID *int64
	talentID      *int64
	enterpriseID  *int64
	tenant        string
	hash          []byte
	masked        string
	start         civil.Date
	rent          int64
	residents     int
}

// residentsFor draws a household that fits a unit of rooms rooms.
func (d *demoRun) residentsFor(rooms int) int {
	return max(1, rooms) + d.rng.IntN(2)
}

// leaseStart is the first day of a lease that began within the last days days.
func (d *demoRun) leaseStart(days int) civil.Date {
	return civil.Of(d.today.Time().AddDate(0, 0, -(30 + d.rng.IntN(days))))
}

// demoTalent is a registered talent of the demo registry.
type demoTalent struct {
	ID           int64        `db:"id"`
	Name         string       `db:"name"`
	Cipher       []byte       `db:"id_number_cipher"`
	Hash         []byte       `db:"id_number_hash"`
	Masked       string       `db:"id_number_masked"`
	Grade        talent.Grade `db:"grade"`
	EnterpriseID *int64       `db:"enterprise_id"`
}

// talentLeases lets talent apartments to registered talents; the next talents wait for one.
func (d *demoRun) talentLeases(ctx context.Context) error {
	var talents []demoTalent
	if err := d.tx.SelectContext(ctx, &talents, `SELECT id, name, id_number_cipher, id_number_hash, id_number_masked,
		grade, enterprise_id FROM talents WHERE status = 'registered' AND grade IS NOT NULL ORDER BY id`); err != nil {
		return postgres.Translate(err, "demo talents")
	}
	d.rng.Shuffle(len(talents), func(i, j int) { talents[i], talents[j] = talents[j], talents[i] })
	n := min(demoTalentLeases, len(talents))
	for i, unit := range d.take(KindTalentApartment, n) {
		t := talents[i]
		d.leases = append(d.leases, demoLease{kind: KindTalentApartment, unitID: unit, talentID: &t.ID,
			enterpriseID: t.EnterpriseID, tenant: t.Name, hash: t.Hash, masked: t.Masked, start: d.leaseStart(1000),
			rent: d.st.DiscountedRent(d.unitRent[unit], t.Grade), residents: d.residentsFor(d.unitRooms[unit])})
	}
	d.talentsWaiting = talents[n:min(len(talents), n+demoTalentWaiting)]
	return nil
}

// publicLeases lets public rental units to enterprises' workers, every housed enterprise in turn.
func (d *demoRun) publicLeases(ctx context.Context) error {
	for i, unit := range d.take(KindPublicRental, demoPublicLeases-demoRoundAccepted) {
		w, ent := d.worker(), d.employers[i%len(d.employers)].ID
		d.leases = append(d.leases, demoLease{kind: KindPublicRental, unitID: unit, enterpriseID: &ent, tenant: w.name,
			hash: w.sealed.Hash, masked: w.sealed.Masked, start: d.leaseStart(1000), rent: d.unitRent[unit],
			residents: d.residentsFor(d.unitRooms[unit])})
	}
	return nil
}

// fitResidents adjusts households, one person at a time across the leases, so that the leases
// house exactly the district's residents; a household stays between 1 and 8 people.
func fitResidents(leases []demoLease, total int) {
	sum := 0
	for _, l := range leases {
		sum += l.residents
	}
	for i := 0; sum != total && len(leases) > 0; i = (i + 1) % len(leases) {
		switch l := &leases[i]; {
		case sum < total && l.residents < 8:
			l.residents++
			sum++
		case sum > total && l.residents > 1:
			l.residents--
			sum--
		}
	}
}

// writeLeases writes every live lease, lets its unit and holds it for the lease.
func (d *demoRun) writeLeases(ctx context.Context) error {
	fitResidents(d.leases, DemoResidents)
	n := len(d.leases)
	var (
		kind, tenant, masked, start, end []string
		unit, rent, residents            = make([]int64, n), make([]int64, n), make([]int64, n)
		offer, app, tal, ent             = make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
		hash                             = make([][]byte, n)
	)
	for i, l := range d.leases {
		kind, tenant, masked = append(kind, string(l.kind)), append(tenant, l.tenant), append(masked, l.masked)
		start = append(start, l.start.String())
		end = append(end, civil.Of(l.start.Time().AddDate(0, d.st.LeaseMonths, 0)).String())
		unit[i], rent[i], residents[i], hash[i] = l.unitID, l.rent, int64(l.residents), l.hash
		offer[i], app[i], tal[i], ent[i] = l.offerID, l.applicationID, l.talentID, l.enterpriseID
	}
	err := d.exec(ctx, "demo leases", `INSERT INTO housing_leases (kind, unit_id, offer_id, application_id, talent_id,
		enterprise_id, tenant_name, id_number_hash, id_number_masked, start_on, end_on, monthly_rent_fen, residents,
		resident_names, created_at, updated_at)
		SELECT k, u, o, a, t, e, n, h, m, s, x, r, p, ARRAY[n], s::timestamptz, s::timestamptz
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[],
		            $8::bytea[], $9::text[], $10::date[], $11::date[], $12::bigint[], $13::int[])
		     AS l(k, u, o, a, t, e, n, h, m, s, x, r, p)`,
		pq.Array(kind), pq.Array(unit), pq.Array(offer), pq.Array(app), pq.Array(tal), pq.Array(ent), pq.Array(tenant),
		pq.ByteaArray(hash), pq.Array(masked), pq.Array(start), pq.Array(end), pq.Array(rent), pq.Array(residents))
	if err != nil {
		return err
	}
	if err := d.exec(ctx, "demo units let", `UPDATE housing_units u SET status = 'occupied' FROM housing_leases l
		WHERE l.unit_id = u.id AND l.status = 'active'`); err != nil {
		return err
	}
	return d.exec(ctx, "demo holds", `INSERT INTO housing_unit_holds (unit_id, lease_id)
		SELECT unit_id, id FROM housing_leases WHERE status = 'active'`)
}

// demoInstant is a timestamp as the demo's SQL takes it.
func demoInstant(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// sealedOf is a talent's identity number as the registry sealed it.
func sealedOf(t demoTalent) talent.SealedIDNumber {
	return talent.SealedIDNumber{Cipher: t.Cipher, Hash: t.Hash, Masked: t.Masked}
}
