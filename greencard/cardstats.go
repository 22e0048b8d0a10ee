package greencard

import (
	"context"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// CardCount is how many cards of one class are in one status; a live card past its current
// version's expiry counts as expired.
type CardCount struct {
	Class  string `db:"class" json:"class"`
	Status string `db:"status" json:"status"`
	Cards  int    `db:"cards" json:"cards"`
}

const selectCardCounts = `
SELECT v.grade AS class,
       CASE WHEN c.status <> 'revoked' AND v.expires_on < ` + civil.SQLToday + ` THEN 'expired' ELSE c.status END AS status,
       count(*) AS cards
FROM cards c
JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
WHERE CAST($1 AS boolean) OR c.talent_id IN (SELECT id FROM talents WHERE enterprise_id = CAST($2 AS bigint))
GROUP BY 1, 2 ORDER BY 1, 2`

// CardCounts counts the cards issued by class and status; HR counts its own talent's only.
func (s *Service) CardCounts(ctx context.Context) ([]CardCount, error) {
	_, scope, err := cardReaches.Scope(ctx)
	if err != nil {
		return nil, err
	}
	if scope.None() {
		return nil, auth.ErrForbidden
	}
	out := []CardCount{}
	err = sqlx.SelectContext(ctx, s.db, &out, selectCardCounts, scope.All(), scope.EnterpriseID())
	return out, postgres.Translate(err, "card counts")
}
