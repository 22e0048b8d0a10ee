package housing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"

	"github.com/lib/pq"

	"talentd/internal/govid"
	"talentd/internal/postgres"
	"talentd/talent"
)

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// exec runs one statement of the demo's load.
func (d *demoRun) exec(ctx context.Context, what, query string, args ...any) error {
	_, err := d.tx.ExecContext(ctx, query, args...)
	return postgres.Translate(err, what)
}

// demoUnitsPerFloor and demoFloors shape the demo's buildings.
const (
	demoUnitsPerFloor = 6
	demoFloors        = 18
)

// units makes the estates and their units: per floor, two small, two middle and two large units.
func (d *demoRun) units(ctx context.Context) error {
	var (
		estate, floor, rooms []int64
		building, number     []string
		area                 []float64
		kind                 []string
		rent                 []int64
	)
	for _, e := range demoEstates {
		var id int64
		if err := d.tx.GetContext(ctx, &id, `INSERT INTO housing_estates (name, address) VALUES ($1, $2) RETURNING id`,
			e.name, e.address); err != nil {
			return translateInventory(err, "demo estate")
		}
		for i := range e.units {
			perBuilding := demoUnitsPerFloor * demoFloors
			b, within := i/perBuilding+1, i%perBuilding
			f, pos := within/demoUnitsPerFloor+1, within%demoUnitsPerFloor
			r, base := 1+pos/2, []float64{42, 68, 92}[pos/2]
			if e.kind == KindPublicRental {
				r, base = pos/2, []float64{32, 48, 62}[pos/2]
			}
			a := base + float64(d.rng.IntN(800))/100
			estate, floor, rooms = append(estate, id), append(floor, int64(f)), append(rooms, int64(r))
			building, number = append(building, fmt.Sprintf("%d栋", b)), append(number, fmt.Sprintf("%d%02d", f, pos+1))
			area, kind = append(area, a), append(kind, string(e.kind))
			// Rent rounded to whole ten yuan.
			rent = append(rent, int64(a*float64(e.rentPerM2))/1000*1000)
		}
	}
	err := d.exec(ctx, "demo units", `INSERT INTO housing_units (estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::numeric[], $7::text[], $8::bigint[])`,
		pq.Array(estate), pq.Array(building), pq.Array(number), pq.Array(floor), pq.Array(rooms), pq.Array(area),
		pq.Array(kind), pq.Array(rent))
	if err != nil {
		return err
	}
	var rows []struct {
		ID    int64 `db:"id"`
		Kind  Kind  `db:"kind"`
		Rooms int   `db:"rooms"`
		Rent  int64 `db:"monthly_rent_fen"`
	}
	if err := d.tx.SelectContext(ctx, &rows, `SELECT id, kind, rooms, monthly_rent_fen FROM housing_units ORDER BY id`); err != nil {
		return postgres.Translate(err, "demo units")
	}
	d.unitIDs, d.unitRooms, d.unitRent, d.free = map[Kind][]int64{}, map[int64]int{}, map[int64]int64{}, map[Kind][]int64{}
	for _, r := range rows {
		d.unitIDs[r.Kind] = append(d.unitIDs[r.Kind], r.ID)
		d.unitRooms[r.ID], d.unitRent[r.ID] = r.Rooms, r.Rent
	}
	for k, ids := range d.unitIDs {
		free := append([]int64(nil), ids...)
		d.rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
		d.free[k] = free
	}
	// Some units are being repaired.
	for k, n := range map[Kind]int{KindTalentApartment: demoTalentMaintenance, KindPublicRental: demoPublicMaintenance} {
		if err := d.exec(ctx, "demo maintenance", `UPDATE housing_units SET status = 'maintenance' WHERE id = ANY($1)`,
			pq.Array(d.take(k, n))); err != nil {
			return err
		}
	}
	return nil
}

// demoEnterprise is an enterprise housing workers.
type demoEnterprise struct {
	ID  int64 `db:"id"`
	Key bool  `db:"key_enterprise"`
}

