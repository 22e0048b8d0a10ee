package subsidy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"talentd/internal/audit"
	"talentd/internal/civil"
	"talentd/internal/iso20022"
	"talentd/internal/money"
	"talentd/talent"
)

// The supplier programme of the demo (《璧山高新区工业重点企业本区配套发展行动计划》): R&D platforms,
// R&D spending and local supply.
const (
	demoSupplierCode = "local_supply"
	demoSupplierName = "璧山高新区工业重点企业本区配套发展补助"
	// demoSupplierBudget leaves room beyond what the round pays.
	demoSupplierBudget money.Fen = 900_000_000
)

// demoSupplierRules are the supplier programme's rules: a fixed amount per R&D platform level
// (¥1,000,000 national, ¥500,000 municipal, ¥200,000 district), 5% of R&D spending up to
// ¥300,000, 5% of purchases from registered local suppliers up to ¥100,000, and ¥1,500,000 at
// most in all.
var demoSupplierRules = SubsidyRules{
	RDPlatform:   &PlatformRule{Levels: PlatformAmounts{National: 100_000_000, Municipal: 50_000_000, District: 20_000_000}},
	RDInvestment: &RateRule{RateBP: 500, CapFen: fenPtr(30_000_000)},
	LocalSupply:  &RateRule{RateBP: 500, CapFen: fenPtr(10_000_000)},
	CapFen:       fenPtr(150_000_000),
}

func fenPtr(f money.Fen) *money.Fen { return &f }

// demoKeyDeclarations are what the 11 key enterprises declare, in the registry's order: the level
// of their R&D platform and their R&D spending. Under demoSupplierRules they earn ¥6,140,000:
// the national platform ¥1,000,000 + ¥300,000 (5% of ¥8,000,000 is over the cap), the municipal
// ones ¥500,000 + 5% of their spending, the district ones ¥200,000 + 5%.
var demoKeyDeclarations = []struct {
	level    PlatformLevel
	spending money.Fen
}{
	{"national", 800_000_000},
	{"municipal", 500_000_000}, {"municipal", 440_000_000}, {"municipal", 400_000_000}, {"municipal", 360_000_000},
	{"district", 320_000_000}, {"district", 300_000_000}, {"district", 280_000_000}, {"district", 260_000_000},
	{"district", 220_000_000}, {"district", 200_000_000},
}

// demoSupplierEarns is what local supplier j (0–35) earns: ¥40,000 plus ¥5,000 for each step of
// j mod 9, so the 36 earn ¥2,160,000 and, with the key enterprises' ¥6,140,000,
// DemoSupplierSubsidyFen. At 5% that is its local purchases divided by 20.
func demoSupplierEarns(j int) money.Fen { return 4_000_000 + 500_000*money.Fen(j%9) }

// demoSupplierDeclaration is what local supplier j declares: purchases from two other local
// suppliers, 60% and 40% of twenty times what it earns, and for every fourth one a purchase from an
// enterprise that is not a local supplier, which the calculation leaves out with a note.
func demoSupplierDeclaration(j int, suppliers, others []talent.Enterprise) SubsidyDeclaration {
	basis := demoSupplierEarns(j) * 20
	first := basis * 6 / 10
	d := SubsidyDeclaration{Purchases: []SupplierPurchase{
		{SupplierUSCC: suppliers[(j+1)%len(suppliers)].USCC, AmountFen: first},
		{SupplierUSCC: suppliers[(j+5)%len(suppliers)].USCC, AmountFen: basis - first},
	}}
	if j%4 == 3 && len(others) > 0 {
		d.Purchases = append(d.Purchases, SupplierPurchase{SupplierUSCC: others[j%len(others)].USCC, AmountFen: 12_000_000})
	}
	return d
}

// demoEnterprises are the registry's demo enterprises by kind, in the registry's order.
type demoEnterprises struct {
	key, suppliers, others []talent.Enterprise
}

