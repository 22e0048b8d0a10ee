package subsidy

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/idempotency"
	"talentd/internal/iso20022"
	"talentd/internal/money"
)

// runDesk is a finance clerk with an account, who makes runs over the fixture's service.
type runDesk struct {
	f   *fixture
	ctx context.Context
	n   int
}

func newRunDesk(t *testing.T, f *fixture) *runDesk {
	t.Helper()
	var id int64
	if err := f.db.Get(&id, `INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ('finance-runs', '财政局', 'finance', 'x') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	return &runDesk{f: f, ctx: auth.WithPrincipal(context.Background(),
		auth.Principal{AccountID: id, Username: "finance-runs", Role: auth.RoleFinance})}
}

// approvedPayout awards a new talent amount in one instalment and sets its payout approved with
// a sealed bank account, as the ledger would; it returns the payout's id.
func (d *runDesk) approvedPayout(t *testing.T, programmeID int64, amount money.Fen) int64 {
	t.Helper()
	a := award(t, d.f, programmeID, d.f.talent(t), amount)
	id := a.Instalments[0].PayoutID
	number := fmt.Sprintf("62220202%011d", id)
	if _, err := d.f.db.Exec(`UPDATE subsidy_payouts SET status = 'approved', bank_account_cipher = $2,
		bank_account_masked = $3, bank_name = '102653000017', account_holder = '张三' WHERE id = $1`,
		id, d.f.svc.ring.Seal(number, bankAccountPurpose), number[:4]+"********"+number[len(number)-4:]); err != nil {
		t.Fatal(err)
	}
	return id
}

// create makes a run of the payouts with the totals, under a fresh idempotency key.
func (d *runDesk) create(in RunInput) (PayoutRun, error) {
	d.n++
	p, _ := auth.MustPrincipal(d.ctx)
	req := idempotency.Request{Key: idempotency.Key{Account: p.AccountID, Operation: "create-subsidy-payout-run",
		Key: fmt.Sprintf("run-%d", d.n)}}
	return d.f.svc.CreateRun(d.ctx, req, in)
}

// ledger is the state a report may change: every payout's status and reference, every line's
// status and the programme's paid total.
func (d *runDesk) ledger(t *testing.T, programmeID int64) string {
	t.Helper()
	var rows []string
	if err := d.f.db.Select(&rows, `SELECT concat_ws('|', id, status, bank_reference, failure_reason, version)
		FROM subsidy_payouts WHERE programme_id = $1
		UNION ALL SELECT concat_ws('|', end_to_end_id, status, reason_code) FROM subsidy_payout_run_lines
		UNION ALL SELECT concat_ws('|', paid_fen, version) FROM subsidy_programmes WHERE id = $1
		UNION ALL SELECT concat_ws('|', id, status, version) FROM subsidy_payout_runs ORDER BY 1`, programmeID); err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

// bankReport is a pain.002 on run: the group status and the listed lines (end-to-end id, status,
// reason), stating count and sum as given.
func bankReport(r PayoutRun, msgID, group string, count int, sum money.Fen, lines ...[3]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>%s</MsgId><CreDtTm>2026-11-27T10:00:00+08:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
<OrgnlNbOfTxs>%d</OrgnlNbOfTxs><OrgnlCtrlSum>%s</OrgnlCtrlSum><GrpSts>%s</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>%s</OrgnlPmtInfId>
`, msgID, r.MessageID, count, sum, group, r.MessageID)
	for _, l := range lines {
		fmt.Fprintf(&b, "<TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>%s</TxSts>", l[0], l[1])
		if l[2] != "" {
			fmt.Fprintf(&b, "<StsRsnInf><Rsn><Cd>%s</Cd></Rsn></StsRsnInf>", l[2])
		}
		b.WriteString("</TxInfAndSts>\n")
	}
	b.WriteString("</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")
	return []byte(b.String())
}

