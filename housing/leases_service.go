package housing

import (
	"context"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// GetLease returns a lease the caller may see (HR: its own enterprise's).
func (s *Service) GetLease(ctx context.Context, id int64) (Lease, error) {
	_, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return Lease{}, err
	}
	l, err := getLease(ctx, s.db, id, false)
	if err != nil {
		return Lease{}, err
	}
	if !scope.SeesEnterprise(l.EnterpriseID) {
		return Lease{}, ErrLeaseNotFound
	}
	return l, nil
}

// ListLeases lists the leases the caller may see, newest first.
func (s *Service) ListLeases(ctx context.Context, f LeaseFilter, q page.Query) (page.Of[Lease], error) {
	return scopedPage(ctx, q, func(l Lease) int64 { return l.ID },
		func(scope auth.Scope, cursor int64, limit int) ([]Lease, error) {
			return listLeases(ctx, s.db, f, scope, cursor, limit)
		})
}

// leaseChange is one change of an active lease by the housing office, made by changeLease.
type leaseChange struct {
	action string // audited as housing_lease.<action>
	// check refuses the change when the lease does not allow it.
	check func(before Lease) error
	// update is the statement that makes the change, with the lease's id as $1 and args after it.
	update string
	args   []any
	// after runs in the transaction once the lease is updated (freeing the unit, say).
	after func(tx *sqlx.Tx, before Lease) error
	// audited is what the audit record says changed.
	audited map[string]any
}

// changeLease makes one change to an active lease, if it is still the version the caller read
// (0: any): lock, check, write, audit — in one transaction.
func (s *Service) changeLease(ctx context.Context, id int64, version int, c leaseChange) (Lease, error) {
	if _, err := auth.Require(ctx, housingRoles...); err != nil {
		return Lease{}, err
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getLease(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := etag.Check(version, before.Version); err != nil {
			return err
		}
		if before.Status != LeaseActive {
			return ErrLeaseEnded
		}
		if c.check != nil {
			if err := c.check(before); err != nil {
				return err
			}
		}
		if err := execLease(ctx, tx, c.action+" lease", c.update, append([]any{id}, c.args...)...); err != nil {
			return err
		}
		if c.after != nil {
			if err := c.after(tx, before); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_lease." + c.action, EntityType: "housing_lease",
			EntityID: strconv.FormatInt(id, 10), Before: map[string]any{"end_on": before.EndOn, "status": before.Status,
				"move_out_on": before.MoveOutOn}, After: c.audited})
	})
	if err != nil {
		return Lease{}, err
	}
	return getLease(ctx, s.db, id, false)
}

// RenewLease extends an active lease by months from its current end.
func (s *Service) RenewLease(ctx context.Context, id int64, version, months int) (Lease, error) {
	var endOn civil.Date
	return s.changeLease(ctx, id, version, leaseChange{
		action: "renew",
		check: func(before Lease) error {
			endOn = addMonths(before.EndOn, months)
			return nil
		},
		update:  `UPDATE housing_leases SET end_on = $2, version = version + 1, updated_at = now() WHERE id = $1`,
		args:    []any{&endOn},
		audited: map[string]any{"months": months, "end_on": &endOn},
	})
}

// TerminateLease ends an active lease on endedOn with a reason; its unit is available again.
func (s *Service) TerminateLease(ctx context.Context, id int64, version int, endedOn civil.Date, reason string) (Lease, error) {
	if reason = strings.TrimSpace(reason); reason == "" {
		return Lease{}, errEndReason
	}
	return s.changeLease(ctx, id, version, leaseChange{
		action: "terminate",
		check:  notBeforeStart(endedOn, errEndedOnEarly),
		update: `UPDATE housing_leases SET status = 'ended', ended_on = $2, end_reason = $3, version = version + 1,
			updated_at = now() WHERE id = $1`,
		args:    []any{endedOn, reason},
		after:   func(tx *sqlx.Tx, before Lease) error { return releaseLeaseHold(ctx, tx, before) },
		audited: map[string]any{"status": LeaseEnded, "ended_on": endedOn, "reason": reason},
	})
}

// SetMoveOut sets the day the tenant of an active lease must move out (the office's answer to a
// lease flagged when its talent left the registry); the lease is flagged if it was not.
func (s *Service) SetMoveOut(ctx context.Context, id int64, version int, on civil.Date) (Lease, error) {
	return s.changeLease(ctx, id, version, leaseChange{
		action: "move_out",
		check:  notBeforeStart(on, errMoveOutEarly),
		update: `UPDATE housing_leases SET move_out_due = true, move_out_on = $2, version = version + 1,
			updated_at = now() WHERE id = $1`,
		args:    []any{on},
		audited: map[string]any{"move_out_due": true, "move_out_on": on},
	})
}

// notBeforeStart refuses a day before the lease started with refusal.
func notBeforeStart(day civil.Date, refusal error) func(Lease) error {
	return func(before Lease) error {
		if day.Before(before.StartOn) {
			return refusal
		}
		return nil
	}
}
