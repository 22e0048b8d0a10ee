package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/greencard"
	"talentd/internal/civil"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// demoServices are the services on a fresh database, for a demo to be loaded into.
func demoServices(t *testing.T) (*sqlx.DB, *services) {
	t.Helper()
	db := pgtest.New(t)
	svc, err := newServices(db, testSecrets(), &config{}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.greencard.Close)
	return db, svc
}

// demoDated is every instant the demo records, each as "table.column".
var demoDated = map[string]string{
	"enterprises.created_at": "SELECT max(created_at) FROM enterprises",
	"talents.created_at":     "SELECT max(created_at) FROM talents",
	"talents.submitted_at":   "SELECT max(submitted_at) FROM talents",
	"talents.registered_at":  "SELECT max(registered_at) FROM talents",
	"talents.updated_at":     "SELECT max(updated_at) FROM talents",
	"grade_decisions":        "SELECT max(decided_at) FROM grade_decisions",
	"talent_events":          "SELECT max(at) FROM talent_events",
	"signing_keys":           "SELECT max(GREATEST(created_at, retired_at)) FROM signing_keys",
	"cards":                  "SELECT max(GREATEST(created_at, updated_at)) FROM cards",
	"card_versions":          "SELECT max(issued_at) FROM card_versions",
	"service_uses":           "SELECT max(used_at) FROM service_uses",
	"agent_requests":         "SELECT max(GREATEST(created_at, accepted_at, closed_at, updated_at)) FROM agent_requests",
	"agent_request_notes":    "SELECT max(at) FROM agent_request_notes",
}

// TestSeedDemo_DatesFollowTheLoadDay loads the demo as of two days years apart and checks, in
// SQL, that the district it makes is alive on each: registrations in every one of the 36 months
// up to that day's month, nothing after that day, cards issued at registration and valid, health
// checks and agent requests over the year before it (most resolved on time, a few late or
// overdue), plausible ages — with the headline figures unchanged.
func TestSeedDemo_DatesFollowTheLoadDay(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo district twice")
	}
	t.Parallel()
	for _, today := range []civil.Date{civil.New(2026, time.November, 26), civil.New(2031, time.March, 1)} {
		t.Run(today.String(), func(t *testing.T) {
			t.Parallel()
			db, svc := demoServices(t)
			if err := seedDemoOn(context.Background(), svc, today, io.Discard, discardLog()); err != nil {
				t.Fatal(err)
			}
			checkDemoDates(t, db, today)
		})
	}
}

