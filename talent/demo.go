package talent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/govid"
	"talentd/internal/postgres"
)

// Demo district figures (from the programme's 2020 report): 11 key enterprises and 36 local
// supplier enterprises received subsidies; the rest are ordinary employers of talent.
const (
	DemoKeyEnterprises  = 11
	DemoLocalSuppliers  = 36
	DemoOtherEnterprise = 13
	DemoEnterprises     = DemoKeyEnterprises + DemoLocalSuppliers + DemoOtherEnterprise
)

var demoBrands = []string{
	"宇海", "璧泉", "青杠", "来凤", "丁家", "大路", "正兴", "广普", "三合", "福禄",
	"河边", "七塘", "健龙", "大兴", "璧城", "璧青", "金剑", "云巴", "高新", "秀湖",
	"东林", "西城", "南岸", "北辰", "华创", "博远", "恒信", "中科", "长风", "凯瑞",
	"腾达", "鑫源", "瑞丰", "嘉陵", "巴渝", "渝西", "锦程", "天泰", "宏业", "立信",
	"海川", "九龙", "天府", "明德", "新锐", "卓越", "领航", "聚力", "远景", "卓创",
	"华璧", "泰升", "永丰", "德润", "安捷", "伟业", "启航", "智源", "融通", "众诚",
}

// demoIndustries pairs an industry with the word it puts in a company name.
var demoIndustries = [][2]string{
	{"智能装备", "智能装备"}, {"新能源汽车", "汽车零部件"}, {"电子信息", "电子科技"},
	{"生物医药", "生物医药"}, {"新材料", "新材料科技"}, {"鞋服制造", "鞋业"}, {"精密制造", "精密制造"},
}

var demoStreets = []string{"璧泉街道", "璧城街道", "青杠街道", "来凤街道", "丁家街道", "大路街道", "璧山高新区"}

var demoContacts = []string{"李敏", "王芳", "张伟", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴霞"}

// DemoEnterpriseInputs returns the demo district's enterprises, the same on every call: the key
// enterprises first, then the local suppliers, then the others. Credit codes carry Bishan's
// division code (500120) and valid check characters.
func DemoEnterpriseInputs() []EnterpriseInput {
	rng := rand.New(rand.NewPCG(2021, 2067))
	const charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	out := make([]EnterpriseInput, 0, DemoEnterprises)
	for i := range DemoEnterprises {
		ind := demoIndustries[rng.IntN(len(demoIndustries))]
		body := []byte("91500120MA")
		for range 7 {
			body = append(body, charset[rng.IntN(len(charset))])
		}
		check, err := govid.USCCCheckChar(string(body))
		if err != nil {
			panic(err) // the generator only uses the code's own alphabet
		}
		out = append(out, EnterpriseInput{
			Name:          "重庆" + demoBrands[i] + ind[1] + "有限公司",
			USCC:          string(append(body, check)),
			Address:       fmt.Sprintf("重庆市璧山区%s%d号", demoStreets[rng.IntN(len(demoStreets))], 1+rng.IntN(399)),
			Industry:      ind[0],
			KeyEnterprise: i < DemoKeyEnterprises,
			LocalSupplier: i >= DemoKeyEnterprises && i < DemoKeyEnterprises+DemoLocalSuppliers,
			ContactName:   demoContacts[rng.IntN(len(demoContacts))],
			ContactPhone:  fmt.Sprintf("023-4%07d", rng.IntN(10_000_000)),
		})
	}
	return out
}

const insertDemoEnterprise = `
INSERT INTO enterprises (name, uscc, address, industry, key_enterprise, local_supplier, contact_name, contact_phone)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (uscc) DO NOTHING
RETURNING ` + enterpriseColumns

const selectEnterpriseByUSCC = `SELECT ` + enterpriseColumns + ` FROM enterprises WHERE uscc = $1`

// SeedDemoEnterprises makes sure every demo enterprise exists (idempotent) and returns them all,
// in DemoEnterpriseInputs order, with how many it created.
func (s *Service) SeedDemoEnterprises(ctx context.Context) ([]Enterprise, int, error) {
	inputs := DemoEnterpriseInputs()
	out := make([]Enterprise, 0, len(inputs))
	created := 0
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, in := range inputs {
			var e Enterprise
			err := sqlx.GetContext(ctx, tx, &e, insertDemoEnterprise, in.Name, in.USCC, in.Address, in.Industry,
				in.KeyEnterprise, in.LocalSupplier, in.ContactName, in.ContactPhone)
			switch {
			case err == nil:
				created++
				if err := audit.Write(ctx, tx, audit.Entry{Action: "enterprise.create", EntityType: "enterprise",
					EntityID: strconv.FormatInt(e.ID, 10), After: e}); err != nil {
					return err
				}
			case errors.Is(err, sql.ErrNoRows): // seeded before
				if err := sqlx.GetContext(ctx, tx, &e, selectEnterpriseByUSCC, in.USCC); err != nil {
					return translate(err, "seed enterprise")
				}
			default:
				return translate(err, "seed enterprise")
			}
			out = append(out, e)
		}
		return nil
	})
	return out, created, err
}

