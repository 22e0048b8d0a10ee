package housing

import "talentd/internal/auth"

// Who reaches what of housing. Services compute one scope from these tables and use it in every
// check and SQL filter; a role missing from a table reaches nothing.
var (
	// applicationReaches: applications, offers and leases — the housing office and the talent
	// office everything, HR its own enterprise's.
	applicationReaches = auth.Reaches{auth.RoleAdmin: auth.ReachAll, auth.RoleHousingOffice: auth.ReachAll,
		auth.RoleTalentOffice: auth.ReachAll, auth.RoleEnterpriseHR: auth.ReachEnterprise}
)

// Roles that act on housing.
var (
	// housingRoles run the inventory, the rounds and the leases.
	housingRoles = []auth.Role{auth.RoleAdmin, auth.RoleHousingOffice}
	// inventoryReaders read estates and units.
	inventoryReaders = []auth.Role{auth.RoleAdmin, auth.RoleHousingOffice, auth.RoleTalentOffice}
	// applicantRoles file applications and answer offers for the people they act for (within
	// applicationReaches): the housing office, the talent office (talent apartments) and HR.
	applicantRoles = []auth.Role{auth.RoleAdmin, auth.RoleHousingOffice, auth.RoleTalentOffice, auth.RoleEnterpriseHR}
)
