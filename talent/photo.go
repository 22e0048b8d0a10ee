package talent

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/errs"
)

// Photo is a talent's photo as stored: re-encoded, without metadata.
type Photo struct {
	TalentID    int64     `db:"talent_id"`
	ContentType string    `db:"content_type"`
	Image       []byte    `db:"image"`
	SHA256      []byte    `db:"sha256"`
	Width       int       `db:"width"`
	Height      int       `db:"height"`
	UploadedAt  time.Time `db:"uploaded_at"`
}

// ErrPhotoNotFound is returned for a talent without a photo.
var ErrPhotoNotFound = errs.New(errs.NotFound, "photo_not_found", "该人才没有照片", "this talent has no photo")

const selectPhoto = `SELECT talent_id, content_type, image, sha256, width, height, uploaded_at FROM talent_photos WHERE talent_id = $1`

// PhotoOf reads the photo of a talent without any scope check: callers (the registry's own photo
// endpoint, the card slice after verifying a card) decide who may see it.
func PhotoOf(ctx context.Context, q sqlx.QueryerContext, talentID int64) (Photo, error) {
	var p Photo
	err := sqlx.GetContext(ctx, q, &p, selectPhoto, talentID)
	if errors.Is(err, sql.ErrNoRows) {
		return Photo{}, ErrPhotoNotFound
	}
	return p, err
}

// HasPhoto reports whether a talent has a photo, without reading it.
func HasPhoto(ctx context.Context, q sqlx.QueryerContext, talentID int64) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM talent_photos WHERE talent_id = $1)`, talentID)
	return ok, err
}
