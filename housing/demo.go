package housing

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/civil"
	"talentd/internal/postgres"
	"talentd/talent"
)

// The demo district's housing, from the programme's report: 606 talent apartments and 8,308 public
// rental units housing 24,924 residents from 878 enterprises.
const (
	DemoTalentApartments  = 606
	DemoPublicRentalUnits = 8308
	DemoResidents         = 24924
	DemoHousedEnterprises = 878
)

// How the demo inventory stands: units let, in maintenance, in the finished round's offers, in the
// open round; the waiting list.
const (
	demoTalentLeases      = 520
	demoTalentMaintenance = 6
	demoPublicLeases      = 7900 // including the finished round's accepted offers
	demoPublicMaintenance = 40
	demoRoundAccepted     = 28
	demoRoundDeclined     = 8
	demoRoundExpired      = 4
	demoOpenRoundUnits    = 20
	demoTalentWaiting     = 40
	demoPublicWaiting     = 600
)

// demoEstate is one estate of the demo, with its units' kind, count and rent per m² (fen).
type demoEstate struct {
	name, address string
	kind          Kind
	units         int
	rentPerM2     int64
}

var demoEstates = []demoEstate{
	{"璧泉人才公寓", "重庆市璧山区璧泉街道双星大道 8 号", KindTalentApartment, 300, 2800},
	{"高新区人才公寓", "重庆市璧山区璧山高新区璧青路 66 号", KindTalentApartment, 306, 2600},
	{"璧山公租房·璧城苑", "重庆市璧山区璧城街道东林大道 120 号", KindPublicRental, 2100, 900},
	{"璧山公租房·青杠苑", "重庆市璧山区青杠街道迎宾路 35 号", KindPublicRental, 2100, 850},
	{"璧山公租房·来凤苑", "重庆市璧山区来凤街道凤山路 18 号", KindPublicRental, 2054, 800},
	{"璧山公租房·丁家苑", "重庆市璧山区丁家街道工业园路 9 号", KindPublicRental, 2054, 800},
}

// demoLoaded tells whether the housing demo was loaded, or the office keeps an inventory of its
// own, which the demo must not mix with.
const demoLoaded = `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_type = 'housing' AND entity_id = 'demo'
	AND action = 'housing.seed_demo') OR EXISTS (SELECT 1 FROM housing_units)`

// SeedDemo loads the demo district's housing as of today (idempotent; the registry's demo
// enterprises and talents must be loaded first): the estates and units, the extra enterprises
// housing workers (no HR accounts), live leases to registered talents and to enterprises' workers,
// a waiting list of both kinds, a committed round with its revealed seed, ranking and offers, and
// an open round whose seed is sealed. It reports whether it loaded anything.
func (s *Service) SeedDemo(ctx context.Context, today civil.Date) (bool, error) {
	var loaded bool
	if err := s.db.GetContext(ctx, &loaded, demoLoaded); err != nil {
		return false, postgres.Translate(err, "housing demo")
	}
	if loaded {
		return false, nil
	}
	st, err := settingsInForce(ctx, s.db)
	if err != nil {
		return false, err
	}
	d := &demoRun{s: s, st: st, rng: rand.New(rand.NewPCG(606, 8308)), clock: talent.DemoClock{Today: today},
		today: today, gen: talent.NewGenerator(24924)}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		d.tx = tx
		steps := []func(context.Context) error{d.units, d.enterprises, d.people, d.talentLeases, d.publicLeases,
			d.finishedRound, d.waitingList, d.openRound, d.writeLeases}
		for _, step := range steps {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing.seed_demo", EntityType: "housing", EntityID: "demo",
			After: map[string]any{"as_of": today.String(), "units": DemoTalentApartments + DemoPublicRentalUnits,
				"residents": DemoResidents, "enterprises": DemoHousedEnterprises}})
	})
	return err == nil, err
}

// demoRun is one load of the housing demo, inside its transaction.
type demoRun struct {
	s     *Service
	tx    *sqlx.Tx
	st    Settings
	rng   *rand.Rand
	gen   *talent.Generator
	clock talent.DemoClock
	today civil.Date

	// units by kind, in the order they were made, and their rooms and rent.
	unitIDs   map[Kind][]int64
	unitRooms map[int64]int
	unitRent  map[int64]int64
	// free units by kind, shuffled: each step takes the ones it lets, offers or sets aside.
	free map[Kind][]int64
	// enterprises housing workers: the registry's demo enterprises and the extra ones.
	employers []demoEnterprise
	// workers are generated people of enterprises, sealed; each is used once.
	workers []demoPerson
	// leases to write, residents still to adjust to the district's total.
	leases []demoLease
	// talentsWaiting are registered talents without a lease, for the waiting list.
	talentsWaiting []demoTalent
}

// take removes n free units of the kind, to let, offer or set aside.
func (d *demoRun) take(kind Kind, n int) []int64 {
	out := d.free[kind][:n]
	d.free[kind] = d.free[kind][n:]
	return out
}

// daysAgo is an instant n days before the demo's day, in office hours.
func (d *demoRun) daysAgo(n int) time.Time { return d.clock.DaysAgo(n, d.rng.Float64()) }

// demoSeed is a round's seed, drawn from the demo's random source, and what the round publishes
// and keeps of it.
type demoSeed struct {
	seed, sha256, cipher []byte
}

func (d *demoRun) newSeed() demoSeed {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(d.rng.IntN(256))
	}
	return demoSeed{seed: seed, sha256: sha256Of(seed), cipher: d.s.ring.Seal(hex.EncodeToString(seed), seedPurpose)}
}

// demoTitle names a round of the demo's year.
func (d *demoRun) demoTitle(n int, kind Kind) string {
	return fmt.Sprintf("%d年第%d批%s配租", d.today.Time().Year(), n, KindVocab.Label(string(kind), "zh"))
}
