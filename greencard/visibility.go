package greencard

import "talentd/internal/auth"

// Who reaches what of the green cards. Services compute one scope from these tables and use it in
// every check and every SQL filter; a role missing from a table reaches nothing.
var (
	// cardReaches: cards, QR codes, uses and their counts — the office everything, HR its own
	// enterprise's talent. Windows see cards only through verification.
	cardReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll,
		auth.RoleEnterpriseHR: auth.ReachEnterprise}
	// requestReaches: agent requests — the office all, HR its own talent's, a commissioner those
	// assigned to them and a window those it filed (ReachOwn: the account is either).
	requestReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll,
		auth.RoleEnterpriseHR: auth.ReachEnterprise, auth.RoleCommissioner: auth.ReachOwn,
		auth.RoleServiceWindow: auth.ReachOwn}
	// filerReaches: for whom a request may be filed — any registered holder from the office or a
	// window (the holder is in front of it: the window verified the card), HR for its own talent.
	filerReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll,
		auth.RoleServiceWindow: auth.ReachAll, auth.RoleEnterpriseHR: auth.ReachEnterprise}
	// useReaches: which recorded uses may be voided — the office any, a window or a commissioner
	// those its own account recorded.
	useReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll,
		auth.RoleServiceWindow: auth.ReachOwn, auth.RoleCommissioner: auth.ReachOwn}
)

// Roles that act on cards and requests.
var (
	officeRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice}
	// verifierRoles scan cards: windows, the office, and commissioners serving a holder.
	verifierRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleServiceWindow, auth.RoleCommissioner}
	// sightRoles reach a holder only through a card their own account verified today: they act on
	// the holder in front of them, never on serials they could guess.
	sightRoles = []auth.Role{auth.RoleServiceWindow, auth.RoleCommissioner}
	// cardOwnerRoles read cards by talent or serial (within cardReaches).
	cardOwnerRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR}
	// photoRoles may see a holder's photo: those who read the card, and those who verified it today.
	photoRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR, auth.RoleServiceWindow, auth.RoleCommissioner}
	// filerRoles file agent requests and rate them.
	filerRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleServiceWindow, auth.RoleEnterpriseHR}
	// workerRoles take agent requests through their workflow.
	workerRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleCommissioner}
	// requestReaderRoles read agent requests and their figures (within requestReaches).
	requestReaderRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleServiceWindow, auth.RoleEnterpriseHR, auth.RoleCommissioner}
	// catalogueReaders read the service catalogue: every role.
	catalogueReaders = auth.AllRoles
)

// requestInScope reports whether a request is in the scope: its holder's enterprise, or the account
// that works or filed it. (A function, not a method: Request is embedded in a response body, and
// huma cannot describe an embedded type that has methods.)
func requestInScope(r Request, scope auth.Scope) bool {
	switch scope.Reach() {
	case auth.ReachAll:
		return true
	case auth.ReachEnterprise:
		return scope.SeesEnterprise(r.EnterpriseID)
	case auth.ReachOwn:
		return scope.SeesAccount(r.CommissionerID) || scope.SeesAccount(r.FiledByID)
	}
	return false
}
