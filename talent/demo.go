package talent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

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

// SeedDemoTalents loads the demo registry unless it is there already (the first demo record's
// identity number is the marker); it returns how many records it wrote. Grades come from the
// policy in force, never from the generator.
func (s *Service) SeedDemoTalents(ctx context.Context, enterprises []Enterprise) (int, error) {
	if len(enterprises) == 0 {
		return 0, fmt.Errorf("seed talents: no demo enterprises")
	}
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

	pol, err := currentPolicy(ctx, s.db)
	if err != nil {
		return 0, err
	}
	start := time.Date(2019, 5, 1, 1, 30, 0, 0, time.UTC)
	span := time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start)
	var rows []BulkTalent
	add := func(in TalentInput, status Status, comment string) {
		at := start.Add(time.Duration(gen.Intn(int(span/time.Hour))) * time.Hour)
		b := BulkTalent{TalentInput: in, Status: status, Comment: comment, CreatedAt: at.Add(-72 * time.Hour)}
		if status != StatusDraft {
			b.SubmittedAt = at.Add(-48 * time.Hour)
		}
		if status == StatusRegistered {
			b.RegisteredAt = at
			b.Assessment = pol.Assess(in.attributesForAssessment(), civil.Of(at))
			for !b.Assessment.Eligible { // the generator aims true; should it miss, aim again
				in = gen.Talent(gen.AimedGrade(), in.EnterpriseID)
				b.TalentInput = in
				b.Assessment = pol.Assess(in.attributesForAssessment(), civil.Of(at))
			}
		}
		rows = append(rows, b)
	}
	for i := range DemoRegistered {
		var ent *int64
		if i < DemoEmployed {
			ent = employer()
		}
		add(gen.Talent(gen.AimedGrade(), ent), StatusRegistered, "")
	}
	for range demoDrafts {
		add(gen.Talent(gen.AimedGrade(), employer()), StatusDraft, "")
	}
	for range demoSubmitted {
		add(gen.Talent(gen.AimedGrade(), employer()), StatusSubmitted, "")
	}
	for range demoReturned {
		add(gen.Talent(gen.AimedGrade(), employer()), StatusReturned, demoReviewComment)
	}
	for range demoRejected {
		add(gen.Talent("", employer()), StatusRejected, demoRejectionComment)
	}

	var exists bool
	if err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM talents WHERE id_number_hash = $1)`,
		s.IDNumberIndex(rows[0].IDNumber)); err != nil {
		return 0, translateTalent(err, "seed talents")
	}
	if exists {
		return 0, nil
	}
	n := 0
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if n, err = s.LoadBulk(ctx, tx, rows); err != nil {
			return err
		}
		if err := writeBulkEvents(ctx, tx, auth.System.Username); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.seed_demo", EntityType: "talent", EntityID: "demo",
			After: map[string]any{"records": n, "registered": DemoRegistered, "employed": DemoEmployed}})
	})
	return n, err
}

// attributesForAssessment are the graded facts of an input.
func (in TalentInput) attributesForAssessment() Attributes {
	return Attributes{Education: in.Education, Title: in.Title, SkillLevel: in.SkillLevel,
		Honours: HonourList(in.Honours).codes(), AnnualSalaryFen: in.AnnualSalaryFen, BirthDate: in.BirthDate}
}
