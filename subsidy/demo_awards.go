package subsidy

import (
	"fmt"

	"talentd/internal/civil"
	"talentd/internal/money"
)

// demoProgramme is one award programme of the demo: its winners all receive the same amount,
// nominated for the reasons given (one per winner, in turn).
type demoProgramme struct {
	code, name string
	winners    int
	eachFen    money.Fen
	budgetFen  money.Fen
	reasons    []string
}

// demoProgrammes add up to DemoAwardsFen: 19 × ¥100,000 + 31 × ¥30,900 + 26 × ¥50,000.
var demoProgrammes = []demoProgramme{
	{"bishan_talent", "璧山英才", 19, 10_000_000, 250_000_000, []string{
		"主持企业核心技术攻关，取得发明专利并实现产业化",
		"牵头建设市级研发平台，带领团队完成重点新产品研发",
		"引进落地高新技术项目，带动企业年产值显著增长",
	}},
	{"bishan_craftsman", "璧山工匠", 31, 3_090_000, 120_000_000, []string{
		"深耕一线生产二十年，解决关键工艺难题，培养技术骨干多名",
		"在市级职业技能竞赛中获奖，主导生产线技术改造",
		"首创精密装配工法，产品一次合格率明显提升",
	}},
	{"enterprise_innovative", "企业创新型人才", 26, 5_000_000, 150_000_000, []string{
		"主导企业数字化改造项目，显著降低生产成本",
		"研发新材料配方并投入量产，填补区内空白",
		"推动产学研合作，与高校共建联合实验室",
	}},
}

// seedAwards loads the award programmes: for each winner, drawn from the registered talents, a
// nomination by the HR of their enterprise (the office for one without an employer or an HR
// account), the office's award selecting it, and instalments each approved by finance on its due
// day and paid the next office day with a bank reference. Every instalment is due by the load day,
// so the awards paid add up to DemoAwardsFen.
func (d *demoSeed) seedAwards() error {
	need := 0
	for _, dp := range demoProgrammes {
		need += dp.winners
	}
	var winners []beneficiaryTalent
	if err := d.tx.SelectContext(d.ctx, &winners, `SELECT id, name, enterprise_id, status FROM talents
		WHERE status = 'registered' ORDER BY id LIMIT $1`, need); err != nil {
		return translate(err, "demo winners")
	}
	if len(winners) < need {
		return fmt.Errorf("subsidy demo: %d registered talents, %d needed", len(winners), need)
	}
	for _, dp := range demoProgrammes {
		if err := d.seedAwardProgramme(dp, winners[:dp.winners]); err != nil {
			return err
		}
		winners = winners[dp.winners:]
	}
	var paid money.Fen
	if err := d.tx.GetContext(d.ctx, &paid, `SELECT coalesce(sum(paid_fen), 0) FROM subsidy_programmes WHERE kind = 'award'`); err != nil {
		return translate(err, "demo awards paid")
	}
	if paid != DemoAwardsFen {
		return demoErr("the awards paid", paid, DemoAwardsFen)
	}
	return nil
}

// seedAwardProgramme writes one programme and its winners' nominations, awards and payments.
func (d *demoSeed) seedAwardProgramme(dp demoProgramme, winners []beneficiaryTalent) error {
	p, err := insertProgramme(d.ctx, d.tx, ProgrammeInput{Kind: KindAward, Code: dp.code, Name: dp.name,
		Year: d.year(), BudgetFen: dp.budgetFen, Rules: Rules{}, Status: ProgrammeOpen}, d.office)
	if err != nil {
		return err
	}
	if err := d.dated(`UPDATE subsidy_programmes SET created_at = $2, updated_at = $2 WHERE id = $1`, p.ID, d.at(240, 0.02)); err != nil {
		return err
	}
	for i, w := range winners {
		nominated := d.at(230-i%10, 0.05)
		n, err := insertNomination(d.ctx, d.tx, p.ID, w, dp.reasons[i%len(dp.reasons)], d.hrOr(w.EnterpriseID, d.office))
		if err != nil {
			return err
		}
		if err := d.dated(`UPDATE subsidy_nominations SET created_at = $2 WHERE id = $1`, n.ID, nominated); err != nil {
			return err
		}
		if err := d.award(p.ID, w, n.ID, dp.eachFen); err != nil {
			return err
		}
	}
	return nil
}

// award selects a nominee as the office does (the nomination marked awarded, the amount reserved,
// one pending payout per instalment) and pays each instalment.
func (d *demoSeed) award(programmeID int64, w beneficiaryTalent, nominationID int64, amount money.Fen) error {
	if _, err := reserve(d.ctx, d.tx, programmeID, amount); err != nil {
		return err
	}
	if err := markNominationAwarded(d.ctx, d.tx, nominationID); err != nil {
		return err
	}
	id, err := insertAward(d.ctx, d.tx, programmeID, w, nominationID, amount, d.office)
	if err != nil {
		return err
	}
	awarded := d.at(215, 0.1)
	if err := d.dated(`UPDATE subsidy_awards SET created_at = $2 WHERE id = $1`, id, awarded); err != nil {
		return err
	}
	dues := d.dueDates()
	for i, due := range dues {
		part := amount / money.Fen(len(dues))
		if i == len(dues)-1 {
			part = amount - part*money.Fen(len(dues)-1)
		}
		payout, err := insertInstalmentPayout(d.ctx, d.tx, programmeID, id, w, i+1, due, part, d.office)
		if err != nil {
			return err
		}
		if err := d.dated(`UPDATE subsidy_payouts SET created_at = $2 WHERE id = $1`, payout, awarded); err != nil {
			return err
		}
		if err := d.payInstalment(programmeID, payout, w, due, part); err != nil {
			return err
		}
	}
	return nil
}

// dueDates are an award's instalments' due dates, all by the load day: the first about 200 days
// back, the second a month back; one only when the year leaves no room for two (its first day).
func (d *demoSeed) dueDates() []civil.Date {
	first, second := d.day(200), d.day(30)
	if !second.After(first) {
		second = civil.Of(first.Time().AddDate(0, 0, 1))
	}
	if second.After(d.today) {
		return []civil.Date{first}
	}
	return []civil.Date{first, second}
}

// payInstalment records the talent's bank account on an instalment's payout, finance's approval on
// its due day and the bank's payment the next office day (by the load day), as MarkPaid does: the
// programme's paid total rises by the amount.
func (d *demoSeed) payInstalment(programmeID, payoutID int64, w beneficiaryTalent, due civil.Date, amount money.Fen) error {
	if err := d.setBankAccount(payoutID, fmt.Sprintf("6217%015d", 3_100_000_000+w.ID), w.Name, d.clock.At(due, 0.15)); err != nil {
		return err
	}
	if err := d.approvePayout(payoutID, d.clock.At(due, 0.2)); err != nil {
		return err
	}
	paidOn := civil.Of(due.Time().AddDate(0, 0, 1))
	if paidOn.After(d.today) {
		paidOn = d.today
	}
	ref := fmt.Sprintf("BSCZ%s%06d", due.Time().Format("20060102"), payoutID)
	if err := changePayout(d.ctx, d.tx, payoutID, payoutChange{Status: PayoutPaid, Paid: true, BankReference: &ref,
		Attempt: true}); err != nil {
		return err
	}
	if err := d.dated(`UPDATE subsidy_payouts SET paid_at = $2, updated_at = $2 WHERE id = $1`, payoutID,
		d.clock.At(paidOn, 0.6)); err != nil {
		return err
	}
	return addCommitted(d.ctx, d.tx, programmeID, 0, int64(amount))
}
