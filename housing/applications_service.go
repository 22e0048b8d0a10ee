package housing

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/talent"
)

// mayFile reports whether the caller's role files (and withdraws) applications of the kind: the
// talent office acts for talent only, so public rental is not its business.
func mayFile(p auth.Principal, kind Kind) bool {
	if p.Role == auth.RoleTalentOffice {
		return kind == KindTalentApartment
	}
	return p.Is(applicantRoles...)
}

// FileApplication files an application for a talent apartment or a public rental unit. HR files
// only for its own enterprise (another enterprise's talent is not found); a person with a live
// application of the kind, or an active lease of it, is refused.
func (s *Service) FileApplication(ctx context.Context, in ApplicationInput) (Application, error) {
	p, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return Application{}, err
	}
	if scope.None() || !mayFile(p, in.Kind) {
		return Application{}, auth.ErrForbidden
	}
	if err := checkApplicationInput(&in); err != nil {
		return Application{}, err
	}
	row := newApplication{kind: in.Kind, householdSize: in.HouseholdSize, preferredRooms: in.PreferredRooms,
		currentHousing: in.CurrentHousing, notes: in.Notes}
	if in.Kind == KindPublicRental {
		if err := s.publicRentalApplicant(in, scope, &row); err != nil {
			return Application{}, err
		}
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if in.Kind == KindTalentApartment {
			if err := s.talentApplicant(ctx, tx, *in.TalentID, scope, &row); err != nil {
				return err
			}
		} else if ok, err := enterpriseExists(ctx, tx, *row.enterpriseID); err != nil {
			return err
		} else if !ok {
			return talent.ErrEnterpriseNotFound
		}
		housed, err := holdsActiveLease(ctx, tx, in.Kind, row.sealed.Hash)
		if err != nil {
			return err
		}
		if housed {
			return ErrAlreadyHoused
		}
		if id, err = insertApplication(ctx, tx, row, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_application.file", EntityType: "housing_application",
			EntityID: strconv.FormatInt(id, 10), After: map[string]any{"kind": in.Kind, "talent_id": row.talentID,
				"enterprise_id": row.enterpriseID, "applicant": row.name, "id_number": row.sealed.Masked,
				"grade": row.grade, "household_size": in.HouseholdSize, "preferred_rooms": in.PreferredRooms}})
	})
	if err != nil {
		return Application{}, err
	}
	return getApplication(ctx, s.db, id, false)
}

// checkApplicationInput checks the parts of an application that do not need the database, and
// tidies its text.
func checkApplicationInput(in *ApplicationInput) error {
	if !KindVocab.Has(string(in.Kind)) {
		return errs.Fields(errs.Field("body.kind", "invalid", "请选择住房类型：人才公寓或公租房",
			"kind is talent_apartment or public_rental", string(in.Kind)))
	}
	switch in.Kind {
	case KindTalentApartment:
		if in.TalentID == nil {
			return errTalentIDRequired
		}
		if in.Applicant != nil {
			return errApplicantForbidden
		}
	case KindPublicRental:
		if in.TalentID != nil {
			return errTalentIDForbidden
		}
		if in.Applicant == nil {
			return errApplicantRequired
		}
		in.Applicant.Name = strings.TrimSpace(in.Applicant.Name)
		if n := utf8.RuneCountInString(in.Applicant.Name); n < 1 || n > 50 {
			return errApplicantName
		}
	}
	for i, r := range in.PreferredRooms {
		if r < 0 || r > 10 || slices.Contains(in.PreferredRooms[:i], r) {
			return errPreferredRooms(i, r)
		}
	}
	in.CurrentHousing, in.Notes = strings.TrimSpace(in.CurrentHousing), strings.TrimSpace(in.Notes)
	return nil
}

// publicRentalApplicant seals the applicant's identity number and settles the enterprise: HR's
// own (named or not), anyone else's must be named.
func (s *Service) publicRentalApplicant(in ApplicationInput, scope auth.Scope, row *newApplication) error {
	sealed, err := s.talents.SealIDNumber(in.Applicant.IDNumber)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Kind == errs.Invalid {
			return errs.Fields(errs.Field("body.applicant.id_number", e.Code, e.Zh, e.Message, nil))
		}
		return err
	}
	row.name, row.sealed = in.Applicant.Name, sealed
	if !scope.All() {
		own := scope.EnterpriseID()
		if in.EnterpriseID != nil && *in.EnterpriseID != own {
			return errEnterpriseNotOwn
		}
		in.EnterpriseID = &own
	}
	if in.EnterpriseID == nil {
		return errEnterpriseRequired
	}
	row.enterpriseID = in.EnterpriseID
	return nil
}

