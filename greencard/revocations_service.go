package greencard

import (
	"context"
	"math"
	"time"

	"talentd/internal/auth"
)

// Revocations lists what changed after the cursor (or since the time), oldest first; an offline
// window client polls it, passing back NextCursor each time.
func (s *Service) Revocations(ctx context.Context, q RevocationQuery) (RevocationPage, error) {
	if _, err := auth.Require(ctx, verifierRoles...); err != nil {
		return RevocationPage{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10_000)
	var from revocationKey
	if q.Cursor != "" {
		var err error
		if from, err = decodeRevocationKey(q.Cursor); err != nil {
			return RevocationPage{}, err
		}
	} else {
		// After since: past every change at that microsecond. (PostgreSQL keeps microseconds;
		// truncating keeps a change a fraction later than since from being rounded away.)
		since := q.Since.Truncate(time.Microsecond)
		if since.Before(time.Unix(0, 0)) {
			since = time.Unix(0, 0)
		}
		from = newRevocationKey(since, math.MaxInt64, math.MaxInt32)
	}
	horizon, err := revocationHorizon(ctx, s.db)
	if err != nil {
		return RevocationPage{}, err
	}
	out := RevocationPage{}
	if out.Items, err = revocationsAfter(ctx, s.db, from, horizon, limit); err != nil {
		return RevocationPage{}, err
	}
	if n := len(out.Items); n > 0 {
		last := out.Items[n-1]
		from = newRevocationKey(last.Since, last.CardID, int64(last.Version))
	}
	out.NextCursor, out.More = from.encode(), len(out.Items) == limit
	return out, nil
}
