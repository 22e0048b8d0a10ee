// Package answer holds the shapes every slice's huma handlers answer with, so that a handler is one
// call into its service: answer.Of(s.Thing(ctx, id)).
package answer

import "talentd/internal/etag"

// Body is a response that is one value (an object, or a page of a listing).
type Body[T any] struct {
	Body T
}

// Of answers with v, or with the error that stopped the service.
func Of[T any](v T, err error) (*Body[T], error) {
	if err != nil {
		return nil, err
	}
	return &Body[T]{Body: v}, nil
}

// Tagged is one object with the entity tag of its version, for If-Match on the next change.
type Tagged[T any] struct {
	ETag string `header:"ETag"`
	Body T
}

// WithETag answers with v and the entity tag of version, or with the error that stopped the service.
func WithETag[T any](v T, version int, err error) (*Tagged[T], error) {
	if err != nil {
		return nil, err
	}
	return &Tagged[T]{ETag: etag.Of(version), Body: v}, nil
}