// loadDemoEnterprises reads the registry's enterprises: the demo's key enterprises and local
// suppliers must all be there.
func (d *demoSeed) loadDemoEnterprises() (demoEnterprises, error) {
	var all []talent.Enterprise
	if err := d.tx.SelectContext(d.ctx, &all, `SELECT id, name, uscc, key_enterprise, local_supplier FROM enterprises
		ORDER BY id`); err != nil {
		return demoEnterprises{}, translate(err, "demo enterprises")
	}
	var e demoEnterprises
	for _, x := range all {
		switch {
		case x.KeyEnterprise:
			e.key = append(e.key, x)
		case x.LocalSupplier:
			e.suppliers = append(e.suppliers, x)
		default:
			e.others = append(e.others, x)
		}
	}
	if len(e.key) != talent.DemoKeyEnterprises || len(e.suppliers) != talent.DemoLocalSuppliers {
		return e, fmt.Errorf("subsidy demo: %d key enterprises and %d local suppliers, want %d and %d",
			len(e.key), len(e.suppliers), talent.DemoKeyEnterprises, talent.DemoLocalSuppliers)
	}
	return e, nil
}

// seedSupplierSubsidies loads the supplier programme: each key enterprise and local supplier
// applies (its HR), the programme's rules calculate the amount, the office approves it (the budget
// reserved, the payout prepared), the office records the enterprise's bank account and finance
// approves the payout; then finance pays them all in one payout run, exported to the bank and
// settled by the bank's status report. The payouts add up to DemoSupplierSubsidyFen, all paid.
func (d *demoSeed) seedSupplierSubsidies() error {
	ents, err := d.loadDemoEnterprises()
	if err != nil {
		return err
	}
	p, err := d.subsidyProgramme(demoSupplierCode, demoSupplierName, demoSupplierBudget, demoSupplierRules, 150)
	if err != nil {
		return err
	}
	var payouts []int64
	apply := func(i int, e talent.Enterprise, decl SubsidyDeclaration, file string) error {
		app, err := d.apply(p.ID, e, decl, file, 120-i%20)
		if err != nil {
			return err
		}
		payout, err := d.approveApplication(app, 90-i%10)
		if err != nil {
			return err
		}
		if err := d.setEnterpriseAccount(payout, e, 90-i%10); err != nil {
			return err
		}
		if err := d.approvePayout(payout, d.at(60, 0.3)); err != nil {
			return err
		}
		payouts = append(payouts, payout)
		return nil
	}
	for i, e := range ents.key {
		decl := SubsidyDeclaration{PlatformLevel: demoKeyDeclarations[i].level, RDSpendingFen: demoKeyDeclarations[i].spending}
		if err := apply(i, e, decl, "研发费用专项审计报告.pdf"); err != nil {
			return err
		}
	}
	for j, e := range ents.suppliers {
		if err := apply(len(ents.key)+j, e, demoSupplierDeclaration(j, ents.suppliers, ents.others), "本地配套采购合同及发票.pdf"); err != nil {
			return err
		}
	}
	if err := d.payRun(payouts); err != nil {
		return err
	}
	var paid money.Fen
	if err := d.tx.GetContext(d.ctx, &paid, `SELECT paid_fen FROM subsidy_programmes WHERE id = $1`, p.ID); err != nil {
		return translate(err, "demo supplier subsidies paid")
	}
	if paid != DemoSupplierSubsidyFen {
		return demoErr("the supplier subsidies paid", paid, DemoSupplierSubsidyFen)
	}
	return nil
}

// subsidyProgramme writes an open enterprise-subsidy programme of the year with its rules, created
// by the office daysAgo days back.
func (d *demoSeed) subsidyProgramme(code, name string, budget money.Fen, rules SubsidyRules, daysAgo int) (Programme, error) {
	raw, err := json.Marshal(rules)
	if err != nil {
		return Programme{}, err
	}
	var r Rules
	if err := json.Unmarshal(raw, &r); err != nil {
		return Programme{}, err
	}
	p, err := insertProgramme(d.ctx, d.tx, ProgrammeInput{Kind: KindEnterpriseSubsidy, Code: code, Name: name, Year: d.year(),
		BudgetFen: budget, Rules: r, Status: ProgrammeOpen}, d.office)
	if err != nil {
		return p, err
	}
	return p, d.dated(`UPDATE subsidy_programmes SET created_at = $2, updated_at = $2 WHERE id = $1`, p.ID, d.at(daysAgo, 0.02))
}