func TestService_RunControlTotals(t *testing.T) {
	f := newFixture(t)
	d := newRunDesk(t, f)
	p := f.programme(t, "run_totals", 2026, 1_000_000_00)
	a, b := d.approvedPayout(t, p.ID, 300_00), d.approvedPayout(t, p.ID, 200_00)
	for name, c := range map[string]struct {
		in    RunInput
		field string
	}{
		"count": {RunInput{PayoutIDs: []int64{a, b}, ControlCount: 3, ControlSumFen: 500_00}, "body.control_count"},
		"sum":   {RunInput{PayoutIDs: []int64{a, b}, ControlCount: 2, ControlSumFen: 500_01}, "body.control_sum_fen"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := d.create(c.in)
			var e *errs.Error
			if !errors.Is(err, ErrRunControlTotals) || !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != c.field {
				t.Fatalf("err = %#v, want run_control_totals naming %s", err, c.field)
			}
		})
	}
	var runs int
	if err := f.db.Get(&runs, `SELECT count(*) FROM subsidy_payout_runs`); err != nil || runs != 0 {
		t.Fatalf("runs = %d (%v), want none after refusals", runs, err)
	}
	r, err := d.create(RunInput{PayoutIDs: []int64{a, b}, ControlCount: 2, ControlSumFen: 500_00})
	if err != nil || len(r.Lines) != 2 {
		t.Fatalf("run = %+v, %v", r, err)
	}
	// A payout waits in one pending run at a time.
	if _, err := d.create(RunInput{PayoutIDs: []int64{a}, ControlCount: 1, ControlSumFen: 300_00}); !errors.Is(err, ErrRunPayoutInRun) {
		t.Fatalf("second run err = %v, want payout_in_pending_run", err)
	}
}

