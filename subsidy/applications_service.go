package subsidy

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// Roles that act on applications.
var (
	// applicantRoles submit and correct applications: HR for its own enterprise, the office for any.
	applicantRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR}
)

// applicationEntity is an application's id in the audit log.
func applicationEntity(id int64) string { return strconv.FormatInt(id, 10) }

// applicationScope is the caller's reach over applications: the office, finance and admin all, HR
// its own enterprise's. It fails closed for any other role.
func applicationScope(ctx context.Context) (auth.Principal, auth.Scope, error) {
	p, scope, err := beneficiaryReaches.Scope(ctx)
	if err != nil {
		return p, scope, err
	}
	if scope.None() {
		return p, scope, auth.ErrForbidden
	}
	return p, scope, nil
}

// subsidyProgramme reads the programme an application is made under: an open enterprise-subsidy
// programme, with its rules as the calculation reads them.
func subsidyProgramme(ctx context.Context, q sqlx.QueryerContext, id int64) (SubsidyRules, error) {
	p, err := getProgramme(ctx, q, id, false, false)
	if err != nil {
		return SubsidyRules{}, err
	}
	if p.Kind != KindEnterpriseSubsidy {
		return SubsidyRules{}, ErrNotSubsidyProgramme
	}
	if p.Status != ProgrammeOpen {
		return SubsidyRules{}, ErrProgrammeClosed
	}
	var rules SubsidyRules
	raw, err := json.Marshal(map[string]any(p.Rules))
	if err == nil {
		err = json.Unmarshal(raw, &rules)
	}
	return rules, err
}

// calculate works out the declaration's amount under the rules of the programme (an open
// enterprise-subsidy one), asking the registry in one query which of the named suppliers are local
// supplier enterprises.
func calculate(ctx context.Context, q sqlx.QueryerContext, programmeID int64, d SubsidyDeclaration) (SubsidyCalculation, error) {
	rules, err := subsidyProgramme(ctx, q, programmeID)
	if err != nil {
		return SubsidyCalculation{}, err
	}
	usccs := make([]string, len(d.Purchases))
	for i, p := range d.Purchases {
		usccs[i] = p.SupplierUSCC
	}
	local, err := localSuppliers(ctx, q, usccs)
	if err != nil {
		return SubsidyCalculation{}, err
	}
	return Calculate(rules, d, func(uscc string) bool { return local[uscc] })
}

// applicant checks that the caller may submit or correct applications and normalises the input;
// it returns the caller with their scope.
func applicant(ctx context.Context, in SubsidyApplicationInput) (auth.Principal, auth.Scope, SubsidyApplicationInput, error) {
	p, scope, err := applicationScope(ctx)
	if err != nil {
		return p, scope, in, err
	}
	if !p.Is(applicantRoles...) {
		return p, scope, in, auth.ErrForbidden
	}
	in, err = in.normalise()
	return p, scope, in, err
}

// writeWorking stores an application's calculation, line by line, and its attachments, replacing
// earlier ones.
func writeWorking(ctx context.Context, tx *sqlx.Tx, id int64, calc SubsidyCalculation, files []SubsidyAttachmentInput, by *int64) error {
	if err := replaceWorking(ctx, tx, id, calc.Working); err != nil {
		return err
	}
	return replaceAttachments(ctx, tx, id, files, by)
}

// applicantEnterprise is the enterprise an application is made for: HR's own (naming another is
// not found), or the one the office names.
func applicantEnterprise(ctx context.Context, q sqlx.QueryerContext, scope auth.Scope, named int64) (int64, error) {
	if !scope.All() {
		if named != 0 && named != scope.EnterpriseID() {
			return 0, ErrEnterpriseNotFound
		}
		return scope.EnterpriseID(), nil
	}
	if named == 0 {
		return 0, ErrEnterpriseRequired
	}
	return named, enterpriseExists(ctx, q, named)
}