// The demo registry's figures, from the programme's 2020 report: 2,067 registered talents, 756 of
// them employed by enterprises; plus records still in review so every workflow state shows.
const (
	DemoRegistered       = 2067
	DemoEmployed         = 756
	demoDrafts           = 48
	demoSubmitted        = 24
	demoReturned         = 15
	demoRejected         = 9
	demoReviewComment    = "请补充最高学历证书扫描件及职称证书编号后重新提交。"
	demoRejectionComment = "经核查，申报人不符合现行高层次人才分类认定标准。"
)

// DemoMonths is how many calendar months, up to and including the load day's, the demo's
// registrations span.
const DemoMonths = 36

// demoLoaded finds the demo registry's own audit record: the registry is loaded once, whatever day
// it was (the records themselves depend on the day, so none of them can serve as the marker).
const demoLoaded = `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_type = 'talent' AND entity_id = 'demo' AND action = 'talent.seed_demo')`

// SeedDemoTalents loads the demo registry as it stands on today (a district date) unless it was
// loaded before, on any day; it returns how many records it wrote. Registrations spread over the
// DemoMonths months up to today's; the records still in review are recent. Grades come from the
// policy in force, never from the generator.
func (s *Service) SeedDemoTalents(ctx context.Context, enterprises []Enterprise, today civil.Date) (int, error) {
	if len(enterprises) == 0 {
		return 0, fmt.Errorf("seed talents: no demo enterprises")
	}
	var loaded bool
	if err := s.db.GetContext(ctx, &loaded, demoLoaded); err != nil {
		return 0, translateTalent(err, "seed talents")
	}
	if loaded {
		return 0, nil
	}
	pol, err := currentPolicy(ctx, s.db)
	if err != nil {
		return 0, err
	}
	clock := DemoClock{Today: today}
	rows := demoTalents(enterprises, pol, clock)
	n := 0
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if n, err = s.LoadBulk(ctx, tx, rows); err != nil {
			return err
		}
		if err := writeBulkEvents(ctx, tx, auth.System.Username); err != nil {
			return err
		}
		// The employers were on file before their first talent was.
		ids := make([]int64, len(enterprises))
		for i, e := range enterprises {
			ids[i] = e.ID
		}
		onFile := clock.Before(rows[0].CreatedAt, 30, 0)
		if _, err := tx.ExecContext(ctx, `UPDATE enterprises SET created_at = $2, updated_at = $2
			WHERE id = ANY($1) AND created_at > $2`, pq.Array(ids), onFile); err != nil {
			return translate(err, "seed enterprises' dates")
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.seed_demo", EntityType: "talent", EntityID: "demo",
			After: map[string]any{"records": n, "registered": DemoRegistered, "employed": DemoEmployed, "as_of": today}})
	})
	return n, err
}

