package housing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"talentd/internal/errs"
)

func TestService_OpenRound(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	units := f.units(t, KindTalentApartment, 1, 3)
	r, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindTalentApartment, Title: " 第一批 ", UnitIDs: units})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != RoundOpen || r.Seed != "" || len(r.SeedSHA256) != 64 || !slices.Equal(r.UnitIDs, units) || r.Title != "第一批" {
		t.Errorf("opened: %+v", r)
	}
	t.Run("ErrUnitNotAvailable", func(t *testing.T) {
		public := f.units(t, KindPublicRental, 1, 1)
		for _, ids := range [][]int64{public, {units[0], 999999}, {units[0], units[0]}, nil} {
			_, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindTalentApartment, Title: "x", UnitIDs: ids})
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("units %v: want Invalid, got %v", ids, err)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM housing_rounds`); n != 1 {
			t.Errorf("%d rounds, want the one", n)
		}
	})
}

// talentRound opens a talent-apartment round over units of 1 and 2 rooms, with applicants of
// every class filed on two days.
func talentRound(t *testing.T, f *roundsFixture) (Round, []int64) {
	t.Helper()
	units := append(f.units(t, KindTalentApartment, 1, 3), f.units(t, KindTalentApartment, 2, 2)...)
	day1, day2 := time.Now().AddDate(0, 0, -10), time.Now().AddDate(0, 0, -3)
	var apps []int64
	for i, g := range []string{"C", "A", "B", "A", "D", "A", "B", "C"} {
		when := day1
		if i%2 == 1 {
			when = day2
		}
		apps = append(apps, f.application(t, testApplication{kind: KindTalentApartment, grade: g, householdSize: 1 + i%3, appliedAt: when}))
	}
	r, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindTalentApartment, Title: "人才公寓配租", UnitIDs: units})
	if err != nil {
		t.Fatal(err)
	}
	return r, apps
}

func TestService_CommitRound(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	r, apps := talentRound(t, f)
	preview, err := f.svc.PreviewRound(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(preview.Entries) != len(apps) || f.count(t, `SELECT count(*) FROM housing_offers`) != 0 {
		t.Fatalf("preview: %d entries (want %d), and it must store nothing", len(preview.Entries), len(apps))
	}
	committed, err := f.svc.CommitRound(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := hex.DecodeString(committed.Seed)
	if sum := sha256.Sum256(seed); committed.Status != RoundCommitted || hex.EncodeToString(sum[:]) != r.SeedSHA256 {
		t.Fatalf("committed: %+v; the revealed seed must hash to the published %s", committed, r.SeedSHA256)
	}
	published, err := f.svc.RoundRanking(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	offered := 0
	for i, e := range published.Entries {
		p := preview.Entries[i]
		if e.ApplicationID != p.ApplicationID || !equalUnit(e.UnitID, p.UnitID) {
			t.Errorf("rank %d: committed %d→%v, previewed %d→%v", i+1, e.ApplicationID, e.UnitID, p.ApplicationID, p.UnitID)
		}
		if e.UnitID != nil {
			offered++
		}
	}
	if offered != 5 || f.count(t, `SELECT count(*) FROM housing_offers WHERE round_id = $1`, r.ID) != 5 ||
		f.count(t, `SELECT count(*) FROM housing_unit_holds`) != 5 ||
		f.count(t, `SELECT count(*) FROM housing_units WHERE status = 'offered'`) != 5 ||
		f.count(t, `SELECT count(*) FROM housing_applications WHERE status = 'offered'`) != 5 {
		t.Errorf("5 units must make 5 offers, holds, offered units and applications (%d offered)", offered)
	}
	// The classes come first (A, then B …), whatever the day of application.
	var grades []string
	for _, e := range published.Entries {
		grades = append(grades, e.Grade)
	}
	if !slices.IsSorted(grades) {
		t.Errorf("classes out of order: %v", grades)
	}

	t.Run("Recompute", func(t *testing.T) {
		recomputed := recomputeRanking(t, published)
		for i, e := range published.Entries {
			if recomputed[i] != e.ApplicationID {
				t.Fatalf("recomputed order %v differs from the published one at rank %d", recomputed, i+1)
			}
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		again, err := f.svc.CommitRound(f.ctx, r.ID)
		if err != nil || again.Seed != committed.Seed || again.Version != committed.Version {
			t.Fatalf("second commit: %+v, %v", again, err)
		}
		if n := f.count(t, `SELECT count(*) FROM housing_offers`); n != 5 {
			t.Errorf("%d offers after committing twice, want 5", n)
		}
		if _, err := f.svc.PreviewRound(f.ctx, r.ID); !errors.Is(err, ErrRoundNotOpen) {
			t.Errorf("preview of a committed round: %v", err)
		}
	})
}

func equalUnit(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// recomputeRanking orders a published ranking from nothing but what it publishes: the seed, the
// settings and each entry's inputs, by the rules written at the top of ranking.go.
func recomputeRanking(t *testing.T, p Ranking) []int64 {
	t.Helper()
	seed, err := hex.DecodeString(p.Seed)
	if err != nil || len(seed) != 32 {
		t.Fatalf("seed %q", p.Seed)
	}
	type line struct {
		id       int64
		late     bool
		grade    string
		priority int
		day      string
		ticket   string
	}
	var lines []line
	for _, e := range p.Entries {
		sum := sha256.Sum256([]byte(string(seed) + ":" + itoaTest(e.ApplicationID)))
		if hex.EncodeToString(sum[:]) != e.Ticket {
			t.Fatalf("application %d: published ticket %s is not SHA-256(seed:id)", e.ApplicationID, e.Ticket)
		}
		lines = append(lines, line{e.ApplicationID, p.Settings.RefusalLimit > 0 && e.Refusals >= p.Settings.RefusalLimit,
			e.Grade, e.Priority, e.AppliedOn.String(), e.Ticket})
	}
	slices.SortFunc(lines, func(a, b line) int {
		switch {
		case a.late != b.late:
			return map[bool]int{true: 1, false: -1}[a.late]
		case a.grade != b.grade:
			return map[bool]int{true: -1, false: 1}[a.grade < b.grade]
		case a.priority != b.priority:
			return map[bool]int{true: -1, false: 1}[a.priority > b.priority]
		case a.day != b.day:
			return map[bool]int{true: -1, false: 1}[a.day < b.day]
		}
		return bytes.Compare([]byte(a.ticket), []byte(b.ticket))
	})
	out := make([]int64, len(lines))
	for i, l := range lines {
		out[i] = l.id
	}
	return out
}

func itoaTest(id int64) string { return auditID(id) }

func TestService_CommitRound_ParallelOverlapping(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	units := f.units(t, KindPublicRental, 1, 6)
	for range 10 {
		f.application(t, testApplication{kind: KindPublicRental})
	}
	a, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindPublicRental, Title: "甲", UnitIDs: units[:4]})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindPublicRental, Title: "乙", UnitIDs: units[2:]})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errsOf := make([]error, 2)
	for i, id := range []int64{a.ID, b.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errsOf[i] = f.svc.CommitRound(f.ctx, id)
		}()
	}
	wg.Wait()
	for i, err := range errsOf {
		if err != nil {
			t.Errorf("commit %d: %v (a held unit is skipped, the round still commits)", i, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM housing_offers WHERE status = 'offered'`); n != 6 {
		t.Errorf("%d live offers over 6 units, want one each", n)
	}
	if n := f.count(t, `SELECT count(DISTINCT application_id) FROM housing_offers`); n != 6 {
		t.Errorf("%d applicants offered, want 6 different ones", n)
	}
}