// SubmitApplication files an enterprise's application under an open enterprise-subsidy programme:
// the amount is calculated by the programme's rules and stored with its working, line by line.
func (s *Service) SubmitApplication(ctx context.Context, in SubsidyApplicationInput) (SubsidyApplication, error) {
	p, scope, in, err := applicant(ctx, in)
	if err != nil {
		return SubsidyApplication{}, err
	}
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		enterpriseID, err := applicantEnterprise(ctx, tx, scope, in.EnterpriseID)
		if err != nil {
			return err
		}
		calc, err := calculate(ctx, tx, in.ProgrammeID, in.declaration())
		if err != nil {
			return err
		}
		if id, err = insertApplication(ctx, tx, in.ProgrammeID, enterpriseID, in.declaration(), calc.AmountFen, p.ActorID()); err != nil {
			return err
		}
		if err := writeWorking(ctx, tx, id, calc, in.Attachments, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_application.submit", EntityType: "subsidy_application",
			EntityID: applicationEntity(id), After: map[string]any{"programme_id": in.ProgrammeID, "enterprise_id": enterpriseID,
				"declared": in.declaration(), "amount_fen": calc.AmountFen, "attachments": in.Attachments}})
	})
	if err != nil {
		return SubsidyApplication{}, err
	}
	return getApplication(ctx, s.db, id, true, 0, false)
}

// CorrectApplication replaces the figures and attachments of a submitted or returned application
// (HR for its own enterprise, the office) and submits it again, recalculated; ifVersion, when
// non-zero, must match the stored version. The programme and the enterprise stay.
func (s *Service) CorrectApplication(ctx context.Context, id int64, ifVersion int, in SubsidyApplicationInput) (SubsidyApplication, error) {
	p, scope, in, err := applicant(ctx, in)
	if err != nil {
		return SubsidyApplication{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getApplication(ctx, tx, id, scope.All(), scope.EnterpriseID(), true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if before.Status != ApplicationSubmitted && before.Status != ApplicationReturned {
			return ErrApplicationNotEditable
		}
		calc, err := calculate(ctx, tx, before.ProgrammeID, in.declaration())
		if err != nil {
			return err
		}
		if err := resubmitApplication(ctx, tx, id, in.declaration(), calc.AmountFen, p.ActorID()); err != nil {
			return err
		}
		if err := writeWorking(ctx, tx, id, calc, in.Attachments, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_application.correct", EntityType: "subsidy_application",
			EntityID: applicationEntity(id), Before: map[string]any{"status": before.Status, "declared": before.Declared,
				"amount_fen": before.AmountFen}, After: map[string]any{"status": ApplicationSubmitted, "declared": in.declaration(),
				"amount_fen": calc.AmountFen, "attachments": in.Attachments}})
	})
	if err != nil {
		return SubsidyApplication{}, err
	}
	return getApplication(ctx, s.db, id, true, 0, false)
}

// Application returns one application the caller sees, with its working and attachments.
func (s *Service) Application(ctx context.Context, id int64) (SubsidyApplication, error) {
	_, scope, err := applicationScope(ctx)
	if err != nil {
		return SubsidyApplication{}, err
	}
	return getApplication(ctx, s.db, id, scope.All(), scope.EnterpriseID(), false)
}

// Applications lists the applications the caller sees, a page at a time.
func (s *Service) Applications(ctx context.Context, q page.Query) (page.Of[SubsidyApplication], error) {
	_, scope, err := applicationScope(ctx)
	if err != nil {
		return page.Of[SubsidyApplication]{}, err
	}
	return page.Fetch(q, func(after int64, limit int) ([]SubsidyApplication, error) {
		return listApplications(ctx, s.db, scope.All(), scope.EnterpriseID(), after, limit)
	}, func(a SubsidyApplication) int64 { return a.ID })
}