// talentApplicant takes a talent-apartment applicant from the registry: a registered talent in
// the caller's reach, holding a live card, of a class the settings make eligible.
func (s *Service) talentApplicant(ctx context.Context, tx *sqlx.Tx, talentID int64, scope auth.Scope, row *newApplication) error {
	t, err := lockApplicantTalent(ctx, tx, talentID)
	if err != nil {
		return err
	}
	if !scope.SeesEnterprise(t.EnterpriseID) {
		return talent.ErrTalentNotFound
	}
	if t.Status != string(talent.StatusRegistered) || t.Grade == nil {
		return ErrTalentNotRegistered
	}
	live, err := hasLiveCard(ctx, tx, t.ID, s.civilToday())
	if err != nil {
		return err
	}
	if !live {
		return ErrNoLiveCard
	}
	st, err := settingsInForce(ctx, tx)
	if err != nil {
		return err
	}
	if !st.Eligible(*t.Grade) {
		return ErrGradeNotEligible
	}
	row.talentID, row.enterpriseID, row.name, row.grade = &t.ID, t.EnterpriseID, t.Name, t.Grade
	row.sealed = talent.SealedIDNumber{Cipher: t.Cipher, Hash: t.Hash, Masked: t.Masked}
	return nil
}

// today is the district's date by the service's clock.
func (s *Service) civilToday() civil.Date { return civil.InDistrict(s.opts.Now()) }

// GetApplication returns an application the caller may see (HR: its own enterprise's).
func (s *Service) GetApplication(ctx context.Context, id int64) (Application, error) {
	_, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return Application{}, err
	}
	a, err := getApplication(ctx, s.db, id, false)
	if err != nil {
		return Application{}, err
	}
	if !scope.SeesEnterprise(a.EnterpriseID) {
		return Application{}, ErrApplicationNotFound
	}
	return a, nil
}

// ListApplications lists the applications the caller may see, oldest first: with status pending
// and a kind, it is that kind's waiting list.
func (s *Service) ListApplications(ctx context.Context, f ApplicationFilter, q page.Query) (page.Of[Application], error) {
	return scopedPage(ctx, q, func(a Application) int64 { return a.ID },
		func(scope auth.Scope, cursor int64, limit int) ([]Application, error) {
			return listApplications(ctx, s.db, f, scope, cursor, limit)
		})
}

// scopedPage is one page of a listing of applications, offers or leases within the caller's
// reach: list reads up to limit rows from the cursor's row on (0: from the start).
func scopedPage[T any](ctx context.Context, q page.Query, id func(T) int64,
	list func(scope auth.Scope, cursor int64, limit int) ([]T, error)) (page.Of[T], error) {
	_, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return page.Of[T]{}, err
	}
	return listPage(q, func(after int64, limit int) ([]T, error) { return list(scope, after, limit) }, id)
}

// WithdrawApplication withdraws a pending or offered application with a reason; an offer it
// holds is withdrawn too and its unit is available again.
func (s *Service) WithdrawApplication(ctx context.Context, id int64, reason string) (Application, error) {
	p, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return Application{}, err
	}
	if scope.None() || !p.Is(applicantRoles...) {
		return Application{}, auth.ErrForbidden
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Application{}, errWithdrawReason
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := getApplication(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !scope.SeesEnterprise(a.EnterpriseID) {
			return ErrApplicationNotFound
		}
		if !mayFile(p, a.Kind) {
			return auth.ErrForbidden
		}
		return s.endLiveApplication(ctx, tx, p, a, ApplicationWithdrawn, reason, "housing_application.withdraw")
	})
	if err != nil {
		return Application{}, err
	}
	return getApplication(ctx, s.db, id, false)
}

// endLiveApplication ends a live application (locked by the caller) with a status and reason,
// withdrawing its live offer if it has one, and audits it as action.
func (s *Service) endLiveApplication(ctx context.Context, tx sqlx.ExtContext, p auth.Principal, a Application,
	to ApplicationStatus, reason, action string) error {
	if !a.Live() {
		return ErrApplicationClosed
	}
	after := map[string]any{"status": to, "reason": reason}
	offerID, unitID, offered, err := liveOfferOf(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	if offered {
		if err := releaseOffer(ctx, tx, offerID, unitID, offerEnd{status: OfferWithdrawn, by: p.ActorID(), at: s.opts.Now()}); err != nil {
			return err
		}
		after["offer_withdrawn"], after["unit_freed"] = offerID, unitID
	}
	if err := endApplication(ctx, tx, a.ID, to, reason); err != nil {
		return err
	}
	return audit.Write(ctx, tx, audit.Entry{Action: action, EntityType: "housing_application",
		EntityID: strconv.FormatInt(a.ID, 10), Before: map[string]any{"status": a.Status}, After: after})
}