// apply files an enterprise's application as SubmitApplication does, by its HR daysAgo days back:
// the amount calculated by the programme's rules, stored with its working and the supporting
// file's metadata.
func (d *demoSeed) apply(programmeID int64, e talent.Enterprise, decl SubsidyDeclaration, file string, daysAgo int) (SubsidyApplication, error) {
	calc, err := calculate(d.ctx, d.tx, programmeID, decl)
	if err != nil {
		return SubsidyApplication{}, err
	}
	by := d.hrOr(&e.ID, d.office)
	id, err := insertApplication(d.ctx, d.tx, programmeID, e.ID, decl, calc.AmountFen, by)
	if err != nil {
		return SubsidyApplication{}, err
	}
	digest := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s", e.USCC, demoSupplierCode, file)))
	size := int64(200_000 + int(digest[0])*1_000)
	files := []SubsidyAttachmentInput{{FileName: file, SHA256: hex.EncodeToString(digest[:]), SizeBytes: &size}}
	if err := writeWorking(d.ctx, d.tx, id, calc, files, by); err != nil {
		return SubsidyApplication{}, err
	}
	at := d.at(daysAgo, 0.1)
	if err := d.dated(`UPDATE subsidy_applications SET created_at = $2, updated_at = $2 WHERE id = $1`, id, at); err != nil {
		return SubsidyApplication{}, err
	}
	return SubsidyApplication{ID: id, ProgrammeID: programmeID, EnterpriseID: e.ID, EnterpriseName: e.Name,
		CalculatedFen: calc.AmountFen, AmountFen: calc.AmountFen}, nil
}

// approveApplication grants an application its calculated amount as ApproveApplication does, by
// the office daysAgo days back: the budget reserved, the application approved and one pending
// payout to the enterprise prepared by the office, due that day. It returns the payout's id.
func (d *demoSeed) approveApplication(a SubsidyApplication, daysAgo int) (int64, error) {
	if _, err := reserve(d.ctx, d.tx, a.ProgrammeID, a.AmountFen); err != nil {
		return 0, err
	}
	if err := decideApplication(d.ctx, d.tx, a.ID, ApplicationApproved, a.AmountFen, "", "", d.office); err != nil {
		return 0, err
	}
	payout, err := insertApplicationPayout(d.ctx, d.tx, a, a.AmountFen, d.office)
	if err != nil {
		return 0, err
	}
	at := d.at(daysAgo, 0.2)
	if err := d.dated(`UPDATE subsidy_applications SET decided_at = $2, updated_at = $2 WHERE id = $1`, a.ID, at); err != nil {
		return 0, err
	}
	if _, err := d.tx.ExecContext(d.ctx, `UPDATE subsidy_payouts SET due_on = $2, created_at = $3, updated_at = $3
		WHERE id = $1`, payout, d.day(daysAgo), at); err != nil {
		return 0, translate(err, "demo dates")
	}
	return payout, nil
}

// setEnterpriseAccount records the enterprise's bank account on its payout, as the office does,
// daysAgo days back.
func (d *demoSeed) setEnterpriseAccount(payout int64, e talent.Enterprise, daysAgo int) error {
	return d.setBankAccount(payout, fmt.Sprintf("5005%016d", 8_800_000_000+e.ID), e.Name, d.at(daysAgo, 0.25))
}

// The payout run's days, counted back from the load day: created and exported, then settled.
const (
	demoRunCreated = 45
	demoRunSettled = 43
)

