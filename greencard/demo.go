package greencard

import (
	"context"
	"crypto/ed25519"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/civil"
	"talentd/internal/postgres"
	"talentd/talent"
)

// Demo figures from the programme's 2020 report: 171 talents got a health-check card.
const (
	DemoHealthChecks = 171
	// DemoRequests is how many agent requests the demo files over the year up to the load day.
	DemoRequests = 300
	// Cards issued before the demo's key rotation stay valid under the retired key.
	demoCardsUnderRetiredKey = 400
)

// demoHolder is a registered talent of the demo and, once issued, their card.
type demoHolder struct {
	TalentID     int64     `db:"id"`
	Grade        string    `db:"grade"`
	RegisteredAt time.Time `db:"registered_at"`
	CardID       int64     `db:"-"`
}

// issuedOn is the district date the holder's card was issued: the day of registration.
func (h demoHolder) issuedOn() civil.Date { return civil.InDistrict(h.RegisteredAt) }

const selectUncarded = `
SELECT t.id, t.grade, t.registered_at FROM talents t
WHERE t.status = 'registered' AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.talent_id = t.id AND c.status <> 'revoked')
ORDER BY t.registered_at, t.id`

// SeedDemo gives every registered talent without a card the card their registration issued (the
// first few hundred signed by a key that was later retired), records the health checks and files
// the agent requests of the year up to today (a district date), dated as talent.DemoClock places
// them. It does nothing when any card exists. It returns the number of cards issued.
func (s *Service) SeedDemo(ctx context.Context, today civil.Date) (int, error) {
	var exists bool
	if err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM cards)`); err != nil {
		return 0, postgres.Translate(err, "demo cards")
	}
	if exists {
		return 0, nil
	}
	clock := talent.DemoClock{Today: today}
	rng := rand.New(rand.NewPCG(171, 2020))
	issued := 0
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		holders, err := s.seedDemoCards(ctx, tx)
		if err != nil {
			return err
		}
		issued = len(holders)
		if len(holders) == 0 {
			return nil
		}
		uses, err := seedDemoHealthChecks(ctx, tx, rng, clock, holders)
		if err != nil {
			return err
		}
		requests, err := seedDemoRequests(ctx, tx, rng, clock, holders)
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "card.seed_demo", EntityType: "card", EntityID: "demo",
			After: map[string]any{"cards": issued, "health_checks": uses, "agent_requests": requests, "as_of": today}})
	})
	return issued, err
}

// seedDemoCards issues each uncarded registered talent's card as of their registration, oldest
// first, rotating the signing key once on the way; the keys are dated to match.
func (s *Service) seedDemoCards(ctx context.Context, tx *sqlx.Tx) ([]demoHolder, error) {
	var holders []demoHolder
	if err := sqlx.SelectContext(ctx, tx, &holders, selectUncarded); err != nil {
		return nil, postgres.Translate(err, "demo cards")
	}
	if len(holders) == 0 {
		return nil, nil
	}
	keyID, priv, err := s.keys.signer(ctx, tx)
	if err != nil {
		return nil, err
	}
	// A key made in this transaction bears its now(): those are the demo's own keys to date.
	const dateKey = `UPDATE signing_keys SET created_at = $2 WHERE key_id = $1 AND created_at = now()`
	if _, err := tx.ExecContext(ctx, dateKey, int64(keyID), holders[0].RegisteredAt.Add(-24*time.Hour)); err != nil {
		return nil, postgres.Translate(err, "demo signing key")
	}
	for i := range holders {
		h := &holders[i]
		if i == demoCardsUnderRetiredKey {
			prev := holders[i-1].RegisteredAt // rotated between the last card under the old key and this one
			rotated := prev.Add(h.RegisteredAt.Sub(prev) / 2)
			old := keyID
			if _, err := s.keys.create(ctx, tx); err != nil {
				return nil, err
			}
			if keyID, priv, err = s.keys.signer(ctx, tx); err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = $2 WHERE key_id = $1 AND retired_at = now()`,
				int64(old), rotated); err != nil {
				return nil, postgres.Translate(err, "demo signing key")
			}
			if _, err := tx.ExecContext(ctx, dateKey, int64(keyID), rotated); err != nil {
				return nil, postgres.Translate(err, "demo signing key")
			}
		}
		if h.CardID, err = s.issueDemoCard(ctx, tx, *h, keyID, priv); err != nil {
			return nil, err
		}
	}
	return holders, nil
}

