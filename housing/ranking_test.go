package housing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestLotteryTicket_IsSHA256OfSeedColonID(t *testing.T) {
	seed := bytes.Repeat([]byte{0xab}, 32)
	want := sha256.Sum256(append(append([]byte{}, seed...), []byte(":42")...))
	if got := lotteryTicket(seed, 42); got != want {
		t.Errorf("ticket %s, want %s", hex.EncodeToString(got[:]), hex.EncodeToString(want[:]))
	}
}

func ids(apps []rankedApplication) []int64 {
	out := make([]int64, len(apps))
	for i, a := range apps {
		out[i] = a.ID
	}
	return out
}

func TestRankApplications_TalentApartments(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	st := DefaultSettings()
	apps := []rankedApplication{
		{ID: 1, Grade: "C", AppliedOn: 100},
		{ID: 2, Grade: "A", AppliedOn: 200},
		{ID: 3, Grade: "A", AppliedOn: 150},
		{ID: 4, Grade: "B", AppliedOn: 100, Refusals: 3}, // at the refusal limit: last
		{ID: 5, Grade: "A", AppliedOn: 200},
	}
	rankApplications(seed, KindTalentApartment, st, apps)
	got := ids(apps)
	// 3 (A, earlier) then 2 and 5 (A, same day) by ticket, then 1 (C), then the late 4.
	t2, t5 := lotteryTicket(seed, 2), lotteryTicket(seed, 5)
	first, second := int64(2), int64(5)
	if bytes.Compare(t5[:], t2[:]) < 0 {
		first, second = 5, 2
	}
	want := []int64{3, first, second, 1, 4}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if !apps[4].Late || apps[0].Late {
		t.Errorf("lateness: %+v", apps)
	}
	st.RefusalLimit = 0
	rankApplications(seed, KindTalentApartment, st, apps)
	if ids(apps)[4] == 4 {
		t.Error("with no refusal limit nobody goes to the end")
	}
}

func TestRankApplications_PublicRentalPriority(t *testing.T) {
	w := PriorityWeights{KeyEnterprise: 10, PerExtraMember: 2, NoCurrentHousing: 5}
	if got := priorityScore(w, true, 3, true); got != 19 {
		t.Errorf("score = %d, want 10 + 2×2 + 5", got)
	}
	if got := priorityScore(w, false, 1, false); got != 0 {
		t.Errorf("score = %d, want 0", got)
	}
	apps := []rankedApplication{{ID: 1, Priority: 5, AppliedOn: 1}, {ID: 2, Priority: 19, AppliedOn: 9}, {ID: 3, Priority: 5, AppliedOn: 0}}
	rankApplications([]byte("seed"), KindPublicRental, DefaultSettings(), apps)
	if got := ids(apps); got[0] != 2 || got[1] != 3 || got[2] != 1 {
		t.Errorf("order %v, want [2 3 1]: higher priority first, then the earlier application", got)
	}
}

func TestMatchUnits_BySizeAndPreference(t *testing.T) {
	st := DefaultSettings() // 1 person: 0–1 rooms; 2: 1–2; 3–4: 2–3; 5+: 3–10
	units := []roundUnit{
		{ID: 10, Rooms: 3, AreaCenti: 9000},
		{ID: 11, Rooms: 2, AreaCenti: 7000},
		{ID: 12, Rooms: 2, AreaCenti: 6000},
		{ID: 13, Rooms: 1, AreaCenti: 4000},
	}
	ranked := []rankedApplication{
		{ID: 1, HouseholdSize: 4}, // fewest rooms that fit: 2, smallest: 12
		{ID: 2, HouseholdSize: 4, Preferred: preferenceMask([]int64{3})}, // prefers 3 rooms: 10
		{ID: 3, HouseholdSize: 6}, // needs 3+: none left
		{ID: 4, HouseholdSize: 1, Preferred: preferenceMask([]int64{0})}, // 1-room unit fits but is not preferred
		{ID: 5, HouseholdSize: 3}, // 11
	}
	got := matchUnits(st, ranked, units)
	want := []proposal{{UnitID: 12}, {UnitID: 10}, {Reason: reasonNoFittingUnit}, {Reason: reasonNoPreferredUnit}, {UnitID: 11}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("applicant %d: %+v, want %+v", ranked[i].ID, got[i], want[i])
		}
	}
}
