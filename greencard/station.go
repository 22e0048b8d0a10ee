package greencard

// StationDay is what one account did at its window in the district's today: its verifications and
// the service uses it recorded.
type StationDay struct {
	// Scans counts the account's verifications today, by QR or by serial; Valid and Invalid split
	// them by verdict.
	Scans   int `db:"scans"`
	Valid   int `db:"valid"`
	Invalid int `db:"invalid"`
	// Uses counts the uses the account recorded today that stand; Voided those it recorded and that
	// were voided since.
	Uses   int `db:"uses"`
	Voided int `db:"voided"`
	// RecentUses are the account's uses of today, newest first, voided ones too (at most
	// StationRecentUses).
	RecentUses []StationUse
}

// StationUse is a use as the window's day lists it: with the service's name.
type StationUse struct {
	Use
	ServiceName string `db:"service_name"`
}

// StationRecentUses is how many of today's uses StationToday lists.
const StationRecentUses = 20
