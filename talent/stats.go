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

// The statistics read the running counts that triggers keep in talent_counts; $1 confines them
// to one enterprise (0: all).
const selectStatsCounts = `
SELECT kind, enterprise_id <> 0 AS employed, k1, k2, sum(n) AS n
FROM talent_counts
WHERE (CAST($1 AS boolean) OR enterprise_id = CAST($2 AS bigint))
GROUP BY kind, enterprise_id <> 0, k1, k2
HAVING sum(n) <> 0`

const selectTopEnterprises = `
SELECT c.enterprise_id, e.name, c.registered
FROM (SELECT enterprise_id, sum(n) AS registered FROM talent_counts
      WHERE kind = 'status' AND k1 = 'registered' AND enterprise_id <> 0 AND (CAST($1 AS boolean) OR enterprise_id = CAST($2 AS bigint))
      GROUP BY enterprise_id HAVING sum(n) > 0
      ORDER BY sum(n) DESC, enterprise_id LIMIT 10) c
JOIN enterprises e ON e.id = c.enterprise_id
ORDER BY c.registered DESC, c.enterprise_id`

type countRow struct {
	Kind     string `db:"kind"`
	Employed bool   `db:"employed"`
	K1       string `db:"k1"`
	K2       string `db:"k2"`
	N        int    `db:"n"`
}

// TalentStats computes the registry's figures; HR gets its own enterprise's only.
func (s *Service) TalentStats(ctx context.Context) (Stats, error) {
	_, scope, err := talentReaches.Scope(ctx)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{ByGrade: map[string]int{}, ByStatus: map[string]int{}, ByEducation: map[string]int{},
		ByTitle: map[string]int{}, PerMonth: []MonthCount{}, TopEnterprises: []EnterpriseCount{}}
	var rows []countRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectStatsCounts, scope.All(), scope.EnterpriseID()); err != nil {
		return Stats{}, translateTalent(err, "talent statistics")
	}
	months := map[string]int{}
	for _, r := range rows {
		switch r.Kind {
		case "status":
			st.ByStatus[r.K1] += r.N
			if r.K1 == string(StatusRegistered) {
				st.Registered += r.N
				st.ByGrade[r.K2] += r.N
				if r.Employed {
					st.Employed += r.N
				} else {
					st.NotEmployed += r.N
				}
			}
		case "education":
			st.ByEducation[r.K1] += r.N
		case "title":
			st.ByTitle[r.K1] += r.N
		case "month":
			months[r.K1] += r.N
		}
	}
	for m, n := range months {
		st.PerMonth = append(st.PerMonth, MonthCount{Month: m, Count: n})
	}
	sort.Slice(st.PerMonth, func(i, j int) bool { return st.PerMonth[i].Month < st.PerMonth[j].Month })
	if err := sqlx.SelectContext(ctx, s.db, &st.TopEnterprises, selectTopEnterprises, scope.All(), scope.EnterpriseID()); err != nil {
		return Stats{}, translateTalent(err, "talent statistics")
	}
	return st, nil
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
