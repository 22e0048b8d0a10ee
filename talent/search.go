package talent

import (
	"context"
	"strings"
	"time"

	"talentd/internal/auth"
	"talentd/internal/govid"
	"talentd/internal/page"
)

// SearchResult is one page of a talent search with the total number of matches.
type SearchResult struct {
	Items      []Talent
	NextCursor string
	Total      int
}

// SearchTalents lists the records the caller may see that match f, in f.Sort order, one page after
// the cursor, with the total count of matches. A query that is a whole identity number finds
// that person exactly (through the blind index) instead of searching names.
func (s *Service) SearchTalents(ctx context.Context, f TalentFilter, cursorText string, limit int, withTotal bool) (SearchResult, error) {
	p, scope, err := talentReaches.Scope(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	if scope.None() {
		return SearchResult{Items: []Talent{}}, nil
	}
	after, err := decodeCursor(cursorText)
	if err != nil {
		return SearchResult{}, err
	}
	// A cursor made under another sort order carries the wrong kind of key; the database would
	// choke on it as a timestamp, so it is refused here as the client's mistake.
	if after != nil && (f.Sort == "registered_at" || f.Sort == "-registered_at") && after.Key != "-infinity" {
		if _, err := time.Parse(time.RFC3339Nano, after.Key); err != nil {
			return SearchResult{}, errBadCursor
		}
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
	res := SearchResult{Items: rows, Total: total}
	if len(rows) > limit {
		res.Items = rows[:limit]
		last := res.Items[limit-1]
		c := cursor{ID: last.ID}
		switch f.Sort {
		case "name":
			c.Key = last.Name
		case "registered_at", "-registered_at":
			c.Key = "-infinity"
			if last.RegisteredAt != nil {
				c.Key = last.RegisteredAt.UTC().Format(time.RFC3339Nano)
			}
		}
		res.NextCursor = c.encode()
	}
	return res, nil
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
