package housing

import (
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/fieldcrypt"
	"talentd/talent"
)

// Options configure the housing service.
type Options struct {
	// Now is the clock (tests move it to expire offers).
	Now func() time.Time
}

// Service runs the housing rules; it owns every transaction.
type Service struct {
	db      *sqlx.DB
	ring    *fieldcrypt.Ring
	talents *talent.Service
	opts    Options
}

// NewService returns a Service over db that reads talents and seals applicants' identity numbers
// through the registry; ring seals each round's seed until the round is committed.
func NewService(db *sqlx.DB, ring *fieldcrypt.Ring, talents *talent.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: db, ring: ring, talents: talents, opts: o}
}
