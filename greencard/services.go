package greencard

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/postgres"
)

// ServiceItem is one of the catalogue's services.
type ServiceItem struct {
	Code         string         `db:"code" json:"code"`
	NameZH       string         `db:"name_zh" json:"name_zh"`
	NameEN       string         `db:"name_en" json:"name_en"`
	Content      string         `db:"content" json:"content"`
	Eligible     pq.StringArray `db:"eligible" json:"eligible" doc:"Card classes that may use it"`
	Steps        pq.StringArray `db:"steps" json:"steps" doc:"Process steps"`
	StandardDays int            `db:"standard_days" json:"standard_days" doc:"Days within which it is to be completed"`
	YearlyQuota  *int           `db:"yearly_quota" json:"yearly_quota" doc:"Uses per holder per year; null: unlimited"`
	SortOrder    int            `db:"sort_order" json:"sort_order"`
	Version      int            `db:"version" json:"-"`
	UpdatedAt    time.Time      `db:"updated_at" json:"updated_at"`
}

const serviceColumns = `code, name_zh, name_en, content, eligible, steps, standard_days, yearly_quota, sort_order, version, updated_at`

// Catalogue lists the services in their order.
func (s *Service) Catalogue(ctx context.Context) ([]ServiceItem, error) {
	out := []ServiceItem{}
	err := sqlx.SelectContext(ctx, s.db, &out, `SELECT `+serviceColumns+` FROM service_items ORDER BY sort_order, code`)
	return out, postgres.Translate(err, "catalogue")
}

