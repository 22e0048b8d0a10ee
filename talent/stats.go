package talent

import (
	"context"
	"net/http"
	"sort"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
)

// Stats are the registry's headline figures, within the caller's scope.
type Stats struct {
	Registered     int               `json:"registered" doc:"Registered talents"`
	ByGrade        map[string]int    `json:"by_grade"`
	Employed       int               `json:"employed" doc:"Registered talents employed by an enterprise"`
	NotEmployed    int               `json:"not_employed"`
	ByStatus       map[string]int    `json:"by_status" doc:"Records in each workflow status"`
	ByEducation    map[string]int    `json:"by_education"`
	ByTitle        map[string]int    `json:"by_title"`
	PerMonth       []MonthCount      `json:"registrations_per_month" doc:"Registrations by calendar month (district time)"`
	TopEnterprises []EnterpriseCount `json:"top_enterprises" doc:"The ten enterprises employing the most registered talent"`
}

// MonthCount is the number of registrations in one month.
type MonthCount struct {
	Month string `json:"month" example:"2020-06"`
	Count int    `json:"count"`
}

// EnterpriseCount is one enterprise's number of registered talents.
type EnterpriseCount struct {
	EnterpriseID int64  `json:"enterprise_id" db:"enterprise_id"`
	Name         string `json:"name" db:"name"`
	Registered   int    `json:"registered" db:"registered"`
}

// One pass over the registered records computes every breakdown (GROUPING SETS); $1 confines it
// to one enterprise (0: all).
const selectStatsBreakdowns = `
SELECT GROUPING(grade, employed, education, title, month) AS g, grade, employed, education, title, month, count(*) AS n
FROM (SELECT grade, enterprise_id IS NOT NULL AS employed, education, title,
             to_char(registered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month
      FROM talents WHERE status = 'registered' AND ($1 = 0 OR enterprise_id = $1)) r
GROUP BY GROUPING SETS ((grade), (employed), (education), (title), (month), ())`

const selectStatsByStatus = `
SELECT status, count(*) FROM talents WHERE ($1 = 0 OR enterprise_id = $1) GROUP BY status`

const selectTopEnterprises = `
SELECT t.enterprise_id, e.name, t.registered
FROM (SELECT enterprise_id, count(*) AS registered FROM talents
      WHERE status = 'registered' AND enterprise_id IS NOT NULL AND ($1 = 0 OR enterprise_id = $1)
      GROUP BY enterprise_id ORDER BY count(*) DESC, enterprise_id LIMIT 10) t
JOIN enterprises e ON e.id = t.enterprise_id
ORDER BY t.registered DESC, t.enterprise_id`

type breakdownRow struct {
	G         int     `db:"g"`
	Grade     *string `db:"grade"`
	Employed  *bool   `db:"employed"`
	Education *string `db:"education"`
	Title     *string `db:"title"`
	Month     *string `db:"month"`
	N         int     `db:"n"`
}

// TalentStats computes the registry's figures; HR gets its own enterprise's only.
func (s *Service) TalentStats(ctx context.Context) (Stats, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return Stats{}, err
	}
	only, _ := p.EnterpriseScope()
	st := Stats{ByGrade: map[string]int{}, ByStatus: map[string]int{}, ByEducation: map[string]int{},
		ByTitle: map[string]int{}, PerMonth: []MonthCount{}, TopEnterprises: []EnterpriseCount{}}
	var rows []breakdownRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectStatsBreakdowns, only); err != nil {
		return Stats{}, translateTalent(err, "talent statistics")
	}
	// GROUPING's bits, highest first: grade, employed, education, title, month; a 0 bit is the
	// column this row is grouped by.
	for _, r := range rows {
		switch r.G {
		case 0b01111:
			st.ByGrade[deref(r.Grade)] = r.N
		case 0b10111:
			if deref(r.Employed) {
				st.Employed = r.N
			} else {
				st.NotEmployed = r.N
			}
		case 0b11011:
			st.ByEducation[deref(r.Education)] = r.N
		case 0b11101:
			st.ByTitle[deref(r.Title)] = r.N
		case 0b11110:
			st.PerMonth = append(st.PerMonth, MonthCount{Month: deref(r.Month), Count: r.N})
		case 0b11111:
			st.Registered = r.N
		}
	}
	sortMonths(st.PerMonth)
	statusRows, err := s.db.QueryxContext(ctx, selectStatsByStatus, only)
	if err != nil {
		return Stats{}, translateTalent(err, "talent statistics")
	}
	defer statusRows.Close()
	for statusRows.Next() {
		var status string
		var n int
		if err := statusRows.Scan(&status, &n); err != nil {
			return Stats{}, err
		}
		st.ByStatus[status] = n
	}
	if err := statusRows.Err(); err != nil {
		return Stats{}, translateTalent(err, "talent statistics")
	}
	if err := sqlx.SelectContext(ctx, s.db, &st.TopEnterprises, selectTopEnterprises, only); err != nil {
		return Stats{}, translateTalent(err, "talent statistics")
	}
	return st, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func sortMonths(m []MonthCount) {
	sort.Slice(m, func(i, j int) bool { return m[i].Month < m[j].Month })
}

type statsOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         Stats
}

func registerStats(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-talent-stats", Method: http.MethodGet, Path: "/v1/stats/talent", Tags: []string{"Talent registry"},
		Summary:     "Registry statistics",
		Description: "Registered totals by grade, employed or not, by education and title, registrations per month, records per status, and the top enterprises. HR sees its own enterprise's figures only.",
	}, talentReaders...), func(ctx context.Context, _ *struct{}) (*statsOutput, error) {
		st, err := s.TalentStats(ctx)
		if err != nil {
			return nil, err
		}
		return &statsOutput{CacheControl: "private, no-cache", Body: st}, nil
	})
}