// payRun pays approved payouts in one run as finance does: the run created with its control
// totals, its credit-transfer file exported, and the bank's pain.002 status report, every line
// settled (ACCC), imported as ImportReport does, which sets each payout paid and raises the
// programmes' paid totals.
func (d *demoSeed) payRun(payouts []int64) error {
	locked, err := lockRunPayouts(d.ctx, d.tx, payouts)
	if err != nil {
		return err
	}
	in := RunInput{PayoutIDs: payouts, ControlCount: len(locked)}
	for _, py := range locked {
		in.ControlSumFen += py.AmountFen
	}
	if err := checkRunPayouts(in, locked); err != nil {
		return err
	}
	created, settled := d.at(demoRunCreated, 0.4), d.at(demoRunSettled, 0.5)
	messageID := "BSSUB-" + civil.InDistrict(created).Time().Format("20060102") + "-0000000000000001"
	run, err := insertRun(d.ctx, d.tx, messageID, in.ControlCount, in.ControlSumFen, d.finance)
	if err != nil {
		return err
	}
	if run.Lines, err = insertRunLines(d.ctx, d.tx, run.ID, locked); err != nil {
		return err
	}
	if err := audit.Write(d.ctx, d.tx, audit.Entry{Action: "subsidy_payout_run.create", EntityType: "subsidy_payout_run",
		EntityID: runEntity(run.ID), After: run}); err != nil {
		return err
	}
	if _, err := markRunExported(d.ctx, d.tx, run.ID); err != nil {
		return err
	}
	if err := audit.Write(d.ctx, d.tx, audit.Entry{Action: "subsidy_payout_run.export", EntityType: "subsidy_payout_run",
		EntityID: runEntity(run.ID), Before: map[string]any{"status": RunCreated},
		After: map[string]any{"status": RunExported, "message_id": messageID}}); err != nil {
		return err
	}
	if err := d.settleRun(run, settled); err != nil {
		return err
	}
	if _, err := d.tx.ExecContext(d.ctx, `UPDATE subsidy_payout_runs SET created_at = $2, exported_at = $3, settled_at = $4
		WHERE id = $1`, run.ID, created, created.Add(10*time.Minute), settled); err != nil {
		return translate(err, "demo dates")
	}
	if _, err := d.tx.ExecContext(d.ctx, `UPDATE subsidy_payout_run_lines SET settled_at = $2 WHERE run_id = $1`,
		run.ID, settled); err != nil {
		return translate(err, "demo dates")
	}
	_, err = d.tx.ExecContext(d.ctx, `UPDATE subsidy_payouts SET paid_at = $2, updated_at = $2
		WHERE id IN (SELECT payout_id FROM subsidy_payout_run_lines WHERE run_id = $1)`, run.ID, settled)
	return translate(err, "demo dates")
}

// settleRun reads the bank's status report on the run, every line settled, and applies it as
// ImportReport does.
func (d *demoSeed) settleRun(run PayoutRun, at time.Time) error {
	rep, err := iso20022.ReadPain002(bytes.NewReader(demoBankReport(run, at)), MaxReportBytes)
	if err != nil {
		return err
	}
	res := ReportResult{ReportMessageID: rep.MessageID}
	if err := d.s.settle(d.ctx, d.tx, run, rep, &res); err != nil {
		return err
	}
	if res.Paid != len(run.Lines) {
		return fmt.Errorf("subsidy demo: the bank's report paid %d of the run's %d lines", res.Paid, len(run.Lines))
	}
	return nil
}

