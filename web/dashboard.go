package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"talentd/greencard"
	"talentd/housing"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
	"talentd/subsidy"
	"talentd/talent"
)

func (s *Site) dashboardPages() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /dashboard":        s.signedIn(nil, s.dashboard),
		"GET /dashboard/{file}": s.signedIn(nil, s.dashboardXLSX),
	}
}

// figureMaker builds one figure of the dashboard from the services, within the caller's scope.
type figureMaker struct {
	id      string
	zh, en  string
	columns bool // drawn as columns over time rather than bars
	drawn   int  // the value column drawn
	make    func(ctx context.Context, src *figureSources, f *figure) error
}

// figureSources are the services a dashboard request draws on; the registry's statistics, which
// three figures share, are read once per request.
type figureSources struct {
	*Site
	talentStats *talent.Stats
}

func (src *figureSources) registry(ctx context.Context) (talent.Stats, error) {
	if src.talentStats == nil {
		st, err := src.o.Talent.TalentStats(ctx)
		if err != nil {
			return talent.Stats{}, err
		}
		src.talentStats = &st
	}
	return *src.talentStats, nil
}

// figures are the district's figures the seed reports, in the order the dashboard shows them. A
// figure the caller's role may not read is left out.
var figures = []figureMaker{
	{"talents-by-grade", "已入库人才（按类别）", "Registered talent by class", false, 0, talentsByGrade},
	{"talents-by-month", "人才入库（按月，近24个月）", "Registrations by month (24 months)", true, 0, talentsByMonth},
	{"talents-by-enterprise", "人才最多的企业", "Enterprises employing the most talent", false, 0, talentsByEnterprise},
	{"cards-by-class", "人才绿卡（按类别、状态）", "Green cards by class and status", false, 0, cardsByClass},
	{"uses-by-service", "本年服务使用（按服务）", "Service uses this year", false, 0, usesByService},
	{"requests-by-commissioner", "本年代办：接哨率、办结率、满意度", "Agent requests this year by commissioner", false, 2, requestsByCommissioner},
	{"housing", "人才公寓与公租房", "Talent apartments and public rental housing", false, 2, housingFigures},
	{"subsidies", "本年奖励与补贴：预算与支付", "Awards and subsidies this year: budget and paid", false, 2, subsidyFigures},
}

type dashboardData struct {
	Figures []figure
	AsOf    string
}

func (s *Site) dashboard(w http.ResponseWriter, r *http.Request) {
	var d dashboardData
	lang := reqctx.Lang(r.Context())
	src := &figureSources{Site: s}
	for _, m := range figures {
		f, err := src.figure(r.Context(), m, lang)
		if errs.KindOf(err) == errs.Forbidden {
			continue
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Figures = append(d.Figures, f)
	}
	d.AsOf = time.Now().In(civil.District).Format("2006-01-02 15:04")
	s.render(w, r, http.StatusOK, "dashboard", "数说", d)
}

func (src *figureSources) figure(ctx context.Context, m figureMaker, lang string) (figure, error) {
	f := figure{ID: m.id, Zh: m.zh, En: m.en}
	if err := m.make(ctx, src, &f); err != nil {
		return figure{}, err
	}
	f.draw(m.drawn, m.columns, lang)
	return f, nil
}

// dashboardXLSX downloads one figure's table as a workbook.
func (s *Site) dashboardXLSX(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".xlsx")
	i := slices.IndexFunc(figures, func(m figureMaker) bool { return m.id == id })
	if !ok || i < 0 {
		s.render(w, r, http.StatusNotFound, "error", "未找到", errorPage{Zh: "没有这份统计表", En: "No such figure"})
		return
	}
	lang := reqctx.Lang(r.Context())
	f, err := (&figureSources{Site: s}).figure(r.Context(), figures[i], lang)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pick := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	header := []string{pick(f.LabelZh, f.LabelEn)}
	for _, c := range f.Columns {
		header = append(header, pick(c.Zh, c.En))
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, f.ID))
	w.Header().Set("Cache-Control", "no-store")
	xw, err := tabular.NewXLSXWriter(w, shorten(pick(f.Zh, f.En), 31), header)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, row := range f.Rows {
		if err := xw.WriteRow(append([]string{row.label(lang)}, row.Shown...)); err != nil {
			s.o.Logger.ErrorContext(r.Context(), "dashboard workbook", "err", err)
			return
		}
	}
	if err := xw.Close(); err != nil {
		s.o.Logger.ErrorContext(r.Context(), "dashboard workbook", "err", err)
	}
}

// thisYear is the district's current calendar year as a time range [from, to).
func thisYear() (time.Time, time.Time) {
	y := civil.DistrictToday().Time().Year()
	from := time.Date(y, 1, 1, 0, 0, 0, 0, civil.District)
	return from, from.AddDate(1, 0, 0)
}

func talentsByGrade(ctx context.Context, s *figureSources, f *figure) error {
	st, err := s.registry(ctx)
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "类别", "Class"
	f.Columns = []figureColumn{{"人数", "Talents"}}
	for _, g := range talent.GradeVocab.Terms() {
		v, shown := count(st.ByGrade[g.Code])
		f.Rows = append(f.Rows, figureRow{LabelZh: g.Zh, LabelEn: g.En, Values: []float64{v}, Shown: []string{shown}})
	}
	return nil
}

