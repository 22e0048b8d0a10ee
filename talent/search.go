package talent

import (
	"context"
	"errors"
	"slices"
	"strings"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/govid"
	"talentd/internal/page"
)

// SearchResult is one page of a talent search with the total number of matches.
type SearchResult struct {
	Items      []Talent
	NextCursor string
	Total      int
	// EnterpriseNames are the names of the items' employers, by enterprise id.
	EnterpriseNames map[int64]string
	// WithPhoto holds the ids of the items that have a photo.
	WithPhoto map[int64]bool
}

// SearchTalents lists the records the caller may see that match f, in f.Sort order, one page after
// the cursor, with the total count of matches. A query that is a whole identity number finds
// that person exactly (through the blind index) instead of searching names.
func (s *Service) SearchTalents(ctx context.Context, f TalentFilter, cursorText string, limit int, withTotal bool) (SearchResult, error) {
	p, scope, err := talentReaches.Scope(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	empty := SearchResult{Items: []Talent{}, EnterpriseNames: map[int64]string{}, WithPhoto: map[int64]bool{}}
	if scope.None() {
		return empty, nil
	}
	after, err := decodeCursor(cursorText)
	if err != nil {
		return SearchResult{}, err
	}
	if limit <= 0 || limit > page.MaxLimit {
		limit = page.DefaultLimit
	}
	f.Query = strings.TrimSpace(f.Query)
	if q := strings.ToUpper(f.Query); len(q) == 18 {
		if _, err := govid.ParseIDNumber(q); err == nil {
			// A lookup by whole number is an oracle: with the masked number and the birth year,
			// a few dozen lookups would confirm the hidden digits. Only the roles that read whole
			// numbers may ask it.
			if !SeesFullIDNumbers(p.Role) {
				return SearchResult{}, errIDSearchNotAllowed
			}
			f.IDNumberHash, f.Query = s.IDNumberIndex(q), ""
		}
	}
	rows, total, err := listTalentRows(ctx, s.db, f, scope, after, limit+1, withTotal)
	if err != nil {
		return SearchResult{}, err
	}
	res := empty
	res.Total = total
	if len(rows) > limit {
		rows = rows[:limit]
		res.NextCursor = sorts[f.Sort].cursorAfter(rows[limit-1].Talent).encode()
	}
	res.Items = make([]Talent, len(rows))
	for i, r := range rows {
		res.Items[i] = r.Talent
		if r.EnterpriseName != nil {
			res.EnterpriseNames[*r.EnterpriseID] = *r.EnterpriseName
		}
		if r.HasPhoto {
			res.WithPhoto[r.ID] = true
		}
	}
	return res, nil
}

// Listing is one page of the talent listing: the search's page with, for each record on its way
// to registration, what the policy in force says of it today.
type Listing struct {
	SearchResult
	Suggested map[int64]Assessment
}

// pending reports whether a record in status st is on its way to registration.
func (st Status) pending() bool {
	return st == StatusDraft || st == StatusSubmitted || st == StatusReturned
}

// ListTalents is SearchTalents with the total and the suggestions; the policy in force is read
// once for the page, and every suggestion is computed from it in memory.
func (s *Service) ListTalents(ctx context.Context, f TalentFilter, cursorText string, limit int) (Listing, error) {
	res, err := s.SearchTalents(ctx, f, cursorText, limit, true)
	if err != nil {
		return Listing{}, err
	}
	out := Listing{SearchResult: res, Suggested: map[int64]Assessment{}}
	if !slices.ContainsFunc(res.Items, func(t Talent) bool { return t.Status.pending() }) {
		return out, nil
	}
	pol, err := currentPolicy(ctx, s.db)
	if errors.Is(err, ErrNoPolicy) {
		return out, nil // nothing to suggest from
	} else if err != nil {
		return Listing{}, err
	}
	today := civil.DistrictToday()
	for _, t := range res.Items {
		if t.Status.pending() {
			out.Suggested[t.ID] = pol.Assess(t.attributes(), today)
		}
	}
	return out, nil
}

// IDNumberFor returns t's identity number as the caller may see it: whole for the roles that
// need it, masked for everyone else.
func (s *Service) IDNumberFor(p auth.Principal, t Talent) string {
	switch TalentFieldsOf(p.Role).IDNumber {
	case IDHidden:
		return ""
	case IDMasked:
		return t.IDNumberMasked
	}
	id, err := s.ring.Open(t.IDNumberCipher, idPurpose)
	if err != nil {
		return t.IDNumberMasked // a key missing from the ring must not break reading the registry
	}
	return id
}
