package talent

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"talentd/internal/errs"
	"talentd/internal/postgres"
)

// Errors of the grading-policy operations.
var (
	ErrPolicyNotFound = errs.New(errs.NotFound, "policy_not_found", "找不到该版本的人才分类认定标准", "grading policy not found")
	ErrNoPolicy       = errs.New(errs.Conflict, "no_policy_in_force", "目前没有生效的人才分类认定标准，请先发布一版",
		"no grading policy is in force")
	ErrNotDraft = errs.New(errs.Conflict, "policy_not_draft", "只有草稿状态的认定标准可以修改或发布",
		"only a draft policy can be changed or published")
)

func translatePolicy(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrPolicyNotFound
	}
	return postgres.Translate(err, what)
}

const policyColumns = `id, version, status, title, rules, created_by, created_at, updated_at, published_by, published_at`

const selectCurrentPolicy = `SELECT ` + policyColumns + ` FROM grading_policies WHERE status = 'published'`

// currentPolicy returns the policy in force.
func currentPolicy(ctx context.Context, q sqlx.QueryerContext) (*Policy, error) {
	var p Policy
	err := sqlx.GetContext(ctx, q, &p, selectCurrentPolicy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoPolicy
	}
	return &p, translatePolicy(err, "get current policy")
}

const selectPolicy = `SELECT ` + policyColumns + ` FROM grading_policies WHERE id = $1`

func getPolicy(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (*Policy, error) {
	query := selectPolicy
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var p Policy
	err := sqlx.GetContext(ctx, q, &p, query, id)
	return &p, translatePolicy(err, "get policy")
}

const selectPolicies = `SELECT ` + policyColumns + ` FROM grading_policies ORDER BY version DESC`

func listPolicies(ctx context.Context, q sqlx.QueryerContext) ([]Policy, error) {
	out := []Policy{}
	err := sqlx.SelectContext(ctx, q, &out, selectPolicies)
	return out, translatePolicy(err, "list policies")
}

// The next version number is taken under a lock on the table's newest row, so two drafts started
// at once cannot claim the same number (the unique constraint would refuse one anyway).
const insertPolicy = `
INSERT INTO grading_policies (version, status, title, rules, created_by)
VALUES ((SELECT COALESCE(max(version), 0) + 1 FROM grading_policies), 'draft', $1, $2, $3)
RETURNING ` + policyColumns

func insertPolicyRow(ctx context.Context, q sqlx.ExtContext, title string, rules RuleList, by string) (*Policy, error) {
	if _, err := q.ExecContext(ctx, `LOCK TABLE grading_policies IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return nil, translatePolicy(err, "lock policies")
	}
	var p Policy
	err := sqlx.GetContext(ctx, q, &p, insertPolicy, title, rules, by)
	return &p, translatePolicy(err, "create policy")
}

const updatePolicy = `
UPDATE grading_policies SET title = $2, rules = $3, updated_at = now() WHERE id = $1 AND status = 'draft'
RETURNING ` + policyColumns

func updatePolicyRow(ctx context.Context, q sqlx.ExtContext, id int64, title string, rules RuleList) (*Policy, error) {
	var p Policy
	err := sqlx.GetContext(ctx, q, &p, updatePolicy, id, title, rules)
	return &p, translatePolicy(err, "update policy")
}

const retireCurrent = `UPDATE grading_policies SET status = 'retired', updated_at = now() WHERE status = 'published'`

const publishPolicy = `
UPDATE grading_policies SET status = 'published', published_by = $2, published_at = now(), updated_at = now()
WHERE id = $1 AND status = 'draft'
RETURNING ` + policyColumns

func publishPolicyRow(ctx context.Context, q sqlx.ExtContext, id int64, by string) (*Policy, error) {
	if _, err := q.ExecContext(ctx, retireCurrent); err != nil {
		return nil, translatePolicy(err, "retire policy")
	}
	var p Policy
	err := sqlx.GetContext(ctx, q, &p, publishPolicy, id, by)
	return &p, translatePolicy(err, "publish policy")
}
