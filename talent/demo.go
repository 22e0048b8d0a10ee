package talent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
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
