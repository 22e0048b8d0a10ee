package subsidy

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/talent"
)

// pageAll is a page large enough for any list of the demo the tests read whole.
var pageAll = page.Query{Limit: page.MaxLimit}

// seedDemoWorld loads the registry's demo enterprises and talents, an office, a finance and an HR
// account per enterprise (as the demo accounts are), then the subsidy demo as of today, twice: the
// second load adds nothing. It returns the context the demo was loaded in.
func seedDemoWorld(t *testing.T, f *fixture, today civil.Date) context.Context {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	enterprises, _, err := f.reg.SeedDemoEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.SeedDemoTalents(ctx, enterprises, today); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`INSERT INTO accounts (username, display_name, role, password_hash, enterprise_id)
		SELECT 'hr-' || id, name || ' 人力资源部', 'enterprise_hr', 'x', id FROM enterprises
		UNION ALL VALUES ('talent-office', '区人才办', 'talent_office', 'x', CAST(NULL AS bigint)), ('finance', '区财政局', 'finance', 'x', NULL)`); err != nil {
		t.Fatal(err)
	}
	var before string
	for i, want := range []bool{true, false} {
		loaded, err := f.svc.SeedDemo(ctx, today)
		if err != nil || loaded != want {
			t.Fatalf("load %d: loaded %v, %v", i+1, loaded, err)
		}
		if i == 0 {
			before = demoLedger(t, f)
		}
	}
	if after := demoLedger(t, f); after != before {
		t.Fatalf("loading the demo again changed it:\nbefore %s\nafter  %s", before, after)
	}
	return ctx
}

// demoLedger sums up everything the subsidy demo writes, to tell whether a second load changed it.
func demoLedger(t *testing.T, f *fixture) string {
	t.Helper()
	var rows []string
	if err := f.db.Select(&rows, `SELECT concat_ws('|', 'programmes', count(*), sum(committed_fen), sum(paid_fen), max(version)) FROM subsidy_programmes
		UNION ALL SELECT concat_ws('|', 'nominations', count(*), string_agg(status, '' ORDER BY id)) FROM subsidy_nominations
		UNION ALL SELECT concat_ws('|', 'awards', count(*), sum(amount_fen)) FROM subsidy_awards
		UNION ALL SELECT concat_ws('|', 'applications', count(*), sum(amount_fen), string_agg(status, '' ORDER BY id)) FROM subsidy_applications
		UNION ALL SELECT concat_ws('|', 'payouts', count(*), sum(amount_fen), sum(version), string_agg(status, '' ORDER BY id)) FROM subsidy_payouts
		UNION ALL SELECT concat_ws('|', 'runs', count(*), string_agg(status || version, '' ORDER BY id)) FROM subsidy_payout_runs
		UNION ALL SELECT concat_ws('|', 'lines', count(*), string_agg(status, '' ORDER BY id)) FROM subsidy_payout_run_lines
		UNION ALL SELECT concat_ws('|', 'audit', count(*)) FROM audit_log WHERE entity_type LIKE 'subsidy%'`); err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, "; ")
}