// ApproveApplication grants a submitted application (the office, admin) under its open programme
// (a closed one refuses with programme_closed): the calculated amount or an adjusted one with its
// reason is reserved of the programme's budget, under the programme's lock, and one pending payout
// to the enterprise is scheduled, prepared by the approver.
func (s *Service) ApproveApplication(ctx context.Context, id int64, ifVersion int, in SubsidyApproveInput) (SubsidyApplication, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return SubsidyApplication{}, err
	}
	if in, err = in.check(); err != nil {
		return SubsidyApplication{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// The application first, then the programme (reserve locks it): every decision takes the
		// two locks in this order.
		before, err := pendingApplication(ctx, tx, id, ifVersion)
		if err != nil {
			return err
		}
		if err := lockOpenProgramme(ctx, tx, before.ProgrammeID); err != nil {
			return err
		}
		amount, adjustReason := before.CalculatedFen, ""
		if in.AdjustedAmountFen != nil && *in.AdjustedAmountFen != before.CalculatedFen {
			amount, adjustReason = *in.AdjustedAmountFen, in.Reason
			if err := appendWorking(ctx, tx, id, len(before.Working)+1,
				[]WorkingLine{adjustmentLine(before.CalculatedFen, amount, adjustReason)}); err != nil {
				return err
			}
		}
		if amount <= 0 {
			return ErrNothingToPay
		}
		if _, err := reserve(ctx, tx, before.ProgrammeID, amount); err != nil {
			return err
		}
		if err := decideApplication(ctx, tx, id, ApplicationApproved, amount, adjustReason, "", p.ActorID()); err != nil {
			return err
		}
		payout, err := insertApplicationPayout(ctx, tx, before, amount, p.ActorID())
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy_application.approve", EntityType: "subsidy_application",
			EntityID: applicationEntity(id), Before: map[string]any{"status": before.Status, "amount_fen": before.AmountFen},
			After: map[string]any{"status": ApplicationApproved, "amount_fen": amount, "adjust_reason": adjustReason,
				"payout_id": payout}})
	})
	if err != nil {
		return SubsidyApplication{}, err
	}
	return getApplication(ctx, s.db, id, true, 0, false)
}

// RejectApplication refuses a submitted application with a reason (the office, admin).
func (s *Service) RejectApplication(ctx context.Context, id int64, ifVersion int, in SubsidyDecisionInput) (SubsidyApplication, error) {
	return s.closeApplication(ctx, id, ifVersion, in, ApplicationRejected, "subsidy_application.reject")
}

// ReturnApplication sends a submitted application back to the enterprise for correction, with a
// reason (the office, admin). A closed programme refuses (programme_closed): it would refuse the
// correction too, so the office rejects the application instead.
func (s *Service) ReturnApplication(ctx context.Context, id int64, ifVersion int, in SubsidyDecisionInput) (SubsidyApplication, error) {
	return s.closeApplication(ctx, id, ifVersion, in, ApplicationReturned, "subsidy_application.return")
}

// closeApplication records a decision that pays nothing: a rejection or a return.
func (s *Service) closeApplication(ctx context.Context, id int64, ifVersion int, in SubsidyDecisionInput, status SubsidyApplicationStatus,
	action string) (SubsidyApplication, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return SubsidyApplication{}, err
	}
	reason, err := decisionReason(in.Reason)
	if err != nil {
		return SubsidyApplication{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := pendingApplication(ctx, tx, id, ifVersion)
		if err != nil {
			return err
		}
		if status == ApplicationReturned {
			if err := lockOpenProgramme(ctx, tx, before.ProgrammeID); err != nil {
				return err
			}
		}
		if err := decideApplication(ctx, tx, id, status, before.AmountFen, before.AdjustReason, reason, p.ActorID()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: action, EntityType: "subsidy_application",
			EntityID: applicationEntity(id), Before: map[string]any{"status": before.Status},
			After: map[string]any{"status": status, "reason": reason}})
	})
	if err != nil {
		return SubsidyApplication{}, err
	}
	return getApplication(ctx, s.db, id, true, 0, false)
}

// lockOpenProgramme locks the programme an application is decided under and refuses a closed one.
// Closing a programme takes the same row lock, so a decision and a closing queue rather than cross.
func lockOpenProgramme(ctx context.Context, tx *sqlx.Tx, id int64) error {
	p, err := getProgramme(ctx, tx, id, false, true)
	if err != nil {
		return err
	}
	if p.Status != ProgrammeOpen {
		return ErrProgrammeClosed
	}
	return nil
}

// pendingApplication locks an application waiting for the office's decision.
func pendingApplication(ctx context.Context, tx *sqlx.Tx, id int64, ifVersion int) (SubsidyApplication, error) {
	a, err := getApplication(ctx, tx, id, true, 0, true)
	if err != nil {
		return a, err
	}
	if err := etag.Check(ifVersion, a.Version); err != nil {
		return a, err
	}
	if a.Status != ApplicationSubmitted {
		return a, ErrApplicationNotPending
	}
	return a, nil
}