func TestService_RunFile(t *testing.T) {
	f := newFixture(t)
	d := newRunDesk(t, f)
	p := f.programme(t, "run_file", 2026, 1_000_000_00)
	ids := []int64{d.approvedPayout(t, p.ID, 1234_56), d.approvedPayout(t, p.ID, 7_89), d.approvedPayout(t, p.ID, 100_00)}
	r, err := d.create(RunInput{PayoutIDs: ids, ControlCount: 3, ControlSumFen: 1234_56 + 7_89 + 100_00})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.svc.WriteRunFile(d.ctx, r.ID, &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		NbOfTxs string   `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
		CtrlSum string   `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
		Amounts []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>Amt>InstdAmt"`
		Accts   []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>CdtrAcct>Id>Othr>Id"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("the file is not well-formed: %v\n%s", err, buf.String())
	}
	var sum money.Fen
	for _, a := range doc.Amounts {
		v, err := money.Parse(a)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	if doc.NbOfTxs != "3" || doc.CtrlSum != sum.String() || sum != 1234_56+7_89+100_00 {
		t.Fatalf("count %s, control sum %s, lines add up to %s", doc.NbOfTxs, doc.CtrlSum, sum)
	}
	if len(doc.Accts) != 3 || !strings.HasPrefix(doc.Accts[0], "62220202") || strings.Contains(doc.Accts[0], "*") {
		t.Fatalf("creditor accounts %v, want the opened numbers", doc.Accts)
	}
	got, err := f.svc.Run(d.ctx, r.ID)
	if err != nil || got.Status != RunExported || got.ExportedAt == nil {
		t.Fatalf("run after export = %+v, %v", got, err)
	}
}

func TestService_RunReport(t *testing.T) {
	f := newFixture(t)
	d := newRunDesk(t, f)
	p := f.programme(t, "run_report", 2026, 1_000_000_00)
	paid, rejected, waiting := d.approvedPayout(t, p.ID, 300_00), d.approvedPayout(t, p.ID, 200_00), d.approvedPayout(t, p.ID, 100_00)
	r, err := d.create(RunInput{PayoutIDs: []int64{paid, rejected, waiting}, ControlCount: 3, ControlSumFen: 600_00})
	if err != nil {
		t.Fatal(err)
	}
	e2e := map[int64]string{}
	for _, l := range r.Lines {
		e2e[l.PayoutID] = l.EndToEndID
	}
	good := bankReport(r, "BANK-1", "PART", 3, 600_00,
		[3]string{e2e[paid], "ACSC", ""}, [3]string{e2e[rejected], "RJCT", "AC04"}, [3]string{e2e[waiting], "ACSP", ""})

	t.Run("refused whole", func(t *testing.T) {
		before := d.ledger(t, p.ID)
		for name, body := range map[string][]byte{
			"unknown line": bankReport(r, "BANK-X", "PART", 3, 600_00, [3]string{e2e[paid], "ACSC", ""},
				[3]string{"R999-P999", "ACSC", ""}),
			"sum":           bankReport(r, "BANK-X", "ACSC", 3, 600_01),
			"count":         bankReport(r, "BANK-X", "ACSC", 2, 600_00),
			"other message": bytes.Replace(good, []byte(r.MessageID), []byte("OTHER-FILE-1"), 1),
		} {
			if _, err := f.svc.ImportReport(d.ctx, r.ID, body); !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: err = %v, want a refusal", name, err)
			}
		}
		if after := d.ledger(t, p.ID); after != before {
			t.Fatalf("a refused report changed the ledger:\n%s\n---\n%s", before, after)
		}
	})

	res, err := f.svc.ImportReport(d.ctx, r.ID, good)
	if err != nil || res.Paid != 1 || res.Rejected != 1 || res.Pending != 1 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	var got []struct {
		ID     int64   `db:"id"`
		Status string  `db:"status"`
		Ref    *string `db:"bank_reference"`
		Reason string  `db:"failure_reason"`
	}
	if err := f.db.Select(&got, `SELECT id, status, bank_reference, failure_reason FROM subsidy_payouts
		WHERE programme_id = $1 ORDER BY id`, p.ID); err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		switch g.ID {
		case paid:
			if g.Status != "paid" || g.Ref == nil || *g.Ref != "BANK-1/"+e2e[paid] {
				t.Errorf("paid payout = %+v", g)
			}
		case rejected:
			if g.Status != "failed" || g.Reason != "AC04" {
				t.Errorf("rejected payout = %+v", g)
			}
		case waiting:
			if g.Status != "approved" {
				t.Errorf("pending payout = %+v", g)
			}
		}
	}
	if prog := checkCommitted(t, f, p.ID); prog.PaidFen != 300_00 {
		t.Fatalf("paid_fen = %d, want 30000", prog.PaidFen)
	}
	// Each settled payout is audited, by the clerk who imported the report.
	for action, want := range map[string]string{
		"subsidy_payout.paid": fmt.Sprintf(`{"run_id": %d, "status": "paid", "amount_fen": 30000, "bank_reference": "BANK-1/%s"}`, r.ID, e2e[paid]),
		"subsidy_payout.fail": fmt.Sprintf(`{"run_id": %d, "status": "failed", "reason_code": "AC04"}`, r.ID),
	} {
		var got []string
		if err := f.db.Select(&got, `SELECT entity_id || ' ' || actor_username || ' ' || after::text FROM audit_log
			WHERE action = $1`, action); err != nil {
			t.Fatal(err)
		}
		id := map[string]int64{"subsidy_payout.paid": paid, "subsidy_payout.fail": rejected}[action]
		if len(got) != 1 || got[0] != fmt.Sprintf("%d finance-runs %s", id, want) {
			t.Errorf("%s audit: %q, want %d finance-runs %s", action, got, id, want)
		}
	}

	// The same report again changes nothing.
	before := d.ledger(t, p.ID)
	if res, err := f.svc.ImportReport(d.ctx, r.ID, good); err != nil || res.Unchanged != 2 || res.Paid != 0 {
		t.Fatalf("second import = %+v, %v", res, err)
	}
	if after := d.ledger(t, p.ID); after != before {
		t.Fatalf("the second import changed the ledger:\n%s\n---\n%s", before, after)
	}

	// A later report settles the last line and with it the run.
	last := bankReport(r, "BANK-2", "ACSC", 3, 600_00)
	if res, err := f.svc.ImportReport(d.ctx, r.ID, last); err != nil || res.Paid != 1 || res.Run.Status != RunSettled {
		t.Fatalf("last import = %+v, %v", res, err)
	}
	if prog := checkCommitted(t, f, p.ID); prog.PaidFen != 400_00 {
		t.Fatalf("paid_fen = %d, want 40000", prog.PaidFen)
	}
}

