package talent

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"talentd/internal/auth"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
)

// translate adds the registry's meaning to driver errors.
func translate(err error, what string) error {
	switch postgres.Constraint(err) {
	case "enterprises_uscc_key":
		return ErrUSCCTaken
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrEnterpriseNotFound
	}
	return postgres.Translate(err, what)
}

const enterpriseColumns = `id, name, uscc, address, industry, key_enterprise, local_supplier,
       contact_name, contact_phone, version, created_at, updated_at`

const insertEnterprise = `
INSERT INTO enterprises (name, uscc, address, industry, key_enterprise, local_supplier, contact_name, contact_phone)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING ` + enterpriseColumns

func insertEnterpriseRow(ctx context.Context, q sqlx.ExtContext, in EnterpriseInput) (Enterprise, error) {
	var out Enterprise
	err := sqlx.GetContext(ctx, q, &out, insertEnterprise, in.Name, in.USCC, in.Address, in.Industry,
		in.KeyEnterprise, in.LocalSupplier, in.ContactName, in.ContactPhone)
	return out, translate(err, "create enterprise")
}

const selectEnterprise = `SELECT ` + enterpriseColumns + ` FROM enterprises WHERE id = $1`

func getEnterprise(ctx context.Context, q sqlx.QueryerContext, id int64) (Enterprise, error) {
	var out Enterprise
	err := sqlx.GetContext(ctx, q, &out, selectEnterprise, id)
	return out, translate(err, "get enterprise")
}

func getEnterpriseForUpdate(ctx context.Context, q sqlx.QueryerContext, id int64) (Enterprise, error) {
	var out Enterprise
	err := sqlx.GetContext(ctx, q, &out, selectEnterprise+` FOR UPDATE`, id)
	return out, translate(err, "get enterprise")
}

const updateEnterprise = `
UPDATE enterprises SET name = $2, uscc = $3, address = $4, industry = $5, key_enterprise = $6,
       local_supplier = $7, contact_name = $8, contact_phone = $9,
       version = version + 1, updated_at = now()
WHERE id = $1
RETURNING ` + enterpriseColumns

func updateEnterpriseRow(ctx context.Context, q sqlx.ExtContext, id int64, in EnterpriseInput) (Enterprise, error) {
	var out Enterprise
	err := sqlx.GetContext(ctx, q, &out, updateEnterprise, id, in.Name, in.USCC, in.Address, in.Industry,
		in.KeyEnterprise, in.LocalSupplier, in.ContactName, in.ContactPhone)
	return out, translate(err, "update enterprise")
}

// The name filter uses the trigram index (ILIKE '%q%'); a full credit code matches exactly.
// $2 and $3 are the caller's scope: everything, or the one enterprise ($3) of an HR caller.
const selectEnterprises = `
SELECT ` + enterpriseColumns + ` FROM enterprises
WHERE (CAST($2 AS boolean) OR id = CAST($3 AS bigint))
  AND ($1 = '' OR name ILIKE '%' || $1 || '%' OR uscc = upper($1))
  AND ($4 = '' OR industry = $4)
  AND (CAST($5 AS boolean) IS NULL OR key_enterprise = $5)
  AND (CAST($6 AS boolean) IS NULL OR local_supplier = $6)
  AND id > CAST($7 AS bigint)
ORDER BY id
LIMIT $8`

func listEnterprises(ctx context.Context, q sqlx.QueryerContext, f EnterpriseFilter, scope auth.Scope) ([]Enterprise, error) {
	var out []Enterprise
	err := sqlx.SelectContext(ctx, q, &out, selectEnterprises, escapeLike(f.Query), scope.All(), scope.EnterpriseID(),
		f.Industry, f.KeyEnterprise, f.LocalSupplier, f.AfterID, f.Limit)
	return out, translate(err, "list enterprises")
}

// escapeLike makes a user's search text match literally inside ILIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
