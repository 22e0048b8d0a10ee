package talent_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/loadgen"
	"talentd/internal/pgtest"
	"talentd/internal/postgres"
	"talentd/talent"
)

var benchHeader = []string{"姓名", "性别", "出生日期", "身份证号", "手机号", "学历", "毕业院校", "专业", "毕业年份", "职称",
	"技能等级", "人才计划/荣誉", "年薪(元)", "所属领域", "来璧时间", "备注"}

var benchLabels = struct{ gender, edu, title, skill, honour map[string]string }{
	gender: map[string]string{"male": "男", "female": "女"},
	edu:    map[string]string{"doctorate": "博士", "master": "硕士", "bachelor": "本科", "associate": "大专", "other": "其他"},
	title:  map[string]string{"senior_full": "正高级", "senior_associate": "副高级", "intermediate": "中级", "junior": "初级", "none": "无"},
	skill:  map[string]string{"senior_technician": "高级技师", "technician": "技师", "senior_worker": "高级工", "none": "无"},
	honour: map[string]string{"academician": "院士", "national_award": "国家级顶尖奖项", "national_programme": "国家级人才计划",
		"municipal_programme": "重庆英才计划", "district_talent": "璧山英才", "district_craftsman": "璧山工匠"},
}

// benchCSV is an HR upload of n eligible people, as Chinese clerks write it.
func benchCSV(n int) []byte {
	gen := talent.NewGenerator(100_000)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(benchHeader)
	for range n {
		in := gen.Talent(gen.AimedGrade(), nil)
		var honours []string
		for _, h := range in.Honours {
			honours = append(honours, fmt.Sprintf("%s(%d)", benchLabels.honour[h.Code], h.Year))
		}
		_ = w.Write([]string{in.Name, benchLabels.gender[in.Gender], in.BirthDate.String(), in.IDNumber, in.Mobile,
			benchLabels.edu[in.Education], in.School, in.Major, strconv.Itoa(in.GraduationYear), benchLabels.title[in.Title],
			benchLabels.skill[in.SkillLevel], strings.Join(honours, "；"), strconv.FormatInt(in.AnnualSalaryFen/100, 10),
			in.Field, in.ArrivedOn.String(), "批量导入"})
	}
	w.Flush()
	return buf.Bytes()
}