const (
	insertDemoCard = `
INSERT INTO cards (serial, talent_id, created_at, updated_at)
SELECT $1 || '-' || $2 || '-' || lpad(n::text, GREATEST(6, length(n::text)), '0'), $3, $4, $4
FROM (SELECT nextval('card_serial_seq') AS n) seq
RETURNING id, serial`
	insertDemoVersion = `
INSERT INTO card_versions (card_id, version, grade, expires_on, key_id, token, reason, issued_at)
VALUES ($1, 1, $2, $3, $4, $5, 'registration', $6)`
)

// issueDemoCard writes the card a registration issued: its serial carries the year of issue, and
// it is valid for its class's years from the day of registration.
func (s *Service) issueDemoCard(ctx context.Context, tx *sqlx.Tx, h demoHolder, keyID uint32, priv ed25519.PrivateKey) (int64, error) {
	issued := h.issuedOn()
	var card struct {
		ID     int64  `db:"id"`
		Serial string `db:"serial"`
	}
	if err := sqlx.GetContext(ctx, tx, &card, insertDemoCard, s.opts.SerialPrefix, strconv.Itoa(issued.Time().Year()),
		h.TalentID, h.RegisteredAt); err != nil {
		return 0, postgres.Translate(err, "demo card")
	}
	expires := issued.AddYears(s.opts.ValidityYears[h.Grade])
	token, err := cardtoken.Sign(cardtoken.Claims{Serial: card.Serial, Version: 1, Grade: h.Grade[0],
		Expires: expires.Time(), KeyID: keyID}, priv)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, insertDemoVersion, card.ID, h.Grade, expires, int64(keyID), token, h.RegisteredAt); err != nil {
		return 0, postgres.Translate(err, "demo card")
	}
	if err := requestPrint(ctx, tx, card.ID, 1); err != nil {
		return 0, err
	}
	return card.ID, nil
}

// demoStaff is an account the demo's activity is recorded under; the zero value stands for the
// system when the role has no account.
type demoStaff struct {
	ID       *int64 `db:"id"`
	Username string `db:"username"`
}

func (a demoStaff) name() string {
	if a.Username == "" {
		return auth.System.Username
	}
	return a.Username
}

// demoStaffOf returns the active accounts of a role, oldest first.
func demoStaffOf(ctx context.Context, tx *sqlx.Tx, role auth.Role) ([]demoStaff, error) {
	var out []demoStaff
	err := sqlx.SelectContext(ctx, tx, &out, `SELECT id, username FROM accounts WHERE role = $1 AND active ORDER BY id`, string(role))
	return out, postgres.Translate(err, "demo staff")
}

// firstOf is the oldest account of the role, or the system when there is none.
func firstOf(ctx context.Context, tx *sqlx.Tx, role auth.Role) (demoStaff, error) {
	all, err := demoStaffOf(ctx, tx, role)
	if err != nil || len(all) == 0 {
		return demoStaff{}, err
	}
	return all[0], nil
}

// daysHeld is how many whole days before today the holder's card was issued.
func daysHeld(h demoHolder, today civil.Date) int {
	return int(today.Time().Sub(h.issuedOn().Time()).Hours() / 24)
}

