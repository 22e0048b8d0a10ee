package greencard

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/postgres"
	"talentd/internal/vocab"
	"talentd/talent"
)

// Catalogue lists the services in their order. The catalogue is the programme's public statement
// of what holders get: every role reads it.
func (s *Service) Catalogue(ctx context.Context) ([]ServiceItem, error) {
	return listServiceItems(ctx, s.db)
}

// ServiceVocabulary is the catalogue as an enumeration (code, Chinese and English name) for
// GET /v1/vocabularies. The office edits the names, so two of them could clash, which a list
// cannot hold: that is reported as a conflict to resolve in the catalogue.
func (s *Service) ServiceVocabulary(ctx context.Context) (list *vocab.List, err error) {
	items, err := listServiceItems(ctx, s.db)
	if err != nil {
		return nil, err
	}
	terms := make([]vocab.Term, len(items))
	for i, it := range items {
		en := it.NameEN
		if en == "" {
			en = it.NameZH // an English name is optional; the Chinese one stands in for it
		}
		terms[i] = vocab.T(it.Code, it.NameZH, en)
	}
	list, err = vocab.Build("service", terms...)
	if err != nil {
		return nil, errs.Wrap(errs.Conflict, "service_names_clash",
			"服务目录中有两项服务的名称相同，请在服务目录中修改", "two services of the catalogue share a name; rename one", err)
	}
	return list, nil
}

// UpdateService replaces a catalogue item (talent office); ifVersion, when non-zero, must match.
func (s *Service) UpdateService(ctx context.Context, code string, ifVersion int, in ServiceItemInput) (ServiceItem, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return ServiceItem{}, err
	}
	in.NameZH = strings.TrimSpace(in.NameZH)
	// Both lists are NOT NULL columns: an item left without steps or classes has empty ones.
	if in.Steps == nil {
		in.Steps = []string{}
	}
	if in.Eligible == nil {
		in.Eligible = []string{}
	}
	var fields []errs.FieldError
	if in.NameZH == "" {
		fields = append(fields, errs.Field("body.name_zh", "required", "请填写服务的中文名称", "required", nil))
	}
	seen := map[string]bool{}
	for _, c := range in.Eligible {
		if !talent.GradeVocab.Has(c) || seen[c] {
			fields = append(fields, errs.Field("body.eligible", "bad_class", "适用类别只能是 A、B、C、D，每类只填一次",
				"classes A, B, C or D, each once", c))
		}
		seen[c] = true
	}
	if len(fields) > 0 {
		return ServiceItem{}, errs.Fields(fields...)
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
		if out, err = updateServiceItem(ctx, tx, code, in); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "service_item.update", EntityType: "service_item",
			EntityID: code, Before: before, After: out})
	})
	return out, err
}