func TestCheckPayer(t *testing.T) {
	if err := CheckPayer(DemoPayer); err != nil {
		t.Fatalf("the demo payer: %v", err)
	}
	for name, c := range map[string]struct {
		change func(p *iso20022.Party)
		field  string
	}{
		"no name":        {func(p *iso20022.Party) { p.Name = " " }, "payer.name"},
		"name too long":  {func(p *iso20022.Party) { p.Name = strings.Repeat("财", 141) }, "payer.name"},
		"name line feed": {func(p *iso20022.Party) { p.Name = "财政\n局" }, "payer.name"},
		"no account":     {func(p *iso20022.Party) { p.Account.Number = "" }, "payer.account"},
		"account dashes": {func(p *iso20022.Party) { p.Account.Number = "3100-0218-0902" }, "payer.account"},
		"iban":           {func(p *iso20022.Party) { p.Account = iso20022.Account{IBAN: "DE89370400440532013000"} }, "payer.account"},
		"cnaps 11":       {func(p *iso20022.Party) { p.Agent.CNAPS = "10265300021" }, "payer.cnaps"},
		"cnaps letters":  {func(p *iso20022.Party) { p.Agent.CNAPS = "10265300021X" }, "payer.cnaps"},
		"bic":            {func(p *iso20022.Party) { p.Agent = iso20022.Agent{BIC: "ICBKCNBJCQG"} }, "payer.cnaps"},
	} {
		t.Run(name, func(t *testing.T) {
			p := DemoPayer
			c.change(&p)
			err := CheckPayer(p)
			var e *errs.Error
			if !errors.Is(err, ErrPayerNotConfigured) || !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != c.field {
				t.Fatalf("err = %#v, want payer_not_configured naming %s", err, c.field)
			}
		})
	}
}

// TestService_RunFile_NeedsAPayer: without a configured payer no file is written and the run stays
// created; with one, the file debits the configured account.
func TestService_RunFile_NeedsAPayer(t *testing.T) {
	f := newFixture(t)
	d := newRunDesk(t, f)
	p := f.programme(t, "run_payer", 2026, 1_000_000_00)
	id := d.approvedPayout(t, p.ID, 500_00)
	r, err := d.create(RunInput{PayoutIDs: []int64{id}, ControlCount: 1, ControlSumFen: 500_00})
	if err != nil {
		t.Fatal(err)
	}
	for name, payer := range map[string]iso20022.Party{
		"none":      {},
		"malformed": {Name: "区财政局", Account: iso20022.Account{Number: "31000218"}, Agent: iso20022.Agent{CNAPS: "1026"}},
	} {
		t.Run(name, func(t *testing.T) {
			svc := NewService(f.db, f.svc.ring, f.reg, Options{Payer: payer})
			var buf bytes.Buffer
			err := svc.WriteRunFile(d.ctx, r.ID, &buf)
			var e *errs.Error
			if !errors.Is(err, ErrPayerNotConfigured) || !errors.As(err, &e) || e.Kind != errs.Conflict || e.Zh == "" || e.Message == "" {
				t.Fatalf("err = %v, want a bilingual payer_not_configured conflict", err)
			}
			if buf.Len() != 0 {
				t.Fatalf("a file was written without a payer:\n%s", buf.String())
			}
			if got, err := svc.Run(d.ctx, r.ID); err != nil || got.Status != RunCreated {
				t.Fatalf("run after the refusal = %+v, %v", got, err)
			}
		})
	}
	other := iso20022.Party{Name: "某区财政局国库支付中心", Account: iso20022.Account{Number: "50001083600050209999"},
		Agent: iso20022.Agent{CNAPS: "105653000017"}}
	svc := NewService(f.db, f.svc.ring, f.reg, Options{Payer: other})
	var buf bytes.Buffer
	if err := svc.WriteRunFile(d.ctx, r.ID, &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name  string `xml:"CstmrCdtTrfInitn>PmtInf>Dbtr>Nm"`
		Acct  string `xml:"CstmrCdtTrfInitn>PmtInf>DbtrAcct>Id>Othr>Id"`
		CNAPS string `xml:"CstmrCdtTrfInitn>PmtInf>DbtrAgt>FinInstnId>ClrSysMmbId>MmbId"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != other.Name || doc.Acct != other.Account.Number || doc.CNAPS != other.Agent.CNAPS {
		t.Fatalf("debtor %+v, want the configured payer %+v", doc, other)
	}
}