// TestSeedDemo_Awards: the demo's three award programmes pay exactly the report's ¥4,157,900 to 76
// winners, every one of them nominated first (by their enterprise's HR, or the office) and the
// nomination selected; every payout paid with a bank reference, approved by someone other than
// its preparer; within budget.
func TestSeedDemo_Awards(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDemoWorld(t, f, civil.New(2026, 11, 26))
	var sums struct {
		Instalments int64 `db:"instalments"`
		Paid        int64 `db:"paid"`
		Unpaid      int   `db:"unpaid"`
		NoReference int   `db:"no_reference"`
		SameHands   int   `db:"same_hands"`
		Programmes  int   `db:"programmes"`
		Winners     int   `db:"winners"`
	}
	if err := f.db.Get(&sums, `SELECT (SELECT sum(i.amount_fen) FROM subsidy_instalments i) AS instalments,
		(SELECT sum(paid_fen) FROM subsidy_programmes WHERE kind = 'award') AS paid,
		(SELECT count(*) FROM subsidy_payouts WHERE beneficiary_kind = 'talent' AND status <> 'paid') AS unpaid,
		(SELECT count(*) FROM subsidy_payouts WHERE status = 'paid' AND bank_reference IS NULL) AS no_reference,
		(SELECT count(*) FROM subsidy_payouts WHERE status <> 'pending' AND (approved_by_id IS NULL
			OR prepared_by_id IS NULL OR approved_by_id = prepared_by_id)) AS same_hands,
		(SELECT count(*) FROM subsidy_programmes WHERE kind = 'award' AND year = 2026) AS programmes,
		(SELECT count(*) FROM subsidy_awards) AS winners`); err != nil {
		t.Fatal(err)
	}
	if sums.Instalments != int64(DemoAwardsFen) || sums.Paid != int64(DemoAwardsFen) {
		t.Errorf("instalments add up to %d, paid %d; want %d", sums.Instalments, sums.Paid, DemoAwardsFen)
	}
	if sums.Programmes != 3 || sums.Winners != 76 || sums.Unpaid != 0 || sums.NoReference != 0 || sums.SameHands != 0 {
		t.Errorf("demo awards: %+v", sums)
	}
	var nominations struct {
		Awarded     int `db:"awarded"`
		Unselected  int `db:"unselected"`
		ByHR        int `db:"by_hr"`
		ByOffice    int `db:"by_office"`
		ByOtherHR   int `db:"by_other_hr"`
		OfficeForHR int `db:"office_for_hr"`
	}
	if err := f.db.Get(&nominations, `SELECT
		count(*) FILTER (WHERE n.status = 'awarded' AND a.nomination_id = n.id) AS awarded,
		(SELECT count(*) FROM subsidy_awards WHERE nomination_id IS NULL) AS unselected,
		count(*) FILTER (WHERE by.role = 'enterprise_hr' AND by.enterprise_id = n.enterprise_id) AS by_hr,
		count(*) FILTER (WHERE by.role = 'talent_office') AS by_office,
		count(*) FILTER (WHERE by.role = 'enterprise_hr' AND by.enterprise_id IS DISTINCT FROM n.enterprise_id) AS by_other_hr,
		count(*) FILTER (WHERE by.role = 'talent_office' AND n.enterprise_id IS NOT NULL) AS office_for_hr
		FROM subsidy_nominations n JOIN accounts by ON by.id = n.nominated_by_id
		LEFT JOIN subsidy_awards a ON a.programme_id = n.programme_id AND a.talent_id = n.talent_id`); err != nil {
		t.Fatal(err)
	}
	if nominations.Awarded != 76 || nominations.Unselected != 0 || nominations.ByHR == 0 || nominations.ByOffice == 0 ||
		nominations.ByHR+nominations.ByOffice != 76 || nominations.ByOtherHR != 0 || nominations.OfficeForHR != 0 {
		t.Errorf("nominations: %+v", nominations)
	}
	var ids []int64
	if err := f.db.Select(&ids, `SELECT id FROM subsidy_programmes ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		checkCommitted(t, f, id)
	}
}

// TestSeedDemo_SupplierSubsidies: the supplier programme pays exactly the report's ¥8,300,000, one
// application of each of the 11 key and 36 local supplier enterprises, each amount the programme's
// rules calculate from what the enterprise declared, each paid; all of it through one payout run,
// exported (its pain.001 can be made) and settled by the bank's report, its control totals those
// of its lines.
func TestSeedDemo_SupplierSubsidies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDemoWorld(t, f, civil.New(2026, 11, 26))

	var paid []struct {
		Kind ProgrammeKind `db:"kind"`
		Paid money.Fen     `db:"paid"`
	}
	if err := f.db.Select(&paid, `SELECT kind, sum(paid_fen) AS paid FROM subsidy_programmes GROUP BY kind ORDER BY kind`); err != nil {
		t.Fatal(err)
	}
	want := map[ProgrammeKind]money.Fen{KindAward: DemoAwardsFen, KindEnterpriseSubsidy: DemoSupplierSubsidyFen}
	if len(paid) != 2 {
		t.Fatalf("paid by kind: %+v", paid)
	}
	for _, p := range paid {
		if p.Paid != want[p.Kind] {
			t.Errorf("%s programmes paid %s yuan, want %s", p.Kind, p.Paid.Yuan(), want[p.Kind].Yuan())
		}
	}

	prog, err := f.svc.Programmes(office, ProgrammeFilter{Kind: KindEnterpriseSubsidy}, pageAll)
	if err != nil || len(prog.Items) != 2 || prog.Items[0].Code != demoSupplierCode {
		t.Fatalf("subsidy programmes: %+v %v", prog, err)
	}
	supplier := prog.Items[0]
	if supplier.PaidFen != DemoSupplierSubsidyFen || supplier.CommittedFen != DemoSupplierSubsidyFen || supplier.Year != 2026 {
		t.Errorf("supplier programme: %+v", supplier)
	}
	var byKind struct {
		Key        int       `db:"key"`
		Local      int       `db:"local"`
		Others     int       `db:"others"`
		Paid       money.Fen `db:"paid"`
		EachPaid   int       `db:"each_paid"`
		Enterprise int       `db:"enterprises"`
	}
	if err := f.db.Get(&byKind, `SELECT count(*) FILTER (WHERE e.key_enterprise) AS key,
		count(*) FILTER (WHERE e.local_supplier) AS local,
		count(*) FILTER (WHERE NOT e.key_enterprise AND NOT e.local_supplier) AS others,
		sum(p.amount_fen) FILTER (WHERE p.status = 'paid') AS paid,
		count(*) FILTER (WHERE p.status = 'paid' AND a.status = 'approved' AND p.amount_fen = a.amount_fen) AS each_paid,
		count(DISTINCT a.enterprise_id) AS enterprises
		FROM subsidy_applications a JOIN enterprises e ON e.id = a.enterprise_id
		LEFT JOIN subsidy_payouts p ON p.application_id = a.id WHERE a.programme_id = $1`, supplier.ID); err != nil {
		t.Fatal(err)
	}
	if byKind.Key != talent.DemoKeyEnterprises || byKind.Local != talent.DemoLocalSuppliers || byKind.Others != 0 ||
		byKind.Paid != DemoSupplierSubsidyFen || byKind.EachPaid != 47 || byKind.Enterprise != 47 {
		t.Errorf("supplier applications: %+v", byKind)
	}

	// Each amount is what the programme's rules make of the declared figures, its working adding up
	// to it; the purchases from enterprises that are not local suppliers are left out with a note.
	apps, err := f.svc.Applications(office, pageAll)
	if err != nil {
		t.Fatal(err)
	}
	excluded := 0
	for _, a := range apps.Items {
		calc, err := calculate(context.Background(), f.db, a.ProgrammeID, a.Declared)
		if err != nil {
			t.Fatal(err)
		}
		var lines money.Fen
		for _, l := range a.Working {
			lines += l.AmountFen
			if l.Code == LineNonLocalSupplier {
				excluded++
			}
		}
		if calc.AmountFen != a.CalculatedFen || a.AmountFen != a.CalculatedFen || lines != a.AmountFen ||
			len(a.Attachments) != 1 || a.AmountFen <= 0 {
			t.Errorf("application %d of %s: calculated %d, recalculated %d, working %d: %+v", a.ID, a.EnterpriseName,
				a.CalculatedFen, calc.AmountFen, lines, a)
		}
	}
	if excluded == 0 {
		t.Error("no purchase from an enterprise that is not a local supplier")
	}

	// One run, settled: every line paid, its payouts the supplier programme's, paid with the bank's
	// reference; its control totals those of its lines; its pain.001 can be made.
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Username: "finance", Role: auth.RoleFinance})
	runs, err := f.svc.Runs(ctx, "", pageAll)
	if err != nil || len(runs.Items) != 1 {
		t.Fatalf("runs: %+v %v", runs, err)
	}
	run, err := f.svc.Run(ctx, runs.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != RunSettled || run.ExportedAt == nil || run.SettledAt == nil || !run.SettledAt.After(*run.ExportedAt) {
		t.Errorf("run: %+v", run)
	}
	var sum money.Fen
	for _, l := range run.Lines {
		sum += l.AmountFen
		py, err := f.svc.Payout(office, l.PayoutID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != RunLinePaid || py.Status != PayoutPaid || py.Programme.ID != supplier.ID || py.BankReference == nil ||
			!strings.HasSuffix(*py.BankReference, "/"+l.EndToEndID) || py.AmountFen != l.AmountFen {
			t.Errorf("line %+v, payout %+v", l, py)
		}
	}
	if run.ControlCount != len(run.Lines) || run.ControlSumFen != sum || sum != DemoSupplierSubsidyFen || len(run.Lines) != 47 {
		t.Errorf("run declares %d lines of %s yuan; it has %d of %s", run.ControlCount, run.ControlSumFen.Yuan(),
			len(run.Lines), sum.Yuan())
	}
	var file bytes.Buffer
	if err := f.svc.WriteRunFile(ctx, run.ID, &file); err != nil {
		t.Fatalf("the run's pain.001: %v", err)
	}
	var doc struct {
		NbOfTxs string `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
		CtrlSum string `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
	}
	if err := xml.Unmarshal(file.Bytes(), &doc); err != nil || doc.NbOfTxs != "47" || doc.CtrlSum != sum.String() {
		t.Errorf("pain.001 states %+v (%v), want 47 lines of %s", doc, err, sum)
	}
	for _, p := range prog.Items {
		checkCommitted(t, f, p.ID)
	}
}

// TestSeedDemo_PayoutStatuses: beside what is paid, the demo's second round holds payouts pending
// (one without a bank account), approved, failed with the bank's reason, and failed then retried
// (approved again, the attempt counted and both steps audited), and an application still waiting
// for the office; none of it paid.
func TestSeedDemo_PayoutStatuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDemoWorld(t, f, civil.New(2026, 1, 1))
	prog, err := f.svc.Programmes(office, ProgrammeFilter{Kind: KindEnterpriseSubsidy}, pageAll)
	if err != nil || len(prog.Items) != 2 || prog.Items[1].Code != demoSecondCode {
		t.Fatalf("subsidy programmes: %+v %v", prog, err)
	}
	second := prog.Items[1]
	payouts, err := f.svc.Payouts(office, PayoutFilter{ProgrammeID: second.ID}, pageAll)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[PayoutStatus]int{}
	var failed, retried, noAccount int
	for _, p := range payouts.Items {
		statuses[p.Status]++
		switch {
		case p.Status == PayoutFailed && p.FailureReason == demoFailure && p.Attempts == 1:
			failed++
		case p.Status == PayoutApproved && p.Attempts == 1:
			var audited int
			if err := f.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE entity_type = 'subsidy_payout'
				AND entity_id = $1 AND action IN ('subsidy_payout.fail', 'subsidy_payout.retry')`, payoutEntity(p.ID)); err != nil {
				t.Fatal(err)
			}
			if audited == 2 {
				retried++
			}
		case p.Status == PayoutPending && !p.HasBankAccount:
			noAccount++
		}
	}
	if statuses[PayoutPending] != 2 || statuses[PayoutApproved] != 2 || statuses[PayoutFailed] != 1 || statuses[PayoutPaid] != 0 ||
		failed != 1 || retried != 1 || noAccount != 1 {
		t.Errorf("second round's payouts: %v, failed %d, retried %d, pending without an account %d", statuses, failed,
			retried, noAccount)
	}
	if second.PaidFen != 0 || second.CommittedFen == 0 {
		t.Errorf("second round: %+v", second)
	}
	var waiting int
	if err := f.db.Get(&waiting, `SELECT count(*) FROM subsidy_applications WHERE programme_id = $1 AND status = 'submitted'`,
		second.ID); err != nil {
		t.Fatal(err)
	}
	if waiting != 1 {
		t.Errorf("%d applications waiting for the office, want 1", waiting)
	}
	// Loaded on the year's first day, everything is still of that year and paid by then.
	var late int
	if err := f.db.Get(&late, `SELECT count(*) FROM subsidy_payouts WHERE due_on NOT BETWEEN '2026-01-01' AND '2026-01-01'
		OR paid_at >= '2026-01-02T00:00:00+08:00'`); err != nil {
		t.Fatal(err)
	}
	if late != 0 {
		t.Errorf("%d payouts due or paid outside the load day", late)
	}
	for _, p := range prog.Items {
		checkCommitted(t, f, p.ID)
	}
}
