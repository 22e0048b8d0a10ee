package subsidy

import (
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/fieldcrypt"
	"talentd/internal/iso20022"
	"talentd/talent"
)

// Options configure the subsidy service.
type Options struct {
	// Now is the clock.
	Now func() time.Time
	// Logger hears of failures that can no longer reach the client (an export cut short).
	Logger *slog.Logger
	// Payer is the paying party of every payout run's credit-transfer file: the finance bureau's
	// name, the account debited and its bank's CNAPS code. Runs are made and settled without it,
	// but no pain.001 file is written until it is set (see CheckPayer).
	Payer iso20022.Party
}

// Service runs the subsidy rules; it owns every transaction.
type Service struct {
	db      *sqlx.DB
	ring    *fieldcrypt.Ring
	talents *talent.Service
	opts    Options
}

// NewService returns a Service over db; ring seals the beneficiaries' bank accounts, talents is the
// registry the awards draw on.
func NewService(db *sqlx.DB, ring *fieldcrypt.Ring, talents *talent.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{db: db, ring: ring, talents: talents, opts: o}
}
