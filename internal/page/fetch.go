package page

// Fetch reads one page of a listing keyed by id: fetch returns up to limit rows after the cursor's
// id, one more than the page holds, so the page knows whether another follows.
func Fetch[T any](q Query, fetch func(after int64, limit int) ([]T, error), id func(T) int64) (Of[T], error) {
	after, err := q.After()
	if err != nil {
		return Of[T]{}, err
	}
	rows, err := fetch(after, q.Size()+1)
	if err != nil {
		return Of[T]{}, err
	}
	return Build(rows, q.Size(), id), nil
}
