package housing

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The scale of a district round: 25,000 waiting public-rental applications, 9,000 units; and a
// fifth of the applications over the same units, to see how memory grows with the waiting list.
const benchUnits = 9000

var benchApplicationCounts = []int{5000, 25000}

// BenchmarkHousingRound previews and commits a round over 5,000 and over 25,000 applications and
// 9,000 units, each in a fresh database, reporting the time per preview and per commit, the memory
// allocated per op (-benchmem) and the process's peak resident set while doing it.
func BenchmarkHousingRound(b *testing.B) {
	for _, n := range benchApplicationCounts {
		b.Run(fmt.Sprintf("applications=%d", n), func(b *testing.B) { benchHousingRound(b, n) })
	}
}

func benchHousingRound(b *testing.B, benchApplications int) {
	f := newRoundsFixture(b)
	seedBenchData(b, f, benchApplications)
	var unitIDs []int64
	if err := f.db.Select(&unitIDs, `SELECT id FROM housing_units ORDER BY id`); err != nil {
		b.Fatal(err)
	}
	open := func(b *testing.B) int64 {
		r, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindPublicRental, Title: "基准批次", UnitIDs: unitIDs})
		if err != nil {
			b.Fatal(err)
		}
		return r.ID
	}

	b.Run("preview", func(b *testing.B) {
		id := open(b)
		before := resetPeakRSS()
		b.ResetTimer()
		for b.Loop() {
			p, err := f.svc.PreviewRound(f.ctx, id)
			if err != nil || len(p.Entries) != benchApplications {
				b.Fatalf("%d entries, %v", len(p.Entries), err)
			}
		}
		b.StopTimer()
		reportRSS(b, "preview", before)
	})

	b.Run("commit", func(b *testing.B) {
		before := resetPeakRSS()
		var elapsed float64
		for b.Loop() {
			b.StopTimer()
			resetBenchRound(b, f)
			id := open(b)
			runtime.GC()
			b.StartTimer()
			r, err := f.svc.CommitRound(f.ctx, id)
			if err != nil || r.OfferCount == 0 || r.OfferCount > benchUnits {
				b.Fatalf("%d offers, %v", r.OfferCount, err)
			}
		}
		elapsed = b.Elapsed().Seconds() / float64(b.N)
		reportRSS(b, "commit", before)
		fmt.Printf("housing round: commit of %d applications × %d units: %.3f s per commit\n", benchApplications, benchUnits, elapsed)
	})
}

// seedBenchData writes the round's applications (with made-up sealed-number hashes: the round
// never reads them), its units and their enterprises, set-wise, outside the timing.
func seedBenchData(b *testing.B, f *roundsFixture, benchApplications int) {
	b.Helper()
	stmts := []string{
		`INSERT INTO enterprises (name, uscc, key_enterprise)
		 SELECT '基准企业' || g, '9150022700' || lpad(g::text, 8, '0'), g % 10 = 0 FROM generate_series(1, 900) g`,
		`INSERT INTO housing_estates (name) SELECT '基准小区' || g FROM generate_series(1, 9) g`,
		`INSERT INTO housing_units (estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
		 SELECT e.id, (g % 20)::text, g::text, 1 + g % 30, g % 5, 30 + (g * 7) % 90, 'public_rental', 80000 + (g % 50) * 1000
		 FROM generate_series(1, ` + strconv.Itoa(benchUnits) + `) g
		 JOIN housing_estates e ON e.name = '基准小区' || (1 + g % 9)`,
		`INSERT INTO housing_applications (kind, enterprise_id, applicant_name, id_number_cipher, id_number_hash, id_number_masked,
		        household_size, preferred_rooms, current_housing, refusals, applied_at)
		 SELECT 'public_rental', (SELECT min(id) FROM enterprises) + g % 900, '申请人' || g, '\x00', sha256(g::text::bytea),
		        '500227********0000', 1 + g % 5, CASE WHEN g % 7 = 0 THEN ARRAY[g % 4] ELSE '{}' END,
		        CASE WHEN g % 3 = 0 THEN '无' ELSE '租住' END, g % 5, now() - (g % 400) * interval '1 day'
		 FROM generate_series(1, ` + strconv.Itoa(benchApplications) + `) g`,
		`ANALYZE`,
	}
	for _, s := range stmts {
		if _, err := f.db.Exec(s); err != nil {
			b.Fatal(err)
		}
	}
}

// resetBenchRound undoes a committed round, so the next iteration commits over the same data.
func resetBenchRound(b *testing.B, f *roundsFixture) {
	b.Helper()
	for _, s := range []string{
		`DELETE FROM housing_unit_holds`, `DELETE FROM housing_offers`, `DELETE FROM housing_round_entries`,
		`UPDATE housing_units SET status = 'available' WHERE status <> 'available'`,
		`UPDATE housing_applications SET status = 'pending' WHERE status <> 'pending'`,
	} {
		if _, err := f.db.Exec(s); err != nil {
			b.Fatal(err)
		}
	}
}

// resetPeakRSS resets the kernel's high-water mark of the process's resident set where it can
// (Linux: clear_refs 5) and returns the current peak in kB.
func resetPeakRSS() int64 {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return peakRSS()
}

// peakRSS is VmHWM from /proc/self/status, in kB (0 where there is no such file).
func peakRSS() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// reportRSS reports the peak resident set during the benchmark and how far it rose from its start.
func reportRSS(b *testing.B, what string, before int64) {
	after := peakRSS()
	b.ReportMetric(float64(after)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(after-before)/1024, "RSS-rise-MB")
	fmt.Printf("housing round: %s: peak RSS %.1f MB (rose %.1f MB during the runs)\n", what, float64(after)/1024, float64(after-before)/1024)
}
