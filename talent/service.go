package talent

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/fieldcrypt"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/internal/validate"
)

// Service runs the registry's business rules; it owns every transaction.
type Service struct {
	db       *sqlx.DB
	validate *validate.Validator
	ring     *fieldcrypt.Ring
	hooks    []Hooks
	log      *slog.Logger
	// photoSlots holds a token for each photo being decoded (at most photoDecoders).
	photoSlots chan struct{}
}

// NewService returns a Service over db that protects identity numbers with ring.
func NewService(db *sqlx.DB, ring *fieldcrypt.Ring) *Service {
	return &Service{db: db, validate: validate.New(), ring: ring, log: slog.Default(),
		photoSlots: make(chan struct{}, photoDecoders)}
}

// SetLogger sets where the registry reports failures that can no longer reach the client (an
// export cut short after its headers were sent); call it once at start.
func (s *Service) SetLogger(l *slog.Logger) { s.log = l }

func (in *EnterpriseInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.USCC = strings.ToUpper(strings.TrimSpace(in.USCC))
	in.Address = strings.TrimSpace(in.Address)
	in.Industry = strings.TrimSpace(in.Industry)
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
}

// CreateEnterprise registers an enterprise; its credit code must be valid and not yet registered.
func (s *Service) CreateEnterprise(ctx context.Context, in EnterpriseInput) (Enterprise, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Enterprise{}, err
	}
	in.normalize()
	if err := s.validate.Struct(in, "body"); err != nil {
		return Enterprise{}, err
	}
	var out Enterprise
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if out, err = insertEnterpriseRow(ctx, tx, in); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "enterprise.create", EntityType: "enterprise",
			EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, err
}

// GetEnterprise returns an enterprise the caller may see.
func (s *Service) GetEnterprise(ctx context.Context, id int64) (Enterprise, error) {
	_, scope, err := enterpriseReaches.Scope(ctx)
	if err != nil {
		return Enterprise{}, err
	}
	if !scope.SeesEnterprise(&id) {
		return Enterprise{}, ErrEnterpriseNotFound
	}
	return getEnterprise(ctx, s.db, id)
}

// UpdateEnterprise replaces an enterprise's fields. ifVersion, when non-zero, must be the stored
// version (from the ETag), so that two clerks editing at once cannot silently overwrite each other.
func (s *Service) UpdateEnterprise(ctx context.Context, id int64, ifVersion int, in EnterpriseInput) (Enterprise, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Enterprise{}, err
	}
	in.normalize()
	if err := s.validate.Struct(in, "body"); err != nil {
		return Enterprise{}, err
	}
	var out Enterprise
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getEnterpriseForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if out, err = updateEnterpriseRow(ctx, tx, id, in); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "enterprise.update", EntityType: "enterprise",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	return out, err
}

// ListEnterprises returns one page of the enterprises the caller may see that match f.
func (s *Service) ListEnterprises(ctx context.Context, f EnterpriseFilter, q page.Query) (page.Of[Enterprise], error) {
	_, scope, err := enterpriseReaches.Scope(ctx)
	if err != nil {
		return page.Of[Enterprise]{}, err
	}
	after, err := q.After()
	if err != nil {
		return page.Of[Enterprise]{}, err
	}
	f.Query = strings.TrimSpace(f.Query)
	f.AfterID, f.Limit = after, q.Size()+1
	rows, err := listEnterprises(ctx, s.db, f, scope)
	if err != nil {
		return page.Of[Enterprise]{}, err
	}
	return page.Build(rows, q.Size(), func(e Enterprise) int64 { return e.ID }), nil
}
