package greencard

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/postgres"
)

// Demo figures from the programme's 2020 report: 171 talents got a health-check card.
const (
	DemoHealthChecks = 171
	demoRequests     = 300
	// Cards issued before the demo's key rotation stay valid under the retired key.
	demoCardsUnderRetiredKey = 400
)

const selectUncarded = `
SELECT t.id, t.grade FROM talents t
WHERE t.status = 'registered' AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.talent_id = t.id AND c.status <> 'revoked')
ORDER BY t.id`

// SeedDemo gives every registered talent without a card a card (the first few hundred signed by a
// key that is then retired), records the health checks and files agent requests in every state.
// It does nothing the second time. It returns the number of cards issued.
func (s *Service) SeedDemo(ctx context.Context) (int, error) {
	var exists bool
	if err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM cards)`); err != nil {
		return 0, postgres.Translate(err, "demo cards")
	}
	if exists {
		return 0, nil
	}
	var rows []struct {
		ID    int64  `db:"id"`
		Grade string `db:"grade"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectUncarded); err != nil {
		return 0, postgres.Translate(err, "demo cards")
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for i, r := range rows {
			if i == demoCardsUnderRetiredKey {
				if _, err := s.keys.create(ctx, tx); err != nil {
					return err
				}
			}
			if _, err := s.issueOrReissue(ctx, tx, r.ID, r.Grade, "registration"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := s.seedDemoActivity(ctx); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// seedDemoActivity records the health checks and agent requests of the demo year.
func (s *Service) seedDemoActivity(ctx context.Context) error {
	rng := rand.New(rand.NewPCG(171, 2020))
	var cards []struct {
		TalentID int64  `db:"talent_id"`
		Token    string `db:"token"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &cards, `SELECT c.talent_id, v.token FROM cards c
		JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version ORDER BY c.id`); err != nil {
		return postgres.Translate(err, "demo activity")
	}
	if len(cards) == 0 {
		return nil
	}
	window := auth.WithPrincipal(ctx, auth.Principal{Username: "window", Role: auth.RoleServiceWindow})
	for i := 0; i < DemoHealthChecks && i < len(cards); i++ {
		c := cards[(i*7919)%len(cards)]
		if _, err := s.RecordUse(window, c.Token, "health_check", "区人民医院体检中心", "年度健康体检"); err != nil {
			return fmt.Errorf("demo health check: %w", err)
		}
	}
	services := []string{"agent_services", "children_schooling", "medical_green_channel", "talent_apartment", "spouse_employment", "startup_finance"}
	descriptions := map[string]string{
		"agent_services": "代办户籍迁入及社保转移手续", "children_schooling": "子女转学至璧山区实验小学",
		"medical_green_channel": "父亲住院治疗，申请就医绿色通道", "talent_apartment": "申请入住人才公寓两居室",
		"spouse_employment": "配偶原为中学教师，申请对口安置", "startup_finance": "申请知识价值信用贷款贴息",
	}
	office := auth.WithPrincipal(ctx, auth.System)
	for i := range demoRequests {
		c := cards[rng.IntN(len(cards))]
		svc := services[rng.IntN(len(services))]
		r, err := s.FileRequest(office, c.TalentID, svc, descriptions[svc], nil)
		if err != nil {
			return fmt.Errorf("demo request: %w", err)
		}
		// Most requests were worked to the end; some are still open or were turned down.
		var steps []string
		switch r := i % 20; {
		case r < 2: // still waiting to be accepted
		case r < 4:
			steps = []string{"accept"}
		case r < 6:
			steps = []string{"accept", "start"}
		case r < 8:
			steps = []string{"reject"}
		default:
			steps = []string{"accept", "start", "resolve"}
		}
		for _, step := range steps {
			note := map[string]string{"accept": "已受理", "start": "已与相关部门对接", "resolve": "已办结，结果已告知本人", "reject": "不属于代办范围，已告知本人"}[step]
			if _, err := s.MoveRequest(office, r.ID, step, note); err != nil {
				return fmt.Errorf("demo request: %w", err)
			}
		}
		if len(steps) == 3 && rng.IntN(10) < 8 {
			if _, err := s.RateRequest(office, r.ID, 3+rng.IntN(3)); err != nil {
				return fmt.Errorf("demo request: %w", err)
			}
		}
	}
	// Spread the requests over the past year, so that some open ones are overdue and some
	// resolutions were late.
	_, err := s.db.ExecContext(ctx, `
UPDATE agent_requests r SET created_at = r.created_at - make_interval(days => d.back),
       due_on = r.due_on - d.back,
       accepted_at = r.accepted_at - make_interval(days => d.back),
       closed_at = r.closed_at - make_interval(days => GREATEST(d.back - CAST(r.id % 25 AS integer), 0))
FROM (SELECT id, CAST((id * 37) % 330 AS integer) AS back FROM agent_requests) d WHERE d.id = r.id`)
	return postgres.Translate(err, "demo requests")
}
