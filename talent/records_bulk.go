package talent

import (
	"context"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
)

// MaxBulk is the most records one bulk action takes.
const MaxBulk = 500

// BulkItem is what a bulk action did with one record.
type BulkItem struct {
	ID      int64  `json:"id"`
	OK      bool   `json:"ok"`
	Status  Status `json:"status,omitempty" doc:"The record's new status, when ok"`
	Code    string `json:"code,omitempty" doc:"Why it failed, as a stable code (talent_not_found, talent_wrong_status, talent_not_eligible, not_applied, …)"`
	Message string `json:"message,omitempty" doc:"Why it failed, in the reader's language"`
}

// BulkResult is the outcome of a bulk action, record by record in the order asked.
type BulkResult struct {
	Results   []BulkItem `json:"results"`
	Succeeded int        `json:"succeeded"`
	Failed    int        `json:"failed"`
	// Applied is false when the action was all or nothing and a record failed: then nothing
	// changed, and the records that would have passed are reported failed with not_applied.
	Applied bool `json:"applied" doc:"false: all_or_nothing was asked and some record failed, so nothing was changed"`
}

// errNotApplied reports a record that passed in an all-or-nothing action that another failed.
var errNotApplied = errs.New(errs.Conflict, "not_applied", "本批次中有其他记录未能处理，按“全部成功才生效”的要求，本条未作更改",
	"not applied: another record of the batch failed, and the batch was all or nothing")

// errBatchFailed rolls back an all-or-nothing batch; it never leaves this file.
var errBatchFailed = errors.New("a record of the batch failed")

// BulkSubmit submits each record as Submit does.
func (s *Service) BulkSubmit(ctx context.Context, ids []int64, allOrNothing bool) (BulkResult, error) {
	return s.bulk(ctx, stepSubmit, ids, stepInput{}, allOrNothing)
}

// BulkApprove approves each record as Approve does.
func (s *Service) BulkApprove(ctx context.Context, ids []int64, allOrNothing bool) (BulkResult, error) {
	return s.bulk(ctx, stepApprove, ids, stepInput{}, allOrNothing)
}

// BulkReturn returns each record to HR with the same comment, as Return does.
func (s *Service) BulkReturn(ctx context.Context, ids []int64, comment string, allOrNothing bool) (BulkResult, error) {
	return s.bulk(ctx, stepReturn, ids, stepInput{reason: comment}, allOrNothing)
}

// bulk takes st on each record as the single operation does — the same checks, scope, hooks and
// audit per record — reporting each record's outcome; a record the caller cannot see fails as
// not found. Each record has a transaction of its own, or, all or nothing, all share one that is
// rolled back if any fails. A failure of the server (not of a record) stops the batch with that
// error; records done before it in their own transactions stay done.
func (s *Service) bulk(ctx context.Context, st step, ids []int64, in stepInput, allOrNothing bool) (BulkResult, error) {
	p, scope, err := stepCaller(ctx, st, in.reason, "comment")
	if err != nil {
		return BulkResult{}, err
	}
	if err := checkBulkIDs(ids); err != nil {
		return BulkResult{}, err
	}
	lang := reqctx.Lang(ctx)
	res := BulkResult{Results: make([]BulkItem, 0, len(ids)), Applied: true}
	if !allOrNothing {
		for _, id := range ids {
			var out Talent
			err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
				var err error
				out, err = s.moveIn(ctx, tx, p, scope, id, st, in)
				return err
			})
			if err := res.add(id, out, err, lang); err != nil {
				return BulkResult{}, err
			}
		}
		return res, nil
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, id := range ids {
			out, err := s.moveInSavepoint(ctx, tx, p, scope, id, st, in)
			if err := res.add(id, out, err, lang); err != nil {
				return err
			}
		}
		if res.Failed > 0 {
			return errBatchFailed
		}
		return nil
	})
	if errors.Is(err, errBatchFailed) {
		res.rolledBack(lang)
		return res, nil
	}
	if err != nil {
		return BulkResult{}, err
	}
	return res, nil
}

// moveInSavepoint is moveIn behind a savepoint, so that a record that fails inside the database
// leaves the shared transaction usable for the records after it.
func (s *Service) moveInSavepoint(ctx context.Context, tx *sqlx.Tx, p auth.Principal, scope auth.Scope, id int64, st step, in stepInput) (Talent, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT bulk_item`); err != nil {
		return Talent{}, postgres.Translate(err, "bulk: savepoint")
	}
	out, err := s.moveIn(ctx, tx, p, scope, id, st, in)
	undo := `RELEASE SAVEPOINT bulk_item`
	if err != nil {
		undo = `ROLLBACK TO SAVEPOINT bulk_item`
	}
	if _, uerr := tx.ExecContext(ctx, undo); uerr != nil {
		return Talent{}, postgres.Translate(uerr, "bulk: savepoint")
	}
	return out, err
}

// add records one record's outcome. An error that is not the record's fault (a bug, an outage, a
// request cancelled) is returned, to stop the batch.
func (r *BulkResult) add(id int64, t Talent, err error, lang string) error {
	if err == nil {
		r.Results = append(r.Results, BulkItem{ID: id, OK: true, Status: t.Status})
		r.Succeeded++
		return nil
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind == errs.Internal || e.Kind == errs.Unavailable {
		return err
	}
	code := e.Code
	if code == "" {
		code = e.Kind.String()
	}
	r.Results = append(r.Results, BulkItem{ID: id, Code: code, Message: e.In(lang)})
	r.Failed++
	return nil
}

// rolledBack marks an all-or-nothing batch that was rolled back: every record failed, those that
// had passed with not_applied.
func (r *BulkResult) rolledBack(lang string) {
	for i, it := range r.Results {
		if it.OK {
			r.Results[i] = BulkItem{ID: it.ID, Code: errNotApplied.Code, Message: errNotApplied.In(lang)}
		}
	}
	r.Succeeded, r.Failed, r.Applied = 0, len(r.Results), false
}

// checkBulkIDs refuses an empty or oversized batch, or one naming a record twice.
func checkBulkIDs(ids []int64) error {
	if len(ids) == 0 || len(ids) > MaxBulk {
		return errs.Fields(errs.Field("body.ids", "bulk_size", "每批须有 1 到 "+strconv.Itoa(MaxBulk)+" 条记录",
			"between 1 and "+strconv.Itoa(MaxBulk)+" records", len(ids)))
	}
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return errs.Fields(errs.Field("body.ids["+strconv.Itoa(i)+"]", "bulk_duplicate", "同一条记录在本批中出现了两次",
				"this record is named twice", id))
		}
		seen[id] = true
	}
	return nil
}
