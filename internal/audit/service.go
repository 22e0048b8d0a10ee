package audit

import (
	"context"

	"github.com/jmoiron/sqlx"

	"talentd/internal/page"
)

// Service reads the audit log; writing happens through Write inside each change's transaction.
type Service struct {
	db *sqlx.DB
}

// NewService returns a Service reading from db.
func NewService(db *sqlx.DB) *Service { return &Service{db: db} }

// List returns one page of records matching f, newest first.
func (s *Service) List(ctx context.Context, f Filter, q page.Query) (page.Of[Record], error) {
	after, err := q.After()
	if err != nil {
		return page.Of[Record]{}, err
	}
	f.AfterID = after
	f.Limit = q.Size() + 1
	rows, err := list(ctx, s.db, f)
	if err != nil {
		return page.Of[Record]{}, err
	}
	return page.Build(rows, q.Size(), func(r Record) int64 { return r.ID }), nil
}