// seedDemoHealthChecks records the year's health checks at the hospital's window: one each for
// DemoHealthChecks different holders, on a day within the year before today and after their card
// was issued. It returns how many it recorded.
func seedDemoHealthChecks(ctx context.Context, tx *sqlx.Tx, rng *rand.Rand, clock talent.DemoClock, holders []demoHolder) (int, error) {
	window, err := firstOf(ctx, tx, auth.RoleServiceWindow)
	if err != nil {
		return 0, err
	}
	const (
		insertUse = `INSERT INTO service_uses (card_id, talent_id, service_code, year, account_id, window_name, note, used_at, received_at)
VALUES ($1, $2, 'health_check', $3, $4, '区人民医院体检中心', '年度健康体检', $5, $5)`
		countUse = `INSERT INTO service_quota_usage AS u (talent_id, service_code, year, used) VALUES ($1, 'health_check', $2, 1)
ON CONFLICT (talent_id, service_code, year) DO UPDATE SET used = u.used + 1`
	)
	recorded := 0
	for _, i := range rng.Perm(len(holders)) {
		if recorded == DemoHealthChecks {
			break
		}
		h := holders[i]
		held := daysHeld(h, clock.Today)
		if held < 2 {
			continue
		}
		at := clock.DaysAgo(1+rng.IntN(min(held-1, 364)), rng.Float64())
		year := civil.InDistrict(at).Time().Year()
		if _, err := tx.ExecContext(ctx, insertUse, h.CardID, h.TalentID, year, window.ID, at); err != nil {
			return 0, postgres.Translate(err, "demo health check")
		}
		if _, err := tx.ExecContext(ctx, countUse, h.TalentID, year); err != nil {
			return 0, postgres.Translate(err, "demo health check")
		}
		recorded++
	}
	return recorded, nil
}

// demoRequestService is a service the demo files agent requests for.
type demoRequestService struct {
	Code         string         `db:"code"`
	StandardDays int            `db:"standard_days"`
	Eligible     pq.StringArray `db:"eligible"`
	description  string
}

// demoRequestDescriptions are what holders ask the commissioners to do, per service.
var demoRequestDescriptions = map[string]string{
	"agent_services": "代办户籍迁入及社保转移手续", "children_schooling": "子女转学至璧山区实验小学",
	"medical_green_channel": "父亲住院治疗，申请就医绿色通道", "talent_apartment": "申请入住人才公寓两居室",
	"spouse_employment": "配偶原为中学教师，申请对口安置", "startup_finance": "申请知识价值信用贷款贴息",
}

func demoRequestServices(ctx context.Context, tx *sqlx.Tx) ([]demoRequestService, error) {
	codes := make([]string, 0, len(demoRequestDescriptions))
	for c := range demoRequestDescriptions {
		codes = append(codes, c)
	}
	var out []demoRequestService
	if err := sqlx.SelectContext(ctx, tx, &out, `SELECT code, standard_days, eligible FROM service_items
		WHERE code = ANY($1) ORDER BY sort_order, code`, pq.Array(codes)); err != nil {
		return nil, postgres.Translate(err, "demo request services")
	}
	for i := range out {
		out[i].description = demoRequestDescriptions[out[i].Code]
	}
	return out, nil
}

// seedDemoRequests files DemoRequests agent requests over the year up to today, assigned in turn
// to the commissioners, and works them as commissioners do (see demoRequestPlans). It returns how
// many it filed.
func seedDemoRequests(ctx context.Context, tx *sqlx.Tx, rng *rand.Rand, clock talent.DemoClock, holders []demoHolder) (int, error) {
	commissioners, err := demoStaffOf(ctx, tx, auth.RoleCommissioner)
	if err != nil {
		return 0, err
	}
	if len(commissioners) == 0 {
		return 0, ErrNoCommissioner
	}
	var filers [2]demoStaff // most requests are filed at a window, some at the talent office
	for i, role := range []auth.Role{auth.RoleServiceWindow, auth.RoleTalentOffice} {
		if filers[i], err = firstOf(ctx, tx, role); err != nil {
			return 0, err
		}
	}
	services, err := demoRequestServices(ctx, tx)
	if err != nil {
		return 0, err
	}
	plans := demoRequestPlans(rng, clock, holders, services)
	for i, p := range plans {
		if err := p.write(ctx, tx, filers[p.byOffice], commissioners[i%len(commissioners)]); err != nil {
			return 0, err
		}
	}
	return len(plans), nil
}

