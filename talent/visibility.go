package talent

import (
	"talentd/internal/auth"
)

// Who reaches what in the registry. HR reaches its own enterprise; the office reviews everything;
// commissioners, the housing office and finance look talent up for their own work (agent requests,
// housing applications, awards) and read only the fields of TalentFieldsOf. Service windows
// reach nothing here: they read what a card verification tells them.
var (
	enterpriseReaches = auth.Reaches{
		auth.RoleAdmin: auth.ReachAll, auth.RoleTalentOffice: auth.ReachAll, auth.RoleEnterpriseHR: auth.ReachEnterprise,
		auth.RoleCommissioner: auth.ReachAll, auth.RoleHousingOffice: auth.ReachAll, auth.RoleFinance: auth.ReachAll,
	}
	talentReaches = enterpriseReaches
)

// Roles that change the registry. HR changes its own enterprise's records only (talentReaches);
// the office everything.
var (
	officeRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice}
	editorRoles = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR}
)

// IDNumberView is how much of an identity number a role reads.
type IDNumberView int

// The views of an identity number; the zero value shows nothing.
const (
	IDHidden IDNumberView = iota
	IDMasked              // 500227********1234: the region and the last four characters
	IDWhole
)

// TalentFields says which of a talent record's personal fields a role reads — in the API, in
// exports and in the history's attribute snapshots. Every read path takes it from TalentFieldsOf,
// so this table is the one place the rule is written.
type TalentFields struct {
	IDNumber IDNumberView
	// BirthDate: the whole date; without it only the birth year, because the masked digits of an
	// identity number are exactly the birth date, and the two together give the number back.
	BirthDate bool
	Contact   bool // mobile and email
	Salary    bool // annual salary
	Notes     bool // HR's notes and the office's review comments
	Export    bool // may download the registry as a spreadsheet
}

// talentFields is the table. A role missing from it reads nothing personal and exports nothing.
var talentFields = map[auth.Role]TalentFields{
	auth.RoleAdmin:         {IDNumber: IDWhole, BirthDate: true, Contact: true, Salary: true, Notes: true, Export: true},
	auth.RoleTalentOffice:  {IDNumber: IDWhole, BirthDate: true, Contact: true, Salary: true, Notes: true, Export: true},
	auth.RoleEnterpriseHR:  {IDNumber: IDMasked, Contact: true, Salary: true, Notes: true, Export: true},
	auth.RoleCommissioner:  {IDNumber: IDMasked, Contact: true},
	auth.RoleHousingOffice: {IDNumber: IDMasked, Contact: true},
	auth.RoleFinance:       {IDNumber: IDMasked},
}

// TalentFieldsOf returns what role reads of a talent record.
func TalentFieldsOf(role auth.Role) TalentFields { return talentFields[role] }

// SeesFullIDNumbers reports whether the role may see whole identity numbers (and so search by one).
func SeesFullIDNumbers(r auth.Role) bool { return TalentFieldsOf(r).IDNumber == IDWhole }

// exporterRoles lists the roles that may export, in the docs' order.
func exporterRoles() []auth.Role {
	var out []auth.Role
	for _, r := range auth.AllRoles {
		if talentFields[r].Export {
			out = append(out, r)
		}
	}
	return out
}
