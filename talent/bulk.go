package talent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// BulkTalent is a record to load in bulk (demo district, benchmarks): an input plus the workflow
// state it should have reached.
type BulkTalent struct {
	TalentInput
	Status       Status
	Assessment   Assessment // the grade of a registered record, from the policy in force
	Comment      string     // review comment of a returned or rejected record
	RegisteredAt time.Time
	SubmittedAt  time.Time
	CreatedAt    time.Time
}

var bulkColumns = []string{"enterprise_id", "status", "name", "gender", "birth_date", "id_number_cipher",
	"id_number_hash", "id_number_masked", "mobile", "position", "education", "school", "major", "graduation_year",
	"title", "skill_level", "honours", "honour_codes", "annual_salary_fen", "field", "arrived_on", "grade",
	"grade_rules", "review_comment", "submitted_at", "registered_at", "created_at", "updated_at", "name_grams"}

// LoadBulk writes records with COPY inside tx. Registered records get their grade decision under
// the policy in force, set-based, so that a large registry loads in seconds. It returns how many
// rows it wrote.
func (s *Service) LoadBulk(ctx context.Context, tx *sqlx.Tx, rows []BulkTalent) (int, error) {
	pol, err := currentPolicy(ctx, tx)
	if err != nil {
		return 0, err
	}
	// Registered rows enter as submitted and are promoted once their decisions exist: the table
	// refuses a registered row without a decision.
	stmt, err := tx.PrepareContext(ctx, "COPY talents ("+strings.Join(bulkColumns, ", ")+") FROM STDIN")
	if err != nil {
		return 0, postgres.Translate(err, "bulk load")
	}
	for _, r := range rows {
		sid := s.seal(r.IDNumber)
		status := r.Status
		var grade any
		rules := "{}"
		var registered, submitted any
		if r.Status == StatusRegistered {
			status = StatusSubmitted
			grade = string(r.Assessment.Grade)
			rules = "{" + strings.Join(r.Assessment.Rules, ",") + "}"
			registered = r.RegisteredAt
		}
		if !r.SubmittedAt.IsZero() {
			submitted = r.SubmittedAt
		}
		honours, _ := HonourList(r.Honours).Value()
		codes := "{" + strings.Join(HonourList(r.Honours).codes(), ",") + "}"
		_, err := stmt.ExecContext(ctx, r.EnterpriseID, string(status), r.Name, r.Gender, r.BirthDate.String(),
			sid.cipher, sid.hash, sid.masked, r.Mobile, r.Position, r.Education, r.School, r.Major,
			nullInt(r.GraduationYear), r.Title, r.SkillLevel, honours, codes, r.AnnualSalaryFen, r.Field,
			nullDate(r.ArrivedOn), grade, rules, r.Comment, submitted, registered, r.CreatedAt, r.CreatedAt, nameGrams(r.Name))
		if err != nil {
			stmt.Close()
			return 0, postgres.Translate(err, "bulk load")
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return 0, postgres.Translate(err, "bulk load")
	}
	if err := stmt.Close(); err != nil {
		return 0, postgres.Translate(err, "bulk load")
	}
	return len(rows), promoteBulk(ctx, tx, pol)
}

func nullDate(d civil.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// promoteBulk records a decision for every bulk-loaded registered record (those submitted with a
// grade but no decision yet) and moves them to registered, with their review history.
func promoteBulk(ctx context.Context, tx *sqlx.Tx, pol *Policy) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	steps := []struct{ what, query string }{
		{"record decisions", `
INSERT INTO grade_decisions (talent_id, policy_id, grade, rules, attributes, decided_by, decided_at)
SELECT id, $1, grade, grade_rules,
       jsonb_build_object('education', education, 'title', title, 'skill_level', skill_level,
                          'honours', to_jsonb(honour_codes), 'annual_salary_fen', annual_salary_fen,
                          'birth_date', birth_date, 'age', date_part('year', age(registered_at, birth_date))::int),
       $2, registered_at
FROM talents WHERE status = 'submitted' AND grade IS NOT NULL AND grade_decision_id IS NULL`},
		{"register", `
UPDATE talents t SET status = 'registered', grade_decision_id = d.id
FROM grade_decisions d
WHERE d.talent_id = t.id AND t.status = 'submitted' AND t.grade IS NOT NULL AND t.grade_decision_id IS NULL`},
	}
	for i, st := range steps {
		var err error
		if i == 0 {
			_, err = tx.ExecContext(ctx, st.query, pol.ID, p.Username)
		} else {
			_, err = tx.ExecContext(ctx, st.query)
		}
		if err != nil {
			return postgres.Translate(err, fmt.Sprintf("bulk load: %s", st.what))
		}
	}
	return nil
}

// bulkEvents writes the review history of bulk-loaded records that have none yet: one event for
// the step that brought each to its status.
const bulkEvents = `
INSERT INTO talent_events (talent_id, action, from_status, to_status, comment, actor_username, at)
SELECT t.id,
       CASE t.status WHEN 'registered' THEN 'approve' WHEN 'returned' THEN 'return' WHEN 'rejected' THEN 'reject'
                     WHEN 'submitted' THEN 'submit' ELSE 'create' END,
       CASE WHEN t.status = 'draft' THEN NULL WHEN t.status = 'submitted' THEN 'draft' ELSE 'submitted' END,
       t.status, t.review_comment, $1, COALESCE(t.registered_at, t.submitted_at, t.created_at)
FROM talents t WHERE NOT EXISTS (SELECT 1 FROM talent_events e WHERE e.talent_id = t.id)`

func writeBulkEvents(ctx context.Context, tx *sqlx.Tx, actor string) error {
	_, err := tx.ExecContext(ctx, bulkEvents, actor)
	return postgres.Translate(err, "bulk load: history")
}