// demoStep is one move of a request's workflow.
type demoStep struct {
	from, to, note string
	at             time.Time
}

// demoRequest is an agent request as the demo files and works it.
type demoRequest struct {
	holder       demoHolder
	service      demoRequestService
	filed        time.Time
	due          civil.Date
	byOffice     int // 1 when filed at the talent office rather than at a window
	steps        []demoStep
	satisfaction *int
}

// demoRequestKind is a way a request went: how many of them, whether and how it closed, and how
// many days its last step came after filing.
type demoRequestKind struct {
	n      int
	status string
	// days draws the days from filing to the last step, given the service's standard.
	days func(rng *rand.Rand, standard int) int
	// filedAgo draws how many days before today it was filed, given those days.
	filedAgo func(rng *rand.Rand, standard, days int) int
}

// Most requests were resolved within the service's standard; a few were late, a few turned down;
// the open ones are mostly recent, and a few have stalled past their due date.
var demoRequestKinds = func() []demoRequestKind {
	withinYear := func(rng *rand.Rand, _, days int) int { return days + 1 + rng.IntN(364-days) }
	recent := func(rng *rand.Rand, standard, _ int) int { return 1 + rng.IntN(min(standard, 14)) }
	stalled := func(rng *rand.Rand, standard, _ int) int { return standard + 1 + rng.IntN(30) }
	onTime := func(rng *rand.Rand, standard int) int { return rng.IntN(standard + 1) }
	late := func(rng *rand.Rand, standard int) int { return standard + 1 + rng.IntN(10) }
	fewDays := func(rng *rand.Rand, _ int) int { return rng.IntN(3) }
	sameDay := func(*rand.Rand, int) int { return 0 }
	return []demoRequestKind{
		{212, RequestResolved, onTime, withinYear},
		{28, RequestResolved, late, withinYear},
		{18, RequestRejected, fewDays, withinYear},
		{6, RequestSubmitted, sameDay, recent},
		{10, RequestAccepted, sameDay, recent},
		{14, RequestInProgress, sameDay, recent},
		{4, RequestAccepted, sameDay, stalled},
		{8, RequestInProgress, sameDay, stalled},
	}
}()

// Notes the commissioners leave at each step (the resolution and rejection notes are also the
// outcome).
var demoStepNotes = map[string]string{
	RequestAccepted: "已受理", RequestInProgress: "已与相关部门对接",
	RequestResolved: "已办结，结果已告知本人", RequestRejected: "不属于代办范围，已告知本人",
}

// demoRequestPlans draws the requests, oldest first: each for a holder eligible for the service
// whose card was issued before the day of filing.
func demoRequestPlans(rng *rand.Rand, clock talent.DemoClock, holders []demoHolder, services []demoRequestService) []demoRequest {
	var out []demoRequest
	for _, k := range demoRequestKinds {
		for range k.n {
			svc := services[rng.IntN(len(services))]
			days := k.days(rng, svc.StandardDays)
			ago := k.filedAgo(rng, svc.StandardDays, days)
			h, ok := demoEligibleHolder(rng, clock.Today, holders, svc, ago)
			if !ok {
				continue
			}
			out = append(out, planDemoRequest(rng, clock, h, svc, k, ago, days))
		}
	}
	slices.SortStableFunc(out, func(a, b demoRequest) int { return a.filed.Compare(b.filed) })
	return out
}

