package talent

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Hooks let the slices that build on the registry act on its changes inside the same transaction;
// cmd/talentd subscribes them at start (the registry imports none of those slices). A nil field
// is an event the subscriber does not listen to.
type Hooks struct {
	// GradeChanged runs when a registered talent's grade is set or changes (registration, policy
	// publication, override); old is "" on registration.
	GradeChanged func(ctx context.Context, tx sqlx.ExtContext, talentID int64, old, new Grade) error
	// Left runs when a registered talent leaves the registry.
	Left func(ctx context.Context, tx sqlx.ExtContext, talentID int64) error
}

// Subscribe adds h to the subscribers of the registry's changes. Call it at start, before
// serving. Subscribers are called in the order they subscribed, inside the transaction of the
// change; the first error aborts the change and the subscribers after it are not called.
func (s *Service) Subscribe(h Hooks) { s.hooks = append(s.hooks, h) }

// SetHooks makes h the only subscriber, replacing any others (tests stand in for a slice with it).
func (s *Service) SetHooks(h Hooks) { s.hooks = []Hooks{h} }

// gradeChanged tells every subscriber that a grade was set or changed; an unchanged grade is no
// event.
func (s *Service) gradeChanged(ctx context.Context, tx sqlx.ExtContext, id int64, old, new Grade) error {
	if old == new {
		return nil
	}
	return s.notify(func(h Hooks) error {
		if h.GradeChanged == nil {
			return nil
		}
		return h.GradeChanged(ctx, tx, id, old, new)
	})
}

// left tells every subscriber that a registered talent left.
func (s *Service) left(ctx context.Context, tx sqlx.ExtContext, id int64) error {
	return s.notify(func(h Hooks) error {
		if h.Left == nil {
			return nil
		}
		return h.Left(ctx, tx, id)
	})
}

// notify calls each subscriber in turn, stopping at the first error.
func (s *Service) notify(call func(Hooks) error) error {
	for _, h := range s.hooks {
		if err := call(h); err != nil {
			return err
		}
	}
	return nil
}
