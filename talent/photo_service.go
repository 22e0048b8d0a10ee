package talent

import (
	"context"
	"encoding/hex"
	"errors"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/postgres"
)

// photoDecoders bounds how many uploads are decoded at once: a photo within the pixel bounds
// still takes up to a few hundred MiB while its pixels are in memory.
const photoDecoders = 2

// PutPhoto stores a talent's photo, replacing any earlier one: the image is checked, decoded and
// re-encoded (see reencodePhoto), so that no metadata of the upload is kept. HR sets the photos of
// its own enterprise's talent, the office anyone's. Audited with the image's hash and size, never
// its bytes.
func (s *Service) PutPhoto(ctx context.Context, talentID int64, contentType string, data []byte) (PhotoInfo, error) {
	p, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return PhotoInfo{}, err
	}
	// Asked first, so that nobody can use the decoder on a record they cannot see.
	if _, err := visibleTalent(ctx, s.db, scope, talentID, false); err != nil {
		return PhotoInfo{}, err
	}
	clean, err := s.reencodePhoto(ctx, contentType, data)
	if err != nil {
		return PhotoInfo{}, err
	}
	var out PhotoInfo
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := visibleTalent(ctx, tx, scope, talentID, true); err != nil {
			return err
		}
		var before any
		if b, err := photoInfoOf(ctx, tx, talentID); err == nil {
			before = b
		} else if !errors.Is(err, ErrPhotoNotFound) {
			return err
		}
		if out, err = putPhotoRow(ctx, tx, talentID, clean, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.photo_put", EntityType: "talent",
			EntityID: talentEntity(talentID), Before: before, After: out})
	})
	return out, err
}

// reencodePhoto runs reencodePhoto when a decoder is free, or gives up when ctx ends first.
func (s *Service) reencodePhoto(ctx context.Context, contentType string, data []byte) (cleanPhoto, error) {
	select {
	case s.photoSlots <- struct{}{}:
		defer func() { <-s.photoSlots }()
	case <-ctx.Done():
		return cleanPhoto{}, ctx.Err()
	}
	return reencodePhoto(contentType, data)
}

// GetPhoto returns a talent's photo to a caller who may see the record.
func (s *Service) GetPhoto(ctx context.Context, talentID int64) (Photo, error) {
	if _, err := s.GetTalent(ctx, talentID); err != nil {
		return Photo{}, err
	}
	ph, err := PhotoOf(ctx, s.db, talentID)
	if err != nil && !errors.Is(err, ErrPhotoNotFound) {
		return Photo{}, translateTalent(err, "read photo")
	}
	return ph, err
}

// DeletePhoto removes a talent's photo; the same callers as PutPhoto may. Audited.
func (s *Service) DeletePhoto(ctx context.Context, talentID int64) error {
	_, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := visibleTalent(ctx, tx, scope, talentID, true); err != nil {
			return err
		}
		gone, err := deletePhotoRow(ctx, tx, talentID)
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.photo_delete", EntityType: "talent",
			EntityID: talentEntity(talentID), Before: gone})
	})
}

// photoETag is the entity tag of a stored photo: its hash.
func photoETag(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }
