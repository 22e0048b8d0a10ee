package subsidy

import (
	"cmp"
	"slices"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// LedgerFilter narrows the payout ledger for its report and its export; zero fields do not filter.
// Year is the programme's year.
type LedgerFilter struct {
	ProgrammeID     int64
	Year            int
	Status          PayoutStatus
	BeneficiaryKind BeneficiaryKind
	// EnterpriseID keeps the payouts to the enterprise and to its talent.
	EnterpriseID int64
}

// ReportGroup is a key the payout report groups the ledger by.
type ReportGroup string

// The keys of the payout report (ReportGroupVocab).
const (
	GroupProgramme   ReportGroup = "programme"
	GroupYear        ReportGroup = "year"
	GroupBeneficiary ReportGroup = "beneficiary"
	GroupStatus      ReportGroup = "status"
)

// DefaultReportGroups group a report asked for no grouping.
var DefaultReportGroups = []ReportGroup{GroupProgramme, GroupStatus}

// parseReportGroups reads the group_by values, each one key or several separated by commas, in
// order and without repeats; none gives DefaultReportGroups. An unknown key is refused.
func parseReportGroups(values []string) ([]ReportGroup, error) {
	var out []ReportGroup
	for _, v := range values {
		for _, key := range strings.Split(v, ",") {
			g := ReportGroup(strings.TrimSpace(key))
			if !ReportGroupVocab.Has(string(g)) {
				return nil, errs.Fields(errs.Field("query.group_by", "invalid",
					"分组方式只能是 programme（资助项目）、year（年度）、beneficiary（受益人）、status（状态），多个用逗号分隔",
					"group_by takes programme, year, beneficiary and status, separated by commas", v))
			}
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	if len(out) == 0 {
		return DefaultReportGroups, nil
	}
	return out, nil
}

// PayoutReportProgramme is a report row's programme. The budget figures are the programme's own
// (every payout of it, whoever reads), present only where the reader sees the programme's
// budget: HR those of open programmes.
type PayoutReportProgramme struct {
	ID           int64      `json:"id"`
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	BudgetFen    *money.Fen `json:"budget_fen,omitempty"`
	CommittedFen *money.Fen `json:"committed_fen,omitempty"`
	PaidFen      *money.Fen `json:"paid_fen,omitempty"`
}

// PayoutReportStatus is a report row's payout status with its label in the reader's language.
type PayoutReportStatus struct {
	Code  PayoutStatus `json:"code"`
	Label string       `json:"label"`
}

// PayoutReportRow is one group of the ledger: the keys grouped by, the number of payouts and
// their sum.
type PayoutReportRow struct {
	Programme   *PayoutReportProgramme `json:"programme,omitempty"`
	Year        *int                   `json:"year,omitempty" doc:"The programme's year"`
	Beneficiary *PayoutBeneficiary     `json:"beneficiary,omitempty"`
	Status      *PayoutReportStatus    `json:"status,omitempty"`
	Count       int                    `json:"count"`
	AmountFen   money.Fen              `json:"amount_fen"`
}

// PayoutReportTotal counts and sums every payout the report covers.
type PayoutReportTotal struct {
	Count     int       `json:"count"`
	AmountFen money.Fen `json:"amount_fen"`
}

// PayoutReport is the ledger grouped: the rows add up to the total, which is the count and sum
// of the payouts the caller sees under the filter.
type PayoutReport struct {
	GroupBy []ReportGroup     `json:"group_by" nullable:"false"`
	Rows    []PayoutReportRow `json:"rows" nullable:"false"`
	Total   PayoutReportTotal `json:"total"`
}

// compareRows orders report rows by the keys in the order they were asked for.
func compareRows(groups []ReportGroup) func(a, b PayoutReportRow) int {
	return func(a, b PayoutReportRow) int {
		for _, g := range groups {
			var c int
			switch g {
			case GroupProgramme:
				c = cmp.Compare(a.Programme.ID, b.Programme.ID)
			case GroupYear:
				c = cmp.Compare(*a.Year, *b.Year)
			case GroupBeneficiary:
				if c = strings.Compare(string(a.Beneficiary.Kind), string(b.Beneficiary.Kind)); c == 0 {
					c = cmp.Compare(a.Beneficiary.ID, b.Beneficiary.ID)
				}
			case GroupStatus:
				codes := PayoutStatusVocab.Codes()
				c = cmp.Compare(slices.Index(codes, string(a.Status.Code)), slices.Index(codes, string(b.Status.Code)))
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
}