// demoEligibleHolder picks, from a random place on, the first holder of a class the service is
// for who held a card ago days before today.
func demoEligibleHolder(rng *rand.Rand, today civil.Date, holders []demoHolder, svc demoRequestService, ago int) (demoHolder, bool) {
	start := rng.IntN(len(holders))
	for i := range holders {
		h := holders[(start+i)%len(holders)]
		if slices.Contains(svc.Eligible, h.Grade) && daysHeld(h, today) > ago {
			return h, true
		}
	}
	return demoHolder{}, false
}

// planDemoRequest dates a request filed ago (at least one) days before today and its steps:
// accepted within a day (never after its close), started the same day, closed days after filing,
// all before today.
func planDemoRequest(rng *rand.Rand, clock talent.DemoClock, h demoHolder, svc demoRequestService, k demoRequestKind, ago, days int) demoRequest {
	frac := rng.Float64() / 2
	r := demoRequest{holder: h, service: svc, filed: clock.DaysAgo(ago, frac)}
	if rng.IntN(4) == 0 {
		r.byOffice = 1
	}
	r.due = civil.Of(civil.InDistrict(r.filed).Time().AddDate(0, 0, svc.StandardDays))
	day := 0 // days after filing of the latest step
	step := func(from, to string, after int) {
		after = min(max(after, day), ago-1) // in order, and before today
		if after == day {
			frac += (1 - frac) * rng.Float64() / 2
		} else {
			frac = rng.Float64()
		}
		day = after
		r.steps = append(r.steps, demoStep{from: from, to: to, note: demoStepNotes[to], at: clock.DaysAgo(ago-day, frac)})
	}
	switch k.status {
	case RequestRejected:
		step(RequestSubmitted, RequestRejected, days)
	case RequestSubmitted:
	default:
		step(RequestSubmitted, RequestAccepted, min(rng.IntN(2), days))
		if k.status == RequestAccepted {
			break
		}
		step(RequestAccepted, RequestInProgress, day)
		if k.status == RequestResolved {
			step(RequestInProgress, RequestResolved, days)
			if rng.IntN(10) < 8 { // most holders rate the result; the late ones less kindly
				score := []int{5, 5, 5, 5, 5, 4, 4, 4, 3, 2}[rng.IntN(10)]
				if days > svc.StandardDays {
					score = 2 + rng.IntN(3)
				}
				r.satisfaction = &score
			}
		}
	}
	return r
}

// write files the request with its history, as filed by filer and worked by commissioner.
func (r demoRequest) write(ctx context.Context, tx *sqlx.Tx, filer, commissioner demoStaff) error {
	status, updated := RequestSubmitted, r.filed
	var accepted, closed *time.Time
	outcome := ""
	for _, s := range r.steps {
		status, updated = s.to, s.at
		switch s.to {
		case RequestAccepted:
			accepted = &s.at
		case RequestResolved, RequestRejected:
			closed, outcome = &s.at, s.note
		}
	}
	version := 1 + len(r.steps)
	if r.satisfaction != nil {
		version++
	}
	var id int64
	if err := sqlx.GetContext(ctx, tx, &id, `
INSERT INTO agent_requests (talent_id, service_code, description, status, commissioner_id, filed_by_id, filed_by,
       due_on, accepted_at, closed_at, outcome, satisfaction, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		r.holder.TalentID, r.service.Code, r.service.description, status, commissioner.ID, filer.ID, filer.name(),
		r.due, accepted, closed, outcome, r.satisfaction, version, r.filed, updated); err != nil {
		return postgres.Translate(err, "demo request")
	}
	const note = `INSERT INTO agent_request_notes (request_id, from_status, to_status, note, actor_id, actor_username, at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	if _, err := tx.ExecContext(ctx, note, id, nil, RequestSubmitted, r.service.description, filer.ID, filer.name(), r.filed); err != nil {
		return postgres.Translate(err, "demo request")
	}
	for _, s := range r.steps {
		if _, err := tx.ExecContext(ctx, note, id, s.from, s.to, s.note, commissioner.ID, commissioner.name(), s.at); err != nil {
			return postgres.Translate(err, "demo request")
		}
	}
	return nil
}
