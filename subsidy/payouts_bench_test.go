package subsidy

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"talentd/internal/auth"
	"talentd/internal/idempotency"
	"talentd/internal/money"
	"talentd/internal/pgtest"
)

// The benchmark's ledger: 100,000 payouts of one enterprise-subsidy programme, approved by finance
// from benchWorkers desks at once (pgbench runs with as many clients) and paid in runs of
// maxRunLines; the bank rejects one line in benchRejectEvery.
const (
	benchPayouts     = 100_000
	benchWorkers     = 8
	benchRejectEvery = 1000
	benchPGBenchFor  = 10 * time.Second
)

// benchLedger is a fresh database holding benchPayouts pending payouts, as approving the
// enterprises' applications would have left them: each to the applicant's sealed bank account,
// prepared by an office clerk, their amounts committed of the programme's budget.
type benchLedger struct {
	w     *applicationWorld
	fin   context.Context // the finance clerk who approves: not the preparer
	finID int64           // their account
	ids   []int64
}

func newBenchLedger(b *testing.B) *benchLedger {
	b.Helper()
	w := newApplicationWorld(b, 1_000_000_000_000)
	// A connection per desk (the test pools are smaller), and two to spare.
	w.db.SetMaxOpenConns(benchWorkers + 2)
	w.db.SetMaxIdleConns(benchWorkers + 2)
	prep := accountOf(b, w.actor(b, "office-bench", auth.RoleTalentOffice))
	l := &benchLedger{w: w, fin: w.actor(b, "finance-bench", auth.RoleFinance)}
	l.finID = accountOf(b, l.fin)
	const batch = 10_000
	var total money.Fen
	for start := 0; start < benchPayouts; start += batch {
		amounts := make([]int64, batch)
		for i := range amounts {
			amounts[i] = 100_000 + int64((start+i)%997)*1_00 // 1,000 to 1,996 yuan
			total += money.Fen(amounts[i])
		}
		var apps []int64
		if err := w.db.Select(&apps, `INSERT INTO subsidy_applications (programme_id, enterprise_id, calculated_fen, amount_fen,
				status, submitted_by_id, decided_by_id, decided_at)
			SELECT $1, $2, a, a, 'approved', $3, $3, now() FROM unnest($4::bigint[]) AS a RETURNING id`,
			w.programme.ID, w.applicant.ID, prep, pq.Array(amounts)); err != nil {
			b.Fatal(err)
		}
		sealed := make([][]byte, len(apps))
		masked := make([]string, len(apps))
		for i, id := range apps {
			number := fmt.Sprintf("6222%015d", id)
			sealed[i], masked[i] = w.svc.ring.Seal(number, bankAccountPurpose), maskAccount(number)
		}
		if _, err := w.db.Exec(`INSERT INTO subsidy_payouts (programme_id, beneficiary_kind, enterprise_id, application_id,
				amount_fen, due_on, prepared_by_id, bank_account_cipher, bank_account_masked, bank_name, account_holder)
			SELECT $1, 'enterprise', $2, a.id, a.amount_fen, CURRENT_DATE, $3, s.cipher, s.masked, '102653000017', '重庆某某科技有限公司'
			FROM unnest($4::bigint[], $5::bytea[], $6::text[]) AS s (id, cipher, masked)
			JOIN subsidy_applications a ON a.id = s.id`,
			w.programme.ID, w.applicant.ID, prep, pq.Array(apps), pq.Array(sealed), pq.Array(masked)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := w.db.Exec(`UPDATE subsidy_programmes SET committed_fen = committed_fen + $2 WHERE id = $1`,
		w.programme.ID, total); err != nil {
		b.Fatal(err)
	}
	if err := w.db.Select(&l.ids, `SELECT id FROM subsidy_payouts WHERE programme_id = $1 ORDER BY id`, w.programme.ID); err != nil ||
		len(l.ids) != benchPayouts {
		b.Fatalf("%d payouts seeded (%v), want %d", len(l.ids), err, benchPayouts)
	}
	if _, err := w.db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return l
}

// accountOf is the account id of the actor in ctx.
func accountOf(b testing.TB, ctx context.Context) int64 {
	b.Helper()
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return p.AccountID
}

// idempotent names a request of the finance clerk under key, as the API would.
func (l *benchLedger) idempotent(operation, path, key string, body any) (idempotency.Request, error) {
	fp, err := idempotency.Fingerprint("POST", path, body)
	return idempotency.Request{Key: idempotency.Key{Account: l.finID, Operation: operation, Key: key}, Fingerprint: fp}, err
}

// approveAll approves every payout one by one through the service, from benchWorkers desks at once.
func (l *benchLedger) approveAll(b *testing.B) {
	var next atomic.Int64
	errs := make(chan error, benchWorkers)
	var wg sync.WaitGroup
	for range benchWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(l.ids) {
					return
				}
				id := strconv.FormatInt(l.ids[i], 10)
				req, err := l.idempotent("approve-subsidy-payout", "/v1/subsidy/payouts/"+id+"/approve", "bench-"+id, nil)
				if err == nil {
					_, err = l.w.svc.Approve(l.fin, l.ids[i], req)
				}
				if err != nil {
					errs <- fmt.Errorf("approve payout %s: %w", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// payAll pays the approved payouts in runs of maxRunLines, up to benchWorkers runs at a time: each
// run is made with its control totals, its pain.001 exported, and the bank's pain.002 for it
// imported. It returns the time it took and, of that, the time the bank's side took (reading the
// file, writing its report), summed over the runs.
func (l *benchLedger) payAll(b *testing.B) (elapsed, bank time.Duration) {
	var chunks [][]int64
	for ids := l.ids; len(ids) > 0; ids = ids[min(len(ids), maxRunLines):] {
		chunks = append(chunks, ids[:min(len(ids), maxRunLines)])
	}
	var banked, next atomic.Int64
	errs := make(chan error, len(chunks))
	var wg sync.WaitGroup
	start := time.Now()
	for range min(benchWorkers, len(chunks)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(chunks) {
					return
				}
				d, err := l.payRun(i, chunks[i])
				banked.Add(int64(d))
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return elapsed, time.Duration(banked.Load())
}

// payRun makes run n of the payouts with their control totals, exports its file, has the bank
// answer it and imports the answer; it returns the time the bank took.
func (l *benchLedger) payRun(n int, ids []int64) (time.Duration, error) {
	var sum money.Fen
	if err := l.w.db.Get(&sum, `SELECT sum(amount_fen) FROM subsidy_payouts WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return 0, err
	}
	in := RunInput{PayoutIDs: ids, ControlCount: len(ids), ControlSumFen: sum}
	req, err := l.idempotent("create-subsidy-payout-run", "/v1/subsidy/payout-runs", "bench-run-"+strconv.Itoa(n), in)
	if err != nil {
		return 0, err
	}
	r, err := l.w.svc.CreateRun(l.fin, req, in)
	if err != nil {
		return 0, fmt.Errorf("create run %d: %w", n, err)
	}
	var file bytes.Buffer
	if err := l.w.svc.WriteRunFile(l.fin, r.ID, &file); err != nil {
		return 0, fmt.Errorf("export run %d: %w", n, err)
	}
	start := time.Now()
	report, err := bankAnswer(r, file.Bytes())
	if err != nil {
		return 0, fmt.Errorf("the bank reading run %d: %w", n, err)
	}
	bank := time.Since(start)
	res, err := l.w.svc.ImportReport(l.fin, r.ID, report)
	if err != nil {
		return bank, fmt.Errorf("import the report of run %d: %w", n, err)
	}
	if res.Paid+res.Rejected != len(ids) || res.Run.Status != RunSettled {
		return bank, fmt.Errorf("run %d: %d paid, %d rejected of %d; run %s", n, res.Paid, res.Rejected, len(ids), res.Run.Status)
	}
	return bank, nil
}

// bankAnswer is the bank's pain.002 for a pain.001 file: every transfer of the file settled, but
// one in benchRejectEvery rejected for a closed account (AC04).
func bankAnswer(r PayoutRun, pain001 []byte) ([]byte, error) {
	var doc struct {
		MsgID string `xml:"CstmrCdtTrfInitn>GrpHdr>MsgId"`
		Count int    `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
		Sum   string `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
		Lines []struct {
			EndToEndID string `xml:"PmtId>EndToEndId"`
		} `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf"`
	}
	if err := xml.Unmarshal(pain001, &doc); err != nil {
		return nil, err
	}
	sum, err := money.Parse(doc.Sum)
	if err != nil {
		return nil, err
	}
	if doc.MsgID != r.MessageID || doc.Count != len(doc.Lines) || doc.Count != len(r.Lines) {
		return nil, errors.New("the file does not match its run")
	}
	lines := make([][3]string, len(doc.Lines))
	for i, l := range doc.Lines {
		lines[i] = [3]string{l.EndToEndID, "ACSC", ""}
		if i%benchRejectEvery == benchRejectEvery-1 {
			lines[i] = [3]string{l.EndToEndID, "RJCT", "AC04"}
		}
	}
	return bankReport(r, "BANK-"+r.MessageID[len(r.MessageID)-16:], "PART", doc.Count, sum, lines...), nil
}

// check holds the ledger to what the runs did: every payout paid or (one in benchRejectEvery)
// failed, and the programme's paid total the sum of the paid ones.
func (l *benchLedger) check(b *testing.B) {
	var got struct {
		Paid, Failed  int
		PaidFen, Prog money.Fen
	}
	if err := l.w.db.QueryRow(`SELECT count(*) FILTER (WHERE p.status = 'paid'), count(*) FILTER (WHERE p.status = 'failed'),
			coalesce(sum(p.amount_fen) FILTER (WHERE p.status = 'paid'), 0), max(g.paid_fen)
		FROM subsidy_payouts p JOIN subsidy_programmes g ON g.id = p.programme_id WHERE g.id = $1`, l.w.programme.ID).
		Scan(&got.Paid, &got.Failed, &got.PaidFen, &got.Prog); err != nil {
		b.Fatal(err)
	}
	if wantFailed := benchPayouts / benchRejectEvery; got.Paid != benchPayouts-wantFailed || got.Failed != wantFailed ||
		got.PaidFen != got.Prog {
		b.Fatalf("after the runs: %+v, want %d paid and %d failed", got, benchPayouts-wantFailed, wantFailed)
	}
}

// BenchmarkPayoutsApproveAndSettle approves 100,000 payouts one by one through the service (finance,
// never the preparer, from benchWorkers desks at once), then pays them in runs of at most
// maxRunLines: each run made with its control totals, its pain.001 exported and the bank's pain.002
// imported (a few lines rejected). It reports payouts/s over the whole, beside `pgbench -N -M
// prepared` TPS with as many clients on the same server in the same run, and their ratio; beside
// them the two phases' times (runs-s includes the bank's side, bank-s, summed over the runs, which
// overlap). Each iteration seeds a fresh database untimed; one takes minutes, so b.N stays 1.
func BenchmarkPayoutsApproveAndSettle(b *testing.B) {
	var approve, pay, bank time.Duration
	for range b.N {
		b.StopTimer()
		l := newBenchLedger(b)
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		l.approveAll(b)
		approve += time.Since(start)
		elapsed, banked := l.payAll(b)
		pay, bank = pay+elapsed, bank+banked
		b.StopTimer()
		l.check(b)
	}
	n := float64(b.N)
	perSecond := benchPayouts * n / (approve + pay).Seconds()
	b.ReportMetric(perSecond, "payouts/s")
	b.ReportMetric(benchPayouts*n/approve.Seconds(), "approvals/s")
	b.ReportMetric(approve.Seconds()/n, "approve-s")
	b.ReportMetric(pay.Seconds()/n, "runs-s")
	b.ReportMetric(bank.Seconds()/n, "bank-s")
	tps, err := pgtest.PGBench(context.Background(), pgtest.NewURL(b), 10, "-N", "-M", "prepared",
		"-c", strconv.Itoa(benchWorkers), "-j", "2", "-T", strconv.Itoa(int(benchPGBenchFor.Seconds())))
	if errors.Is(err, pgtest.ErrNoPGBench) {
		b.Logf("%.0f payouts/s (approve %.1fs, runs %.1fs); no pgbench to compare with: %v", perSecond,
			approve.Seconds()/n, pay.Seconds()/n, err)
		return
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(tps, "pgbench_tps")
	b.ReportMetric(perSecond/tps, "ratio")
	b.Logf("%d payouts approved and settled in %d-line runs at %.0f payouts/s (approve %.1fs, runs %.1fs); "+
		"pgbench -N -M prepared -c %d: %.0f tps; ratio %.3f", benchPayouts, maxRunLines, perSecond,
		approve.Seconds()/n, pay.Seconds()/n, benchWorkers, tps, perSecond/tps)
}
