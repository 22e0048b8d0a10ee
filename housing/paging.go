package housing

import "talentd/internal/page"

// listPage reads one page of a listing keyed by id (see page.Fetch).
func listPage[T any](q page.Query, fetch func(after int64, limit int) ([]T, error), id func(T) int64) (page.Of[T], error) {
	return page.Fetch(q, fetch, id)
}
