package talent

import (
	"context"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/postgres"
)

// PolicyInput is what drafting a policy version takes.
type PolicyInput struct {
	Title string `json:"title"`
	Rules []Rule `json:"rules"`
}

func (in *PolicyInput) check() error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || len([]rune(in.Title)) > 200 {
		return errs.Fields(errs.Field("body.title", "policy_title_length", "标准名称须为1到200个字", "1 to 200 characters", nil))
	}
	return validateRules(in.Rules)
}

// CurrentPolicy returns the policy in force.
func (s *Service) CurrentPolicy(ctx context.Context) (*Policy, error) {
	if err := readsRegistry(ctx); err != nil {
		return nil, err
	}
	return currentPolicy(ctx, s.db)
}

// readsRegistry refuses a caller whose role reaches nothing of the registry.
func readsRegistry(ctx context.Context) error {
	_, scope, err := talentReaches.Scope(ctx)
	if err == nil && scope.None() {
		err = auth.ErrForbidden
	}
	return err
}

// GetPolicy returns one policy version.
func (s *Service) GetPolicy(ctx context.Context, id int64) (*Policy, error) {
	if err := readsRegistry(ctx); err != nil {
		return nil, err
	}
	return getPolicy(ctx, s.db, id, false)
}

// ListPolicies returns every version, newest first.
func (s *Service) ListPolicies(ctx context.Context) ([]Policy, error) {
	if err := readsRegistry(ctx); err != nil {
		return nil, err
	}
	return listPolicies(ctx, s.db)
}

// DraftPolicy creates the next policy version as a draft.
func (s *Service) DraftPolicy(ctx context.Context, in PolicyInput) (*Policy, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var out *Policy
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if out, err = insertPolicyRow(ctx, tx, in.Title, in.Rules, p.Username); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "grading_policy.draft", EntityType: "grading_policy",
			EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, err
}

