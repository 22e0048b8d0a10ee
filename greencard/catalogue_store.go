package greencard

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/postgres"
)

const serviceColumns = `code, name_zh, name_en, content, eligible, steps, standard_days, yearly_quota, sort_order, version, updated_at`

func listServiceItems(ctx context.Context, q sqlx.QueryerContext) ([]ServiceItem, error) {
	out := []ServiceItem{}
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+serviceColumns+` FROM service_items ORDER BY sort_order, code`)
	return out, postgres.Translate(err, "catalogue")
}

func serviceItem(ctx context.Context, q sqlx.QueryerContext, code string, forUpdate bool) (ServiceItem, error) {
	query := `SELECT ` + serviceColumns + ` FROM service_items WHERE code = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var it ServiceItem
	err := sqlx.GetContext(ctx, q, &it, query, code)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrServiceUnknown
	}
	return it, postgres.Translate(err, "service")
}

const updateService = `
UPDATE service_items SET name_zh = $2, name_en = $3, content = $4, eligible = $5, steps = $6, standard_days = $7,
       yearly_quota = $8, sort_order = $9, version = version + 1, updated_at = now()
WHERE code = $1 RETURNING ` + serviceColumns

func updateServiceItem(ctx context.Context, q sqlx.QueryerContext, code string, in ServiceItemInput) (ServiceItem, error) {
	var out ServiceItem
	err := sqlx.GetContext(ctx, q, &out, updateService, code, in.NameZH, in.NameEN, in.Content,
		pq.StringArray(in.Eligible), pq.StringArray(in.Steps), in.StandardDays, in.YearlyQuota, in.SortOrder)
	return out, postgres.Translate(err, "update service")
}