// copyBaseline loads the same file with a plain COPY into a bare table of text columns: the floor
// any import of it stands on.
func copyBaseline(b *testing.B, db *sqlx.DB, data []byte) time.Duration {
	ctx := context.Background()
	cols := make([]string, len(benchHeader))
	defs := make([]string, len(benchHeader))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
		defs[i] = cols[i] + " text"
	}
	if _, err := db.Exec(`CREATE TABLE bare_import (` + strings.Join(defs, ", ") + `)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	err := postgres.InTx(ctx, db, func(tx *sqlx.Tx) error {
		stmt, err := tx.Prepare(`COPY bare_import (` + strings.Join(cols, ", ") + `) FROM STDIN`)
		if err != nil {
			return err
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil {
			return err
		}
		args := make([]any, len(cols))
		for {
			rec, err := r.Read()
			if err != nil {
				break
			}
			for i := range rec {
				args[i] = rec[i]
			}
			if _, err := stmt.Exec(args...); err != nil {
				return err
			}
		}
		if _, err := stmt.Exec(); err != nil {
			return err
		}
		return stmt.Close()
	})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// indexedInsertFloor times copying the imported rows, already validated and encrypted, into a
// fresh table shaped and indexed like talents: what storing them costs before any checking,
// history or audit — the floor under any import into the registry.
func indexedInsertFloor(b *testing.B, db *sqlx.DB) time.Duration {
	if _, err := db.Exec(`CREATE TABLE talents_floor (LIKE talents INCLUDING DEFAULTS INCLUDING INDEXES)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := db.Exec(`INSERT INTO talents_floor SELECT * FROM talents`); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// peakRSS returns the process's peak resident set in MiB since the last reset.
func peakRSS() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// resetPeakRSS starts a new peak measurement (Linux: writing 5 to clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkImport100k imports a generated 100,000-row CSV (validated, graded, stored, audited)
// and, in the same run, COPYs the same file into a bare table; it reports rows/s, the peak RSS
// of the import and the ratio import/COPY.
func BenchmarkImport100k(b *testing.B) {
	const rows = 100_000
	data := benchCSV(rows)
	ctx := auth.WithPrincipal(context.Background(), office)
	var importTotal, copyTotal, floorTotal time.Duration
	var peak float64
	for range b.N {
		b.StopTimer()
		db := pgtest.New(b)
		s := talent.NewService(db, testRing(b))
		copyTotal += copyBaseline(b, db, data)
		runtime.GC()
		resetPeakRSS()
		b.StartTimer()
		start := time.Now()
		res, err := s.ImportTalents(ctx, data, false)
		importTotal += time.Since(start)
		b.StopTimer()
		peak = max(peak, peakRSS())
		if err != nil || res.Imported != rows {
			b.Fatalf("imported %d of %d: %v %+v", res.Imported, rows, err, res.Errors[:min(3, len(res.Errors))])
		}
		floorTotal += indexedInsertFloor(b, db)
	}
	n := float64(b.N)
	b.ReportMetric(rows*n/importTotal.Seconds(), "rows/s")
	b.ReportMetric(importTotal.Seconds()/n, "import-s")
	b.ReportMetric(copyTotal.Seconds()/n, "copy-s")
	b.ReportMetric(importTotal.Seconds()/copyTotal.Seconds(), "import/copy")
	b.ReportMetric(floorTotal.Seconds()/copyTotal.Seconds(), "indexed-insert/copy")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
}

// The search fixture: a million generated talents, loaded once per benchmark process.
var (
	bigOnce sync.Once
	bigDB   *sqlx.DB
	bigSvc  *talent.Service
	bigEnt  int64
	bigErr  error
	bigLoad time.Duration
)

const bigRows = 1_000_000

// bigFixture builds the million-row registry in its own database (kept for the whole process).
func bigFixture(b *testing.B) (*talent.Service, int64) {
	bigOnce.Do(func() {
		start := time.Now()
		url := pgtest.NewURL(b)
		bigDB, bigErr = postgres.Open(context.Background(), url, postgres.PoolConfig{MaxOpenConns: 4})
		if bigErr != nil {
			return
		}
		bigSvc = talent.NewService(bigDB, testRing(b))
		bigEnt, bigErr = fillBig(bigDB, bigSvc)
		bigLoad = time.Since(start)
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigSvc, bigEnt
}

func fillBig(db *sqlx.DB, s *talent.Service) (int64, error) {
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	// 500 employers, one of them large (the filter "one enterprise" hits it).
	var ents []int64
	for i := range 500 {
		body := fmt.Sprintf("91500120MA%07d", i)
		var uscc string
		for _, c := range []byte("0123456789ABCDEFGHJKLMNPQRTUWXY") {
			if _, err := s.CreateEnterprise(ctx, talent.EnterpriseInput{Name: fmt.Sprintf("基准测试企业%03d有限公司", i), USCC: body + string(c)}); err == nil {
				uscc = body + string(c)
				break
			}
		}
		if uscc == "" {
			return 0, fmt.Errorf("no valid credit code for %s", body)
		}
		var id int64
		if err := db.Get(&id, `SELECT id FROM enterprises WHERE uscc = $1`, uscc); err != nil {
			return 0, err
		}
		ents = append(ents, id)
	}
	pol, err := s.CurrentPolicy(ctx)
	if err != nil {
		return 0, err
	}
	gen := talent.NewGenerator(1_000_000)
	base := time.Date(2015, 1, 1, 2, 0, 0, 0, time.UTC)
	const chunk = 50_000
	for done := 0; done < bigRows; done += chunk {
		batch := make([]talent.BulkTalent, 0, chunk)
		for range chunk {
			var ent *int64
			switch r := gen.Intn(100); {
			case r < 5:
				ent = &ents[0] // the large employer
			case r < 40:
				ent = &ents[1+gen.Intn(len(ents)-1)]
			}
			in := gen.Talent(gen.AimedGrade(), ent)
			at := base.Add(time.Duration(gen.Intn(10*365*24)) * time.Hour)
			bt := talent.BulkTalent{TalentInput: in, Status: talent.StatusRegistered, CreatedAt: at, SubmittedAt: at, RegisteredAt: at}
			if gen.Intn(10) == 0 {
				bt.Status = talent.StatusDraft
			} else {
				bt.Assessment = pol.Assess(talent.Attributes{Education: in.Education, Title: in.Title, SkillLevel: in.SkillLevel,
					Honours: honourCodes(in.Honours), AnnualSalaryFen: in.AnnualSalaryFen, BirthDate: in.BirthDate}, civil.Of(at))
				if !bt.Assessment.Eligible {
					bt.Status = talent.StatusDraft
				}
			}
			batch = append(batch, bt)
		}
		if err := postgres.InTx(ctx, db, func(tx *sqlx.Tx) error { _, err := s.LoadBulk(ctx, tx, batch); return err }); err != nil {
			return 0, err
		}
	}
	if _, err := db.Exec(`VACUUM ANALYZE talents`); err != nil {
		return 0, err
	}
	return ents[0], nil
}

func honourCodes(hs []talent.Honour) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Code
	}
	return out
}

// searchSamples is how many timed runs each search gets: enough that p99 and p99.9 are ranks
// below the maximum. searchBudget bounds a case whose query turns out slow; it then stops at the
// budget, but never before searchMinSamples (p99 still a rank below the maximum), and reports how
// many it took beside the percentiles.
const (
	searchSamples    = 1000
	searchMinSamples = 200
	searchBudget     = 2 * time.Minute
)

// sampleLatencies runs fn after a warm-up, one call at a time, and appends each call's duration.
func sampleLatencies(b *testing.B, lats []time.Duration, fn func() error) []time.Duration {
	for range 5 {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	began := time.Now()
	for n := 0; n < searchSamples && (n < searchMinSamples || time.Since(began) < searchBudget); n++ {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		lats = append(lats, time.Since(start))
	}
	return lats
}

// BenchmarkSearch1M measures typical registry searches (first page with the total count) and the
// statistics over a million generated talents; each reports its sample count, p50, p90, p99,
// p99.9 (when the count resolves it) and the maximum in milliseconds.
func BenchmarkSearch1M(b *testing.B) {
	s, bigEmployer := bigFixture(b)
	ctx := auth.WithPrincipal(context.Background(), office)
	b.Logf("fixture: %d talents loaded in %s", bigRows, bigLoad.Round(time.Second))
	cases := []struct {
		name string
		run  func() error
	}{
		{"grade=B,status=registered", func() error {
			_, err := s.SearchTalents(ctx, talent.TalentFilter{Grade: "B", Status: "registered"}, "", 50, true)
			return err
		}},
		{"enterprise,status=registered", func() error {
			_, err := s.SearchTalents(ctx, talent.TalentFilter{EnterpriseID: bigEmployer, Status: "registered"}, "", 50, true)
			return err
		}},
		{"name-substring", func() error {
			_, err := s.SearchTalents(ctx, talent.TalentFilter{Query: "欧阳"}, "", 50, true)
			return err
		}},
		{"stats", func() error {
			_, err := s.TalentStats(ctx)
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var lats []time.Duration
			for range b.N {
				lats = sampleLatencies(b, lats, c.run)
			}
			loadgen.Summarize(lats).Report(b, "")
		})
	}
}
