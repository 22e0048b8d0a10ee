package greencard

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/civil"
	"talentd/internal/fieldcrypt"
	"talentd/talent"
)

// Options configure the green card service.
type Options struct {
	// ValidityYears is how long a card of each class stays valid after issue (default A/B 5, C/D 3).
	ValidityYears map[string]int
	// SerialPrefix starts every serial (default "BS", for Bishan).
	SerialPrefix string
	Now          func() time.Time
	Logger       *slog.Logger
}

// DefaultValidity is the validity of each class when the configuration says nothing.
var DefaultValidity = map[string]int{"A": 5, "B": 5, "C": 3, "D": 3}

// ParseValidity reads "A=5,B=5,C=3,D=3" (years per class); classes left out keep the default.
func ParseValidity(s string) (map[string]int, error) {
	out := map[string]int{}
	for k, v := range DefaultValidity {
		out[k] = v
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		years, err := strconv.Atoi(strings.TrimSpace(v))
		k = strings.ToUpper(strings.TrimSpace(k))
		if !ok || err != nil || years < 1 || years > 20 || !talent.GradeVocab.Has(k) {
			return nil, fmt.Errorf("card validity %q: want entries like A=5 (class A–D, 1 to 20 years)", part)
		}
		out[k] = years
	}
	return out, nil
}

// Service runs the green card rules; it owns every transaction.
type Service struct {
	db      *sqlx.DB
	keys    *keyring
	talents *talent.Service
	opts    Options
	qr      *pngCache
	vlog    *verifyLog

	stmtMu     sync.Mutex
	verifyStmt *sqlx.Stmt
}

// NewService returns a Service; ring seals the signing keys at rest.
func NewService(db *sqlx.DB, ring *fieldcrypt.Ring, talents *talent.Service, o Options) *Service {
	if o.ValidityYears == nil {
		o.ValidityYears = DefaultValidity
	}
	if o.SerialPrefix == "" {
		o.SerialPrefix = "BS"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{db: db, keys: newKeyring(ring), talents: talents, opts: o, qr: newPNGCache(20_000),
		vlog: newVerifyLog(db, o.Logger)}
}

// today is the district's date on the service's clock.
func (s *Service) today() civil.Date { return civil.InDistrict(s.opts.Now()) }

// startOfToday is the instant the district's current day began.
func (s *Service) startOfToday() time.Time { return midnight(s.today()) }

// midnight is the instant the district's day d begins.
func midnight(d civil.Date) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, civil.District)
}

// Hooks returns the registry hooks that keep cards in step with registrations and grades; they
// run inside the registry's transaction.
func (s *Service) Hooks() talent.Hooks {
	return talent.Hooks{
		GradeChanged: func(ctx context.Context, tx sqlx.ExtContext, talentID int64, old, new talent.Grade) error {
			reason := "grade " + string(old) + " → " + string(new)
			if old == "" {
				reason = "registration"
			}
			_, err := s.issueOrReissue(ctx, tx, talentID, string(new), reason)
			return err
		},
		Left: func(ctx context.Context, tx sqlx.ExtContext, talentID int64) error {
			return s.revokeLive(ctx, tx, talentID, "talent left the registry")
		},
	}
}

// FlushVerificationLog writes every queued verification log line now.
func (s *Service) FlushVerificationLog() { s.vlog.flush() }

// Close writes the queued verification log lines and stops the writer; call it at shutdown.
func (s *Service) Close() { s.vlog.close() }