func serviceItem(ctx context.Context, q sqlx.QueryerContext, code string, forUpdate bool) (ServiceItem, error) {
	query := `SELECT ` + serviceColumns + ` FROM service_items WHERE code = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var it ServiceItem
	err := sqlx.GetContext(ctx, q, &it, query, code)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrServiceUnknown
	}
	return it, postgres.Translate(err, "service")
}

// ServiceItemInput is what editing a catalogue item takes.
type ServiceItemInput struct {
	NameZH       string
	NameEN       string
	Content      string
	Eligible     []string
	Steps        []string
	StandardDays int
	YearlyQuota  *int
	SortOrder    int
}

const updateService = `
UPDATE service_items SET name_zh = $2, name_en = $3, content = $4, eligible = $5, steps = $6, standard_days = $7,
       yearly_quota = $8, sort_order = $9, version = version + 1, updated_at = now()
WHERE code = $1 RETURNING ` + serviceColumns

// UpdateService replaces a catalogue item (talent office); ifVersion, when non-zero, must match.
func (s *Service) UpdateService(ctx context.Context, code string, ifVersion int, in ServiceItemInput) (ServiceItem, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return ServiceItem{}, err
	}
	in.NameZH = strings.TrimSpace(in.NameZH)
	var fields []errs.FieldError
	if in.NameZH == "" {
		fields = append(fields, errs.FieldError{Location: "body.name_zh", Message: "required"})
	}
	seen := map[string]bool{}
	for _, c := range in.Eligible {
		if !strings.Contains("ABCD", c) || len(c) != 1 || seen[c] {
			fields = append(fields, errs.FieldError{Location: "body.eligible", Message: "classes A, B, C or D, each once", Value: c})
		}
		seen[c] = true
	}
	if len(fields) > 0 {
		return ServiceItem{}, errs.UntranslatedFields("invalid service", fields...)
	}
	var out ServiceItem
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := serviceItem(ctx, tx, code, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if err := sqlx.GetContext(ctx, tx, &out, updateService, code, in.NameZH, in.NameEN, in.Content,
			pq.StringArray(in.Eligible), pq.StringArray(in.Steps), in.StandardDays, in.YearlyQuota, in.SortOrder); err != nil {
			return postgres.Translate(err, "update service")
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "service_item.update", EntityType: "service_item",
			EntityID: code, Before: before, After: out})
	})
	return out, err
}

// Use is one recorded use of a service.
type Use struct {
	ID          int64     `db:"id" json:"id"`
	Serial      string    `db:"serial" json:"serial"`
	TalentID    int64     `db:"talent_id" json:"talent_id"`
	ServiceCode string    `db:"service_code" json:"service"`
	UsedAt      time.Time `db:"used_at" json:"used_at"`
	Window      string    `db:"window_name" json:"window,omitempty"`
	Note        string    `db:"note" json:"note,omitempty"`
	Remaining   *int      `db:"-" json:"remaining" doc:"Uses left this year after this one; null: unlimited"`
}

// Refusals of a service use, with the verdict's reason codes for an invalid card.
var (
	ErrNotEligible    = errs.Untranslated(errs.Conflict, "the card's class is not eligible for this service")
	ErrQuotaExhausted = errs.Untranslated(errs.Conflict, "the yearly quota of this service is used up")
)

func errCardInvalid(reason string) error {
	return errs.Untranslatedf(errs.Conflict, "the card does not verify: %s", reason)
}

// Consume one unit of the holder's yearly quota; no row comes back when none is left, so of two
// concurrent uses of the last unit exactly one succeeds (the row lock serialises them).
const consumeQuota = `
INSERT INTO service_quota_usage AS u (talent_id, service_code, year, used) VALUES ($1, $2, $3, 1)
ON CONFLICT (talent_id, service_code, year) DO UPDATE SET used = u.used + 1
WHERE CAST($4 AS integer) IS NULL OR u.used < CAST($4 AS integer)
RETURNING used`

const insertUse = `
INSERT INTO service_uses (card_id, talent_id, service_code, year, account_id, window_name, note)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, talent_id, service_code, used_at, window_name, note`

// RecordUse records one use of a service by the holder of the token, atomically, only if the card
// verifies, its class is eligible and quota remains.
func (s *Service) RecordUse(ctx context.Context, token, code, window, note string) (Use, error) {
	p, err := auth.Require(ctx, verifierRoles...)
	if err != nil {
		return Use{}, err
	}
	var out Use
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		v, err := s.check(ctx, tx, token, false)
		if err != nil {
			return err
		}
		if !v.Valid {
			return errCardInvalid(v.Reason)
		}
		item, err := serviceItem(ctx, tx, code, false)
		if err != nil {
			return err
		}
		eligible := false
		for _, c := range item.Eligible {
			eligible = eligible || c == v.Card.Class
		}
		if !eligible {
			return ErrNotEligible
		}
		year := s.today().Time().Year()
		if item.YearlyQuota != nil && *item.YearlyQuota == 0 {
			return ErrQuotaExhausted
		}
		var used int
		if err := sqlx.GetContext(ctx, tx, &used, consumeQuota, v.talentID, code, year, item.YearlyQuota); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrQuotaExhausted
			}
			return postgres.Translate(err, "service quota")
		}
		if err := sqlx.GetContext(ctx, tx, &out, insertUse, v.cardID, v.talentID, code, year, p.ActorID(),
			strings.TrimSpace(window), strings.TrimSpace(note)); err != nil {
			return postgres.Translate(err, "record use")
		}
		out.Serial = v.Card.Serial
		if item.YearlyQuota != nil {
			left := *item.YearlyQuota - used
			out.Remaining = &left
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "service_use.record", EntityType: "service_use",
			EntityID: itoa(out.ID), After: out})
	})
	return out, err
}

const selectUsesOfTalent = `
SELECT u.id, c.serial, u.talent_id, u.service_code, u.used_at, u.window_name, u.note
FROM service_uses u JOIN cards c ON c.id = u.card_id
WHERE u.talent_id = $1 ORDER BY u.used_at DESC, u.id DESC LIMIT 500`

// UsesOfTalent lists a talent's service uses, newest first (the caller must see the talent).
func (s *Service) UsesOfTalent(ctx context.Context, talentID int64) ([]Use, error) {
	if err := s.seesHolder(ctx, cardReaches, talentID); err != nil {
		return nil, err
	}
	out := []Use{}
	err := sqlx.SelectContext(ctx, s.db, &out, selectUsesOfTalent, talentID)
	return out, postgres.Translate(err, "service uses")
}

// UseCount is how often one service was used in a period.
type UseCount struct {
	Service string `db:"service_code" json:"service"`
	Name    string `db:"name_zh" json:"name"`
	Uses    int    `db:"uses" json:"uses"`
	Holders int    `db:"holders" json:"holders" doc:"Distinct holders"`
}

const selectUseCounts = `
SELECT i.code AS service_code, i.name_zh, count(u.id) AS uses, count(DISTINCT u.talent_id) AS holders
FROM service_items i
LEFT JOIN service_uses u ON u.service_code = i.code AND u.used_at >= $1 AND u.used_at < $2
     AND (CAST($3 AS boolean) OR u.talent_id IN (SELECT id FROM talents WHERE enterprise_id = CAST($4 AS bigint)))
GROUP BY i.code, i.name_zh, i.sort_order ORDER BY i.sort_order`

// UseCounts counts uses per service in [from, to); HR counts its own talent only.
func (s *Service) UseCounts(ctx context.Context, from, to time.Time) ([]UseCount, error) {
	_, scope, err := cardReaches.Scope(ctx)
	if err != nil {
		return nil, err
	}
	if scope.None() {
		return nil, auth.ErrForbidden
	}
	out := []UseCount{}
	err = sqlx.SelectContext(ctx, s.db, &out, selectUseCounts, from, to, scope.All(), scope.EnterpriseID())
	return out, postgres.Translate(err, "service use counts")
}