func checkDemoDates(t *testing.T, db *sqlx.DB, today civil.Date) {
	t.Helper()
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	day := func(expr string) string { return civil.SQLDateOf(expr) }

	// The headline figures.
	for query, want := range map[string]int{
		`SELECT count(*) FROM talents WHERE status = 'registered'`:                               talent.DemoRegistered,
		`SELECT count(*) FROM talents WHERE status = 'registered' AND enterprise_id IS NOT NULL`: talent.DemoEmployed,
		`SELECT count(*) FROM accounts WHERE role = 'commissioner'`:                              3,
		`SELECT count(*) FROM service_items`:                                                     9,
		`SELECT count(*) FROM service_uses WHERE service_code = 'health_check'`:                  greencard.DemoHealthChecks,
		`SELECT count(*) FROM agent_requests`:                                                    greencard.DemoRequests,
		`SELECT count(*) FROM cards WHERE status = 'active'`:                                     talent.DemoRegistered,
	} {
		if got := count(query); got != want {
			t.Errorf("%s: %d, want %d", query, got, want)
		}
	}

	// Registrations in each of the 36 months up to today's, and in no other.
	var months []struct {
		Month string `db:"month"`
		N     int    `db:"n"`
	}
	if err := db.Select(&months, `SELECT to_char(`+day("registered_at")+`, 'YYYY-MM') AS month, count(*) AS n
		FROM talents WHERE registered_at IS NOT NULL GROUP BY 1 ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	y, m, _ := today.Time().Date()
	var want []string
	for k := talent.DemoMonths - 1; k >= 0; k-- {
		want = append(want, civil.New(y, m-time.Month(k), 1).Time().Format("2006-01"))
	}
	got := make([]string, len(months))
	for i, mo := range months {
		got[i] = mo.Month
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("registrations in the months\n%v\nwant\n%v", got, want)
	}

	// Nothing the demo records lies after today.
	for what, query := range demoDated {
		var latest *time.Time
		if err := db.Get(&latest, query); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if latest == nil || civil.InDistrict(*latest).After(today) {
			t.Errorf("%s: latest %v (district time), after %s", what, latest.In(civil.District), today)
		}
	}
	for query, want := range map[string]int{
		// A record moves forward in time: created, submitted, registered, and decided when registered.
		`SELECT count(*) FROM talents WHERE submitted_at < created_at OR registered_at < submitted_at`:                              0,
		`SELECT count(*) FROM talents t JOIN grade_decisions d ON d.id = t.grade_decision_id WHERE d.decided_at <> t.registered_at`: 0,
		// Ages of 23 to 63 today; arrival, graduation and honours before the record was entered.
		`SELECT count(*) FROM talents WHERE date_part('year', age($1::date, birth_date)) NOT BETWEEN 23 AND 63`:                                      0,
		`SELECT count(*) FROM talents WHERE arrived_on > ` + day("created_at"):                                                                       0,
		`SELECT count(*) FROM talents WHERE graduation_year > date_part('year', ` + day("created_at") + `)`:                                          0,
		`SELECT count(*) FROM talents t, jsonb_array_elements(t.honours) h WHERE (h->>'year')::int > date_part('year', ` + day("t.created_at") + `)`: 0,
		// Each card issued by its holder's registration, numbered in its year, valid today.
		`SELECT count(*) FROM cards c JOIN card_versions v ON v.card_id = c.id JOIN talents t ON t.id = c.talent_id
		 WHERE v.issued_at <> t.registered_at OR c.created_at <> t.registered_at
		    OR split_part(c.serial, '-', 2) <> to_char(` + day("v.issued_at") + `, 'YYYY') OR v.expires_on < $1`: 0,
		// The first cards are signed by the key retired since, which was in use when they were issued.
		`SELECT count(*) FROM card_versions v JOIN signing_keys k ON k.key_id = v.key_id
		 WHERE v.issued_at < k.created_at OR v.issued_at > COALESCE(k.retired_at, v.issued_at)`: 0,
		// Health checks within the year up to today, after the card was issued, counted in their year.
		`SELECT count(*) FROM service_uses u JOIN card_versions v ON v.card_id = u.card_id
		 WHERE ` + day("u.used_at") + ` <= $1::date - 365 OR u.used_at <= v.issued_at
		    OR u.year <> date_part('year', ` + day("u.used_at") + `)`: 0,
		`SELECT count(*) FROM service_quota_usage q WHERE q.used <> (SELECT count(*) FROM service_uses u
		 WHERE u.talent_id = q.talent_id AND u.service_code = q.service_code AND u.year = q.year)`: 0,
		// Requests filed within the year up to today, for a holder whose card then existed, worked in order.
		`SELECT count(*) FROM agent_requests r JOIN cards c ON c.talent_id = r.talent_id
		 WHERE ` + day("r.created_at") + ` <= $1::date - 365 OR r.created_at <= c.created_at
		    OR r.accepted_at < r.created_at OR r.closed_at < COALESCE(r.accepted_at, r.created_at)
		    OR r.due_on <> ` + day("r.created_at") + ` + (SELECT standard_days FROM service_items WHERE code = r.service_code)`: 0,
		`SELECT count(*) FROM agent_request_notes n JOIN agent_requests r ON r.id = n.request_id WHERE n.at < r.created_at`: 0,
		`SELECT count(*) FROM agent_requests WHERE satisfaction IS NOT NULL AND status <> 'resolved'`:                       0,
	} {
		var args []any
		if strings.Contains(query, "$1") {
			args = append(args, today)
		}
		if got := count(query, args...); got != want {
			t.Errorf("%s: %d, want %d", query, got, want)
		}
	}

	// Most requests were resolved on time; a realistic minority late, overdue or rejected; the
	// open ones mostly recent; most resolved ones rated.
	var r struct {
		All, OnTime, Late, Rejected, Overdue, OpenRecent, Rated, Resolved, Statuses int
	}
	if err := db.Get(&r, `SELECT count(*) AS all,
		count(*) FILTER (WHERE status = 'resolved' AND `+day("closed_at")+` <= due_on) AS ontime,
		count(*) FILTER (WHERE status = 'resolved' AND `+day("closed_at")+` > due_on) AS late,
		count(*) FILTER (WHERE status = 'rejected') AS rejected,
		count(*) FILTER (WHERE status IN ('submitted', 'accepted', 'in_progress') AND due_on < $1) AS overdue,
		count(*) FILTER (WHERE status IN ('submitted', 'accepted', 'in_progress') AND due_on >= $1) AS openrecent,
		count(*) FILTER (WHERE satisfaction IS NOT NULL) AS rated,
		count(*) FILTER (WHERE status = 'resolved') AS resolved,
		count(DISTINCT status) AS statuses
		FROM agent_requests`, today); err != nil {
		t.Fatal(err)
	}
	if r.OnTime*10 < r.All*6 || r.Late == 0 || r.Late*10 > r.All || r.Rejected == 0 || r.Rejected*10 > r.All ||
		r.Overdue == 0 || r.Overdue*10 > r.All || r.OpenRecent <= r.Overdue || r.Rated*2 < r.Resolved || r.Statuses != 5 {
		t.Errorf("agent requests: %+v", r)
	}
}

// TestSeedDemo_SameDaySameData: two loads as of one day make the same district, and loading
// again, even on a later day, adds and changes nothing.
func TestSeedDemo_SameDaySameData(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo district twice")
	}
	t.Parallel()
	today := civil.New(2028, time.February, 29)
	var dbs [2]*sqlx.DB
	var svcs [2]*services
	var errs [2]error
	var wg sync.WaitGroup
	for i := range dbs {
		dbs[i], svcs[i] = demoServices(t)
		wg.Go(func() { errs[i] = seedDemoOn(context.Background(), svcs[i], today, io.Discard, discardLog()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// What a reader sees of the registry, the cards and the activity (ids and times, not the
	// random signing keys or their signatures).
	const fingerprint = `SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
		SELECT concat_ws(',', id, name, birth_date, status, grade, enterprise_id, registered_at, created_at, arrived_on) AS x FROM talents
		UNION ALL SELECT concat_ws(',', serial, talent_id, created_at) FROM cards
		UNION ALL SELECT concat_ws(',', card_id, version, grade, issued_at, expires_on) FROM card_versions
		UNION ALL SELECT concat_ws(',', talent_id, card_id, used_at, year) FROM service_uses
		UNION ALL SELECT concat_ws(',', id, talent_id, service_code, status, commissioner_id, due_on, created_at, accepted_at, closed_at, satisfaction) FROM agent_requests
		UNION ALL SELECT concat_ws(',', request_id, to_status, actor_username, at) FROM agent_request_notes) s`
	var a, b string
	if err := dbs[0].Get(&a, fingerprint); err != nil {
		t.Fatal(err)
	}
	if err := dbs[1].Get(&b, fingerprint); err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("two loads as of %s differ", today)
	}

	before := tableCounts(t, dbs[0])
	for _, again := range []civil.Date{today, civil.New(2028, time.March, 1), civil.New(2031, time.March, 1)} {
		if err := seedDemoOn(context.Background(), svcs[0], again, io.Discard, discardLog()); err != nil {
			t.Fatal(err)
		}
	}
	after := tableCounts(t, dbs[0])
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows after seeding again, %d before", table, after[table], n)
		}
	}
	var c string
	if err := dbs[0].Get(&c, fingerprint); err != nil || c != a {
		t.Errorf("seeding again changed the district: %v", err)
	}
}
