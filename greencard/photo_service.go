package greencard

import (
	"context"
	"encoding/hex"

	"talentd/internal/auth"
	"talentd/internal/postgres"
	"talentd/talent"
)

// photoURL is where the holder's photo of the card with the serial is served.
func photoURL(serial string) string { return "/v1/greencard/cards/" + serial + "/photo" }

// PhotoETag is the entity tag of a photo: its content's digest, so a cached copy stays good until
// the photo is replaced.
func PhotoETag(p talent.Photo) string {
	return `"` + hex.EncodeToString(p.SHA256[:min(len(p.SHA256), 16)]) + `"`
}

// CardPhoto returns the photo of the holder of the card with the serial, for the face-to-face
// check. The office sees every holder's, HR its own enterprise's; a window or a commissioner only
// the holder of a card that the same account verified today. Anyone else, and a card that does
// not exist, get ErrCardNotFound alike.
func (s *Service) CardPhoto(ctx context.Context, serial string) (talent.Photo, error) {
	p, err := auth.Require(ctx, photoRoles...)
	if err != nil {
		return talent.Photo{}, err
	}
	var talentID int64
	if p.Is(sightRoles...) {
		seen, err := s.verifiedToday(ctx, p, serial, false)
		if err != nil {
			return talent.Photo{}, err
		}
		if !seen {
			return talent.Photo{}, ErrCardNotFound
		}
		c, err := cardBySerial(ctx, s.db, serial, false)
		if err != nil {
			return talent.Photo{}, err
		}
		talentID = c.TalentID
	} else {
		c, err := s.CardBySerial(ctx, serial)
		if err != nil {
			return talent.Photo{}, err
		}
		talentID = c.TalentID
	}
	photo, err := talent.PhotoOf(ctx, s.db, talentID)
	return photo, postgres.Translate(err, "holder photo")
}
