package housing

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/auth"
	"talentd/internal/fieldcrypt"
	"talentd/internal/govid"
	"talentd/internal/page"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// roundsFixture is a housing service over a fresh database, acting as the housing office, with a
// clock the test can move; units and applications are written straight into the tables.
type roundsFixture struct {
	db    *sqlx.DB
	reg   *talent.Service
	svc   *Service
	ctx   context.Context
	mu    sync.Mutex
	now   time.Time
	seq   int
	talID int64 // one registered talent that the talent-apartment applications refer to
}

var housingClerk = auth.Principal{Username: "housing", Role: auth.RoleHousingOffice}

func newRoundsFixture(t testing.TB) *roundsFixture {
	t.Helper()
	db := pgtest.New(t)
	ring, err := fieldcrypt.NewRing(bytes.Repeat([]byte{1}, 32), nil, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &roundsFixture{db: db, reg: talent.NewService(db, ring), ctx: auth.WithPrincipal(context.Background(), housingClerk),
		now: time.Now()}
	f.svc = NewService(db, ring, f.reg, Options{Now: func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.now
	}})
	return f
}

// advance moves the service's clock by days.
func (f *roundsFixture) advance(days int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.AddDate(0, 0, days)
}

// talent registers one talent through the registry, once, for talent-apartment applications.
func (f *roundsFixture) talent(t testing.TB) int64 {
	t.Helper()
	if f.talID != 0 {
		return f.talID
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Username: "office", Role: auth.RoleTalentOffice})
	tl, err := f.reg.CreateTalent(ctx, talent.NewGenerator(7).Talent(talent.GradeB, nil))
	if err == nil {
		_, err = f.reg.Submit(ctx, tl.ID)
	}
	if err == nil {
		_, err = f.reg.Approve(ctx, tl.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	f.talID = tl.ID
	return tl.ID
}

// enterprise inserts an enterprise, a key enterprise or not.
func (f *roundsFixture) enterprise(t testing.TB, key bool) int64 {
	t.Helper()
	f.seq++
	var id int64
	if err := f.db.Get(&id, `INSERT INTO enterprises (name, uscc, key_enterprise) VALUES ($1, $2, $3) RETURNING id`,
		fmt.Sprintf("测试企业%d", f.seq), fmt.Sprintf("9150022700%08d", f.seq), key); err != nil {
		t.Fatal(err)
	}
	return id
}

// units inserts n available units of the kind and rooms into a fresh estate, areas growing by 1 m².
func (f *roundsFixture) units(t testing.TB, kind Kind, rooms, n int) []int64 {
	t.Helper()
	f.seq++
	var ids []int64
	err := f.db.Select(&ids, `
WITH e AS (INSERT INTO housing_estates (name) VALUES ($1) RETURNING id)
INSERT INTO housing_units (estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
SELECT e.id, '1', g::text, 1, $2, 40 + g, $3, 150000 FROM e, generate_series(1, $4) g ORDER BY g RETURNING id`,
		fmt.Sprintf("测试小区%d", f.seq), rooms, string(kind), n)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// testApplication is an application to insert; zero values take sensible defaults.
type testApplication struct {
	kind          Kind
	grade         string
	enterpriseID  int64
	name          string
	householdSize int
	preferred     []int64
	housing       string
	appliedAt     time.Time
	refusals      int
}

// testIDNumber is the i-th valid identity number of a made-up person born in the district.
func testIDNumber(t testing.TB, i int) string {
	t.Helper()
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/900)
	first17 := fmt.Sprintf("500227%s%03d", birth.Format("20060102"), 100+i%900)
	c, err := govid.IDCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// application inserts a pending application with a sealed identity number.
func (f *roundsFixture) application(t testing.TB, a testApplication) int64 {
	t.Helper()
	f.seq++
	sealed, err := f.svc.talents.SealIDNumber(testIDNumber(t, f.seq))
	if err != nil {
		t.Fatal(err)
	}
	if a.householdSize == 0 {
		a.householdSize = 1
	}
	if a.name == "" {
		a.name = fmt.Sprintf("张%d号", f.seq)
	}
	if a.appliedAt.IsZero() {
		a.appliedAt = time.Now()
	}
	if a.preferred == nil {
		a.preferred = []int64{}
	}
	var talentID, enterpriseID, grade any
	if a.kind == KindTalentApartment {
		talentID, grade = f.talent(t), a.grade
	}
	if a.enterpriseID != 0 {
		enterpriseID = a.enterpriseID
	} else if a.kind == KindPublicRental {
		enterpriseID = f.enterprise(t, false)
	}
	var id int64
	err = f.db.Get(&id, `INSERT INTO housing_applications (kind, talent_id, enterprise_id, applicant_name, id_number_cipher,
       id_number_hash, id_number_masked, grade, household_size, preferred_rooms, current_housing, refusals, applied_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		string(a.kind), talentID, enterpriseID, a.name, sealed.Cipher, sealed.Hash, sealed.Masked, grade, a.householdSize,
		pq.Array(a.preferred), a.housing, a.refusals, a.appliedAt)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// status reads one column of one row as text.
func (f *roundsFixture) status(t testing.TB, table string, id int64) string {
	t.Helper()
	var s string
	if err := f.db.Get(&s, `SELECT status FROM `+table+` WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return s
}

// count returns a single integer from the database.
func (f *roundsFixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// pageQuery is the first page of a listing.
func pageQuery() page.Query { return page.Query{Limit: 100} }
