package talent

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"talentd/internal/civil"
	"talentd/internal/govid"
)

// Generator makes realistic, valid talent records — Chinese names, identity numbers with correct
// check characters and matching birth dates, education and titles that the default policy grades —
// deterministically from a seed. The demo district and the benchmarks are built from it.
type Generator struct {
	rng   *rand.Rand
	seen  map[string]bool
	today civil.Date // the day Talent's records are plausible on
}

// NewGenerator returns a generator whose records are plausible today (district time); the same
// seed on the same day always yields the same records.
func NewGenerator(seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, 0x7a1e47d)), seen: map[string]bool{}, today: civil.DistrictToday()}
}

var (
	// The commonest surnames, most frequent first (a few compound ones for realism).
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
		"何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董",
		"袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔",
		"钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱",
		"江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱",
		"欧阳", "司马", "上官"}
	givenMale   = []rune("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋坤志峰建国海东亮成文博")
	givenFemale = []rune("芳娜敏静丽艳娟霞秀玲燕丹萍红琳婷雪慧莉倩颖洁梅琴云兰晶璐瑶欣怡佳悦思雨婧")
	// Where people come from: Bishan itself most often, then other Chongqing districts, then the
	// cities that send most graduates west.
	regions = []struct {
		code   string
		weight int
	}{
		{"500120", 35}, {"500106", 8}, {"500103", 6}, {"500105", 5}, {"500107", 5}, {"500108", 4},
		{"500112", 4}, {"500113", 3}, {"500117", 3}, {"510104", 5}, {"510107", 3}, {"420106", 3},
		{"110108", 2}, {"440305", 2}, {"610113", 2}, {"320106", 2}, {"330106", 2}, {"430104", 2},
		{"530102", 2}, {"520102", 2},
	}
	schools = []string{"重庆大学", "西南大学", "四川大学", "清华大学", "北京理工大学", "重庆邮电大学", "重庆交通大学",
		"重庆医科大学", "电子科技大学", "西南交通大学", "重庆理工大学", "重庆工商大学", "华中科技大学", "西安交通大学",
		"浙江大学", "重庆师范大学", "重庆文理学院", "重庆工程职业技术学院"}
	majors = []string{"机械工程", "材料科学与工程", "计算机科学与技术", "电子信息工程", "车辆工程", "临床医学",
		"化学工程与工艺", "自动化", "生物医学工程", "工商管理", "电气工程及其自动化", "软件工程", "药学",
		"土木工程", "会计学", "汉语言文学", "数学与应用数学"}
	positions = []string{"研发工程师", "技术总监", "首席技师", "工艺工程师", "质量经理", "总经理", "研究员",
		"主治医师", "高级教师", "项目经理", "产品经理", "数控车间主任", "设计师", "财务总监"}
	fields = []string{"智能装备", "新能源汽车", "电子信息", "生物医药", "新材料", "教育", "医疗卫生",
		"现代农业", "金融", "文化旅游"}
)