// UpdatePolicy replaces a draft's title and rules.
func (s *Service) UpdatePolicy(ctx context.Context, id int64, in PolicyInput) (*Policy, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var out *Policy
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getPolicy(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if before.Status != PolicyDraft {
			return ErrNotDraft
		}
		if out, err = updatePolicyRow(ctx, tx, id, in.Title, in.Rules); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "grading_policy.update", EntityType: "grading_policy",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	return out, err
}

// Impact is the dry-run report of a draft: how registered talents would move between grades.
type Impact struct {
	PolicyVersion  int `json:"policy_version"`
	CurrentVersion int `json:"current_version"`
	Registered     int `json:"registered" doc:"Registered talents considered"`
	Changed        int `json:"changed" doc:"How many would change grade"`
	// Overridden talents keep the grade the office set by hand; they are counted here, not moved.
	Overridden int `json:"overridden"`
	// Matrix[from][to] counts talents moving from their current grade to the new one; "none"
	// means not eligible under the draft (they keep their grade on publication, for review).
	Matrix   map[string]map[string]int `json:"matrix"`
	Examples []ImpactExample           `json:"examples" doc:"Up to three talents per changed cell"`
}

// ImpactExample names one talent that would change grade.
type ImpactExample struct {
	TalentID int64    `json:"talent_id"`
	Name     string   `json:"name"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Rules    []string `json:"rules"`
}

// regrade is the new decision for one registered talent under a policy.
type regrade struct {
	row  gradeRow
	from string
	to   string
	a    Assessment
}

// walkRegrades assesses every registered talent under pol; fn sees each non-overridden one.
func walkRegrades(ctx context.Context, q sqlx.QueryerContext, pol *Policy, imp *Impact, fn func(regrade) error) error {
	today := civil.DistrictToday()
	return eachRegistered(ctx, q, func(r gradeRow) error {
		imp.Registered++
		from := ""
		if r.Grade != nil {
			from = string(*r.Grade)
		}
		if r.GradeOverridden {
			imp.Overridden++
			return nil
		}
		a := pol.Assess(r.attributes(), today)
		to := string(a.Grade)
		key := func(g string) string {
			if g == "" {
				return "none"
			}
			return g
		}
		if imp.Matrix[key(from)] == nil {
			imp.Matrix[key(from)] = map[string]int{}
		}
		imp.Matrix[key(from)][key(to)]++
		if from != to {
			imp.Changed++
			n := 0
			for _, ex := range imp.Examples {
				if ex.From == key(from) && ex.To == key(to) {
					n++
				}
			}
			if n < 3 {
				imp.Examples = append(imp.Examples, ImpactExample{TalentID: r.ID, Name: r.Name, From: key(from), To: key(to), Rules: a.Rules})
			}
		}
		return fn(regrade{row: r, from: from, to: to, a: a})
	})
}

// PolicyImpact reports, without changing anything, what publishing the draft would do.
func (s *Service) PolicyImpact(ctx context.Context, id int64) (Impact, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Impact{}, err
	}
	pol, err := getPolicy(ctx, s.db, id, false)
	if err != nil {
		return Impact{}, err
	}
	imp := Impact{PolicyVersion: pol.Version, Matrix: map[string]map[string]int{}, Examples: []ImpactExample{}}
	if cur, err := currentPolicy(ctx, s.db); err == nil {
		imp.CurrentVersion = cur.Version
	}
	err = walkRegrades(ctx, s.db, pol, &imp, func(regrade) error { return nil })
	return imp, err
}

// Publication is the outcome of publishing a policy.
type Publication struct {
	Policy *Policy `json:"policy"`
	Impact Impact  `json:"impact"`
}

// PublishPolicy puts a draft in force and re-grades every registered talent under it, in one
// transaction: each gets a new decision (policy version, rules, attribute snapshot); grades that
// change are audited and reported to the hook, so the card slice can reissue cards. Talents that
// the new policy no longer makes eligible keep their grade (the impact report lists them).
func (s *Service) PublishPolicy(ctx context.Context, id int64) (Publication, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return Publication{}, err
	}
	var out Publication
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		draft, err := getPolicy(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if draft.Status != PolicyDraft {
			return ErrNotDraft
		}
		// Serialise with every other grading change while the registry is re-graded.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE talents IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return postgres.Translate(err, "lock talents")
		}
		previous, err := currentPolicy(ctx, tx)
		if err != nil && !errs.Is(err, errs.Conflict) {
			return err
		}
		pol, err := publishPolicyRow(ctx, tx, id, p.Username)
		if err != nil {
			return err
		}
		imp := Impact{PolicyVersion: pol.Version, Matrix: map[string]map[string]int{}, Examples: []ImpactExample{}}
		if previous != nil {
			imp.CurrentVersion = previous.Version
		}
		batch := make([]regrade, 0, 1000)
		flush := func() error {
			err := s.applyRegrades(ctx, tx, p, pol, batch)
			batch = batch[:0]
			return err
		}
		err = walkRegrades(ctx, tx, pol, &imp, func(r regrade) error {
			if r.to == "" {
				return nil // not eligible any more: keeps its grade, listed in the report
			}
			batch = append(batch, r)
			if len(batch) == cap(batch) {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		out = Publication{Policy: pol, Impact: imp}
		return audit.Write(ctx, tx, audit.Entry{Action: "grading_policy.publish", EntityType: "grading_policy",
			EntityID: strconv.FormatInt(id, 10), Before: draft, After: out})
	})
	return out, err
}

// Set-based writes of a batch of re-grades: the decisions, then the talents pointing at them.
const insertRegradeDecisions = `
INSERT INTO grade_decisions (talent_id, policy_id, grade, rules, attributes, decided_by_id, decided_by)
SELECT t.id, $1, t.grade, string_to_array(t.rules, ','), CAST(t.attrs AS jsonb), $2, $3
FROM unnest(CAST($4 AS bigint[]), CAST($5 AS text[]), CAST($6 AS text[]), CAST($7 AS text[])) AS t(id, grade, rules, attrs)
RETURNING id, talent_id`

const updateRegradedTalents = `
UPDATE talents SET grade = u.grade, grade_rules = string_to_array(u.rules, ','), grade_decision_id = u.decision,
       version = version + 1, updated_at = now()
FROM unnest(CAST($1 AS bigint[]), CAST($2 AS text[]), CAST($3 AS text[]), CAST($4 AS bigint[])) AS u(id, grade, rules, decision)
WHERE talents.id = u.id`

func (s *Service) applyRegrades(ctx context.Context, tx *sqlx.Tx, p auth.Principal, pol *Policy, batch []regrade) error {
	if len(batch) == 0 {
		return nil
	}
	today := civil.DistrictToday()
	ids := make(pq.Int64Array, len(batch))
	grades := make(pq.StringArray, len(batch))
	rules := make(pq.StringArray, len(batch))
	attrs := make(pq.StringArray, len(batch))
	for i, r := range batch {
		a := r.row.attributes()
		a.Age = a.BirthDate.YearsUntil(today)
		raw, err := a.Value()
		if err != nil {
			return err
		}
		ids[i], grades[i], rules[i], attrs[i] = r.row.ID, r.to, strings.Join(r.a.Rules, ","), raw.(string)
	}
	rows, err := tx.QueryxContext(ctx, insertRegradeDecisions, pol.ID, p.ActorID(), p.Username, ids, grades, rules, attrs)
	if err != nil {
		return postgres.Translate(err, "record re-grade decisions")
	}
	decisionOf := map[int64]int64{}
	for rows.Next() {
		var d, t int64
		if err := rows.Scan(&d, &t); err != nil {
			rows.Close()
			return err
		}
		decisionOf[t] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return postgres.Translate(err, "record re-grade decisions")
	}
	decisions := make(pq.Int64Array, len(batch))
	for i, id := range ids {
		decisions[i] = decisionOf[id]
	}
	if _, err := tx.ExecContext(ctx, updateRegradedTalents, ids, grades, rules, decisions); err != nil {
		return postgres.Translate(err, "apply re-grades")
	}
	for _, r := range batch {
		if r.from == r.to {
			continue
		}
		comment := "grade " + r.from + " → " + r.to + " under policy version " + strconv.Itoa(pol.Version)
		if err := insertEventRow(ctx, tx, p, r.row.ID, "regrade", ptr(StatusRegistered), StatusRegistered, comment); err != nil {
			return err
		}
		if err := s.gradeChanged(ctx, tx, r.row.ID, Grade(r.from), Grade(r.to)); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Action: "talent.regrade", EntityType: "talent",
			EntityID: talentEntity(r.row.ID), Before: map[string]any{"grade": r.from},
			After: map[string]any{"grade": r.to, "rules": r.a.Rules, "policy_version": pol.Version}}); err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
