package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lib/pq"

	"talentd/internal/govid"
)

// roundJSON is an allocation round as the API returns it.
type roundJSON struct {
	ID         int64   `json:"id"`
	Status     string  `json:"status"`
	SeedSHA256 string  `json:"seed_sha256"`
	Seed       string  `json:"seed"`
	UnitIDs    []int64 `json:"unit_ids"`
	OfferCount int     `json:"offer_count"`
}

// rankingJSON is a round's ranking (preview or public list).
type rankingJSON struct {
	Seed       string `json:"seed"`
	SeedSHA256 string `json:"seed_sha256"`
	Entries    []struct {
		Rank          int    `json:"rank"`
		ApplicationID int64  `json:"application_id"`
		Name          string `json:"name"`
		UnitID        *int64 `json:"unit_id"`
		Reason        string `json:"reason"`
		ReasonText    string `json:"reason_text"`
		Ticket        string `json:"ticket"`
	} `json:"entries"`
}

func decoded[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%s: %v", r.Body, err)
	}
	return v
}

// housingUnits inserts n available units of the kind with one room into a new estate.
func (e *testEnv) housingUnits(t *testing.T, kind string, n int) []int64 {
	t.Helper()
	var ids []int64
	err := e.db.Select(&ids, `
WITH est AS (INSERT INTO housing_estates (name) VALUES ('测试小区' || (SELECT count(*) FROM housing_estates)) RETURNING id)
INSERT INTO housing_units (estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
SELECT est.id, '1', g::text, 1, 1, 40 + g, $1, 120000 FROM est, generate_series(1, $2) g ORDER BY g RETURNING id`, kind, n)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

var housingSeq struct {
	sync.Mutex
	n int
}

// publicRentalApplication inserts a pending public-rental application of a single worker of the
// enterprise, with a sealed identity number.
func (e *testEnv) publicRentalApplication(t *testing.T, enterpriseID int64, name string) (int64, string) {
	t.Helper()
	housingSeq.Lock()
	housingSeq.n++
	n := housingSeq.n
	housingSeq.Unlock()
	first17 := fmt.Sprintf("50022719850101%03d", n%1000)
	c, err := govid.IDCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	idNumber := first17 + string(c)
	sealed, err := e.svc.talent.SealIDNumber(idNumber)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.db.Get(&id, `INSERT INTO housing_applications (kind, enterprise_id, applicant_name, id_number_cipher, id_number_hash,
       id_number_masked, household_size, preferred_rooms) VALUES ('public_rental', $1, $2, $3, $4, $5, 1, $6) RETURNING id`,
		enterpriseID, name, sealed.Cipher, sealed.Hash, sealed.Masked, pq.Array([]int64{})); err != nil {
		t.Fatal(err)
	}
	return id, idNumber
}

func TestHousingRounds_Journey(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	units := e.housingUnits(t, "public_rental", 2)
	// X is a key enterprise, so its worker ranks first; Y's two draw lots for the other unit.
	if _, err := e.db.Exec(`UPDATE enterprises SET key_enterprise = (id = $1)`, e.entX.ID); err != nil {
		t.Fatal(err)
	}
	appX, idX := e.publicRentalApplication(t, e.entX.ID, "王小明")
	e.publicRentalApplication(t, e.entY.ID, "李四")
	e.publicRentalApplication(t, e.entY.ID, "赵五")

	mustStatus(t, e.call("POST", "/v1/housing/rounds", "hr-x", map[string]any{"kind": "public_rental", "title": "t", "unit_ids": units}),
		http.StatusForbidden, "HR opens a round")
	r := e.call("POST", "/v1/housing/rounds", "housing", map[string]any{"kind": "public_rental", "title": "2026年公租房第一批", "unit_ids": units})
	mustStatus(t, r, http.StatusCreated, "open round")
	round := decoded[roundJSON](t, r)
	if round.Status != "open" || round.Seed != "" || len(round.SeedSHA256) != 64 || len(round.UnitIDs) != 2 {
		t.Fatalf("opened: %s", r.Body)
	}
	rid := strconv.FormatInt(round.ID, 10)
	mustStatus(t, e.call("GET", "/v1/housing/rounds/"+rid, "office", nil), http.StatusOK, "the talent office reads rounds")
	r = e.call("GET", "/v1/housing/rounds/"+rid+"/ranking", "", nil)
	mustStatus(t, r, http.StatusOK, "the public list of an open round")
	if early := decoded[rankingJSON](t, r); early.Seed != "" || early.SeedSHA256 != round.SeedSHA256 || len(early.Entries) != 0 {
		t.Fatalf("before the commit only the seed's hash is public: %s", r.Body)
	}

	r = e.call("POST", "/v1/housing/rounds/"+rid+"/preview", "housing", nil, "Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusOK, "preview")
	preview := decoded[rankingJSON](t, r)
	if len(preview.Entries) != 3 || preview.Entries[2].Reason != "no_fitting_unit" || !strings.Contains(preview.Entries[2].ReasonText, "房源") {
		t.Fatalf("preview: %s", r.Body)
	}
	mustStatus(t, e.call("GET", "/v1/housing/offers", "housing", nil), http.StatusOK, "offers")
	if n := e.count(`SELECT count(*) FROM housing_offers`); n != 0 {
		t.Fatalf("a preview made %d offers", n)
	}

	r = e.call("POST", "/v1/housing/rounds/"+rid+"/commit", "housing", nil)
	mustStatus(t, r, http.StatusOK, "commit")
	committed := decoded[roundJSON](t, r)
	seed, _ := hex.DecodeString(committed.Seed)
	if sum := sha256.Sum256(seed); hex.EncodeToString(sum[:]) != round.SeedSHA256 || committed.OfferCount != 2 {
		t.Fatalf("committed: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/housing/rounds/"+rid+"/commit", "housing", nil), http.StatusOK, "commit again")
	if n := e.count(`SELECT count(*) FROM housing_offers`); n != 2 {
		t.Fatalf("%d offers after committing twice", n)
	}

	r = e.call("GET", "/v1/housing/rounds/"+rid+"/ranking", "", nil)
	mustStatus(t, r, http.StatusOK, "the public list needs no sign-in")
	public := decoded[rankingJSON](t, r)
	if public.Seed != committed.Seed || len(public.Entries) != 3 || strings.Contains(string(r.Body), idX) ||
		strings.Contains(string(r.Body), "小明") || !strings.Contains(string(r.Body), "王**") {
		t.Fatalf("public ranking must show masked names only: %s", r.Body)
	}

	// HR of X sees and answers its own enterprise's offer only.
	r = e.call("GET", "/v1/housing/offers?round_id="+rid, "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "HR lists offers")
	offers := decoded[struct {
		Items []struct {
			ID            int64 `json:"id"`
			ApplicationID int64 `json:"application_id"`
		} `json:"items"`
	}](t, r)
	if len(offers.Items) != 1 || offers.Items[0].ApplicationID != appX {
		t.Fatalf("HR of X sees: %s", r.Body)
	}
	var offerY int64
	if err := e.db.Get(&offerY, `SELECT o.id FROM housing_offers o JOIN housing_applications a ON a.id = o.application_id
		WHERE a.enterprise_id = $1`, e.entY.ID); err != nil {
		t.Fatal(err)
	}
	oy := strconv.FormatInt(offerY, 10)
	mustStatus(t, e.call("GET", "/v1/housing/offers/"+oy, "hr-x", nil), http.StatusNotFound, "another enterprise's offer")
	mustStatus(t, e.call("POST", "/v1/housing/offers/"+oy+"/accept", "hr-x", nil), http.StatusNotFound, "accept another enterprise's offer")
	mustStatus(t, e.call("POST", "/v1/housing/offers/"+oy+"/decline", "hr-y", map[string]any{"reason": "bored"}),
		http.StatusUnprocessableEntity, "an unknown reason")
	if s := e.count(`SELECT count(*) FROM housing_offers WHERE id = $1 AND status = 'offered'`, offerY); s != 1 {
		t.Fatal("a refused decline changed the offer")
	}
	ox := strconv.FormatInt(offers.Items[0].ID, 10)
	r = e.call("GET", "/v1/housing/offers/"+ox, "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "HR reads its worker's offer")
	tag := r.Header.Get("ETag")
	mustStatus(t, e.call("POST", "/v1/housing/offers/"+ox+"/accept", "hr-x", nil, "If-Match", `"99"`),
		http.StatusPreconditionFailed, "accept a version never read")
	r = e.call("POST", "/v1/housing/offers/"+ox+"/accept", "hr-x", map[string]any{"resident_names": []string{"王小明"}}, "If-Match", tag)
	mustStatus(t, r, http.StatusOK, "HR accepts its worker's offer")
	if m := r.json(t); m["status"] != "accepted" || m["lease_id"] == nil {
		t.Fatalf("accepted: %s", r.Body)
	}
	// Y declines: the unit goes to the last applicant on the list.
	r = e.call("POST", "/v1/housing/offers/"+oy+"/decline", "hr-y", map[string]any{"reason": "too_far", "text": "通勤太远"})
	mustStatus(t, r, http.StatusOK, "HR of Y declines")
	if m := r.json(t); m["next_offer"] == nil {
		t.Fatalf("the freed unit must cascade: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/housing/offers/expire", "housing", nil), http.StatusOK, "expiry run")
}

// TestHousingRounds_TwoProcesses commits two rounds over overlapping units at once through two
// talentd servers on one database: every unit is offered once, and both rounds commit.
func TestHousingRounds_TwoProcesses(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	other := e.otherServer(t, &config{})

	units := e.housingUnits(t, "public_rental", 30)
	for i := range 40 {
		e.publicRentalApplication(t, e.entX.ID, fmt.Sprintf("申请人%d", i))
	}
	open := func(ids []int64) string {
		r := e.call("POST", "/v1/housing/rounds", "housing", map[string]any{"kind": "public_rental", "title": "并发批次", "unit_ids": ids})
		mustStatus(t, r, http.StatusCreated, "open")
		return strconv.FormatInt(decoded[roundJSON](t, r).ID, 10)
	}
	a, b := open(units[:20]), open(units[10:])
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, env := range []*testEnv{e, other} {
		id := []string{a, b}[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = env.call("POST", "/v1/housing/rounds/"+id+"/commit", "housing", nil).Status
		}()
	}
	wg.Wait()
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusOK {
		t.Fatalf("commits: %v", statuses)
	}
	if n := e.count(`SELECT count(*) FROM housing_offers WHERE status = 'offered'`); n != 30 {
		t.Errorf("%d live offers over 30 units", n)
	}
	if n := e.count(`SELECT count(*) FROM (SELECT unit_id FROM housing_offers GROUP BY unit_id HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d units offered twice", n)
	}
	if n := e.count(`SELECT count(DISTINCT application_id) FROM housing_offers`); n != 30 {
		t.Errorf("%d applicants offered, want 30 different ones", n)
	}
}
