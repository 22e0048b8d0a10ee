package greencard

import (
	"context"
	"strings"

	"talentd/internal/auth"
)

// Availability is the verdict on the card with the serial as it stands now — status, expiry and
// what remains of each service's quota — for a card the caller's account verified today (valid or
// not; others are ErrCardNotVerifiedToday). It is what a window shows again after acting on the
// card; it logs no verification, since nobody scanned anything.
func (s *Service) Availability(ctx context.Context, serial string) (Verification, error) {
	p, err := auth.Require(ctx, verifierRoles...)
	if err != nil {
		return Verification{}, err
	}
	serial = strings.ToUpper(strings.TrimSpace(serial))
	if serial == "" {
		return Verification{}, ErrCardNotFound
	}
	seen, err := s.verifiedToday(ctx, p, serial, false)
	if err != nil {
		return Verification{}, err
	}
	if !seen {
		return Verification{}, ErrCardNotVerifiedToday
	}
	v, err := s.checkSerial(ctx, s.db, serial, true)
	if err != nil {
		return Verification{}, err
	}
	if v.Reason == ReasonNotFound {
		return Verification{}, ErrCardNotFound
	}
	if err := s.describe(ctx, &v); err != nil {
		return Verification{}, err
	}
	return v, nil
}

// StationToday is the caller's own day at the window: its verifications and the uses it recorded
// since the district's midnight. An account-less principal (the command line) did nothing.
func (s *Service) StationToday(ctx context.Context) (StationDay, error) {
	p, err := auth.Require(ctx, verifierRoles...)
	if err != nil {
		return StationDay{}, err
	}
	if p.AccountID == 0 {
		return StationDay{RecentUses: []StationUse{}}, nil
	}
	// A verification of a moment ago may still wait in the log writer.
	s.vlog.flush()
	return stationDay(ctx, s.db, p.AccountID, s.startOfToday(), s.today().Time().Year())
}
