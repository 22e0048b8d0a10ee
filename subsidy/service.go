package subsidy

import (
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/fieldcrypt"
	"talentd/talent"
)

// Options configure the subsidy service.
type Options struct {
	// Now is the clock.
	Now func() time.Time
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
	return &Service{db: db, ring: ring, talents: talents, opts: o}
}