func talentsByMonth(ctx context.Context, s *figureSources, f *figure) error {
	st, err := s.registry(ctx)
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "月份", "Month"
	f.Columns = []figureColumn{{"入库人数", "Registered"}}
	months := st.PerMonth
	if len(months) > 24 {
		months = months[len(months)-24:]
	}
	for _, m := range months {
		v, shown := count(m.Count)
		f.Rows = append(f.Rows, figureRow{LabelZh: m.Month, Values: []float64{v}, Shown: []string{shown}})
	}
	return nil
}

func talentsByEnterprise(ctx context.Context, s *figureSources, f *figure) error {
	st, err := s.registry(ctx)
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "企业", "Enterprise"
	f.Columns = []figureColumn{{"已入库人才", "Registered talent"}}
	for _, e := range st.TopEnterprises {
		v, shown := count(e.Registered)
		f.Rows = append(f.Rows, figureRow{LabelZh: e.Name, Values: []float64{v}, Shown: []string{shown}})
	}
	return nil
}

func cardsByClass(ctx context.Context, s *figureSources, f *figure) error {
	counts, err := s.o.Cards.CardCounts(ctx)
	if err != nil {
		return err
	}
	statuses := greencard.CardStatusVocab.Terms()
	f.LabelZh, f.LabelEn = "类别", "Class"
	for _, st := range statuses {
		f.Columns = append(f.Columns, figureColumn{st.Zh, st.En})
	}
	for _, g := range talent.GradeVocab.Terms() {
		row := figureRow{LabelZh: g.Zh, LabelEn: g.En}
		for _, st := range statuses {
			n := 0
			for _, c := range counts {
				if c.Class == g.Code && c.Status == st.Code {
					n += c.Cards
				}
			}
			v, shown := count(n)
			row.Values, row.Shown = append(row.Values, v), append(row.Shown, shown)
		}
		f.Rows = append(f.Rows, row)
	}
	return nil
}

func usesByService(ctx context.Context, s *figureSources, f *figure) error {
	from, to := thisYear()
	counts, err := s.o.Cards.UseCounts(ctx, from, to)
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "服务", "Service"
	f.Columns = []figureColumn{{"使用次数", "Uses"}, {"人数", "Holders"}}
	for _, c := range counts {
		uses, usesShown := count(c.Uses)
		holders, holdersShown := count(c.Holders)
		f.Rows = append(f.Rows, figureRow{LabelZh: c.Name, LabelEn: c.Service,
			Values: []float64{uses, holders}, Shown: []string{usesShown, holdersShown}})
	}
	return nil
}

func requestsByCommissioner(ctx context.Context, s *figureSources, f *figure) error {
	from, to := thisYear()
	st, err := s.o.Cards.RequestStatistics(ctx, from, to)
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "人才服务专员", "Commissioner"
	f.Columns = []figureColumn{{"受理", "Received"}, {"接哨率", "Acceptance"}, {"办结率", "Resolution"}, {"满意度", "Satisfaction"}}
	for _, c := range st.ByCommissioner {
		received, receivedShown := count(c.Received)
		acc, accShown := percent(c.AcceptanceRate)
		res, resShown := percent(c.ResolutionRate)
		sat, satShown := 0.0, "—"
		if c.AvgSatisfaction != nil {
			sat, satShown = *c.AvgSatisfaction, fmt.Sprintf("%.2f", *c.AvgSatisfaction)
		}
		f.Rows = append(f.Rows, figureRow{LabelZh: c.Name, Values: []float64{received, acc, res, sat},
			Shown: []string{receivedShown, accShown, resShown, satShown}})
	}
	return nil
}

func housingFigures(ctx context.Context, s *figureSources, f *figure) error {
	st, err := s.o.Housing.HousingStatistics(ctx)
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "类型", "Kind"
	f.Columns = []figureColumn{{"房源", "Units"}, {"已入住", "Occupied"}, {"入住率", "Occupancy"}, {"轮候", "Waiting"}}
	for _, k := range st.Kinds {
		units, unitsShown := count(k.Units)
		occ, occShown := count(k.Occupied)
		rate, rateShown := percent(k.OccupancyRate)
		wait, waitShown := count(k.Waiting)
		f.Rows = append(f.Rows, figureRow{LabelZh: housing.KindVocab.Label(string(k.Kind), "zh"),
			LabelEn: housing.KindVocab.Label(string(k.Kind), "en"),
			Values:  []float64{units, occ, rate, wait}, Shown: []string{unitsShown, occShown, rateShown, waitShown}})
	}
	return nil
}

func subsidyFigures(ctx context.Context, s *figureSources, f *figure) error {
	year := civil.DistrictToday().Time().Year()
	list, err := s.o.Subsidy.Programmes(ctx, subsidy.ProgrammeFilter{Year: year}, page.Query{Limit: page.MaxLimit})
	if err != nil {
		return err
	}
	f.LabelZh, f.LabelEn = "项目", "Programme"
	f.Columns = []figureColumn{{"预算（元）", "Budget (yuan)"}, {"已承诺（元）", "Committed (yuan)"}, {"已支付（元）", "Paid (yuan)"}, {"支付占预算", "Paid of budget"}}
	for _, p := range list.Items {
		rate := 0.0
		if p.BudgetFen > 0 {
			rate = float64(p.PaidFen) / float64(p.BudgetFen)
		}
		r, rShown := percent(rate)
		f.Rows = append(f.Rows, figureRow{LabelZh: p.Name, LabelEn: p.Code,
			Values: []float64{float64(p.BudgetFen) / 100, float64(p.CommittedFen) / 100, float64(p.PaidFen) / 100, r},
			Shown:  []string{p.BudgetFen.String(), p.CommittedFen.String(), p.PaidFen.String(), rShown}})
	}
	return nil
}
