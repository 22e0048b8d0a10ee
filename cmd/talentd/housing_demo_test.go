package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"talentd/housing"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/fieldcrypt"
)

// TestSeedDemo_Housing loads the demo district and checks the housing figures of the programme's
// report and the invariants the allocation relies on: no unit with two live holds, statuses that
// agree with leases and offers, a committed round whose revealed seed matches its published hash,
// an open round whose sealed seed does too. Loading again adds nothing.
func TestSeedDemo_Housing(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo district")
	}
	t.Parallel()
	db, svc := demoServices(t)
	today := civil.New(2026, time.November, 26)
	start := time.Now()
	if err := seedDemoOn(context.Background(), svc, today, io.Discard, discardLog()); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo loaded in %s", time.Since(start).Round(time.Millisecond))
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	figures := func() map[string]int {
		out := map[string]int{}
		for name, query := range map[string]string{
			"talent apartments": `SELECT count(*) FROM housing_units WHERE kind = 'talent_apartment'`,
			"public rental":     `SELECT count(*) FROM housing_units WHERE kind = 'public_rental'`,
			"residents":         `SELECT COALESCE(sum(residents), 0) FROM housing_leases WHERE status = 'active'`,
			"enterprises":       `SELECT count(DISTINCT enterprise_id) FROM housing_leases WHERE status = 'active'`,
			"estates":           `SELECT count(*) FROM housing_estates`,
			"all enterprises":   `SELECT count(*) FROM enterprises`,
			"talent waiting":    `SELECT count(*) FROM housing_applications WHERE status = 'pending' AND kind = 'talent_apartment'`,
			"public waiting":    `SELECT count(*) FROM housing_applications WHERE status = 'pending' AND kind = 'public_rental'`,
			"talent leases":     `SELECT count(*) FROM housing_leases WHERE status = 'active' AND talent_id IS NOT NULL`,
			"committed rounds":  `SELECT count(*) FROM housing_rounds WHERE status = 'committed'`,
			"open rounds":       `SELECT count(*) FROM housing_rounds WHERE status = 'open'`,
			"accepted offers":   `SELECT count(*) FROM housing_offers WHERE status = 'accepted'`,
			"declined offers":   `SELECT count(*) FROM housing_offers WHERE status = 'declined'`,
			"expired offers":    `SELECT count(*) FROM housing_offers WHERE status = 'expired'`,
			"ranked entries":    `SELECT count(*) FROM housing_round_entries`,
			"open round units":  `SELECT count(*) FROM housing_round_units ru JOIN housing_rounds r ON r.id = ru.round_id WHERE r.status = 'open'`,
			"hr accounts":       `SELECT count(*) FROM accounts WHERE role = 'enterprise_hr'`,
		} {
			out[name] = count(query)
		}
		return out
	}
	got := figures()
	for name, want := range map[string]int{"talent apartments": housing.DemoTalentApartments, "public rental": housing.DemoPublicRentalUnits,
		"residents": housing.DemoResidents, "enterprises": housing.DemoHousedEnterprises, "committed rounds": 1, "open rounds": 1} {
		if got[name] != want {
			t.Errorf("%s: %d, want %d", name, got[name], want)
		}
	}
	for _, name := range []string{"talent waiting", "public waiting", "talent leases", "accepted offers", "declined offers",
		"expired offers", "ranked entries", "open round units"} {
		if got[name] == 0 {
			t.Errorf("no %s", name)
		}
	}
	if got["hr accounts"] >= housing.DemoHousedEnterprises/2 {
		t.Errorf("%d HR accounts: most housing enterprises are only named on leases", got["hr accounts"])
	}

	// The invariants, in SQL.
	for what, query := range map[string]string{
		"unit held twice (leases)": `SELECT count(*) FROM (SELECT unit_id FROM housing_leases WHERE status = 'active'
			GROUP BY unit_id HAVING count(*) > 1) x`,
		"person with two live leases": `SELECT count(*) FROM (SELECT id_number_hash FROM housing_leases WHERE status = 'active'
			GROUP BY id_number_hash HAVING count(*) > 1) x`,
		"live lease without its hold": `SELECT count(*) FROM housing_leases l WHERE l.status = 'active' AND NOT EXISTS
			(SELECT 1 FROM housing_unit_holds h WHERE h.unit_id = l.unit_id AND h.lease_id = l.id)`,
		"hold of no live lease or offer": `SELECT count(*) FROM housing_unit_holds h
			LEFT JOIN housing_leases l ON l.id = h.lease_id AND l.status = 'active'
			LEFT JOIN housing_offers o ON o.id = h.offer_id AND o.status = 'offered'
			WHERE l.id IS NULL AND o.id IS NULL`,
		"occupied unit without a lease": `SELECT count(*) FROM housing_units u WHERE u.status = 'occupied' AND NOT EXISTS
			(SELECT 1 FROM housing_leases l WHERE l.unit_id = u.id AND l.status = 'active')`,
		"let unit not occupied": `SELECT count(*) FROM housing_leases l JOIN housing_units u ON u.id = l.unit_id
			WHERE l.status = 'active' AND u.status <> 'occupied'`,
		"offered unit without a live offer": `SELECT count(*) FROM housing_units u WHERE u.status = 'offered' AND NOT EXISTS
			(SELECT 1 FROM housing_offers o WHERE o.unit_id = u.id AND o.status = 'offered')`,
		"lease of the wrong kind of unit": `SELECT count(*) FROM housing_leases l JOIN housing_units u ON u.id = l.unit_id
			WHERE l.kind <> u.kind`,
		"open round over a unit not available": `SELECT count(*) FROM housing_round_units ru JOIN housing_rounds r ON r.id = ru.round_id
			JOIN housing_units u ON u.id = ru.unit_id WHERE r.status = 'open' AND u.status <> 'available'`,
		"accepted offer without its lease": `SELECT count(*) FROM housing_offers o WHERE o.status = 'accepted' AND NOT EXISTS
			(SELECT 1 FROM housing_leases l WHERE l.offer_id = o.id AND l.status = 'active')`,
		"lease after today":       `SELECT count(*) FROM housing_leases WHERE start_on > '2026-11-26' OR end_on <= '2026-11-26'`,
		"application after today": `SELECT count(*) FROM housing_applications WHERE ` + civil.SQLDateOf("applied_at") + ` > '2026-11-26'`,
		"enterprise after today":  `SELECT count(*) FROM enterprises WHERE ` + civil.SQLDateOf("created_at") + ` > '2026-11-26'`,
	} {
		if n := count(query); n != 0 {
			t.Errorf("%s: %d", what, n)
		}
	}

	// The committed round reveals the seed it published; the open one keeps it sealed under its hash.
	var rounds []struct {
		Status string `db:"status"`
		Hash   []byte `db:"seed_sha256"`
		Cipher []byte `db:"seed_cipher"`
		Seed   []byte `db:"seed"`
	}
	if err := db.Select(&rounds, `SELECT status, seed_sha256, seed_cipher, seed FROM housing_rounds ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	sec := testSecrets()
	ring, err := fieldcrypt.NewRing(sec.EncryptionKey, sec.OldEncryptionKeys, sec.IndexKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rounds {
		sealed, err := ring.Open(r.Cipher, "housing.round_seed")
		if err != nil {
			t.Fatalf("%s round: the sealed seed does not open: %v", r.Status, err)
		}
		seed, err := hex.DecodeString(sealed)
		if sum := sha256.Sum256(seed); err != nil || hex.EncodeToString(sum[:]) != hex.EncodeToString(r.Hash) {
			t.Errorf("%s round: the sealed seed does not match the published hash", r.Status)
		}
		if revealed := r.Seed != nil; revealed != (r.Status == "committed") || revealed && hex.EncodeToString(r.Seed) != sealed {
			t.Errorf("%s round: revealed seed %x", r.Status, r.Seed)
		}
	}

	// The ranking published with the committed round has every applicant once, ranks 1…n.
	if n := count(`SELECT count(*) FROM housing_round_entries e JOIN housing_offers o ON o.application_id = e.application_id
		AND o.round_id = e.round_id`); n != got["ranked entries"] {
		t.Errorf("%d ranked applicants with an offer, want %d", n, got["ranked entries"])
	}

	// The statistics tell the same figures.
	st, err := svc.housing.HousingStatistics(auth.WithPrincipal(context.Background(), auth.Principal{Username: "housing",
		Role: auth.RoleHousingOffice}))
	if err != nil {
		t.Fatal(err)
	}
	if st.ResidentsHoused != housing.DemoResidents || st.EnterprisesServed != housing.DemoHousedEnterprises ||
		len(st.Kinds) != 2 || st.Kinds[0].Waiting == 0 || st.Kinds[1].MedianWait <= 0 || st.Kinds[1].OccupancyRate < 0.9 {
		t.Errorf("statistics: %+v", st)
	}
	if len(st.Rounds) != 2 || st.Rounds[1].Accepted != got["accepted offers"] || st.Rounds[1].Expired != got["expired offers"] {
		t.Errorf("round statistics: %+v", st.Rounds)
	}

	if err := seedDemoOn(context.Background(), svc, today, io.Discard, discardLog()); err != nil {
		t.Fatal(err)
	}
	again := figures()
	for name, n := range got {
		if again[name] != n {
			t.Errorf("loading again changed %s: %d → %d", name, n, again[name])
		}
	}
}