// demoEnterpriseWords make the extra enterprises' names: two brand syllables and a trade.
var (
	demoBrandWords = []string{"璧", "泉", "青", "杠", "来", "凤", "丁", "家", "正", "兴", "广", "普", "三", "合", "福", "禄",
		"健", "龙", "金", "剑", "云", "巴", "秀", "湖", "华", "创", "博", "远", "恒", "信", "长", "风"}
	demoTrades = []string{"机械制造", "电子科技", "汽车配件", "建材", "食品", "物流", "服装", "印务", "塑胶制品", "五金", "包装材料",
		"环保科技", "家具", "医疗器械", "新能源"}
)

// enterprises makes sure the district has 878 enterprises housing workers: the registry's demo
// enterprises and as many more, with valid credit codes and no HR accounts.
func (d *demoRun) enterprises(ctx context.Context) error {
	if err := d.tx.SelectContext(ctx, &d.employers, `SELECT id, key_enterprise FROM enterprises ORDER BY id`); err != nil {
		return postgres.Translate(err, "demo enterprises")
	}
	missing := DemoHousedEnterprises - len(d.employers)
	if missing <= 0 {
		d.employers = d.employers[:DemoHousedEnterprises]
		return nil
	}
	rng := rand.New(rand.NewPCG(878, 24924))
	const charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	var names, usccs, industries []string
	seen := map[string]bool{}
	for len(names) < missing {
		body := []byte("91500120MA")
		for range 7 {
			body = append(body, charset[rng.IntN(len(charset))])
		}
		check, err := govid.USCCCheckChar(string(body))
		if err != nil {
			return err
		}
		code := string(append(body, check))
		name := "重庆" + demoBrandWords[rng.IntN(len(demoBrandWords))] + demoBrandWords[rng.IntN(len(demoBrandWords))] +
			demoTrades[rng.IntN(len(demoTrades))] + "有限公司"
		if seen[code] || seen[name] {
			continue
		}
		seen[code], seen[name] = true, true
		names, usccs = append(names, name), append(usccs, code)
		industries = append(industries, "制造业")
	}
	var added []demoEnterprise
	// Registered with the district long before the demo's day.
	since := d.daysAgo(1500)
	err := d.tx.SelectContext(ctx, &added, `INSERT INTO enterprises (name, uscc, address, industry, created_at, updated_at)
		SELECT n, u, '重庆市璧山区', i, $4, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(n, u, i)
		ON CONFLICT (uscc) DO NOTHING RETURNING id, key_enterprise`, pq.Array(names), pq.Array(usccs), pq.Array(industries), since)
	if err != nil {
		return postgres.Translate(err, "demo enterprises")
	}
	d.employers = append(d.employers, added...)
	if len(d.employers) < DemoHousedEnterprises {
		return fmt.Errorf("housing demo: %d enterprises, want %d", len(d.employers), DemoHousedEnterprises)
	}
	return nil
}

// demoPerson is a worker of an enterprise, their identity number sealed as the registry seals one.
type demoPerson struct {
	name   string
	sealed talent.SealedIDNumber
}

// people generates the workers the demo houses and keeps waiting: one per public-rental lease,
// round application and waiting application, none sharing an identity number with a talent.
func (d *demoRun) people(ctx context.Context) error {
	var talentHashes [][]byte
	if err := d.tx.SelectContext(ctx, &talentHashes, `SELECT id_number_hash FROM talents`); err != nil {
		return postgres.Translate(err, "demo people")
	}
	taken := map[string]bool{}
	for _, h := range talentHashes {
		taken[string(h)] = true
	}
	want := demoPublicLeases + demoRoundDeclined + demoRoundExpired + demoPublicWaiting
	for len(d.workers) < want {
		in := d.gen.Talent(talent.GradeD, nil)
		sealed, err := d.s.talents.SealIDNumber(in.IDNumber)
		if err != nil {
			return err
		}
		if taken[string(sealed.Hash)] {
			continue
		}
		taken[string(sealed.Hash)] = true
		d.workers = append(d.workers, demoPerson{name: in.Name, sealed: sealed})
	}
	return nil
}

// worker hands out the next generated worker.
func (d *demoRun) worker() demoPerson {
	p := d.workers[0]
	d.workers = d.workers[1:]
	return p
}
