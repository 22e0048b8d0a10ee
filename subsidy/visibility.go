package subsidy

import "talentd/internal/auth"

// Who reaches what of subsidies. Services compute one scope from these tables and use it in every
// check and SQL filter; a role missing from a table reaches nothing.
var (
	// programmeReaches: the office, finance and admin every programme; HR the open ones (the
	// enterprise scope stands for "open programmes only").
	programmeReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll,
		auth.RoleFinance: auth.ReachAll, auth.RoleEnterpriseHR: auth.ReachEnterprise}
	// beneficiaryReaches: nominations, awards and payouts — the office, finance and admin
	// everything, HR those of its own enterprise and its own talent.
	beneficiaryReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll,
		auth.RoleFinance: auth.ReachAll, auth.RoleEnterpriseHR: auth.ReachEnterprise}
)

// Roles that act on subsidies.
var (
	// officeRoles create and edit programmes of both kinds and select award winners.
	officeRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice}
	// readerRoles read programmes, nominations and awards (HR within its scope).
	readerRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleFinance, auth.RoleEnterpriseHR}
	// nominatorRoles nominate talent for awards: the office, and HR for its own talent.
	nominatorRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR}
)