// demoBankReport is the bank's pain.002 status report on a run, made at the instant given: the
// group and every line settled to the creditor's account (ACCC).
func demoBankReport(run PayoutRun, at time.Time) []byte {
	var sum money.Fen
	for _, l := range run.Lines {
		sum += l.AmountFen
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>PSR-%s</MsgId><CreDtTm>%s</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
<OrgnlNbOfTxs>%d</OrgnlNbOfTxs><OrgnlCtrlSum>%s</OrgnlCtrlSum><GrpSts>ACCC</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>%s</OrgnlPmtInfId>
`, run.MessageID, at.In(civil.District).Format(time.RFC3339), run.MessageID, len(run.Lines), sum, run.MessageID)
	for _, l := range run.Lines {
		fmt.Fprintf(&b, "<TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>ACCC</TxSts></TxInfAndSts>\n", l.EndToEndID)
	}
	b.WriteString("</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")
	return []byte(b.String())
}

// The second round of the demo (第二批): R&D platforms and spending only, open to every
// enterprise, its applications decided recently, so its payouts are still on their way.
const (
	demoSecondCode   = "rd_platform_second"
	demoSecondName   = "研发平台及研发投入补助（第二批）"
	demoSecondBudget = 300_000_000
	// demoFailure is why the bank refused the failed payout; demoRetried why it refused the one
	// finance sent again.
	demoFailure = "收款账户户名与账号不符，银行退回"
	demoRetried = "收款银行系统日终处理，当日未能入账"
)

// demoSecondRound is what each applicant of the second round declares, from the enterprises that
// are neither key nor local suppliers, and how far its payout has come: "" (still waiting for the
// office's decision), or the payout's status.
var demoSecondRound = []struct {
	level    PlatformLevel
	spending money.Fen
	payout   string
}{
	{"district", 180_000_000, "pending"},  // no bank account yet
	{"none", 240_000_000, "pending"},      // its account recorded, waiting for finance
	{"district", 120_000_000, "approved"}, // waiting for the next run
	{"none", 300_000_000, "failed"},
	{"municipal", 200_000_000, "retried"}, // failed, then sent again: approved
	{"district", 100_000_000, ""},
}

// seedSecondRound loads the second round: applications decided in the past weeks, their payouts
// pending (one with, one without a bank account), approved, failed with the bank's reason, and
// failed then retried, each step audited as the ledger audits it; and one application still
// waiting for the office. Nothing of it is paid, so the paid totals stay the report's.
func (d *demoSeed) seedSecondRound() error {
	ents, err := d.loadDemoEnterprises()
	if err != nil {
		return err
	}
	if len(ents.others) < len(demoSecondRound) {
		return fmt.Errorf("subsidy demo: %d other enterprises, %d needed", len(ents.others), len(demoSecondRound))
	}
	rules := SubsidyRules{RDPlatform: demoSupplierRules.RDPlatform, RDInvestment: demoSupplierRules.RDInvestment}
	p, err := d.subsidyProgramme(demoSecondCode, demoSecondName, demoSecondBudget, rules, 40)
	if err != nil {
		return err
	}
	for i, r := range demoSecondRound {
		app, err := d.apply(p.ID, ents.others[i], SubsidyDeclaration{PlatformLevel: r.level, RDSpendingFen: r.spending},
			"研发平台认定文件及研发费用明细.pdf", 30-i)
		if err != nil {
			return err
		}
		if r.payout == "" {
			continue
		}
		payout, err := d.approveApplication(app, 20-i)
		if err != nil {
			return err
		}
		if i > 0 { // the first still waits for its bank account
			if err := d.setEnterpriseAccount(payout, ents.others[i], 20-i); err != nil {
				return err
			}
		}
		if err := d.advanceSecondRound(payout, r.payout); err != nil {
			return err
		}
	}
	return nil
}

// advanceSecondRound takes a second-round payout as far as step says, finance acting days after
// the approval; the failures and the retry are audited as the ledger's steps are.
func (d *demoSeed) advanceSecondRound(payout int64, step string) error {
	switch step {
	case "pending":
		return nil
	case "approved":
		return d.approvePayout(payout, d.at(10, 0.3))
	}
	if err := d.approvePayout(payout, d.at(10, 0.3)); err != nil {
		return err
	}
	reason := demoFailure
	if step == "retried" {
		reason = demoRetried
	}
	if err := d.ledgerStep(payout, "fail", PayoutApproved, payoutChange{Status: PayoutFailed, FailureReason: reason,
		Attempt: true}, d.at(8, 0.5)); err != nil {
		return err
	}
	if step == "retried" {
		return d.ledgerStep(payout, "retry", PayoutFailed, payoutChange{Status: PayoutApproved}, d.at(6, 0.6))
	}
	return nil
}

// ledgerStep takes one step of a payout's life as finance does through the ledger (changePayout),
// audited with the status before and after, dated at.
func (d *demoSeed) ledgerStep(payout int64, action string, before PayoutStatus, c payoutChange, at time.Time) error {
	if err := changePayout(d.ctx, d.tx, payout, c); err != nil {
		return err
	}
	if err := d.dated(`UPDATE subsidy_payouts SET updated_at = $2 WHERE id = $1`, payout, at); err != nil {
		return err
	}
	return audit.Write(d.ctx, d.tx, audit.Entry{Action: "subsidy_payout." + action, EntityType: "subsidy_payout",
		EntityID: payoutEntity(payout), Before: map[string]any{"status": before},
		After: map[string]any{"status": c.Status, "failure_reason": c.FailureReason}})
}