func (g *Generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// name returns a Chinese name for the gender.
func (g *Generator) name(gender string) string {
	// Skew towards common surnames: a quadratic draw favours the front of the list.
	f := g.rng.Float64()
	s := surnames[int(f*f*float64(len(surnames)))]
	given := givenMale
	if gender == "female" {
		given = givenFemale
	}
	n := 1 + g.rng.IntN(2)
	var b strings.Builder
	b.WriteString(s)
	for range n {
		b.WriteRune(given[g.rng.IntN(len(given))])
	}
	return b.String()
}

// idNumber returns a fresh valid identity number for the birth date and gender.
func (g *Generator) idNumber(birth civil.Date, gender string) string {
	total := 0
	for _, r := range regions {
		total += r.weight
	}
	for {
		w := g.rng.IntN(total)
		region := regions[0].code
		for _, r := range regions {
			if w < r.weight {
				region = r.code
				break
			}
			w -= r.weight
		}
		seq := g.rng.IntN(500) * 2 // the parity of the 17th digit is the gender: odd male
		if gender == "male" {
			seq++
		}
		body := fmt.Sprintf("%s%s%03d", region, birth.Time().Format("20060102"), seq)
		check, err := govid.IDCheckChar(body)
		if err != nil {
			panic(err)
		}
		id := body + string(check)
		if !g.seen[id] {
			g.seen[id] = true
			return id
		}
	}
}

// profile sets the attributes a grade rule looks at, aiming at the given grade under the default
// policy (the policy still decides: the aim only shapes a realistic mix). Honours date from the
// ten years up to the year of on.
func (g *Generator) profile(in *TalentInput, aim Grade, on civil.Date) {
	in.Title, in.SkillLevel, in.Honours = "none", "none", []Honour{}
	honour := func(code, level string) {
		in.Honours = append(in.Honours, Honour{Code: code, Level: level, Year: on.Time().Year() - g.rng.IntN(11)})
	}
	in.AnnualSalaryFen = int64(80_000+g.rng.IntN(220_000)) * 100
	switch aim {
	case GradeA:
		in.Education, in.Title = "doctorate", "senior_full"
		if g.rng.IntN(3) == 0 {
			honour("academician", "中国工程院")
		} else {
			honour("national_award", "国家科学技术进步奖一等奖")
		}
		in.AnnualSalaryFen = int64(1_000_000+g.rng.IntN(2_000_000)) * 100
	case GradeB:
		in.Education = "doctorate"
		if g.rng.IntN(2) == 0 {
			honour("national_programme", "国家级")
			in.Title = g.pick([]string{"senior_full", "senior_associate"})
		} else {
			in.Title = "senior_full"
		}
		in.AnnualSalaryFen = int64(500_000+g.rng.IntN(1_000_000)) * 100
	case GradeC:
		switch g.rng.IntN(4) {
		case 0:
			in.Education = g.pick([]string{"master", "doctorate"})
			honour("municipal_programme", "重庆英才计划")
		case 1:
			in.Education, in.Title = "doctorate", g.pick([]string{"senior_associate", "intermediate"})
		case 2:
			in.Education, in.Title = g.pick([]string{"master", "bachelor"}), "senior_full"
		default:
			in.Education, in.SkillLevel = g.pick([]string{"associate", "other"}), "senior_technician"
			honour("district_craftsman", "璧山工匠")
		}
		in.AnnualSalaryFen = int64(250_000+g.rng.IntN(400_000)) * 100
	case GradeD:
		switch g.rng.IntN(5) {
		case 0, 1:
			in.Education, in.Title = "master", g.pick([]string{"intermediate", "junior", "none"})
		case 2:
			in.Education, in.Title = "bachelor", "senior_associate"
		case 3:
			in.Education, in.SkillLevel = g.pick([]string{"associate", "other"}), "technician"
		default:
			in.Education, in.Title = "bachelor", "intermediate"
			in.AnnualSalaryFen = int64(300_000+g.rng.IntN(200_000)) * 100
		}
		if g.rng.IntN(10) == 0 {
			honour("district_talent", "璧山英才")
		}
	default: // not eligible: a bachelor without the title or salary a rule asks for
		in.Education, in.Title = g.pick([]string{"bachelor", "associate"}), g.pick([]string{"junior", "none"})
	}
}

// AimedGrade draws a grade with the district's mix: few A, some B, more C, mostly D.
func (g *Generator) AimedGrade() Grade {
	switch r := g.rng.IntN(1000); {
	case r < 6:
		return GradeA
	case r < 60:
		return GradeB
	case r < 300:
		return GradeC
	default:
		return GradeD
	}
}

// Talent returns a record aiming at grade aim ("" for one that no rule makes eligible), employed
// by enterpriseID when it is not nil, plausible on the generator's day.
func (g *Generator) Talent(aim Grade, enterpriseID *int64) TalentInput {
	return g.TalentOn(aim, enterpriseID, g.today)
}

// TalentOn is Talent for a record as it stood on the day on (say, the day it was registered): the
// holder is then 24 to 58 years old, graduated and came to the district before it, and was
// honoured within the ten years up to it.
func (g *Generator) TalentOn(aim Grade, enterpriseID *int64, on civil.Date) TalentInput {
	gender := "male"
	if g.rng.IntN(100) < 38 {
		gender = "female"
	}
	in := TalentInput{
		Name:         g.name(gender),
		Gender:       gender,
		Mobile:       fmt.Sprintf("1%d%09d", 3+g.rng.IntN(7), g.rng.IntN(1_000_000_000)),
		EnterpriseID: enterpriseID,
		Position:     g.pick(positions),
		School:       g.pick(schools),
		Major:        g.pick(majors),
		Field:        g.pick(fields),
	}
	g.profile(&in, aim, on)
	// Seniority takes years: senior titles and national honours go to people of 40 and over.
	year := on.Time().Year()
	oldest, span := year-58, 35
	if in.Title == "senior_full" || in.Title == "senior_associate" || len(in.Honours) > 0 && aim <= GradeB && aim != "" {
		span = 19
	}
	birth := civil.New(oldest+g.rng.IntN(span), 1, 1+g.rng.IntN(365))
	in.BirthDate = birth
	in.IDNumber = g.idNumber(birth, gender)
	in.GraduationYear = min(birth.Time().Year()+22+g.rng.IntN(8), year-1)
	// Came to the district after graduating, within the twelve years before on.
	earliest := civil.New(in.GraduationYear, time.July, 1).Time()
	if d := on.Time().AddDate(-12, 0, 0); d.After(earliest) {
		earliest = d
	}
	in.ArrivedOn = civil.Of(earliest.AddDate(0, 0, g.rng.IntN(int(on.Time().Sub(earliest).Hours()/24))))
	for i := range in.Honours {
		in.Honours[i].Year = max(in.Honours[i].Year, in.GraduationYear)
	}
	if enterpriseID == nil {
		in.Field = g.pick([]string{"教育", "医疗卫生", "现代农业", "文化旅游", "金融"})
	}
	return in
}

// Intn exposes the generator's random source for callers composing data sets.
func (g *Generator) Intn(n int) int { return g.rng.IntN(n) }