// demoTalents makes the demo registry's records, oldest first (so that ids follow time, as they
// would have).
func demoTalents(enterprises []Enterprise, pol *Policy, clock DemoClock) []BulkTalent {
	gen := NewGenerator(2067)
	// Key enterprises employ three times as much talent as the others.
	var weighted []int64
	for _, e := range enterprises {
		n := 1
		if e.KeyEnterprise {
			n = 3
		}
		for range n {
			weighted = append(weighted, e.ID)
		}
	}
	employer := func() *int64 { id := weighted[gen.Intn(len(weighted))]; return &id }

	var rows []BulkTalent
	// at is the record's last step: its registration, or its latest move in review. The person's
	// facts are as HR entered them, on the day the record was created.
	add := func(aim Grade, ent *int64, status Status, comment string, at time.Time) {
		b := BulkTalent{Status: status, Comment: comment, CreatedAt: at}
		if status != StatusDraft {
			b.SubmittedAt = at
			if status == StatusRegistered { // reviewed within two weeks of submission
				b.RegisteredAt = at
				b.SubmittedAt = clock.Before(at, 1+gen.Intn(14), gen.rng.Float64())
			}
			b.CreatedAt = clock.Before(b.SubmittedAt, gen.Intn(11), gen.rng.Float64())
		}
		entered := civil.InDistrict(b.CreatedAt)
		b.TalentInput = gen.TalentOn(aim, ent, entered)
		if status == StatusRegistered {
			on := civil.InDistrict(at)
			b.Assessment = pol.Assess(b.attributesForAssessment(), on)
			for !b.Assessment.Eligible { // the generator aims true; should it miss, aim again
				b.TalentInput = gen.TalentOn(gen.AimedGrade(), ent, entered)
				b.Assessment = pol.Assess(b.attributesForAssessment(), on)
			}
		}
		rows = append(rows, b)
	}
	for i, at := range demoRegistrationTimes(gen, clock, DemoRegistered) {
		var ent *int64
		if i < DemoEmployed {
			ent = employer()
		}
		add(gen.AimedGrade(), ent, StatusRegistered, "", at)
	}
	recently := func(days int) time.Time { return clock.DaysAgo(1+gen.Intn(days), gen.rng.Float64()) }
	for range demoDrafts {
		add(gen.AimedGrade(), employer(), StatusDraft, "", recently(90))
	}
	for range demoSubmitted {
		add(gen.AimedGrade(), employer(), StatusSubmitted, "", recently(30))
	}
	for range demoReturned {
		add(gen.AimedGrade(), employer(), StatusReturned, demoReviewComment, recently(60))
	}
	for range demoRejected {
		add("", employer(), StatusRejected, demoRejectionComment, recently(365))
	}
	slices.SortStableFunc(rows, func(a, b BulkTalent) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return rows
}

// demoRegistrationTimes spreads n registrations over the DemoMonths months up to the clock's
// month, every month getting some: the programme grows a little from year to year, February
// (Spring Festival) is quiet, and the current month counts only its days so far (registrations fall
// on today only when it is the first). They come back in random order.
func demoRegistrationTimes(gen *Generator, clock DemoClock, n int) []time.Time {
	seasonal := [13]float64{0, 0.9, 0.5, 1.2, 1.1, 1.0, 1.1, 1.2, 0.9, 1.0, 0.9, 1.0, 1.1}
	y, m, _ := clock.Today.Time().Date()
	type month struct {
		first civil.Date
		days  int // days available for registrations
	}
	months := make([]month, DemoMonths)
	weights := make([]float64, DemoMonths)
	total := 0.0
	for k := range months {
		first := civil.New(y, m-time.Month(DemoMonths-1-k), 1)
		days := civil.New(first.Time().Year(), first.Time().Month()+1, 0).Time().Day()
		full := float64(days)
		if k == DemoMonths-1 { // the days before today, or today itself on the first of the month
			days = max(clock.Today.Time().Day()-1, 1)
		}
		months[k] = month{first, days}
		weights[k] = (1 + 0.5*float64(k)/DemoMonths) * seasonal[first.Time().Month()] * float64(days) / full
		total += weights[k]
	}
	// One each, then the rest in proportion to the weights (the remainder to the earliest months).
	counts := make([]int, DemoMonths)
	left := n - DemoMonths
	given := 0
	for k := range counts {
		extra := int(float64(left) * weights[k] / total)
		counts[k] = 1 + extra
		given += extra
	}
	for k := 0; given < left; k = (k + 1) % DemoMonths {
		counts[k]++
		given++
	}
	out := make([]time.Time, 0, n)
	for k, mo := range months {
		for range counts[k] {
			day := civil.New(mo.first.Time().Year(), mo.first.Time().Month(), 1+gen.Intn(mo.days))
			out = append(out, clock.At(day, gen.rng.Float64()))
		}
	}
	gen.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// DemoClock dates the demo district's events relative to the day it is loaded (Today, a district
// date), so that a newcomer sees a district that is alive now; the same day always gives the same
// instants.
type DemoClock struct{ Today civil.Date }

// At is the instant frac (0 ≤ frac < 1) of the way through the office day (08:30–17:30, district
// time) of day d. On Today itself it is in the first hour after midnight instead, so that the load
// day's events lie before the moment the demo is loaded (unless that is just after midnight).
func (c DemoClock) At(d civil.Date, frac float64) time.Time {
	y, m, day := d.Time().Date()
	if d == c.Today {
		return time.Date(y, m, day, 0, 0, 0, 0, civil.District).Add(time.Duration(frac * float64(time.Hour)))
	}
	return time.Date(y, m, day, 8, 30, 0, 0, civil.District).Add(time.Duration(frac * float64(9*time.Hour)))
}

// Before is a moment days days before t's district day, in office hours; with days 0, on t's day
// between the start of its office hours (as At places them) and t. frac (0 ≤ frac < 1) places it.
func (c DemoClock) Before(t time.Time, days int, frac float64) time.Time {
	d := civil.InDistrict(t)
	if days > 0 {
		return c.At(civil.Of(d.Time().AddDate(0, 0, -days)), frac)
	}
	start := c.At(d, 0)
	return start.Add(time.Duration(frac * float64(t.Sub(start))))
}

// DaysAgo is At for the day n days before Today.
func (c DemoClock) DaysAgo(n int, frac float64) time.Time {
	return c.At(civil.Of(c.Today.Time().AddDate(0, 0, -n)), frac)
}

// attributesForAssessment are the graded facts of an input.
func (in TalentInput) attributesForAssessment() Attributes {
	return Attributes{Education: in.Education, Title: in.Title, SkillLevel: in.SkillLevel,
		Honours: HonourList(in.Honours).codes(), AnnualSalaryFen: in.AnnualSalaryFen, BirthDate: in.BirthDate}
}
