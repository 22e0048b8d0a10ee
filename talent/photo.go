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

// Errors of the photo operations.
var (
	// ErrPhotoNotFound is returned for a talent without a photo.
	ErrPhotoNotFound = errs.New(errs.NotFound, "photo_not_found", "该人才没有照片", "this talent has no photo")

	errPhotoType = errs.New(errs.Invalid, "photo_type", "照片须为 JPEG 或 PNG 格式的图片（Content-Type: image/jpeg 或 image/png）",
		"the photo must be a JPEG or PNG image (Content-Type image/jpeg or image/png)")
	errPhotoTooLarge = errs.New(errs.Invalid, "photo_too_large", "照片文件不能超过 2 MB，请压缩后重新上传",
		"the photo must not exceed 2 MiB")
	errPhotoDimensions = errs.New(errs.Invalid, "photo_dimensions",
		"照片尺寸过大：长、宽均不能超过 6000 像素，总像素不能超过 4000 万，请缩小后重新上传",
		"the photo is too large: at most 6000 pixels a side and 40 megapixels")
	errPhotoUnreadable = errs.New(errs.Invalid, "photo_unreadable",
		"无法读取这张照片：文件可能已损坏，或与所选格式不符，请重新上传",
		"the image cannot be read: it is damaged or not of the type it was sent as")
)

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

// PhotoInfo describes a stored photo without its bytes: what the API answers an upload with and
// what the audit log keeps.
type PhotoInfo struct {
	ContentType string    `json:"content_type" db:"content_type"`
	SHA256      string    `json:"sha256" db:"sha256" doc:"Hex SHA-256 of the stored image; its ETag"`
	Bytes       int       `json:"bytes" db:"bytes"`
	Width       int       `json:"width" db:"width"`
	Height      int       `json:"height" db:"height"`
	UploadedAt  time.Time `json:"uploaded_at" db:"uploaded_at"`
}

const photoInfoColumns = `content_type, encode(sha256, 'hex') AS sha256, length(image) AS bytes, width, height, uploaded_at`

const upsertPhoto = `
INSERT INTO talent_photos (talent_id, content_type, image, sha256, width, height, uploaded_by_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (talent_id) DO UPDATE SET content_type = EXCLUDED.content_type, image = EXCLUDED.image,
       sha256 = EXCLUDED.sha256, width = EXCLUDED.width, height = EXCLUDED.height,
       uploaded_by_id = EXCLUDED.uploaded_by_id, uploaded_at = now()
RETURNING ` + photoInfoColumns

// putPhotoRow stores the photo of a talent, replacing any earlier one.
func putPhotoRow(ctx context.Context, q sqlx.ExtContext, talentID int64, ph cleanPhoto, by *int64) (PhotoInfo, error) {
	var out PhotoInfo
	err := sqlx.GetContext(ctx, q, &out, upsertPhoto, talentID, ph.contentType, ph.data, ph.sum[:], ph.width, ph.height, by)
	return out, translateTalent(err, "store photo")
}

// photoInfoOf describes the photo of a talent; ErrPhotoNotFound when it has none.
func photoInfoOf(ctx context.Context, q sqlx.QueryerContext, talentID int64) (PhotoInfo, error) {
	var out PhotoInfo
	err := sqlx.GetContext(ctx, q, &out, `SELECT `+photoInfoColumns+` FROM talent_photos WHERE talent_id = $1`, talentID)
	if errors.Is(err, sql.ErrNoRows) {
		return PhotoInfo{}, ErrPhotoNotFound
	}
	return out, translateTalent(err, "read photo")
}

// deletePhotoRow removes the photo of a talent and describes what it removed.
func deletePhotoRow(ctx context.Context, q sqlx.ExtContext, talentID int64) (PhotoInfo, error) {
	var out PhotoInfo
	err := sqlx.GetContext(ctx, q, &out, `DELETE FROM talent_photos WHERE talent_id = $1 RETURNING `+photoInfoColumns, talentID)
	if errors.Is(err, sql.ErrNoRows) {
		return PhotoInfo{}, ErrPhotoNotFound
	}
	return out, translateTalent(err, "delete photo")
}

// photoURL is where the photo of a talent is served.
func photoURL(talentID int64) string { return "/v1/talents/" + talentEntity(talentID) + "/photo" }
